#include "server/json_util.hpp"

#include <cmath>
#include <limits>

#include "server/api_error.hpp"

namespace sluice::server {
namespace {

// Nesting depth of arrays and objects outside strings, stopping early past the bound:
// checked before parsing so that no deep structure is ever built.
bool depth_within(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return false;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return true;
}

std::string range_text(double min, double max) {
  auto show = [](double v) {
    if (v == std::floor(v) && std::fabs(v) < 1e15) return std::to_string(static_cast<int64_t>(v));
    std::string s = std::to_string(v);
    while (!s.empty() && s.back() == '0') s.pop_back();
    return s;
  };
  return "between " + show(min) + " and " + show(max);
}

}  // namespace

Json parse_json_body(std::string_view body) {
  if (!depth_within(body, kMaxJsonDepth))
    throw ApiError(400, "invalid JSON: nested deeper than " + std::to_string(kMaxJsonDepth));
  Json parsed;
  try {
    parsed = Json::parse(body.begin(), body.end());
  } catch (const nlohmann::json::exception& e) {
    // parse_error, and out_of_range for numbers beyond a double (1e999: found by
    // fuzz_request). Messages start with "[json.exception.parse_error.101] "; keep the rest.
    std::string what = e.what();
    if (auto pos = what.find("] "); pos != std::string::npos) what = what.substr(pos + 2);
    throw ApiError(400, "invalid JSON: " + what);
  }
  if (!parsed.is_object()) throw ApiError(400, "the request body must be a JSON object");
  return parsed;
}

std::string dump_json(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string dump_json(const nlohmann::json& value) {
  return value.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

const char* json_type_phrase(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null: return "null";
    case Json::value_t::object: return "an object";
    case Json::value_t::array: return "an array";
    case Json::value_t::string: return "a string";
    case Json::value_t::boolean: return "a boolean";
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned: return "an integer";
    case Json::value_t::number_float: return "a number";
    default: return "an unsupported value";
  }
}

FieldReader::FieldReader(const Json& object, std::string prefix)
    : object_(object), prefix_(std::move(prefix)) {}

const Json* FieldReader::find(std::string_view key) const {
  if (!object_.is_object()) return nullptr;
  auto it = object_.find(std::string(key));
  if (it == object_.end() || it->is_null()) return nullptr;
  return &*it;
}

bool FieldReader::has(std::string_view key) const {
  return find(key) != nullptr;
}

std::optional<bool> FieldReader::boolean(std::string_view key) const {
  const Json* v = find(key);
  if (!v) return std::nullopt;
  if (!v->is_boolean())
    throw bad_field(name(key), std::string("expected a boolean, got ") + json_type_phrase(*v));
  return v->get<bool>();
}

std::optional<int64_t> FieldReader::integer(std::string_view key, int64_t min, int64_t max) const {
  const Json* v = find(key);
  if (!v) return std::nullopt;
  int64_t value = 0;
  if (v->is_number_unsigned()) {
    const uint64_t u = v->get<uint64_t>();
    value = u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())
                ? std::numeric_limits<int64_t>::max()
                : static_cast<int64_t>(u);
  } else if (v->is_number_integer()) {
    value = v->get<int64_t>();
  } else if (v->is_number_float()) {
    const double d = v->get<double>();
    if (!std::isfinite(d) || d != std::floor(d))
      throw bad_field(name(key), "expected an integer, got " + v->dump());
    if (d < static_cast<double>(min) || d > static_cast<double>(max))
      throw bad_field(name(key),
                      "must be " + range_text(static_cast<double>(min), static_cast<double>(max)));
    value = static_cast<int64_t>(d);
  } else {
    throw bad_field(name(key), std::string("expected an integer, got ") + json_type_phrase(*v));
  }
  if (value < min || value > max)
    throw bad_field(name(key), "must be " +
                                   range_text(static_cast<double>(min), static_cast<double>(max)) +
                                   ", got " + std::to_string(value));
  return value;
}

std::optional<uint64_t> FieldReader::seed(std::string_view key) const {
  const Json* v = find(key);
  if (!v) return std::nullopt;
  const auto out_of_range = [&] {
    return bad_field(name(key),
                     "must be -1 (random) or 0 to 18446744073709551615, got " + v->dump());
  };
  if (v->is_number_unsigned()) return v->get<uint64_t>();
  if (v->is_number_integer()) {
    const int64_t s = v->get<int64_t>();
    if (s < -1) throw out_of_range();
    return static_cast<uint64_t>(s);
  }
  if (v->is_number_float()) {
    const double d = v->get<double>();
    if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.2e18) {
      if (d < -1) throw out_of_range();
      return static_cast<uint64_t>(static_cast<int64_t>(d));
    }
  }
  throw bad_field(name(key), std::string("expected an integer, got ") + json_type_phrase(*v));
}

std::optional<double> FieldReader::number(std::string_view key, double min, double max) const {
  const Json* v = find(key);
  if (!v) return std::nullopt;
  if (!v->is_number())
    throw bad_field(name(key), std::string("expected a number, got ") + json_type_phrase(*v));
  const double d = v->get<double>();
  if (!std::isfinite(d) || d < min || d > max)
    throw bad_field(name(key), "must be " + range_text(min, max) + ", got " + v->dump());
  return d;
}

std::optional<std::string> FieldReader::string(std::string_view key, size_t max_bytes) const {
  const Json* v = find(key);
  if (!v) return std::nullopt;
  if (!v->is_string())
    throw bad_field(name(key), std::string("expected a string, got ") + json_type_phrase(*v));
  const auto& s = v->get_ref<const std::string&>();
  if (s.size() > max_bytes)
    throw bad_field(name(key), "longer than " + std::to_string(max_bytes) + " bytes");
  return s;
}

const Json* FieldReader::array(std::string_view key) const {
  const Json* v = find(key);
  if (v && !v->is_array())
    throw bad_field(name(key), std::string("expected an array, got ") + json_type_phrase(*v));
  return v;
}

const Json* FieldReader::object(std::string_view key) const {
  const Json* v = find(key);
  if (v && !v->is_object())
    throw bad_field(name(key), std::string("expected an object, got ") + json_type_phrase(*v));
  return v;
}

}  // namespace sluice::server
