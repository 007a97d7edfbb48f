// The audit guardrail's settings ([plugin.audit.config]), parsed and checked.
#pragma once

#include <stdexcept>
#include <string>

namespace sluice_audit {

enum class ContentMode {
  hash,  // prompt_sha256 / response_sha256 only (default)
  text,  // the prompt (or messages) and response texts themselves
  none,  // neither
};

enum class FsyncPolicy {
  interval,    // a background thread syncs every fsync_interval_ms when lines were written
  every_line,  // each request's lines are synced before on_complete returns
  none,        // the kernel writes back when it likes; synced once at shutdown
};

struct AuditConfig {
  std::string path;  // required
  ContentMode content = ContentMode::hash;
  FsyncPolicy fsync = FsyncPolicy::interval;
  int fsync_interval_ms = 1000;
};

// A bad configuration; what() starts with the offending key.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws ConfigError naming the key for a missing path, an unknown key or a bad value.
AuditConfig parse_config(const std::string& json);

}  // namespace sluice_audit
