#include "injection_config.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <set>

#include "injection_rules.hpp"
#include "text_normalizer.hpp"

namespace sluice_injection {

namespace {

using nlohmann::json;

const std::set<std::string> kKnownKeys = {
    "threshold", "action",        "deny_status", "builtin_rules",
    "rules",     "disable_rules", "roles",       "extra_control_tokens"};
const std::set<std::string> kRuleKeys = {"name", "pattern", "score", "max_hits"};
const std::set<std::string> kRoles = {"system", "user", "assistant", "tool"};

[[noreturn]] void fail(const std::string& key, const std::string& problem) {
  throw ConfigError("\"" + key + "\" " + problem);
}

double number(const json& value, const std::string& key) {
  if (!value.is_number()) fail(key, "must be a number");
  const double x = value.get<double>();
  if (!std::isfinite(x)) fail(key, "must be finite");
  return x;
}

std::vector<std::string> string_array(const json& value, const std::string& key) {
  if (!value.is_array()) fail(key, "must be an array of strings");
  std::vector<std::string> out;
  for (size_t i = 0; i < value.size(); ++i) {
    if (!value[i].is_string()) fail(key + "[" + std::to_string(i) + "]", "must be a string");
    out.push_back(value[i].get<std::string>());
  }
  return out;
}

bool valid_rule_name(const std::string& name) {
  return !name.empty() && name.size() <= 64 && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

size_t code_points(std::string_view text) {
  size_t n = 0;
  for (size_t pos = 0; pos < text.size(); ++n) {
    char32_t cp = 0;
    bool valid = true;
    pos += decode_utf8(text, pos, cp, valid);
  }
  return n;
}

std::vector<SignalConfig> builtin_signals() {
  std::vector<SignalConfig> out;
  for (const auto& rule : builtin_rules()) {
    SignalConfig signal{std::string(rule.name), {}, rule.score, rule.max_hits, "builtin"};
    for (const auto& alternative : rule.alternatives)
      signal.patterns.push_back({std::string(alternative.pattern),
                                 std::string(alternative.triggers),
                                 std::string(alternative.anchors)});
    out.push_back(std::move(signal));
  }
  for (const auto& heuristic : builtin_heuristics())
    out.push_back({std::string(heuristic.name), {}, heuristic.score, 1, "builtin"});
  return out;
}

void apply_rule(const json& rule, size_t index, std::vector<SignalConfig>& signals,
                const std::vector<SignalConfig>& builtins) {
  const std::string key = "rules[" + std::to_string(index) + "]";
  if (!rule.is_object()) fail(key, "must be an object {name, pattern, score}");
  for (const auto& [name, value] : rule.items()) {
    if (!kRuleKeys.count(name))
      fail(key + "." + name, "is not a rule key (name, pattern, score, max_hits)");
  }
  if (!rule.contains("name") || !rule["name"].is_string()) fail(key + ".name", "must be a string");
  const std::string name = rule["name"].get<std::string>();
  if (!valid_rule_name(name)) fail(key + ".name", "must match [a-z0-9_-]{1,64}");

  const auto builtin = std::find_if(builtins.begin(), builtins.end(),
                                    [&](const SignalConfig& s) { return s.name == name; });
  const bool heuristic = builtin != builtins.end() && builtin->patterns.empty();
  SignalConfig signal = builtin != builtins.end() ? *builtin : SignalConfig{name, {}, 1.0, 1, ""};
  signal.key = key;
  if (rule.contains("pattern")) {
    if (heuristic) fail(key + ".pattern", "cannot be set: " + name + " is a heuristic");
    if (!rule["pattern"].is_string() || rule["pattern"].get<std::string>().empty())
      fail(key + ".pattern", "must be a non-empty string");
    // One pattern replaces all of a built-in's alternatives, searched without trigger words.
    signal.patterns = {{rule["pattern"].get<std::string>(), "", ""}};
  } else if (builtin == builtins.end()) {
    fail(key + ".pattern", "is required for a rule that is not built in");
  }
  if (rule.contains("score")) {
    signal.score = number(rule["score"], key + ".score");
    if (signal.score < 0) fail(key + ".score", "must be >= 0");
  } else if (builtin == builtins.end()) {
    fail(key + ".score", "is required for a rule that is not built in");
  }
  if (rule.contains("max_hits")) {
    if (!rule["max_hits"].is_number_integer() || rule["max_hits"].get<int64_t>() < 1 ||
        rule["max_hits"].get<int64_t>() > 100)
      fail(key + ".max_hits", "must be an integer from 1 to 100");
    signal.max_hits = static_cast<int>(rule["max_hits"].get<int64_t>());
  }
  const auto existing = std::find_if(signals.begin(), signals.end(),
                                     [&](const SignalConfig& s) { return s.name == name; });
  if (existing != signals.end()) {
    if (existing->key != "builtin") fail(key + ".name", "repeats rule \"" + name + "\"");
    *existing = signal;  // overrides the built-in in place, keeping its order
  } else {
    signals.push_back(signal);
  }
}

}  // namespace

Config parse_config(std::string_view text) {
  json root;
  try {
    root = json::parse(text.empty() ? std::string_view("{}") : text);
  } catch (const json::exception& e) {
    throw ConfigError(std::string("config is not valid JSON: ") + e.what());
  }
  if (!root.is_object()) throw ConfigError("config must be a JSON object");
  for (const auto& [key, value] : root.items())
    if (!kKnownKeys.count(key)) fail(key, "is not a configuration key of injection");

  Config config;
  if (root.contains("threshold")) {
    config.threshold = number(root["threshold"], "threshold");
    if (config.threshold <= 0) fail("threshold", "must be > 0");
  }
  if (root.contains("action")) {
    const auto& action = root["action"];
    if (!action.is_string() || (action != "deny" && action != "log"))
      fail("action", "must be \"deny\" or \"log\"");
    config.deny = action == "deny";
  }
  if (root.contains("deny_status")) {
    const auto& status = root["deny_status"];
    if (!status.is_number_integer() || status.get<int64_t>() < 400 || status.get<int64_t>() > 499)
      fail("deny_status", "must be an integer from 400 to 499");
    config.deny_status = static_cast<int>(status.get<int64_t>());
  }
  bool use_builtins = true;
  if (root.contains("builtin_rules")) {
    if (!root["builtin_rules"].is_boolean()) fail("builtin_rules", "must be true or false");
    use_builtins = root["builtin_rules"].get<bool>();
  }

  const auto builtins = builtin_signals();
  if (use_builtins) config.signals = builtins;
  if (root.contains("disable_rules")) {
    const auto names = string_array(root["disable_rules"], "disable_rules");
    for (size_t i = 0; i < names.size(); ++i) {
      const auto known = std::find_if(builtins.begin(), builtins.end(),
                                      [&](const SignalConfig& s) { return s.name == names[i]; });
      if (known == builtins.end())
        fail("disable_rules[" + std::to_string(i) + "]",
             "names no built-in rule (\"" + names[i] + "\")");
      std::erase_if(config.signals, [&](const SignalConfig& s) { return s.name == names[i]; });
    }
  }
  if (root.contains("rules")) {
    if (!root["rules"].is_array()) fail("rules", "must be an array of {name, pattern, score}");
    for (size_t i = 0; i < root["rules"].size(); ++i)
      apply_rule(root["rules"][i], i, config.signals, builtins);
  }
  if (root.contains("roles")) {
    config.roles = string_array(root["roles"], "roles");
    for (size_t i = 0; i < config.roles.size(); ++i)
      if (!kRoles.count(config.roles[i]))
        fail("roles[" + std::to_string(i) + "]", "must be system, user, assistant or tool");
  }
  if (root.contains("extra_control_tokens")) {
    config.extra_control_tokens =
        string_array(root["extra_control_tokens"], "extra_control_tokens");
    for (size_t i = 0; i < config.extra_control_tokens.size(); ++i)
      if (code_points(config.extra_control_tokens[i]) < 2)
        fail("extra_control_tokens[" + std::to_string(i) + "]",
             "must be at least two characters long");
  }
  return config;
}

}  // namespace sluice_injection
