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

void HttpMetrics::rate_limited(const std::string& tenant, const std::string& limit) {
  registry_
      .counter("sluice:rate_limited_requests_total",
               "Requests refused with 429, by tenant and the limit they hit.",
               {{"tenant", tenant}, {"limit", limit}})
      .inc();
}

void HttpMetrics::guardrail_decision(const std::string& guardrail, const std::string& stage,
                                     const std::string& action) {
  registry_
      .counter("sluice:guardrail_decisions_total",
               "Guardrail decisions other than allow and pass, by guardrail, stage and action.",
               {{"guardrail", guardrail}, {"stage", stage}, {"action", action}})
      .inc();
}

}  // namespace sluice::server
