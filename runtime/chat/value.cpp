#include "chat/value.hpp"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "chat/unicode.hpp"

namespace sluice::chat::detail {
namespace {

constexpr double two_to_63 = 9223372036854775808.0;

// Exact comparison of an int with a float, as Python does (no rounding of the int).
std::optional<int> compare_int_double(std::int64_t i, double d) {
  if (std::isnan(d)) return std::nullopt;
  if (d >= two_to_63) return -1;
  if (d < -two_to_63) return 1;
  const double whole = std::floor(d);
  const auto whole_int = static_cast<std::int64_t>(whole);
  if (i != whole_int) return i < whole_int ? -1 : 1;
  return d > whole ? -1 : 0;
}

std::optional<int> compare_numbers(const Value& a, const Value& b) {
  if (a.is_integral() && b.is_integral()) {
    const auto x = a.as_int(), y = b.as_int();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  if (a.is_integral()) return compare_int_double(a.as_int(), b.as_double());
  if (b.is_integral()) {
    const auto reversed = compare_int_double(b.as_int(), a.as_double());
    if (!reversed) return std::nullopt;
    return -*reversed;
  }
  const double x = a.as_double(), y = b.as_double();
  if (std::isnan(x) || std::isnan(y)) return std::nullopt;
  return x < y ? -1 : (x > y ? 1 : 0);
}

bool contains_equal(const std::vector<Value>& items, const Value& v, Budget* budget) {
  return std::any_of(items.begin(), items.end(),
                     [&](const Value& x) { return equals(x, v, budget); });
}

bool lists_equal(const ListData& a, const ListData& b, Budget* budget) {
  if (a.kind != b.kind || a.items.size() != b.items.size()) return false;
  if (a.kind == ListKind::dict_values) return &a == &b;  // Python compares these by identity
  if (a.kind == ListKind::dict_keys || a.kind == ListKind::dict_items) {
    return std::all_of(a.items.begin(), a.items.end(),
                       [&](const Value& x) { return contains_equal(b.items, x, budget); });
  }
  for (std::size_t i = 0; i < a.items.size(); ++i) {
    if (!equals(a.items[i], b.items[i], budget)) return false;
  }
  return true;
}

bool dicts_equal(const DictData& a, const DictData& b, Budget* budget) {
  if (a.entries.size() != b.entries.size()) return false;
  for (const auto& [key, value] : a.entries) {
    const Value* other = b.find(key);
    if (other == nullptr || !equals(value, *other, budget)) return false;
  }
  return true;
}

void append_hex(std::string& out, char prefix, unsigned value, int digits) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, "\\%c%0*x", prefix, digits, value);
  out += buffer;
}

void append_sequence_repr(std::string& out, const std::vector<Value>& items, const Budget& budget,
                          std::size_t depth) {
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (i > 0) out += ", ";
    append_repr(out, items[i], budget, depth + 1);
    budget.check_string_size(out.size());
  }
}

void append_dict_repr(std::string& out, const DictData& dict, const Budget& budget,
                      std::size_t depth) {
  out += '{';
  bool first = true;
  for (const auto& [key, value] : dict.entries) {
    if (!first) out += ", ";
    first = false;
    append_repr(out, key, budget, depth + 1);
    out += ": ";
    append_repr(out, value, budget, depth + 1);
    budget.check_string_size(out.size());
  }
  out += '}';
}

}  // namespace

Value Value::undefined(std::string reason) {
  return Value(Tag{}, UndefinedValue{std::make_shared<const std::string>(std::move(reason))});
}

const std::string& Value::undefined_reason() const {
  static const std::string unknown = "value is undefined";
  const auto& reason = std::get<UndefinedValue>(storage_).reason;
  return reason ? *reason : unknown;
}

std::size_t Value::depth() const {
  switch (type()) {
    case ValueType::list: return as_list().depth;
    case ValueType::dict: return as_dict().depth;
    case ValueType::generator: return as_generator().depth;
    case ValueType::object: return as_object().depth();
    default: return 0;
  }
}

const Value* DictData::find(std::string_view key) const {
  const auto it = string_index_.find(key);
  return it == string_index_.end() ? nullptr : &entries[it->second].second;
}

const Value* DictData::find(const Value& key) const {
  if (key.is_string()) return find(std::string_view(key.as_string()));
  const auto it = other_index_.find(hash_key(key));
  return it == other_index_.end() ? nullptr : &entries[it->second].second;
}

