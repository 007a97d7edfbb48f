// HTTP-level Prometheus instruments (docs/api.md lists them); the engine registers its
// own (sluice:time_to_first_token_seconds, ...) in the same registry.
#pragma once

#include <string>

#include "telemetry/metrics.hpp"

namespace sluice::server {

class HttpMetrics {
 public:
  explicit HttpMetrics(telemetry::MetricsRegistry& registry);

  // One answered request: sluice:http_requests_total{route,status} and
  // sluice:http_request_duration_seconds{route}.
  void request_done(const std::string& route, unsigned status, double seconds);
  // sluice:http_client_disconnects_total{route}: a client left before its generation ended.
  void client_disconnected(const std::string& route);
  // sluice:rate_limited_requests_total{tenant,limit}: requests refused with 429.
  void rate_limited(const std::string& tenant, const std::string& limit);
  // sluice:guardrail_decisions_total{guardrail,stage,action}: denials, rewrites,
  // redactions and stops.
  void guardrail_decision(const std::string& guardrail, const std::string& stage,
                          const std::string& action);
  // sluice:http_connections_active
  void connection_opened() { connections_.add(1); }
  void connection_closed() { connections_.add(-1); }
  // sluice:http_requests_in_flight
  void request_started() { in_flight_.add(1); }
  void request_ended() { in_flight_.add(-1); }

 private:
  telemetry::MetricsRegistry& registry_;
  telemetry::Gauge& connections_;
  telemetry::Gauge& in_flight_;
};

}  // namespace sluice::server
