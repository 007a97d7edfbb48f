#include "pii_policy.hpp"

#include <nlohmann/json.hpp>
#include <string>

namespace sluice_pii {

namespace {

using nlohmann::json;

[[noreturn]] void reject(const std::string& key, const std::string& what) {
  throw ConfigError("pii config: '" + key + "' " + what);
}

Mode parse_mode(const json& value, const std::string& key) {
  if (value.is_string()) {
    if (const auto mode = mode_from_name(value.get<std::string>())) return *mode;
  }
  reject(key, "must be one of \"redact\", \"mask\", \"deny\"");
}

Kind parse_kind(const std::string& name, const std::string& key) {
  if (const auto kind = kind_from_name(name)) return *kind;
  reject(key, "names an unknown entity \"" + name +
                  "\" (known: email, phone, card, iban, ssn, ipv4, ipv6, secret)");
}

bool parse_bool(const json& value, const std::string& key) {
  if (!value.is_boolean()) reject(key, "must be true or false");
  return value.get<bool>();
}

json parse_object(std::string_view text) {
  if (text.empty()) return json::object();
  json config;
  try {
    config = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    throw ConfigError(std::string("pii config: not valid JSON: ") + e.what());
  }
  if (!config.is_object()) throw ConfigError("pii config: must be an object");
  return config;
}

}  // namespace

Policy parse_policy(std::string_view text, std::string_view defaults_text) {
  json config = parse_object(defaults_text);
  config.update(parse_object(text));

  Policy policy;
  // `mode` first: `modes` overrides it whatever the key order.
  if (const auto it = config.find("mode"); it != config.end()) {
    policy.modes.fill(parse_mode(*it, "mode"));
  }
  for (const auto& [key, value] : config.items()) {
    if (key == "mode") continue;
    if (key == "entities") {
      if (!value.is_array() || value.empty()) reject(key, "must be a non-empty array of names");
      policy.enabled.fill(false);
      for (const auto& name : value) {
        if (!name.is_string()) reject(key, "must be a non-empty array of names");
        policy.enabled[static_cast<size_t>(parse_kind(name.get<std::string>(), key))] = true;
      }
    } else if (key == "modes") {
      if (!value.is_object()) reject(key, "must be an object of entity -> mode");
      for (const auto& [name, mode] : value.items()) {
        const std::string where = "modes." + name;
        const Kind kind = parse_kind(name, where);
        policy.modes[static_cast<size_t>(kind)] = parse_mode(mode, where);
      }
    } else if (key == "scan_prompt") {
      policy.scan_prompt = parse_bool(value, key);
    } else if (key == "scan_output") {
      policy.scan_output = parse_bool(value, key);
    } else if (key == "entropy_min_length") {
      if (!value.is_number_integer() || value.get<int64_t>() < 8 ||
          value.get<int64_t>() > kSecretCap) {
        reject(key, "must be an integer from 8 to " + std::to_string(kSecretCap));
      }
      policy.detect.entropy_min_length = value.get<Pos>();
    } else if (key == "entropy_threshold") {
      if (!value.is_number() || value.get<double>() <= 0.0 || value.get<double>() > 8.0) {
        reject(key, "must be a number of bits per character above 0 and at most 8");
      }
      policy.detect.entropy_threshold = value.get<double>();
    } else {
      reject(key,
             "is not a pii setting (known: entities, mode, modes, scan_prompt, "
             "scan_output, entropy_min_length, entropy_threshold)");
    }
  }
  return policy;
}

}  // namespace sluice_pii
