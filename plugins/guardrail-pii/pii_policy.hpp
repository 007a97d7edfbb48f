// What one pii guardrail instance detects and does, from its configuration JSON.
#pragma once

#include <array>
#include <stdexcept>
#include <string_view>

#include "pii_detectors.hpp"
#include "pii_entity.hpp"

namespace sluice_pii {

struct Policy {
  std::array<bool, kKindCount> enabled;
  std::array<Mode, kKindCount> modes;
  bool scan_prompt = true;
  bool scan_output = true;
  DetectorOptions detect;

  Policy() {
    enabled.fill(true);
    modes.fill(Mode::redact);
  }
  Mode mode(Kind kind) const { return modes[static_cast<size_t>(kind)]; }
};

// A configuration the guardrail refuses; the message names the offending key.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Parses {"entities": [...], "mode": "...", "modes": {...}, "scan_prompt": bool,
// "scan_output": bool, "entropy_min_length": int, "entropy_threshold": number}; keys of
// `json` override those of `defaults_json` (the configuration the plugin was loaded with).
// An empty text stands for {}. Throws ConfigError.
Policy parse_policy(std::string_view json, std::string_view defaults_json = {});

}  // namespace sluice_pii
