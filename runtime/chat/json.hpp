// JSON in and out: the render context (nlohmann::ordered_json) into values, and values out
// as Python's json.dumps writes them (what Hugging Face's tojson filter calls).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "chat/value.hpp"

namespace sluice::chat::detail {

// json.dumps(x, ensure_ascii=..., indent=..., separators=..., sort_keys=...)
struct JsonOptions {
  bool ensure_ascii = false;
  std::optional<std::string> indent;          // nullopt: one line
  std::optional<std::string> item_separator;  // default ", " (or "," with indent)
  std::string key_separator = ": ";
  bool sort_keys = false;
};

// Throws TypeError (TemplateError(render)) for what json.dumps cannot serialise.
std::string to_json(const Value& value, const JsonOptions& options, const Budget& budget);

// Objects keep their key order; nesting beyond max_data_depth throws TemplateError(budget).
Value from_json(const nlohmann::ordered_json& json, const Budget& budget);

}  // namespace sluice::chat::detail
