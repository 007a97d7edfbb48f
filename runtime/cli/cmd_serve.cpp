// `sluice serve`: listens first (GET /health answers 503 while models load), loads every
// model with its backend and scheduler, then serves until SIGTERM or SIGINT, and drains:
// new requests are refused, running ones get drain_timeout_s to finish, whatever is left
// fails with an explicit error event, and the process exits 0.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <csignal>
#include <cstdio>
#include <thread>

#include "cli/commands.hpp"
#include "cli/model_pull.hpp"
#include "config/config_error.hpp"
#include "config/config_loader.hpp"
#include "engine/served_model_loader.hpp"
#include "plugin_host/plugin_info_json.hpp"
#include "plugin_host/plugin_registry.hpp"
#include "server/guardrail_chain.hpp"
#include "server/http_server.hpp"
#include "telemetry/logging.hpp"
#include "telemetry/metrics.hpp"
#include "version.hpp"

namespace sluice::cli {
namespace {

// The configuration: the file when given, else defaults; then the command line on top.
config::Config build_config(const ServeOptions& options) {
  config::Config config =
      options.config ? config::load_config_file(*options.config) : config::Config{};
  if (options.host) config.server.host = *options.host;
  if (options.port) config.server.port = *options.port;
  if (options.model) {
    config::ModelConfig model;
    model.path = *options.model;
    model.name = options.name.empty() ? options.model->stem().string() : options.name;
    config.models.push_back(model);
  }
  for (auto& model : config.models) {
    if (options.max_seqs) model.max_seqs = *options.max_seqs;
    if (options.kv_blocks) model.kv_blocks = *options.kv_blocks;
    if (options.n_ctx) model.n_ctx = *options.n_ctx;
    if (options.threads) model.threads = *options.threads;
    if (!options.scheduler.empty()) model.scheduler = options.scheduler;
  }
  if (!options.log_level.empty()) config.logging.level = options.log_level;
  if (!options.log_format.empty()) config.logging.format = options.log_format;
  return config;
}

}  // namespace

int run_serve(const ServeOptions& options) {
  config::Config config;
  try {
    config = build_config(options);
  } catch (const config::ConfigError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 2;
  }
  if (config.models.empty()) {
    std::fprintf(stderr, "nothing to serve: give -m MODEL or a configuration with [[model]]\n");
    return 2;
  }
  try {
    telemetry::configure_logging(config.logging);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "logging: %s\n", e.what());
    return 2;
  }
  auto log = telemetry::component_logger("serve");

  // Signals go to one waiting thread, never to a worker in the middle of a step.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);  // a client gone mid-write is an error code, not a kill

  plugin_host::PluginRegistry plugins;
  plugins.load_all(config);
  for (const auto& warning : plugins.warnings()) log->warn("{}", warning);

  telemetry::MetricsRegistry metrics;
  server::ServerOptions server_options;
  server_options.config = config.server;
  server_options.version = kVersion;
  server::HttpServer http(server_options, metrics);
  try {
    http.configure_access(config.auth);
    http.set_guardrails(server::make_guardrail_chain(config, plugins));
  } catch (const std::exception& e) {
    log->error("{}", e.what());
    return 2;
  }
  if (!config.pipeline.guardrails.empty())
    log->info("guardrails: {}", fmt::join(config.pipeline.guardrails, " -> "));
  http.set_plugins_report([&plugins] {
    nlohmann::json list = nlohmann::json::array();
    for (const auto& info : plugins.plugins()) list.push_back(plugin_host::plugin_info_json(info));
    return list;
  });
  if (options.config) {
    // POST /admin/reload: the keys file and the guardrail chain (with their plugin
    // configs) from the file as it is now; models, listeners and plugins stay.
    http.set_reload([&http, &plugins, file = *options.config] {
      const config::Config fresh = config::load_config_file(file);
      auto chain = server::make_guardrail_chain(fresh, plugins);
      http.configure_access(fresh.auth);
      http.set_guardrails(chain);
      return "keys and guardrails reloaded from " + file.string() + "; guardrails: [" +
             fmt::format("{}", fmt::join(fresh.pipeline.guardrails, ", ")) + "]";
    });
  }
  uint16_t port = 0;
  try {
    port = http.listen();
  } catch (const std::exception& e) {
    log->error("cannot listen on {}:{}: {}", config.server.host, config.server.port, e.what());
    return 1;
  }
  std::thread io([&] { http.run(); });
  // Scripts and tests wait for this exact line.
  std::fprintf(stderr, "listening on %s://%s:%u\n",
               config.server.tls_cert.empty() ? "http" : "https", config.server.host.c_str(), port);
  std::fflush(stderr);

  std::vector<std::shared_ptr<engine::ServedModel>> models;
  for (auto& mc : config.models) {
    try {
      std::error_code ec;
      if (!std::filesystem::is_regular_file(mc.path, ec) && !mc.url.empty()) {
        // Not here: fetch it into the model cache once (sluice pull's code path).
        const PullSource source{mc.name, mc.url, mc.sha256};
        const auto dest = model_cache_dir() / (mc.name + ".gguf");
        log->info("model '{}': {} is missing; downloading {} to {}", mc.name, mc.path.string(),
                  mc.url, dest.string());
        mc.path = ensure_model(source, dest, /*progress=*/true);
      }
      models.push_back(engine::load_served_model(mc, config, plugins, &metrics));
      http.add_model(models.back());
    } catch (const std::exception& e) {
      log->error("{}", e.what());
      http.stop();
      io.join();
      return 1;
    }
  }
  http.set_ready(true);
  log->info("ready: {} model(s) on http://{}:{}", models.size(), config.server.host, port);

  int signal_number = 0;
  sigwait(&signals, &signal_number);
  log->info("{}: draining (up to {} s for running requests)", strsignal(signal_number),
            config.server.drain_timeout_s);
  http.begin_drain();
  for (auto& m : models) m->engine->stop_accepting();
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(config.server.drain_timeout_s);
  bool drained = true;
  for (auto& m : models) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    drained = m->engine->wait_idle(std::max(left, std::chrono::milliseconds(0))) && drained;
  }
  if (!drained) {
    log->warn("drain timeout: failing the requests still running");
    for (auto& m : models) m->engine->abort_all("the server is shutting down");
  }
  // The streams' last events (a finish or the error above) are written by the I/O
  // threads; let them go out before the connections close.
  const auto flush_deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (http.active_requests() > 0 && std::chrono::steady_clock::now() < flush_deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  http.stop();
  io.join();
  log->info("stopped");
  return 0;
}

}  // namespace sluice::cli
