/* libssl.so as Debian 12's civetweb 1.15 expects it.
 *
 * civetweb loads OpenSSL at run time, dlopen("libssl.so"), and looks each
 * function up by the OpenSSL 1.1 names it was built for. OpenSSL 3 renamed
 * SSL_get_peer_certificate to SSL_get1_peer_certificate (the old name is a
 * macro only), so civetweb's pointer stays NULL and the first HTTPS request
 * calls it: the whole process dies of a segfault.
 *
 * This library carries the soname "libssl.so", so once progressd has loaded
 * it, civetweb's dlopen("libssl.so") finds it among the loaded objects, and
 * its dlsym() look-ups search it and then its dependency, the real
 * libssl.so.3. It adds the one missing name and nothing else. */
#include <openssl/ssl.h>

#undef SSL_get_peer_certificate

/* The same contract as in OpenSSL 1.1: a new reference the caller frees
 * (civetweb does, with X509_free). */
__attribute__((visibility("default"))) X509* SSL_get_peer_certificate(
    const SSL* ssl) {
  return SSL_get1_peer_certificate(ssl);
}
