#include "http/civetweb_tls.h"

#include <dlfcn.h>

#include <string>

#include "absl/strings/str_cat.h"

namespace progress {
namespace {

// Built from civetweb_openssl/; installed beside progressd's run path.
constexpr char kSslShim[] = "libprogress_civetweb_ssl.so";
constexpr char kCryptoShim[] = "libprogress_civetweb_crypto.so";

std::string DlError() {
  const char* error = dlerror();
  return error != nullptr ? error : "unknown error";
}

absl::Status Load() {
  // Never closed: civetweb keeps using them.
  for (const char* shim : {kCryptoShim, kSslShim}) {
    if (dlopen(shim, RTLD_NOW | RTLD_LOCAL) == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat("cannot load ", shim, ": ", DlError()));
    }
  }
  // What civetweb does next, by the same names: each must resolve.
  void* ssl = dlopen("libssl.so", RTLD_LAZY);
  void* crypto = dlopen("libcrypto.so", RTLD_LAZY);
  if (ssl == nullptr || crypto == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("civetweb would not find OpenSSL: ", DlError()));
  }
  for (const char* function :
       {"SSL_get_peer_certificate", "SSL_CTX_new", "OPENSSL_init_ssl"}) {
    if (dlsym(ssl, function) == nullptr) {
      return absl::FailedPreconditionError(
          absl::StrCat("civetweb would not find ", function));
    }
  }
  if (dlsym(crypto, "ERR_get_error") == nullptr) {
    return absl::FailedPreconditionError(
        "civetweb would not find ERR_get_error");
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status PrepareCivetwebTls() {
  static const absl::Status* const prepared = new absl::Status(Load());
  return *prepared;
}

}  // namespace progress
