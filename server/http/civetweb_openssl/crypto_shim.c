/* libcrypto.so as Debian 12's civetweb 1.15 expects it: it dlopen()s
 * "libcrypto.so", a name only the libssl-dev package provides. This library
 * carries that soname and depends on the real libcrypto.so.3, so once
 * progressd has loaded it civetweb finds every crypto function through it,
 * and a machine without libssl-dev still serves /metrics over HTTPS. It
 * defines nothing itself. */
typedef int progress_civetweb_crypto_shim_is_empty;
