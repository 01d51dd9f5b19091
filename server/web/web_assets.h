#ifndef PROGRESS_SERVER_WEB_WEB_ASSETS_H_
#define PROGRESS_SERVER_WEB_WEB_ASSETS_H_

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace progress {

// One file of the web page (server/web/assets/), compiled into progressd so
// the page needs nothing from anywhere else.
struct WebAsset {
  // Where it is served: "/" for index.html, "/ui/app.js" for app.js.
  absl::string_view path;
  absl::string_view content_type;
  absl::string_view bytes;
};

// Every asset; generated at build time by cmake/EmbedFiles.cmake.
absl::Span<const WebAsset> WebAssets();

}  // namespace progress

#endif  // PROGRESS_SERVER_WEB_WEB_ASSETS_H_
