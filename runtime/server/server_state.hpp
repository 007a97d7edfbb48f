// What every connection and route of one HttpServer shares: configuration, models,
// metrics, loggers, the serving flags and the engine requests in flight.
#pragma once

#include <spdlog/logger.h>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>

#include "config/config.hpp"
#include "engine/request.hpp"
#include "server/access_control.hpp"
#include "server/guardrail_chain.hpp"
#include "server/http_metrics.hpp"
#include "server/model_registry.hpp"
#include "server/request_parse.hpp"

namespace sluice::server {

// Engine requests that have been submitted and not finished, so that stop() can cancel
// them all. Free-threaded.
class ActiveRequests {
 public:
  uint64_t add(std::shared_ptr<engine::RequestQueue> queue, uint64_t seq_id);
  void remove(uint64_t key);
  void cancel_all();
  size_t size() const;

 private:
  struct Entry {
    std::shared_ptr<engine::RequestQueue> queue;
    uint64_t seq_id;
  };
  mutable std::mutex mutex_;
  uint64_t next_key_ = 1;
  std::unordered_map<uint64_t, Entry> entries_;
};

struct ServerState {
  config::ServerConfig config;
  std::string version;
  RequestLimits limits;
  ModelRegistry models;
  HttpMetrics http_metrics;
  ActiveRequests active;
  std::shared_ptr<spdlog::logger> log;         // "server"
  std::shared_ptr<spdlog::logger> access_log;  // "access"
  std::atomic<bool> ready{false};
  std::atomic<bool> draining{false};
  std::atomic<bool> stopping{false};
  std::chrono::system_clock::time_point started = std::chrono::system_clock::now();

  ServerState(config::ServerConfig cfg, std::string ver,
              telemetry::MetricsRegistry& metrics_registry);
  telemetry::MetricsRegistry& metrics;

  // A new request id: "req-" and 16 hex digits, unique within the process.
  std::string next_request_id();

  AccessControl access;

  // The guardrail chain in force; replaced whole by a reload while requests run (each
  // request keeps the chain it started with).
  std::shared_ptr<const GuardrailChain> guardrails() const;
  void set_guardrails(std::shared_ptr<const GuardrailChain> chain);

  // What POST /admin/reload does (set by `sluice serve`): re-reads the configuration and
  // the keys file. Returns a short description; throws std::exception with the reason.
  std::function<std::string()> reload;
  // What GET /admin/plugins lists (set by `sluice serve`).
  std::function<nlohmann::json()> plugins_report;

 private:
  std::atomic<uint64_t> request_counter_{0};
  mutable std::mutex guardrails_mutex_;
  std::shared_ptr<const GuardrailChain> guardrails_ = std::make_shared<GuardrailChain>();
  uint64_t id_salt_;
};

}  // namespace sluice::server