void DictData::set(Value key, Value value) {
  if (key.is_string()) {
    const auto it = string_index_.find(std::string_view(key.as_string()));
    if (it != string_index_.end()) {
      entries[it->second].second = std::move(value);
      return;
    }
    const auto& text = *key.string_ptr();  // shared: stays put while the entry lives
    entries.emplace_back(std::move(key), std::move(value));
    string_index_.emplace(std::string_view(text), entries.size() - 1);
    return;
  }
  std::string hashed = hash_key(key);
  const auto it = other_index_.find(hashed);
  if (it != other_index_.end()) {
    entries[it->second].second = std::move(value);
    return;
  }
  entries.emplace_back(std::move(key), std::move(value));
  other_index_.emplace(std::move(hashed), entries.size() - 1);
}

Value Object::attribute(std::string_view name) const {
  return Value::undefined("'" + std::string(type_name()) + " object' has no attribute '" +
                          std::string(name) + "'");
}

Value Object::call(Interpreter&, Arguments, int) const {
  throw_type_error("'" + std::string(type_name()) + "' object is not callable");
}

void throw_type_error(const std::string& message) {
  throw TemplateError(TemplateError::Kind::render, "TypeError: " + message);
}

void throw_value_error(const std::string& message) {
  throw TemplateError(TemplateError::Kind::render, "ValueError: " + message);
}

void throw_undefined(const Value& undefined) {
  const std::string& reason = undefined.undefined_reason();
  // The sandbox's refusals carry their own exception name.
  const bool named = reason.rfind("SecurityError: ", 0) == 0;
  throw TemplateError(TemplateError::Kind::render, named ? reason : "UndefinedError: " + reason);
}

void throw_integer_overflow() {
  throw TemplateError(TemplateError::Kind::unsupported,
                      "integer result does not fit in 64 bits (Python would use a big integer)");
}

std::string_view type_name(const Value& v) {
  switch (v.type()) {
    case ValueType::undefined: return "Undefined";
    case ValueType::none: return "NoneType";
    case ValueType::boolean: return "bool";
    case ValueType::integer: return "int";
    case ValueType::floating: return "float";
    case ValueType::string: return "str";
    case ValueType::list:
      switch (v.as_list().kind) {
        case ListKind::list: return "list";
        case ListKind::tuple: return "tuple";
        case ListKind::range: return "range";
        case ListKind::dict_keys: return "dict_keys";
        case ListKind::dict_values: return "dict_values";
        case ListKind::dict_items: return "dict_items";
      }
      return "list";
    case ValueType::dict: return "dict";
    case ValueType::namespace_object: return "Namespace";
    case ValueType::object: return v.as_object().type_name();
    case ValueType::generator: return v.as_generator().type_name;
  }
  return "object";
}

bool truthy(const Value& v) {
  switch (v.type()) {
    case ValueType::undefined:
    case ValueType::none: return false;
    case ValueType::boolean: return v.as_bool();
    case ValueType::integer: return v.as_int() != 0;
    case ValueType::floating: return v.as_double() != 0.0;
    case ValueType::string: return !v.as_string().empty();
    case ValueType::list: return !v.as_list().items.empty();
    case ValueType::dict: return !v.as_dict().entries.empty();
    default: return true;
  }
}

bool is_hashable(const Value& v) {
  switch (v.type()) {
    case ValueType::dict: return false;
    case ValueType::list: {
      const auto& list = v.as_list();
      if (list.kind == ListKind::range) return true;
      if (list.kind != ListKind::tuple) return false;
      return std::all_of(list.items.begin(), list.items.end(), is_hashable);
    }
    default: return true;
  }
}

bool equals(const Value& a, const Value& b, Budget* budget) {
  if (budget != nullptr) budget->charge(1);
  if (a.is_number() && b.is_number()) {
    const auto c = compare_numbers(a, b);
    return c && *c == 0;
  }
  if (a.type() != b.type()) return false;
  switch (a.type()) {
    case ValueType::undefined:
    case ValueType::none: return true;
    case ValueType::string:
      if (budget != nullptr)
        budget->charge(std::min(a.as_string().size(), b.as_string().size()) / 256);
      return a.as_string() == b.as_string();
    case ValueType::list: return lists_equal(a.as_list(), b.as_list(), budget);
    case ValueType::dict: return dicts_equal(a.as_dict(), b.as_dict(), budget);
    case ValueType::namespace_object: return &a.as_namespace() == &b.as_namespace();
    case ValueType::object: return &a.as_object() == &b.as_object();
    case ValueType::generator: return &a.as_generator() == &b.as_generator();
    default: return false;
  }
}

