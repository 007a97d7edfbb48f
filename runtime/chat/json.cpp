#include "chat/json.hpp"

#include <cmath>
#include <cstdio>
#include <limits>

#include "chat/sort.hpp"
#include "chat/unicode.hpp"

namespace sluice::chat::detail {
namespace {

void append_escaped(std::string& out, std::string_view s, bool ensure_ascii) {
  out += '"';
  for (std::size_t pos = 0; pos < s.size();) {
    const std::size_t start = pos;
    const char32_t c = unicode::decode_next(s, pos);
    switch (c) {
      case '"': out += "\\\""; continue;
      case '\\': out += "\\\\"; continue;
      case '\n': out += "\\n"; continue;
      case '\r': out += "\\r"; continue;
      case '\t': out += "\\t"; continue;
      case '\b': out += "\\b"; continue;
      case '\f': out += "\\f"; continue;
      default: break;
    }
    char buffer[16];
    if (c < 0x20 || (ensure_ascii && c > 0x7E)) {
      if (c >= 0x10000) {
        const char32_t v = c - 0x10000;
        std::snprintf(buffer, sizeof buffer, "\\u%04x\\u%04x",
                      static_cast<unsigned>(0xD800 | (v >> 10)),
                      static_cast<unsigned>(0xDC00 | (v & 0x3FF)));
      } else {
        std::snprintf(buffer, sizeof buffer, "\\u%04x", static_cast<unsigned>(c));
      }
      out += buffer;
    } else {
      out.append(s.substr(start, pos - start));
    }
  }
  out += '"';
}

std::string float_json(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d < 0 ? "-Infinity" : "Infinity";
  return float_repr(d);
}

[[noreturn]] void not_serializable(const Value& v) {
  throw_type_error("Object of type " + std::string(type_name(v)) + " is not JSON serializable");
}

class JsonWriter {
 public:
  JsonWriter(const JsonOptions& options, const Budget& budget)
      : options_(options), budget_(budget) {
    item_separator_ = options.item_separator.value_or(options.indent ? "," : ", ");
  }

  void write(const Value& v, std::size_t level) {
    budget_.check_data_depth(level);
    switch (v.type()) {
      case ValueType::none: out_ += "null"; break;
      case ValueType::boolean: out_ += v.as_bool() ? "true" : "false"; break;
      case ValueType::integer: out_ += std::to_string(v.as_int()); break;
      case ValueType::floating: out_ += float_json(v.as_double()); break;
      case ValueType::string: append_escaped(out_, v.as_string(), options_.ensure_ascii); break;
      case ValueType::list: {
        const auto& list = v.as_list();
        if (list.kind != ListKind::list && list.kind != ListKind::tuple) not_serializable(v);
        write_array(list.items, level);
        break;
      }
      case ValueType::dict: write_object(v.as_dict(), level); break;
      default: not_serializable(v);
    }
    budget_.check_string_size(out_.size());
  }

  std::string take() { return std::move(out_); }

 private:
  void newline(std::size_t level) {
    out_ += '\n';
    for (std::size_t i = 0; i < level; ++i) {
      out_ += *options_.indent;
      budget_.check_string_size(out_.size());
    }
  }

  void write_array(const std::vector<Value>& items, std::size_t level) {
    if (items.empty()) {
      out_ += "[]";
      return;
    }
    out_ += '[';
    if (options_.indent) newline(level + 1);
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i > 0) {
        out_ += item_separator_;
        if (options_.indent) newline(level + 1);
      }
      write(items[i], level + 1);
    }
    if (options_.indent) newline(level);
    out_ += ']';
  }

  static std::string key_text(const Value& key) {
    switch (key.type()) {
      case ValueType::string: return key.as_string();
      case ValueType::floating: return float_json(key.as_double());
      case ValueType::boolean: return key.as_bool() ? "true" : "false";
      case ValueType::none: return "null";
      case ValueType::integer: return std::to_string(key.as_int());
      default:
        throw_type_error("keys must be str, int, float, bool or None, not " +
                         std::string(type_name(key)));
    }
  }

  void write_object(const DictData& dict, std::size_t level) {
    if (dict.entries.empty()) {
      out_ += "{}";
      return;
    }
    std::vector<const std::pair<Value, Value>*> entries;
    for (const auto& entry : dict.entries) entries.push_back(&entry);
    if (options_.sort_keys) sort_entries(entries);
    out_ += '{';
    if (options_.indent) newline(level + 1);
    bool first = true;
    for (const auto* entry : entries) {
      if (!first) {
        out_ += item_separator_;
        if (options_.indent) newline(level + 1);
      }
      first = false;
      append_escaped(out_, key_text(entry->first), options_.ensure_ascii);
      out_ += options_.key_separator;
      write(entry->second, level + 1);
    }
    if (options_.indent) newline(level);
    out_ += '}';
  }

  // sorted(d.items()): by key, which must be mutually orderable.
  static void sort_entries(std::vector<const std::pair<Value, Value>*>& entries) {
    stable_sort(entries,
                [](const auto* a, const auto* b) { return less_than(a->first, b->first); });
  }

  const JsonOptions& options_;
  const Budget& budget_;
  std::string item_separator_;
  std::string out_;
};

Value convert(const nlohmann::ordered_json& json, const Budget& budget, std::size_t level) {
  budget.check_data_depth(level);
  switch (json.type()) {
    case nlohmann::ordered_json::value_t::null: return Value::none();
    case nlohmann::ordered_json::value_t::boolean: return Value::boolean(json.get<bool>());
    case nlohmann::ordered_json::value_t::number_integer:
      return Value::integer(json.get<std::int64_t>());
    case nlohmann::ordered_json::value_t::number_unsigned: {
      const auto value = json.get<std::uint64_t>();
      if (value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
        throw TemplateError(
            TemplateError::Kind::unsupported,
            "context integer " + std::to_string(value) + " does not fit in 64 bits");
      }
      return Value::integer(static_cast<std::int64_t>(value));
    }
    case nlohmann::ordered_json::value_t::number_float: return Value::floating(json.get<double>());
    case nlohmann::ordered_json::value_t::string: return Value::string(json.get<std::string>());
    case nlohmann::ordered_json::value_t::array: {
      std::vector<Value> items;
      items.reserve(json.size());
      for (const auto& item : json) items.push_back(convert(item, budget, level + 1));
      return make_list(std::move(items), budget);
    }
    case nlohmann::ordered_json::value_t::object: {
      DictData dict;
      for (const auto& [key, value] : json.items())
        dict.set(Value::string(key), convert(value, budget, level + 1));
      return make_dict(std::move(dict), budget);
    }
    default:
      throw TemplateError(TemplateError::Kind::unsupported,
                          "binary values in the context are not supported");
  }
}

}  // namespace

std::string to_json(const Value& value, const JsonOptions& options, const Budget& budget) {
  JsonWriter writer(options, budget);
  writer.write(value, 0);
  return writer.take();
}

Value from_json(const nlohmann::ordered_json& json, const Budget& budget) {
  return convert(json, budget, 0);
}

}  // namespace sluice::chat::detail
