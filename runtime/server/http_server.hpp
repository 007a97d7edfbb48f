// The HTTP server `sluice serve` runs: OpenAI and Ollama APIs, tokenizer, health and
// metrics routes (docs/api.md), over Boost.Beast on a pool of I/O threads.
//
// Lifecycle: construct, add_model() (any time), listen(), run() on a thread (it blocks),
// set_ready(true) once the models are loaded. To shut down: begin_drain() (new
// generation requests get 503, running ones continue), let the engines finish or abort
// their requests, then stop(), which closes every connection and makes run() return.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "config/config.hpp"
#include "engine/served_model.hpp"
#include "telemetry/metrics.hpp"

namespace sluice::server {

class GuardrailChain;

struct ServerOptions {
  config::ServerConfig config;
  std::string version;  // for /api/version, the Server header, system_fingerprint
};

class HttpServer {
 public:
  // `metrics` must outlive the server; the HTTP instruments are registered in it and
  // GET /metrics renders all of it.
  HttpServer(ServerOptions options, telemetry::MetricsRegistry& metrics);
  // Stops (if needed); run() must have returned before the server is destroyed.
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // API keys and limits ([auth]); before listen(). Throws security::KeyFileError for a
  // bad keys file. While keys are configured, the file is re-read when it changes.
  void configure_access(const config::AuthConfig& auth);
  // The guardrail chain for requests that start from now on. Thread-safe.
  void set_guardrails(std::shared_ptr<const GuardrailChain> chain);
  // What POST /admin/reload runs (returns a description; throws with the reason) and
  // what GET /admin/plugins lists. Before listen().
  void set_reload(std::function<std::string()> reload);
  void set_plugins_report(std::function<nlohmann::json()> report);
  // Re-reads the keys file now (what a reload does for keys). Throws on a bad file.
  void reload_keys();

  // Serves `model` under model->name (replacing a model of that name). Thread-safe.
  void add_model(std::shared_ptr<engine::ServedModel> model);

  // Binds config.host:config.port (port 0: an ephemeral port) and starts accepting.
  // Returns the bound port. Throws std::runtime_error naming the address on failure.
  uint16_t listen();

  // Serves on config.threads I/O threads (the calling one included) until stop().
  void run();

  // GET /health and /ready answer 503 until this is set.
  void set_ready(bool ready);

  // Refuses new generation and tokenizer requests with 503 (health, readiness and
  // metrics keep answering; /ready says "draining"), closes keep-alive connections
  // after their current response, and lets running requests finish. Thread-safe.
  void begin_drain();

  // Cancels the engine requests still running, closes every connection and makes run()
  // return. Thread-safe; idempotent.
  void stop();

  // Engine requests submitted through this server and not finished yet.
  size_t active_requests() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace sluice::server
