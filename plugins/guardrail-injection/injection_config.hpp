// The plugin's configuration ([plugin.injection.config], handed to create() as JSON),
// checked completely before anything is built.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace sluice_injection {

// A bad configuration; what() names the key at fault.
class ConfigError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// One alternative pattern of a rule, the words that gate it and the words its matches begin
// at (see RuleAlternative; both empty for custom rules: searched everywhere, always).
struct PatternConfig {
  std::string pattern;
  std::string triggers;
  std::string anchors;
};

// One signal as configured: a pattern rule (patterns non-empty) or a heuristic.
struct SignalConfig {
  std::string name;
  std::vector<PatternConfig> patterns;  // empty for heuristics
  double score = 1.0;
  int max_hits = 1;
  std::string key;  // where it came from, for error messages ("rules[2]")
};

struct Config {
  double threshold = 1.0;
  bool deny = true;  // action "deny"; false: "log"
  int deny_status = 400;
  std::vector<SignalConfig> signals;  // built-ins (unless disabled) then custom rules
  std::vector<std::string> roles = {"user", "tool"};
  std::vector<std::string> extra_control_tokens;
};

// Throws ConfigError.
Config parse_config(std::string_view json);

}  // namespace sluice_injection
