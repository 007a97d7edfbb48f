#include "audit_config.hpp"

#include <nlohmann/json.hpp>

namespace sluice_audit {
namespace {

constexpr int kMaxIntervalMs = 3600 * 1000;

std::string string_value(const nlohmann::json& value, const char* key) {
  if (!value.is_string()) throw ConfigError(std::string(key) + ": must be a string");
  return value.get<std::string>();
}

}  // namespace

AuditConfig parse_config(const std::string& json) {
  const nlohmann::json root = nlohmann::json::parse(json, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded() || !root.is_object())
    throw ConfigError("config: must be a JSON object (a TOML table)");
  AuditConfig config;
  bool has_path = false;
  for (const auto& [key, value] : root.items()) {
    if (key == "path") {
      config.path = string_value(value, "path");
      if (config.path.empty()) throw ConfigError("path: must not be empty");
      has_path = true;
    } else if (key == "content") {
      const std::string mode = string_value(value, "content");
      if (mode == "hash") {
        config.content = ContentMode::hash;
      } else if (mode == "text") {
        config.content = ContentMode::text;
      } else if (mode == "none") {
        config.content = ContentMode::none;
      } else {
        throw ConfigError("content: '" + mode + "' is not one of \"hash\", \"text\", \"none\"");
      }
    } else if (key == "fsync") {
      const std::string policy = string_value(value, "fsync");
      if (policy == "interval") {
        config.fsync = FsyncPolicy::interval;
      } else if (policy == "every_line") {
        config.fsync = FsyncPolicy::every_line;
      } else if (policy == "none") {
        config.fsync = FsyncPolicy::none;
      } else {
        throw ConfigError("fsync: '" + policy +
                          "' is not one of \"interval\", \"every_line\", \"none\"");
      }
    } else if (key == "fsync_interval_ms") {
      if (!value.is_number_integer() || value.get<long long>() < 1 ||
          value.get<long long>() > kMaxIntervalMs)
        throw ConfigError("fsync_interval_ms: must be an integer from 1 to " +
                          std::to_string(kMaxIntervalMs));
      config.fsync_interval_ms = value.get<int>();
    } else {
      throw ConfigError(key + ": unknown key (known: path, content, fsync, fsync_interval_ms)");
    }
  }
  if (!has_path) throw ConfigError("path: required (the audit log file to append to)");
  return config;
}

}  // namespace sluice_audit
