#!/bin/sh
# Makes the certificates the TLS tests use, in directory $1 (created), with
# Debian's openssl. Nothing is checked in: keys and validity are made fresh
# on every run.
#
#   ca.pem                  the CA that signs everything below but other-*
#   server.pem/.key         for localhost and 127.0.0.1 (subjectAltName)
#   client.pem/.key         a client certificate (mTLS)
#   other-ca.pem            an unrelated CA, and other-client.pem/.key from it
#   expired-server.pem/.key valid only in 2020, otherwise like server.pem
#   wrong-host-server.pem/.key  for wrong-host.example only
set -eu
dir=$1
mkdir -p "$dir"
cd "$dir"

key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
  -out "$1.key" 2>/dev/null; }

ca() {  # name, subject
  key "$1"
  openssl req -x509 -new -key "$1.key" -out "$1.pem" -days 2 -subj "$2" \
    -addext basicConstraints=critical,CA:TRUE \
    -addext keyUsage=critical,keyCertSign,cRLSign
}

# leaf name, issuing CA, subject alt names, extended key usage
leaf() {
  key "$1"
  openssl req -new -key "$1.key" -out "$1.csr" -subj "/CN=$1"
  printf 'basicConstraints=CA:FALSE\nsubjectAltName=%s\nextendedKeyUsage=%s\n' \
    "$3" "$4" > "$1.ext"
  openssl x509 -req -in "$1.csr" -CA "$2.pem" -CAkey "$2.key" \
    -CAcreateserial -out "$1.pem" -days 2 -extfile "$1.ext" 2>/dev/null
}

ca ca "/CN=progress-tracker test CA"
ca other-ca "/CN=unrelated test CA"
leaf server ca "DNS:localhost,IP:127.0.0.1" serverAuth
leaf client ca "DNS:client" clientAuth
leaf other-client other-ca "DNS:client" clientAuth
leaf wrong-host-server ca "DNS:wrong-host.example" serverAuth

# x509 -req in OpenSSL 3.0 cannot set dates in the past; `openssl ca` can.
key expired-server
openssl req -new -key expired-server.key -out expired-server.csr \
  -subj "/CN=expired-server"
mkdir -p ca-db
: > ca-db/index.txt
cat > ca-db/ca.cnf <<EOF
[ca]
default_ca = test
[test]
database = ca-db/index.txt
new_certs_dir = ca-db
serial = ca-db/serial
default_md = sha256
policy = any
copy_extensions = none
[any]
commonName = supplied
[server]
basicConstraints = CA:FALSE
subjectAltName = DNS:localhost,IP:127.0.0.1
extendedKeyUsage = serverAuth
EOF
echo 01 > ca-db/serial
openssl ca -batch -config ca-db/ca.cnf -cert ca.pem -keyfile ca.key \
  -in expired-server.csr -out expired-server.pem -extensions server \
  -startdate 20200101000000Z -enddate 20200102000000Z -notext 2>/dev/null
chmod 600 ./*.key
