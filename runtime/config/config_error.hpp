// Configuration problems: each names the file, line, column and dotted key.
#pragma once

#include <stdexcept>
#include <string>
#include <vector>

#include "config/config.hpp"

namespace sluice::config {

struct Diagnostic {
  SourcePos pos;
  std::string key;  // dotted path, e.g. "server.port"; empty for syntax errors
  std::string message;

  // "sluice.toml:3:8: server.port: must be between 1 and 65535"
  std::string to_string() const;
};

// Thrown by the loader with every problem found in the file, not just the first.
class ConfigError : public std::runtime_error {
 public:
  explicit ConfigError(std::vector<Diagnostic> diagnostics);
  const std::vector<Diagnostic>& diagnostics() const { return diagnostics_; }

 private:
  std::vector<Diagnostic> diagnostics_;
};

}  // namespace sluice::config
