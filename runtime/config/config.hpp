// Typed configuration of a Sluice process, read from one TOML file (config_loader.hpp).
// Every field carries its default here; docs/configuration.md lists the same keys.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace sluice::config {

// Where a value came from, for messages that point back into the file.
struct SourcePos {
  std::filesystem::path file;
  uint32_t line = 0;
  uint32_t column = 0;
};

struct ServerConfig {
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  uint32_t threads = 2;                    // I/O threads serving connections
  uint64_t max_body_bytes = 4u << 20;      // larger bodies get 413
  uint32_t max_header_bytes = 16u << 10;   // larger request heads get 431
  uint32_t idle_timeout_s = 60;            // a connection silent this long is closed
  uint32_t drain_timeout_s = 30;           // SIGTERM: how long running requests may finish
  uint32_t max_waiting_requests = 256;     // per model; beyond it 503 + Retry-After
  uint64_t max_waiting_tokens = 1u << 20;  // per model: prompt tokens waiting, same
  uint32_t max_n = 8;                      // OpenAI `n` at most
  uint32_t max_top_logprobs = 20;          // OpenAI `top_logprobs` at most
  std::filesystem::path tls_cert;          // PEM certificate chain; with tls_key: HTTPS
  std::filesystem::path tls_key;           // PEM private key
};

// [auth]: API keys and per-key limits (runtime/security). Without a keys file every
// route is open, as for a server bound to the loopback interface during development.
struct AuthConfig {
  std::filesystem::path keys_file;                     // empty: authentication off
  std::vector<std::string> open_routes = {"/health"};  // served without a key
  uint32_t reload_interval_s = 2;  // how often the keys file is checked for changes
};

struct LoggingConfig {
  std::string level = "info";   // trace, debug, info, warn, error, critical, off
  std::string format = "text";  // text or json (one JSON object per line)
  std::filesystem::path file;   // empty: standard error
};

struct PluginsConfig {
  // Folders searched for plugins, in order; empty means the defaults: `plugins` next to
  // the executable, then ../lib/sluice/plugins relative to it.
  std::vector<std::filesystem::path> dirs;
  bool require_sha256 = false;  // refuse every plugin without a [plugin.NAME] sha256 pin
};

// [plugin.NAME]: how one plugin is loaded and what it is told.
struct PluginEntry {
  std::string name;
  std::optional<std::filesystem::path> path;  // explicit file instead of searching dirs
  std::optional<std::string> sha256;          // lower-case hex; the file must match
  bool enabled = true;
  std::string config_json = "{}";  // [plugin.NAME.config] as JSON, handed to the plugin
  SourcePos pos;
};

struct PipelineConfig {
  std::vector<std::string> backends = {"cpu"};  // preference order
  std::vector<std::string> guardrails;          // chain order
};

struct ModelConfig {
  std::string name;
  std::filesystem::path path;
  std::string scheduler = "fcfs";
  std::string scheduler_config_json = "{}";  // [model.scheduler_config] as JSON
  std::string backend;                       // empty: the first of pipeline.backends
  uint32_t threads = 0;                      // backend threads; 0: the backend's default
  uint32_t n_ctx = 0;                        // per sequence; 0: training context, at most 4096
  uint32_t block_size = 16;                  // tokens per KV block
  uint32_t kv_blocks = 0;                    // 0: enough for max_seqs sequences of n_ctx / 2
  uint32_t max_batched_tokens = 512;         // tokens computed in one engine step at most
  uint32_t max_seqs = 32;                    // sequences in one engine step at most
  bool prefix_cache = true;                  // reuse KV of full blocks shared by prompts
  uint32_t max_preemptions = 8;              // a sequence preempted more often fails
  std::optional<std::string> chat_template;  // overrides the GGUF's tokenizer.chat_template
  std::string url;     // when `path` does not exist: download from here (sluice pull)
  std::string sha256;  // the download must match it (lower-case hex)
  SourcePos pos;
};

struct Config {
  std::filesystem::path source;  // the file read; empty when built from defaults
  ServerConfig server;
  AuthConfig auth;
  LoggingConfig logging;
  PluginsConfig plugins;
  std::map<std::string, PluginEntry> plugin;
  PipelineConfig pipeline;
  std::vector<ModelConfig> models;
};

}  // namespace sluice::config
