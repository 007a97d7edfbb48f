#include "server/http_metrics.hpp"

namespace sluice::server {

HttpMetrics::HttpMetrics(telemetry::MetricsRegistry& registry)
    : registry_(registry),
      connections_(registry.gauge("sluice:http_connections_active", "Open HTTP connections.")),
      in_flight_(registry.gauge("sluice:http_requests_in_flight",
                                "HTTP requests being handled (streams included).")) {}

void HttpMetrics::request_done(const std::string& route, unsigned status, double seconds) {
  registry_
      .counter("sluice:http_requests_total", "HTTP requests answered, by route and status.",
               {{"route", route}, {"status", std::to_string(status)}})
      .inc();
  registry_
      .histogram("sluice:http_request_duration_seconds",
                 "Time from a request's arrival to the end of its response, by route.",
                 telemetry::MetricsRegistry::latency_buckets(), {{"route", route}})
      .observe(seconds);
}

void HttpMetrics::client_disconnected(const std::string& route) {
  registry_
      .counter("sluice:http_client_disconnects_total",
               "Generations cancelled because the client went away, by route.", {{"route", route}})
      .inc();
}

}  // namespace sluice::server
