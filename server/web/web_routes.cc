#include "web/web_routes.h"

#include <string>

#include "web/jobs_api.h"
#include "web/web_assets.h"

namespace progress {
namespace {

constexpr char kAssetsPath[] = "/ui";

HttpResponse ServeAsset(const HttpRequest& request) {
  for (const WebAsset& asset : WebAssets()) {
    if (request.path == asset.path) {
      return {200, std::string(asset.content_type), std::string(asset.bytes)};
    }
  }
  return {404, "text/plain; charset=utf-8", "not found\n"};
}

}  // namespace

void AddWebRoutes(HttpServer& server, const JobRegistry* registry) {
  server.Route("/", ServeAsset);
  server.Route(kAssetsPath, ServeAsset);
  server.Route(kJobsApiPath, [registry](const HttpRequest& request) {
    return ServeJobsApi(*registry, request);
  });
}

}  // namespace progress
