#include "metrics/metrics_endpoint.h"

#include <exception>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "metrics/civetweb_tls.h"
#include "metrics/private_pem.h"

namespace progress {

absl::StatusOr<std::unique_ptr<MetricsEndpoint>> MetricsEndpoint::Start(
    const std::string& address,
    std::shared_ptr<prometheus::Collectable> collectable,
    const MetricsTls& tls) {
  std::unique_ptr<MetricsEndpoint> endpoint(new MetricsEndpoint());
  // Two threads serve scrapes.
  std::vector<std::string> options = {"listening_ports", address, "num_threads",
                                      "2"};
  // civetweb wants the key and the certificate in one file. It reads it
  // only while starting, so the copy of the key lives just that long.
  std::unique_ptr<PrivatePem> key_and_cert;
  if (!tls.cert_file.empty()) {
    if (absl::Status ready = PrepareCivetwebTls(); !ready.ok()) return ready;
    absl::StatusOr<std::unique_ptr<PrivatePem>> joined =
        PrivatePem::Join({tls.key_file, tls.cert_file});
    if (!joined.ok()) return joined.status();
    key_and_cert = *std::move(joined);
    options[1] = address + "s";  // The port serves HTTPS only.
    options.insert(options.end(), {"ssl_certificate", key_and_cert->path()});
    if (!tls.client_ca_file.empty()) {
      options.insert(options.end(), {"ssl_ca_file", tls.client_ca_file,
                                     "ssl_verify_peer", "yes"});
    }
    endpoint->https_ = true;
  }
  try {
    // civetweb throws when it cannot bind or set up TLS.
    endpoint->exposer_ = std::make_unique<prometheus::Exposer>(options);
  } catch (const std::exception& error) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve /metrics on ", address, ": ", error.what()));
  }
  const std::vector<int> ports = endpoint->exposer_->GetListeningPorts();
  if (ports.empty()) {
    return absl::UnavailableError(
        absl::StrCat("cannot serve /metrics on ", address));
  }
  endpoint->port_ = ports.front();
  endpoint->collectable_ = std::move(collectable);
  endpoint->exposer_->RegisterCollectable(endpoint->collectable_);
  return endpoint;
}

}  // namespace progress
