// jinja2's built-in filters (jinja2/filters.py), with tojson as Hugging Face overrides it.
// Filters that return generators in jinja2 (map, select, items, reverse ...) return
// single-pass generators here too, so truthiness, len() and re-iteration behave the same.
#include <cmath>
#include <cstdio>
#include <unordered_map>
#include <unordered_set>

#include "chat/builtins.hpp"
#include "chat/interpreter.hpp"
#include "chat/json.hpp"
#include "chat/sort.hpp"
#include "chat/string_ops.hpp"
#include "chat/unicode.hpp"

namespace sluice::chat::detail {
namespace {

using Filter = Value (*)(Interpreter&, Value input, Arguments);

[[noreturn]] void filter_argument_error(const std::string& message) {
  throw TemplateError(TemplateError::Kind::render, "FilterArgumentError: " + message);
}

Value lowercase_if_string(const Value& v) {
  return v.is_string() ? Value::string(pystr::lower(v.as_string())) : v;
}

// jinja2's _prepare_attribute_parts: "a.0.b" -> ["a", 0, "b"].
std::vector<Value> attribute_parts(const Value& attribute) {
  if (attribute.is_none() || attribute.is_undefined()) return {};
  if (!attribute.is_string()) return {attribute};
  std::vector<Value> parts;
  for (auto& part : pystr::split(attribute.as_string(), std::string("."), -1, false)) {
    if (pystr::is_digit(part)) {
      if (auto index = pystr::parse_int(part, 10)) {
        parts.push_back(Value::integer(*index));
        continue;
      }
    }
    parts.push_back(Value::string(std::move(part)));
  }
  return parts;
}

// jinja2's make_attrgetter: looks the parts up with getitem, one after the other.
Value lookup_parts(Interpreter& interpreter, Value item, const std::vector<Value>& parts,
                   const Value* fallback) {
  for (const auto& part : parts) {
    item = interpreter.get_item(item, part);
    if (fallback != nullptr && item.is_undefined()) item = *fallback;
  }
  return item;
}

Value length_of(const Value& v) {
  switch (v.type()) {
    case ValueType::undefined: return Value::integer(0);
    case ValueType::string:
      return Value::integer(static_cast<std::int64_t>(unicode::length(v.as_string())));
    case ValueType::list:
      return Value::integer(static_cast<std::int64_t>(v.as_list().items.size()));
    case ValueType::dict:
      return Value::integer(static_cast<std::int64_t>(v.as_dict().entries.size()));
    default: throw_type_error("object of type '" + std::string(type_name(v)) + "' has no len()");
  }
}

Value f_abs(Interpreter&, Value v, Arguments a) {
  BoundArguments args("abs", std::move(a), {});
  if (v.is_undefined()) throw_undefined(v);
  if (v.is_integral()) {
    if (v.as_int() == std::numeric_limits<std::int64_t>::min()) throw_integer_overflow();
    return Value::integer(std::llabs(v.as_int()));
  }
  if (v.is(ValueType::floating)) return Value::floating(std::fabs(v.as_double()));
  throw_type_error("bad operand type for abs(): '" + std::string(type_name(v)) + "'");
}

Value f_attr(Interpreter& in, Value v, Arguments a) {
  BoundArguments args("attr", std::move(a), {"name"}, 1);
  return in.get_attribute(v, in.str(args.get(0)), false);
}

Value f_batch(Interpreter& in, Value v, Arguments a) {
  BoundArguments args("batch", std::move(a), {"linecount", "fill_with"}, 1);
  const Value& linecount = args.get(0);
  std::vector<Value> batches, current;
  for (auto& item : in.iterate(v)) {
    if (equals(Value::integer(static_cast<std::int64_t>(current.size())), linecount,
               &in.budget())) {
      batches.push_back(make_list(std::move(current), in.budget()));
      current.clear();
    }
    current.push_back(std::move(item));
  }
  if (!current.empty()) {
    if (args.has(1) && !args.get(1).is_none()) {
      const std::int64_t wanted = args.integer(0, 0);
      const auto missing = wanted - static_cast<std::int64_t>(current.size());
      if (missing > 0) in.budget().charge(static_cast<std::size_t>(missing));
      for (std::int64_t i = 0; i < missing; ++i) current.push_back(args.get(1));
    }
    batches.push_back(make_list(std::move(current), in.budget()));
  }
  return make_generator(std::move(batches), in.budget());
}

Value f_capitalize(Interpreter& in, Value v, Arguments a) {
  BoundArguments args("capitalize", std::move(a), {});
  return in.make_string(pystr::capitalize(in.str(v)));
}

Value f_center(Interpreter& in, Value v, Arguments a) {
  BoundArguments args("center", std::move(a), {"width"});
  return in.make_string(pystr::pad(in.str(v), args.integer(0, 80), ' ', 0, in.budget()));
}

Value f_default(Interpreter&, Value v, Arguments a) {
  BoundArguments args("default", std::move(a), {"default_value", "boolean"});
  if (v.is_undefined() || (args.boolean(1, false) && !truthy(v)))
    return args.get_or(0, Value::string(""));
  return v;
}

Value f_dictsort(Interpreter& in, Value v, Arguments a) {
  BoundArguments args("dictsort", std::move(a), {"case_sensitive", "by", "reverse"});
  const bool case_sensitive = args.boolean(0, false);
  const std::string by = args.string(1, "key");
  if (by != "key" && by != "value")
    filter_argument_error("You can only sort by either \"key\" or \"value\"");
  if (!v.is(ValueType::dict))
    throw_type_error("'" + std::string(type_name(v)) + "' object has no attribute 'items'");
  const std::size_t position = by == "key" ? 0 : 1;
  std::vector<std::pair<Value, Value>> keyed;  // (sort key, item)
  for (const auto& [key, value] : v.as_dict().entries) {
    const Value& chosen = position == 0 ? key : value;
    keyed.emplace_back(case_sensitive ? chosen : lowercase_if_string(chosen),
                       make_list({key, value}, in.budget(), ListKind::tuple));
  }
  in.budget().charge(keyed.size() * 8);
  const bool reverse = args.boolean(2, false);
  stable_sort(keyed, [&](const auto& x, const auto& y) {
    return reverse ? less_than(y.first, x.first, &in.budget())
                   : less_than(x.first, y.first, &in.budget());
  });
  std::vector<Value> items;
  for (auto& entry : keyed) items.push_back(std::move(entry.second));
  return make_list(std::move(items), in.budget());
}

Value f_first(Interpreter& in, Value v, Arguments a) {
  BoundArguments args("first", std::move(a), {});
  if (v.is(ValueType::generator)) {
    GeneratorData& generator = v.as_generator();
    if (generator.position < generator.items.size()) return generator.items[generator.position++];
  } else {
    auto items = in.iterate(v);
    if (!items.empty()) return items.front();
  }
  return Value::undefined("No first item, sequence was empty.");
}

Value f_last(Interpreter& in, Value v, Arguments a) {
  BoundArguments args("last", std::move(a), {});
  if (v.is(ValueType::generator))
    throw_type_error("'" + v.as_generator().type_name + "' object is not reversible");
  auto items = in.iterate(v);
  if (!items.empty()) return items.back();
  return Value::undefined("No last item, sequence was empty.");
}

Value f_float(Interpreter& in, Value v, Arguments a) {
  BoundArguments args("float", std::move(a), {"default"});
  in.charge_text(v);
  if (v.is_undefined()) throw_undefined(v);
  if (v.is_number()) return Value::floating(v.as_double());
  if (v.is_string()) {
    if (auto parsed = pystr::parse_float(v.as_string())) return Value::floating(*parsed);
  }
  return args.get_or(0, Value::floating(0.0));
}

Value f_int(Interpreter& in, Value v, Arguments a) {
  BoundArguments args("int", std::move(a), {"default", "base"});
  in.charge_text(v);
  const Value fallback = args.get_or(0, Value::integer(0));
  if (v.is_undefined()) throw_undefined(v);
  if (v.is_integral()) return Value::integer(v.as_int());
  double number = 0;
  if (v.is_string()) {
    if (auto parsed = pystr::parse_int(v.as_string(), static_cast<int>(args.integer(1, 10))))
      return Value::integer(*parsed);
    auto parsed_float = pystr::parse_float(v.as_string());
    if (!parsed_float) return fallback;
    number = *parsed_float;
  } else if (v.is(ValueType::floating)) {
    number = v.as_double();
  } else {
    return fallback;
  }
  if (std::isnan(number)) return fallback;
  if (std::isinf(number)) {
    throw TemplateError(TemplateError::Kind::render,
                        "OverflowError: cannot convert float infinity to integer");
  }
  if (std::fabs(number) >= 9.2233720368547758e18) throw_integer_overflow();
  return Value::integer(static_cast<std::int64_t>(std::trunc(number)));
}

Value f_indent(Interpreter& in, Value v, Arguments a) {
  BoundArguments args("indent", std::move(a), {"width", "first", "blank"});
  std::string indention;
  if (args.has(0) && args.get(0).is_string()) {
    indention = args.get(0).as_string();
  } else {
    const std::int64_t width = args.integer(0, 4);
    in.budget().check_string_size(static_cast<std::size_t>(std::max<std::int64_t>(0, width)));
    indention.assign(static_cast<std::size_t>(std::max<std::int64_t>(0, width)), ' ');
  }
  const std::vector<std::string> lines = pystr::splitlines(in.str(v) + "\n", false);
  std::string out;
  const auto append = [&](std::string_view text) {
    in.budget().check_string_size(out.size() + text.size());
    out += text;
  };
  if (args.boolean(2, false)) {
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (i > 0) {
        append("\n");
        append(indention);
      }
      append(lines[i]);
    }
  } else if (!lines.empty()) {
    append(lines[0]);
    for (std::size_t i = 1; i < lines.size(); ++i) {
      append("\n");
      if (!lines[i].empty()) append(indention);
      append(lines[i]);
    }
  }
  if (args.boolean(1, false)) out = indention + out;
  return in.make_string(std::move(out));
}

Value f_items(Interpreter& in, Value v, Arguments a) {
  BoundArguments args("items", std::move(a), {});
  if (v.is_undefined()) return make_generator({}, in.budget());
  if (!v.is(ValueType::dict)) throw_type_error("Can only get item pairs from a mapping.");
  std::vector<Value> pairs;
  for (const auto& [key, value] : v.as_dict().entries)
    pairs.push_back(make_list({key, value}, in.budget(), ListKind::tuple));
  in.budget().charge(pairs.size());
  return make_generator(std::move(pairs), in.budget());
}

Value f_join(Interpreter& in, Value v, Arguments a) {
  BoundArguments args("join", std::move(a), {"d", "attribute"});
  const std::string separator = args.has(0) ? in.str(args.get(0)) : std::string();
  const std::vector<Value> parts =
      args.has(1) && !args.get(1).is_none() ? attribute_parts(args.get(1)) : std::vector<Value>{};
  const bool by_attribute = args.has(1) && !args.get(1).is_none();
  std::string out;
  std::size_t i = 0;
  for (const auto& item : in.iterate(v)) {
    if (i++ > 0) out += separator;
    out += in.str(by_attribute ? lookup_parts(in, item, parts, nullptr) : item);
    in.budget().check_string_size(out.size());
  }
  return in.make_string(std::move(out));
}

Value f_length(Interpreter& in, Value v, Arguments a) {
  BoundArguments args("length", std::move(a), {});
  in.charge_text(v);
  return length_of(v);
}

Value f_list(Interpreter& in, Value v, Arguments a) {
  BoundArguments args("list", std::move(a), {});
  return make_list(in.iterate(v), in.budget());
}

Value f_lower(Interpreter& in, Value v, Arguments a) {
  BoundArguments args("lower", std::move(a), {});
  return in.make_string(pystr::lower(in.str(v)));
}

Value f_upper(Interpreter& in, Value v, Arguments a) {
  BoundArguments args("upper", std::move(a), {});
  return in.make_string(pystr::upper(in.str(v)));
}

Value f_map(Interpreter& in, Value v, Arguments a) {
  if (!truthy(v)) return make_generator({}, in.budget());
  std::vector<Value> out;
  const auto attribute = std::find_if(a.keyword.begin(), a.keyword.end(),
                                      [](const auto& kw) { return kw.first == "attribute"; });
  if (a.positional.empty() && attribute != a.keyword.end()) {
    BoundArguments args("map", std::move(a), {"attribute", "default"});
    const auto parts = attribute_parts(args.get(0));
    const Value fallback = args.get_or(1, Value::none());
    for (const auto& item : in.iterate(v)) {
      out.push_back(lookup_parts(in, item, parts, fallback.is_none() ? nullptr : &fallback));
    }
    return make_generator(std::move(out), in.budget());
  }
  if (a.positional.empty()) filter_argument_error("map requires a filter argument");
  const std::string name = in.str(a.positional.front());
  a.positional.erase(a.positional.begin());
  for (const auto& item : in.iterate(v)) out.push_back(in.call_filter(name, item, a, 0));
  return make_generator(std::move(out), in.budget());
}

Value min_or_max(Interpreter& in, const Value& v, Arguments a, bool maximum) {
  BoundArguments args(maximum ? "max" : "min", std::move(a), {"case_sensitive", "attribute"});
  const bool case_sensitive = args.boolean(0, false);
  const auto parts = args.has(1) ? attribute_parts(args.get(1)) : std::vector<Value>{};
  const auto items = in.iterate(v);
  if (items.empty()) return Value::undefined("No aggregated item, sequence was empty.");
  const auto key = [&](const Value& item) {
    Value k = lookup_parts(in, item, parts, nullptr);
    return case_sensitive ? k : lowercase_if_string(k);
  };
  std::size_t best = 0;
  Value best_key = key(items[0]);
  for (std::size_t i = 1; i < items.size(); ++i) {
    Value k = key(items[i]);
    if (maximum ? less_than(best_key, k, &in.budget()) : less_than(k, best_key, &in.budget())) {
      best = i;
      best_key = std::move(k);
    }
  }
  return items[best];
}
Value f_max(Interpreter& in, Value v, Arguments a) {
  return min_or_max(in, v, std::move(a), true);
}
Value f_min(Interpreter& in, Value v, Arguments a) {
  return min_or_max(in, v, std::move(a), false);
}

// select / reject / selectattr / rejectattr
Value select_or_reject(Interpreter& in, const Value& v, Arguments a, bool keep_when,
                       bool by_attribute) {
  if (!truthy(v)) return make_generator({}, in.budget());
  std::vector<Value> parts;
  std::size_t offset = 0;
  if (by_attribute) {
    if (a.positional.empty()) filter_argument_error("Missing parameter for attribute name");
    parts = attribute_parts(a.positional[0]);
    offset = 1;
  }
  std::optional<std::string> test;
  Arguments test_arguments;
  if (a.positional.size() > offset) {
    test = in.str(a.positional[offset]);
    test_arguments.positional.assign(a.positional.begin() + static_cast<std::ptrdiff_t>(offset) + 1,
                                     a.positional.end());
  }
  test_arguments.keyword = a.keyword;
  std::vector<Value> out;
  for (const auto& item : in.iterate(v)) {
    const Value subject = by_attribute ? lookup_parts(in, item, parts, nullptr) : item;
    const bool passed = test ? in.call_test(*test, subject, test_arguments, 0) : truthy(subject);
    if (passed == keep_when) out.push_back(item);
  }
  return make_generator(std::move(out), in.budget());
}
Value f_select(Interpreter& in, Value v, Arguments a) {
  return select_or_reject(in, v, std::move(a), true, false);
}
Value f_reject(Interpreter& in, Value v, Arguments a) {
  return select_or_reject(in, v, std::move(a), false, false);
}
Value f_selectattr(Interpreter& in, Value v, Arguments a) {
  return select_or_reject(in, v, std::move(a), true, true);
}
Value f_rejectattr(Interpreter& in, Value v, Arguments a) {
  return select_or_reject(in, v, std::move(a), false, true);
}

Value f_replace(Interpreter& in, Value v, Arguments a) {
  BoundArguments args("replace", std::move(a), {"old", "new", "count"}, 2);
  const std::int64_t count = args.has(2) && !args.get(2).is_none() ? args.integer(2, -1) : -1;
  return in.make_string(
      pystr::replace(in.str(v), in.str(args.get(0)), in.str(args.get(1)), count, in.budget()));
}

Value f_reverse(Interpreter& in, Value v, Arguments a) {
  BoundArguments args("reverse", std::move(a), {});
  if (v.is_string()) {
    in.charge_text(v);
    std::u32string chars = unicode::decode(v.as_string());
    std::reverse(chars.begin(), chars.end());
    return in.make_string(unicode::encode(chars));
  }
  const bool generator = v.is(ValueType::generator);
  if (!generator && !v.is(ValueType::list) && !v.is(ValueType::dict) && !v.is_undefined()) {
    filter_argument_error("argument must be iterable");
  }
  std::vector<Value> items = in.iterate(v);
  std::reverse(items.begin(), items.end());
  if (generator) return make_list(std::move(items), in.budget());  // list(value) reversed
  const std::string kind = v.is(ValueType::dict) ? "dict_reversekeyiterator"
                                                 : std::string(type_name(v)) + "_reverseiterator";
  return make_generator(std::move(items), in.budget(), kind);
}

Value f_round(Interpreter&, Value v, Arguments a) {
  BoundArguments args("round", std::move(a), {"precision", "method"});
  const std::int64_t precision = args.integer(0, 0);
  const std::string method = args.string(1, "common");
  if (method != "common" && method != "ceil" && method != "floor")
    filter_argument_error("method must be common, ceil or floor");
  if (v.is_undefined()) throw_undefined(v);
  if (!v.is_number())
    throw_type_error("type " + std::string(type_name(v)) + " doesn't define __round__ method");
  if (method == "common") {
    if (v.is_integral()) {
      if (precision >= 0) return Value::integer(v.as_int());
      if (precision < -18) return Value::integer(0);
      std::int64_t scale = 1;
      for (std::int64_t i = 0; i < -precision; ++i) scale *= 10;
      const double scaled =
          std::nearbyint(static_cast<double>(v.as_int()) / static_cast<double>(scale));
      return Value::integer(static_cast<std::int64_t>(scaled) * scale);
    }
    const double x = v.as_double();
    if (!std::isfinite(x) || precision > 308) return Value::floating(x);
    if (precision < -308) return Value::floating(std::copysign(0.0, x));
    if (precision < 0) {
      const double scale = std::pow(10.0, static_cast<double>(-precision));
      return Value::floating(std::nearbyint(x / scale) * scale);
    }
    // printf rounds the exact binary value half to even, as Python's round() does.
    char buffer[512];
    std::snprintf(buffer, sizeof buffer, "%.*f", static_cast<int>(precision), x);
    return Value::floating(std::strtod(buffer, nullptr));
  }
  const double scale = std::pow(10.0, static_cast<double>(precision));
  const double scaled = v.as_double() * scale;
  return Value::floating((method == "ceil" ? std::ceil(scaled) : std::floor(scaled)) / scale);
}

Value f_slice(Interpreter& in, Value v, Arguments a) {
  BoundArguments args("slice", std::move(a), {"slices", "fill_with"}, 1);
  const std::int64_t slices = args.integer(0, 1);
  if (slices == 0)
    throw TemplateError(TemplateError::Kind::render,
                        "ZeroDivisionError: integer division or modulo by zero");
  const std::vector<Value> seq = in.iterate(v);
  const auto length = static_cast<std::int64_t>(seq.size());
  if (slices < 0) return make_generator({}, in.budget());
  in.budget().charge(static_cast<std::size_t>(slices));
  const std::int64_t per_slice = length / slices;
  const std::int64_t with_extra = length % slices;
  const bool fill = args.has(1) && !args.get(1).is_none();
  std::vector<Value> out;
  std::int64_t offset = 0;
  for (std::int64_t n = 0; n < slices; ++n) {
    const std::int64_t start = offset + n * per_slice;
    if (n < with_extra) ++offset;
    const std::int64_t end = offset + (n + 1) * per_slice;
    std::vector<Value> part(seq.begin() + start, seq.begin() + end);
    if (fill && n >= with_extra) part.push_back(args.get(1));
    out.push_back(make_list(std::move(part), in.budget()));
  }
  return make_generator(std::move(out), in.budget());
}

Value f_sort(Interpreter& in, Value v, Arguments a) {
  BoundArguments args("sort", std::move(a), {"reverse", "case_sensitive", "attribute"});
  const bool reverse = args.boolean(0, false);
  const bool case_sensitive = args.boolean(1, false);
  std::vector<std::vector<Value>> key_parts;  // make_multi_attrgetter: "a,b" sorts by a then b
  if (args.has(2) && args.get(2).is_string()) {
    for (const auto& part : pystr::split(args.get(2).as_string(), std::string(","), -1, false)) {
      key_parts.push_back(attribute_parts(Value::string(part)));
    }
  } else {
    key_parts.push_back(args.has(2) ? attribute_parts(args.get(2)) : std::vector<Value>{});
  }
  std::vector<std::pair<Value, Value>> keyed;  // (key, item)
  for (auto& item : in.iterate(v)) {
    std::vector<Value> key;
    for (const auto& parts : key_parts) {
      Value k = lookup_parts(in, item, parts, nullptr);
      key.push_back(case_sensitive ? k : lowercase_if_string(k));
    }
    keyed.emplace_back(make_list(std::move(key), in.budget()), std::move(item));
  }
  in.budget().charge(keyed.size() * 8);
  stable_sort(keyed, [&](const auto& x, const auto& y) {
    return reverse ? less_than(y.first, x.first, &in.budget())
                   : less_than(x.first, y.first, &in.budget());
  });
  std::vector<Value> items;
  for (auto& entry : keyed) items.push_back(std::move(entry.second));
  return make_list(std::move(items), in.budget());
}

Value f_string(Interpreter& in, Value v, Arguments a) {
  BoundArguments args("string", std::move(a), {});
  return in.make_string(in.str(v));
}

Value f_sum(Interpreter& in, Value v, Arguments a) {
  BoundArguments args("sum", std::move(a), {"attribute", "start"});
  const auto parts = args.has(0) ? attribute_parts(args.get(0)) : std::vector<Value>{};
  Value total = args.get_or(1, Value::integer(0));
  for (const auto& item : in.iterate(v))
    total = in.binary(BinaryOp::add, total, lookup_parts(in, item, parts, nullptr));
  return total;
}

Value f_title(Interpreter& in, Value v, Arguments a) {
  BoundArguments args("title", std::move(a), {});
  return in.make_string(pystr::word_title(in.str(v)));
}

Value f_tojson(Interpreter& in, Value v, Arguments a) {
  BoundArguments args("tojson", std::move(a),
                      {"ensure_ascii", "indent", "separators", "sort_keys"});
  JsonOptions options;
  options.ensure_ascii = args.boolean(0, false);
  if (args.has(1) && !args.get(1).is_none()) {
    const Value& indent = args.get(1);
    if (indent.is_string()) {
      options.indent = indent.as_string();
    } else if (indent.is_integral()) {
      const std::int64_t width = std::max<std::int64_t>(0, indent.as_int());
      in.budget().check_string_size(static_cast<std::size_t>(width));
      options.indent = std::string(static_cast<std::size_t>(width), ' ');
    } else {
      throw_type_error("can't multiply sequence by non-int of type '" +
                       std::string(type_name(indent)) + "'");
    }
  }
  if (args.has(2) && !args.get(2).is_none()) {
    const Value& separators = args.get(2);
    const auto items = in.iterate(separators);
    if (items.size() != 2 || !items[0].is_string() || !items[1].is_string()) {
      throw_type_error("separators must be a pair of strings");
    }
    options.item_separator = items[0].as_string();
    options.key_separator = items[1].as_string();
  }
  options.sort_keys = args.boolean(3, false);
  return in.make_string(to_json(v, options, in.budget()));
}

Value f_trim(Interpreter& in, Value v, Arguments a) {
  BoundArguments args("trim", std::move(a), {"chars"});
  std::optional<std::string> chars;
  if (args.has(0) && !args.get(0).is_none()) {
    if (!args.get(0).is_string()) {
      throw_type_error("strip arg must be None or str, not " + std::string(type_name(args.get(0))));
    }
    chars = args.get(0).as_string();
  }
  return in.make_string(pystr::strip(in.str(v), chars, true, true));
}

Value f_truncate(Interpreter& in, Value v, Arguments a) {
  BoundArguments args("truncate", std::move(a), {"length", "killwords", "end", "leeway"});
  if (!v.is_string())
    throw_type_error("object of type '" + std::string(type_name(v)) + "' has no len()");
  in.charge_text(v);
  const std::string& s = v.as_string();
  const std::int64_t length = args.integer(0, 255);
  const bool killwords = args.boolean(1, false);
  const std::string end = args.has(2) ? in.str(args.get(2)) : std::string("...");
  const std::int64_t leeway = args.has(3) && !args.get(3).is_none() ? args.integer(3, 5) : 5;
  const auto end_length = static_cast<std::int64_t>(unicode::length(end));
  if (length < end_length) {
    throw TemplateError(TemplateError::Kind::render,
                        "AssertionError: expected length >= " + std::to_string(end_length) +
                            ", got " + std::to_string(length));
  }
  if (leeway < 0) {
    throw TemplateError(TemplateError::Kind::render,
                        "AssertionError: expected leeway >= 0, got " + std::to_string(leeway));
  }
  const auto s_length = static_cast<std::int64_t>(unicode::length(s));
  if (s_length <= length + leeway) return v;
  const std::string head =
      pystr::slice(s, pystr::adjust_slice(std::nullopt, length - end_length, 1, s_length));
  if (killwords) return in.make_string(head + end);
  return in.make_string(pystr::split(head, std::string(" "), 1, true).front() + end);
}

Value f_unique(Interpreter& in, Value v, Arguments a) {
  BoundArguments args("unique", std::move(a), {"case_sensitive", "attribute"});
  const bool case_sensitive = args.boolean(0, false);
  const auto parts = args.has(1) ? attribute_parts(args.get(1)) : std::vector<Value>{};
  std::unordered_set<std::string> seen;
  std::vector<Value> out;
  for (auto& item : in.iterate(v)) {
    Value key = lookup_parts(in, item, parts, nullptr);
    if (!case_sensitive) key = lowercase_if_string(key);
    if (!is_hashable(key))
      throw_type_error("unhashable type: '" + std::string(type_name(key)) + "'");
    if (seen.insert(hash_key(key)).second) out.push_back(std::move(item));
  }
  return make_generator(std::move(out), in.budget());
}

Value f_wordcount(Interpreter& in, Value v, Arguments a) {
  BoundArguments args("wordcount", std::move(a), {});
  return Value::integer(static_cast<std::int64_t>(pystr::word_count(in.str(v))));
}

const std::unordered_map<std::string_view, Filter>& filters() {
  static const std::unordered_map<std::string_view, Filter> table = {
      {"abs", f_abs},
      {"attr", f_attr},
      {"batch", f_batch},
      {"capitalize", f_capitalize},
      {"center", f_center},
      {"count", f_length},
      {"d", f_default},
      {"default", f_default},
      {"dictsort", f_dictsort},
      {"first", f_first},
      {"float", f_float},
      {"indent", f_indent},
      {"int", f_int},
      {"items", f_items},
      {"join", f_join},
      {"last", f_last},
      {"length", f_length},
      {"list", f_list},
      {"lower", f_lower},
      {"map", f_map},
      {"max", f_max},
      {"min", f_min},
      {"reject", f_reject},
      {"rejectattr", f_rejectattr},
      {"replace", f_replace},
      {"reverse", f_reverse},
      {"round", f_round},
      {"select", f_select},
      {"selectattr", f_selectattr},
      {"slice", f_slice},
      {"sort", f_sort},
      {"string", f_string},
      {"sum", f_sum},
      {"title", f_title},
      {"tojson", f_tojson},
      {"trim", f_trim},
      {"truncate", f_truncate},
      {"unique", f_unique},
      {"upper", f_upper},
      {"wordcount", f_wordcount},
  };
  return table;
}

// jinja2 filters left out: HTML escaping and Markup (no autoescape in chat templates),
// randomness, and formatting helpers no chat template uses.
const std::unordered_set<std::string_view>& unsupported_filters() {
  static const std::unordered_set<std::string_view> names = {
      "e",      "escape", "filesizeformat", "forceescape", "format", "groupby",  "pprint",
      "random", "safe",   "striptags",      "urlencode",   "urlize", "wordwrap", "xmlattr"};
  return names;
}

}  // namespace

Support filter_support(std::string_view name) {
  if (filters().count(name) != 0) return Support::implemented;
  if (unsupported_filters().count(name) != 0) return Support::unsupported;
  return Support::unknown;
}

Value apply_filter(Interpreter& interpreter, std::string_view name, Value input,
                   Arguments arguments) {
  const auto it = filters().find(name);
  if (it != filters().end()) return it->second(interpreter, std::move(input), std::move(arguments));
  if (unsupported_filters().count(name) != 0) {
    throw TemplateError(TemplateError::Kind::unsupported,
                        "the '" + std::string(name) + "' filter is not supported");
  }
  throw TemplateError(TemplateError::Kind::render,
                      "No filter named '" + std::string(name) + "' found.");
}

}  // namespace sluice::chat::detail
