#ifndef PROGRESS_SERVER_HTTP_CIVETWEB_TLS_H_
#define PROGRESS_SERVER_HTTP_CIVETWEB_TLS_H_

#include "absl/status/status.h"

namespace progress {

// Makes civetweb's HTTPS work with OpenSSL 3: loads the two small libraries
// in civetweb_openssl/ (found through progressd's run path) that give
// civetweb the libssl.so and libcrypto.so it dlopen()s, then checks that
// civetweb's look-up now finds every function it calls. Without them, the
// first HTTPS request crashes the process (see ssl_shim.c).
//
// FAILED_PRECONDITION saying what is missing when HTTPS cannot be served
// safely. Idempotent; thread-safe.
absl::Status PrepareCivetwebTls();

}  // namespace progress

#endif  // PROGRESS_SERVER_HTTP_CIVETWEB_TLS_H_
