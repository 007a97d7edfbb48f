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
  SourcePos pos;
};

struct Config {
  std::filesystem::path source;  // the file read; empty when built from defaults
  ServerConfig server;
  LoggingConfig logging;
  PluginsConfig plugins;
  std::map<std::string, PluginEntry> plugin;
  PipelineConfig pipeline;
  std::vector<ModelConfig> models;
};

}  // namespace sluice::config
