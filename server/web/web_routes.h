#ifndef PROGRESS_SERVER_WEB_WEB_ROUTES_H_
#define PROGRESS_SERVER_WEB_WEB_ROUTES_H_

#include "http/http_server.h"
#include "registry/job_registry.h"

namespace progress {

// Serves the web page of every job on `server`: "/" and its files under
// "/ui/", and the JSON API at /api/v1/jobs (see jobs_api.h) that it and
// scripts read. `registry` must outlive the server.
void AddWebRoutes(HttpServer& server, const JobRegistry* registry);

}  // namespace progress

#endif  // PROGRESS_SERVER_WEB_WEB_ROUTES_H_