std::optional<int> order(const Value& a, const Value& b, std::string_view op, Budget* budget) {
  if (budget != nullptr) budget->charge(1);
  if (a.is_number() && b.is_number()) return compare_numbers(a, b);
  if (a.is_string() && b.is_string()) {
    if (budget != nullptr)
      budget->charge(std::min(a.as_string().size(), b.as_string().size()) / 256);
    const int c = a.as_string().compare(b.as_string());
    return c < 0 ? -1 : (c > 0 ? 1 : 0);
  }
  if (a.is(ValueType::list) && b.is(ValueType::list)) {
    const auto& x = a.as_list();
    const auto& y = b.as_list();
    if (x.kind == y.kind && (x.kind == ListKind::list || x.kind == ListKind::tuple)) {
      const std::size_t n = std::min(x.items.size(), y.items.size());
      for (std::size_t i = 0; i < n; ++i) {
        if (!equals(x.items[i], y.items[i], budget))
          return order(x.items[i], y.items[i], op, budget);
      }
      const auto lx = x.items.size(), ly = y.items.size();
      return lx < ly ? -1 : (lx > ly ? 1 : 0);
    }
  }
  throw_type_error("'" + std::string(op) + "' not supported between instances of '" +
                   std::string(type_name(a)) + "' and '" + std::string(type_name(b)) + "'");
}

bool less_than(const Value& a, const Value& b, Budget* budget) {
  const auto c = order(a, b, "<", budget);
  return c && *c < 0;
}

std::string hash_key(const Value& v) {
  switch (v.type()) {
    case ValueType::undefined: return "U";
    case ValueType::none: return "N";
    case ValueType::boolean:
    case ValueType::integer: return "i" + std::to_string(v.as_int());
    case ValueType::floating: {
      const double d = v.as_double();
      if (std::isfinite(d) && d == std::floor(d) && std::fabs(d) < 9.2e18) {
        return "i" + std::to_string(static_cast<std::int64_t>(d));
      }
      return "f" + float_repr(d);
    }
    case ValueType::string: return "s" + v.as_string();
    case ValueType::list: {
      std::string key = "t" + std::to_string(static_cast<int>(v.as_list().kind)) + "(";
      for (const auto& item : v.as_list().items) key += hash_key(item) + ",";
      return key + ")";
    }
    default: {
      // Identity, like Python's default hash.
      const void* identity =
          v.is(ValueType::namespace_object) ? static_cast<const void*>(&v.as_namespace())
          : v.is(ValueType::object)         ? static_cast<const void*>(&v.as_object())
          : v.is(ValueType::generator)      ? static_cast<const void*>(&v.as_generator())
                                            : static_cast<const void*>(&v.as_dict());
      char buffer[32];
      std::snprintf(buffer, sizeof buffer, "p%p", identity);
      return buffer;
    }
  }
}

std::string float_repr(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d < 0 ? "-inf" : "inf";
  // Shortest round-trip digits, laid out the way Python's repr() does: positional
  // notation for exponents in [-4, 16), scientific otherwise.
  char buffer[64];
  const auto result =
      std::to_chars(buffer, buffer + sizeof buffer, d, std::chars_format::scientific);
  const std::string_view text(buffer, static_cast<std::size_t>(result.ptr - buffer));
  const auto e = text.find('e');
  std::string_view mantissa = text.substr(0, e);
  const int exponent = std::stoi(std::string(text.substr(e + 1)));
  std::string out;
  if (!mantissa.empty() && mantissa.front() == '-') {
    out += '-';
    mantissa.remove_prefix(1);
  }
  std::string digits;
  for (const char c : mantissa) {
    if (c != '.') digits += c;
  }
  const int decimal_point = exponent + 1;  // digits are 0.d1d2... x 10^decimal_point
  const int n = static_cast<int>(digits.size());
  if (decimal_point > -4 && decimal_point <= 16) {
    if (decimal_point <= 0) {
      out += "0.";
      out.append(static_cast<std::size_t>(-decimal_point), '0');
      out += digits;
    } else if (decimal_point >= n) {
      out += digits;
      out.append(static_cast<std::size_t>(decimal_point - n), '0');
      out += ".0";
    } else {
      out += digits.substr(0, static_cast<std::size_t>(decimal_point));
      out += '.';
      out += digits.substr(static_cast<std::size_t>(decimal_point));
    }
    return out;
  }
  out += digits[0];
  if (n > 1) {
    out += '.';
    out += digits.substr(1);
  }
  char exponent_text[16];
  std::snprintf(exponent_text, sizeof exponent_text, "e%c%02d", exponent < 0 ? '-' : '+',
                exponent < 0 ? -exponent : exponent);
  out += exponent_text;
  return out;
}

