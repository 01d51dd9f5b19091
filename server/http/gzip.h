#ifndef PROGRESS_SERVER_HTTP_GZIP_H_
#define PROGRESS_SERVER_HTTP_GZIP_H_

#include <optional>
#include <string>

#include "absl/strings/string_view.h"

namespace progress {

// `data` gzipped (RFC 1952), for a Content-Encoding: gzip response; nullopt
// if zlib fails, so the caller sends it plain.
std::optional<std::string> Gzip(absl::string_view data);

// True when an Accept-Encoding header value accepts gzip ("gzip",
// "deflate, gzip;q=1.0", but not "gzip;q=0").
bool AcceptsGzip(absl::string_view accept_encoding);

}  // namespace progress

#endif  // PROGRESS_SERVER_HTTP_GZIP_H_
