#include "server/server_state.hpp"

#include <cstdio>
#include <random>

#include "telemetry/logging.hpp"

namespace sluice::server {

uint64_t ActiveRequests::add(std::shared_ptr<engine::RequestQueue> queue, uint64_t seq_id) {
  std::lock_guard lock(mutex_);
  const uint64_t key = next_key_++;
  entries_.emplace(key, Entry{std::move(queue), seq_id});
  return key;
}

void ActiveRequests::remove(uint64_t key) {
  std::lock_guard lock(mutex_);
  entries_.erase(key);
}

void ActiveRequests::cancel_all() {
  std::unordered_map<uint64_t, Entry> entries;
  {
    std::lock_guard lock(mutex_);
    entries.swap(entries_);
  }
  for (auto& [key, entry] : entries) entry.queue->cancel(entry.seq_id);
}

size_t ActiveRequests::size() const {
  std::lock_guard lock(mutex_);
  return entries_.size();
}

ServerState::ServerState(config::ServerConfig cfg, std::string ver,
                         telemetry::MetricsRegistry& metrics_registry)
    : config(std::move(cfg)),
      version(std::move(ver)),
      limits{config.max_n, config.max_top_logprobs},
      http_metrics(metrics_registry),
      log(telemetry::component_logger("server")),
      access_log(telemetry::component_logger("access")),
      metrics(metrics_registry),
      id_salt_(std::random_device{}()) {}

std::string ServerState::next_request_id() {
  // A counter mixed with a per-process salt: unique here, unlikely to repeat across restarts.
  const uint64_t n = request_counter_.fetch_add(1, std::memory_order_relaxed);
  uint64_t x = (n + id_salt_) * 0x9E3779B97F4A7C15ull;
  x ^= x >> 31;
  char buf[24];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(x));
  return std::string("req-") + buf;
}

std::shared_ptr<const GuardrailChain> ServerState::guardrails() const {
  std::lock_guard lock(guardrails_mutex_);
  return guardrails_;
}

void ServerState::set_guardrails(std::shared_ptr<const GuardrailChain> chain) {
  if (!chain) chain = std::make_shared<GuardrailChain>();
  std::lock_guard lock(guardrails_mutex_);
  guardrails_ = std::move(chain);
}

}  // namespace sluice::server