std::string string_repr(std::string_view s) {
  const bool has_single = s.find('\'') != std::string_view::npos;
  const bool has_double = s.find('"') != std::string_view::npos;
  const char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (std::size_t pos = 0; pos < s.size();) {
    const std::size_t start = pos;
    const char32_t c = unicode::decode_next(s, pos);
    if (c == static_cast<char32_t>(quote) || c == '\\') {
      out += '\\';
      out += static_cast<char>(c);
    } else if (c == '\t') {
      out += "\\t";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (unicode::is_printable(c)) {
      out.append(s.substr(start, pos - start));
    } else if (c < 0x100) {
      append_hex(out, 'x', c, 2);
    } else if (c < 0x10000) {
      append_hex(out, 'u', c, 4);
    } else {
      append_hex(out, 'U', c, 8);
    }
  }
  out += quote;
  return out;
}

std::string to_str(const Value& v, const Budget& budget) {
  switch (v.type()) {
    case ValueType::undefined: return {};
    case ValueType::string: return v.as_string();
    default: {
      std::string out;
      append_repr(out, v, budget);
      return out;
    }
  }
}

void append_repr(std::string& out, const Value& v, const Budget& budget, std::size_t depth) {
  budget.check_data_depth(depth);
  switch (v.type()) {
    case ValueType::undefined: out += "Undefined"; return;
    case ValueType::none: out += "None"; return;
    case ValueType::boolean: out += v.as_bool() ? "True" : "False"; return;
    case ValueType::integer: out += std::to_string(v.as_int()); return;
    case ValueType::floating: out += float_repr(v.as_double()); return;
    case ValueType::string: out += string_repr(v.as_string()); return;
    case ValueType::list: {
      const auto& list = v.as_list();
      switch (list.kind) {
        case ListKind::list:
          out += '[';
          append_sequence_repr(out, list.items, budget, depth);
          out += ']';
          return;
        case ListKind::tuple:
          out += '(';
          append_sequence_repr(out, list.items, budget, depth);
          if (list.items.size() == 1) out += ',';
          out += ')';
          return;
        case ListKind::range:
          out +=
              "range(" + std::to_string(list.range_start) + ", " + std::to_string(list.range_stop);
          if (list.range_step != 1) out += ", " + std::to_string(list.range_step);
          out += ')';
          return;
        default:
          out += type_name(v);
          out += "([";
          append_sequence_repr(out, list.items, budget, depth);
          out += "])";
          return;
      }
    }
    case ValueType::dict: append_dict_repr(out, v.as_dict(), budget, depth); return;
    case ValueType::namespace_object:
      out += "<Namespace ";
      append_dict_repr(out, v.as_namespace().attributes, budget, depth);
      out += '>';
      return;
    case ValueType::object: {
      auto text = v.as_object().repr();
      if (!text) {
        throw TemplateError(TemplateError::Kind::unsupported,
                            "printing a " + std::string(v.as_object().type_name()) +
                                " is not supported (Python would print its address)");
      }
      out += *text;
      return;
    }
    case ValueType::generator:
      throw TemplateError(TemplateError::Kind::unsupported,
                          "printing a " + v.as_generator().type_name +
                              " is not supported (Python would print its address); "
                              "convert it with |list or |join");
  }
}

Value make_list(std::vector<Value> items, const Budget& budget, ListKind kind) {
  auto list = std::make_shared<ListData>();
  std::size_t depth = 0;
  for (const auto& item : items) depth = std::max(depth, item.depth());
  list->depth = depth + 1;
  budget.check_data_depth(list->depth);
  list->items = std::move(items);
  list->kind = kind;
  return Value::list(std::move(list));
}

Value make_dict(DictData data, const Budget& budget) {
  std::size_t depth = 0;
  for (const auto& [key, value] : data.entries)
    depth = std::max({depth, key.depth(), value.depth()});
  data.depth = depth + 1;
  budget.check_data_depth(data.depth);
  return Value::dict(std::make_shared<const DictData>(std::move(data)));
}

Value make_generator(std::vector<Value> items, const Budget& budget, std::string type_name) {
  auto generator = std::make_shared<GeneratorData>();
  std::size_t depth = 0;
  for (const auto& item : items) depth = std::max(depth, item.depth());
  generator->depth = depth + 1;
  budget.check_data_depth(generator->depth);
  generator->items = std::move(items);
  generator->type_name = std::move(type_name);
  return Value::generator(std::move(generator));
}

}  // namespace sluice::chat::detail
