// The Python methods of str, list/tuple and dict that templates call ("x".startswith(...),
// d.items(), ...), with the immutable sandbox's refusal of the mutating ones.
#include <algorithm>
#include <unordered_map>
#include <unordered_set>

#include "chat/builtins.hpp"
#include "chat/interpreter.hpp"
#include "chat/string_ops.hpp"
#include "chat/unicode.hpp"

namespace sluice::chat::detail {
namespace {

using Method = Value (*)(Interpreter&, const Value& self, Arguments);

std::optional<std::int64_t> optional_index(const BoundArguments& args, std::size_t index) {
  if (!args.has(index) || args.get(index).is_none()) return std::nullopt;
  return args.integer(index, 0);
}

std::optional<std::string> optional_chars(const BoundArguments& args, std::size_t index,
                                          const char* function) {
  if (!args.has(index) || args.get(index).is_none()) return std::nullopt;
  const Value& v = args.get(index);
  if (!v.is_string()) {
    throw_type_error(std::string(function) + " arg must be None or str, not " +
                     std::string(type_name(v)));
  }
  return v.as_string();
}

std::string required_string(const BoundArguments& args, std::size_t index, const char* function) {
  const Value& v = args.get(index);
  if (!v.is_string()) {
    throw_type_error(std::string(function) + "() argument must be str, not " +
                     std::string(type_name(v)));
  }
  return v.as_string();
}

Value string_list(Interpreter& interpreter, std::vector<std::string> parts,
                  ListKind kind = ListKind::list) {
  interpreter.budget().charge(parts.size());
  std::vector<Value> items;
  items.reserve(parts.size());
  for (auto& part : parts) items.push_back(Value::string(std::move(part)));
  return make_list(std::move(items), interpreter.budget(), kind);
}

// s[start:end] for the optional start/end arguments of startswith, find ...
std::string window(const std::string& s, std::optional<std::int64_t> start,
                   std::optional<std::int64_t> end) {
  if (!start && !end) return s;
  const auto range =
      pystr::adjust_slice(start, end, 1, static_cast<std::int64_t>(unicode::length(s)));
  return pystr::slice(s, range);
}

Value affix_test(const Value& self, Arguments arguments, const char* function, bool suffix) {
  BoundArguments args(function, std::move(arguments), {"prefix", "start", "end"}, 1);
  const std::string text =
      window(self.as_string(), optional_index(args, 1), optional_index(args, 2));
  const auto matches = [&](const Value& affix) {
    if (!affix.is_string()) {
      throw_type_error(std::string(function) + " first arg must be str or a tuple of str, not " +
                       std::string(type_name(affix)));
    }
    const std::string& a = affix.as_string();
    if (a.size() > text.size()) return false;
    return suffix ? text.compare(text.size() - a.size(), a.size(), a) == 0
                  : text.compare(0, a.size(), a) == 0;
  };
  const Value& affix = args.get(0);
  if (affix.is(ValueType::list) && affix.as_list().kind == ListKind::tuple) {
    const auto& items = affix.as_list().items;
    return Value::boolean(std::any_of(items.begin(), items.end(), matches));
  }
  return Value::boolean(matches(affix));
}

Value str_startswith(Interpreter&, const Value& self, Arguments a) {
  return affix_test(self, std::move(a), "startswith", false);
}
Value str_endswith(Interpreter&, const Value& self, Arguments a) {
  return affix_test(self, std::move(a), "endswith", true);
}

Value split_method(Interpreter& interpreter, const Value& self, Arguments arguments,
                   bool from_right) {
  BoundArguments args(from_right ? "rsplit" : "split", std::move(arguments), {"sep", "maxsplit"});
  const auto sep = optional_chars(args, 0, "split()");
  if (sep && sep->empty()) throw_value_error("empty separator");
  return string_list(interpreter,
                     pystr::split(self.as_string(), sep, args.integer(1, -1), from_right));
}
Value str_split(Interpreter& i, const Value& self, Arguments a) {
  return split_method(i, self, std::move(a), false);
}
Value str_rsplit(Interpreter& i, const Value& self, Arguments a) {
  return split_method(i, self, std::move(a), true);
}

Value strip_method(Interpreter& interpreter, const Value& self, Arguments arguments,
                   const char* name, bool left, bool right) {
  BoundArguments args(name, std::move(arguments), {"chars"});
  return interpreter.make_string(
      pystr::strip(self.as_string(), optional_chars(args, 0, name), left, right));
}
Value str_strip(Interpreter& i, const Value& s, Arguments a) {
  return strip_method(i, s, std::move(a), "strip", true, true);
}
Value str_lstrip(Interpreter& i, const Value& s, Arguments a) {
  return strip_method(i, s, std::move(a), "lstrip", true, false);
}
Value str_rstrip(Interpreter& i, const Value& s, Arguments a) {
  return strip_method(i, s, std::move(a), "rstrip", false, true);
}

Value str_replace(Interpreter& interpreter, const Value& self, Arguments arguments) {
  BoundArguments args("replace", std::move(arguments), {"old", "new", "count"}, 2);
  return interpreter.make_string(pystr::replace(
      self.as_string(), required_string(args, 0, "replace"), required_string(args, 1, "replace"),
      args.integer(2, -1), interpreter.budget()));
}

template <std::string (*Transform)(std::string_view)>
Value case_method(Interpreter& interpreter, const Value& self, Arguments arguments) {
  BoundArguments args("str method", std::move(arguments), {});
  return interpreter.make_string(Transform(self.as_string()));
}

template <bool (*Predicate)(std::string_view)>
Value predicate_method(Interpreter&, const Value& self, Arguments arguments) {
  BoundArguments args("str method", std::move(arguments), {});
  return Value::boolean(Predicate(self.as_string()));
}

bool is_ascii_text(std::string_view s) {
  return unicode::is_ascii(s);
}

Value find_method_impl(const Value& self, Arguments arguments, const char* name, bool from_right,
                       bool raise) {
  BoundArguments args(name, std::move(arguments), {"sub", "start", "end"}, 1);
  const std::int64_t at = pystr::find(self.as_string(), required_string(args, 0, name),
                                      optional_index(args, 1), optional_index(args, 2), from_right);
  if (at < 0 && raise) throw_value_error("substring not found");
  return Value::integer(at);
}
Value str_find(Interpreter&, const Value& s, Arguments a) {
  return find_method_impl(s, std::move(a), "find", false, false);
}
Value str_rfind(Interpreter&, const Value& s, Arguments a) {
  return find_method_impl(s, std::move(a), "rfind", true, false);
}
Value str_index(Interpreter&, const Value& s, Arguments a) {
  return find_method_impl(s, std::move(a), "index", false, true);
}
Value str_rindex(Interpreter&, const Value& s, Arguments a) {
  return find_method_impl(s, std::move(a), "rindex", true, true);
}

Value str_count(Interpreter&, const Value& self, Arguments arguments) {
  BoundArguments args("count", std::move(arguments), {"sub", "start", "end"}, 1);
  return Value::integer(pystr::count(self.as_string(), required_string(args, 0, "count"),
                                     optional_index(args, 1), optional_index(args, 2)));
}

Value str_join(Interpreter& interpreter, const Value& self, Arguments arguments) {
  BoundArguments args("join", std::move(arguments), {"iterable"}, 1);
  std::string out;
  std::size_t i = 0;
  for (const Value& item : interpreter.iterate(args.get(0))) {
    if (!item.is_string()) {
      throw_type_error("sequence item " + std::to_string(i) + ": expected str instance, " +
                       std::string(type_name(item)) + " found");
    }
    if (i++ > 0) out += self.as_string();
    out += item.as_string();
    interpreter.budget().check_string_size(out.size());
  }
  return interpreter.make_string(std::move(out));
}

Value str_splitlines(Interpreter& interpreter, const Value& self, Arguments arguments) {
  BoundArguments args("splitlines", std::move(arguments), {"keepends"});
  return string_list(interpreter, pystr::splitlines(self.as_string(), args.boolean(0, false)));
}

Value affix_remove(Interpreter& interpreter, const Value& self, Arguments arguments,
                   const char* name, bool suffix) {
  BoundArguments args(name, std::move(arguments), {"affix"}, 1);
  const std::string affix = required_string(args, 0, name);
  const std::string& s = self.as_string();
  if (affix.size() <= s.size()) {
    if (!suffix && s.compare(0, affix.size(), affix) == 0)
      return interpreter.make_string(s.substr(affix.size()));
    if (suffix && s.compare(s.size() - affix.size(), affix.size(), affix) == 0) {
      return interpreter.make_string(s.substr(0, s.size() - affix.size()));
    }
  }
  return self;
}
Value str_removeprefix(Interpreter& i, const Value& s, Arguments a) {
  return affix_remove(i, s, std::move(a), "removeprefix", false);
}
Value str_removesuffix(Interpreter& i, const Value& s, Arguments a) {
  return affix_remove(i, s, std::move(a), "removesuffix", true);
}

Value pad_method(Interpreter& interpreter, const Value& self, Arguments arguments, const char* name,
                 int align) {
  BoundArguments args(name, std::move(arguments), {"width", "fillchar"}, 1);
  char32_t fill = ' ';
  if (args.has(1)) {
    const std::string fill_text = required_string(args, 1, name);
    if (unicode::length(fill_text) != 1)
      throw_type_error("The fill character must be exactly one character long");
    std::size_t pos = 0;
    fill = unicode::decode_next(fill_text, pos);
  }
  return interpreter.make_string(
      pystr::pad(self.as_string(), args.integer(0, 0), fill, align, interpreter.budget()));
}
Value str_center(Interpreter& i, const Value& s, Arguments a) {
  return pad_method(i, s, std::move(a), "center", 0);
}
Value str_ljust(Interpreter& i, const Value& s, Arguments a) {
  return pad_method(i, s, std::move(a), "ljust", -1);
}
Value str_rjust(Interpreter& i, const Value& s, Arguments a) {
  return pad_method(i, s, std::move(a), "rjust", 1);
}

Value str_zfill(Interpreter& interpreter, const Value& self, Arguments arguments) {
  BoundArguments args("zfill", std::move(arguments), {"width"}, 1);
  return interpreter.make_string(
      pystr::zfill(self.as_string(), args.integer(0, 0), interpreter.budget()));
}

Value partition_method(Interpreter& interpreter, const Value& self, Arguments arguments,
                       bool from_right) {
  const char* name = from_right ? "rpartition" : "partition";
  BoundArguments args(name, std::move(arguments), {"sep"}, 1);
  const std::string sep = required_string(args, 0, name);
  if (sep.empty()) throw_value_error("empty separator");
  const std::string& s = self.as_string();
  const std::size_t at = from_right ? s.rfind(sep) : s.find(sep);
  if (at == std::string::npos) {
    return string_list(
        interpreter,
        from_right ? std::vector<std::string>{"", "", s} : std::vector<std::string>{s, "", ""},
        ListKind::tuple);
  }
  return string_list(interpreter, {s.substr(0, at), sep, s.substr(at + sep.size())},
                     ListKind::tuple);
}
Value str_partition(Interpreter& i, const Value& s, Arguments a) {
  return partition_method(i, s, std::move(a), false);
}
Value str_rpartition(Interpreter& i, const Value& s, Arguments a) {
  return partition_method(i, s, std::move(a), true);
}

// ---- list and tuple

Value list_count(Interpreter& interpreter, const Value& self, Arguments arguments) {
  BoundArguments args("count", std::move(arguments), {"value"}, 1);
  const auto& items = self.as_list().items;
  interpreter.budget().charge(items.size());
  return Value::integer(std::count_if(items.begin(), items.end(), [&](const Value& x) {
    return equals(x, args.get(0), &interpreter.budget());
  }));
}

Value list_index(Interpreter& interpreter, const Value& self, Arguments arguments) {
  BoundArguments args("index", std::move(arguments), {"value", "start", "stop"}, 1);
  const auto& items = self.as_list().items;
  interpreter.budget().charge(items.size());
  const auto range = pystr::adjust_slice(optional_index(args, 1), optional_index(args, 2), 1,
                                         static_cast<std::int64_t>(items.size()));
  for (std::int64_t i = range.start; i < range.start + range.count; ++i) {
    if (equals(items[static_cast<std::size_t>(i)], args.get(0), &interpreter.budget()))
      return Value::integer(i);
  }
  throw_value_error(to_str(args.get(0), interpreter.budget()) + " is not in list");
}

Value list_copy(Interpreter&, const Value& self, Arguments arguments) {
  BoundArguments args("copy", std::move(arguments), {});
  return self;  // immutable, so sharing is a copy
}

// ---- dict

Value dict_get(Interpreter&, const Value& self, Arguments arguments) {
  BoundArguments args("get", std::move(arguments), {"key", "default"}, 1);
  const Value& key = args.get(0);
  if (!is_hashable(key)) throw_type_error("unhashable type: '" + std::string(type_name(key)) + "'");
  if (const Value* value = self.as_dict().find(key)) return *value;
  return args.get_or(1, Value::none());
}

Value dict_view(Interpreter& interpreter, const Value& self, Arguments arguments, ListKind kind) {
  BoundArguments args("dict view", std::move(arguments), {});
  const auto& entries = self.as_dict().entries;
  interpreter.budget().charge(entries.size());
  std::vector<Value> items;
  items.reserve(entries.size());
  for (const auto& [key, value] : entries) {
    if (kind == ListKind::dict_keys) {
      items.push_back(key);
    } else if (kind == ListKind::dict_values) {
      items.push_back(value);
    } else {
      items.push_back(make_list({key, value}, interpreter.budget(), ListKind::tuple));
    }
  }
  return make_list(std::move(items), interpreter.budget(), kind);
}
Value dict_keys(Interpreter& i, const Value& s, Arguments a) {
  return dict_view(i, s, std::move(a), ListKind::dict_keys);
}
Value dict_values(Interpreter& i, const Value& s, Arguments a) {
  return dict_view(i, s, std::move(a), ListKind::dict_values);
}
Value dict_items(Interpreter& i, const Value& s, Arguments a) {
  return dict_view(i, s, std::move(a), ListKind::dict_items);
}
Value dict_copy(Interpreter&, const Value& self, Arguments arguments) {
  BoundArguments args("copy", std::move(arguments), {});
  return self;
}

using MethodTable = std::unordered_map<std::string_view, Method>;

const MethodTable& string_methods() {
  static const MethodTable table = {
      {"startswith", str_startswith},
      {"endswith", str_endswith},
      {"split", str_split},
      {"rsplit", str_rsplit},
      {"strip", str_strip},
      {"lstrip", str_lstrip},
      {"rstrip", str_rstrip},
      {"replace", str_replace},
      {"upper", case_method<pystr::upper>},
      {"lower", case_method<pystr::lower>},
      {"title", case_method<pystr::title>},
      {"capitalize", case_method<pystr::capitalize>},
      {"find", str_find},
      {"rfind", str_rfind},
      {"index", str_index},
      {"rindex", str_rindex},
      {"count", str_count},
      {"join", str_join},
      {"splitlines", str_splitlines},
      {"isdigit", predicate_method<pystr::is_digit>},
      {"isdecimal", predicate_method<pystr::is_digit>},
      {"isnumeric", predicate_method<pystr::is_digit>},
      {"isalpha", predicate_method<pystr::is_alpha>},
      {"isalnum", predicate_method<pystr::is_alnum>},
      {"isspace", predicate_method<pystr::is_space>},
      {"islower", predicate_method<pystr::is_lower>},
      {"isupper", predicate_method<pystr::is_upper>},
      {"istitle", predicate_method<pystr::is_title>},
      {"isascii", predicate_method<is_ascii_text>},
      {"removeprefix", str_removeprefix},
      {"removesuffix", str_removesuffix},
      {"center", str_center},
      {"ljust", str_ljust},
      {"rjust", str_rjust},
      {"zfill", str_zfill},
      {"partition", str_partition},
      {"rpartition", str_rpartition},
  };
  return table;
}

const std::unordered_set<std::string_view>& unimplemented_string_methods() {
  static const std::unordered_set<std::string_view> names = {
      "casefold",     "encode",      "expandtabs", "format",   "format_map",
      "isidentifier", "isprintable", "maketrans",  "swapcase", "translate"};
  return names;
}

Value bind(Interpreter& interpreter, const Value& self, std::string_view name, Method method) {
  const std::size_t depth = self.depth() + 1;
  interpreter.budget().check_data_depth(depth);
  return Value::object(std::make_shared<NativeFunction>(
      std::string(name),
      [self, method](Interpreter& in, Arguments arguments, int) {
        // str methods scan their receiver; charge for it like any text produced
        if (self.is_string()) in.budget().charge_bytes(self.as_string().size());
        return method(in, self, std::move(arguments));
      },
      depth));
}

Value unsupported_method(std::string_view type, std::string_view name) {
  const std::string message =
      "the " + std::string(type) + "." + std::string(name) + "() method is not supported";
  return Value::object(std::make_shared<NativeFunction>(
      std::string(name), [message](Interpreter&, Arguments, int) -> Value {
        throw TemplateError(TemplateError::Kind::unsupported, message);
      }));
}

Value unsafe(std::string_view type, std::string_view name) {
  return Value::undefined("SecurityError: access to attribute '" + std::string(name) + "' of '" +
                          std::string(type) + "' object is unsafe.");
}

}  // namespace

std::optional<Value> find_method(Interpreter& interpreter, const Value& receiver,
                                 std::string_view name) {
  if (receiver.is_string()) {
    const auto& table = string_methods();
    if (const auto it = table.find(name); it != table.end())
      return bind(interpreter, receiver, name, it->second);
    if (unimplemented_string_methods().count(name) != 0) return unsupported_method("str", name);
    return std::nullopt;
  }
  if (receiver.is(ValueType::list)) {
    const ListKind kind = receiver.as_list().kind;
    if (kind != ListKind::list && kind != ListKind::tuple && kind != ListKind::range)
      return std::nullopt;
    if (name == "count") return bind(interpreter, receiver, name, list_count);
    if (name == "index") return bind(interpreter, receiver, name, list_index);
    if (kind == ListKind::range) {
      const ListData& range = receiver.as_list();
      if (name == "start") return Value::integer(range.range_start);
      if (name == "stop") return Value::integer(range.range_stop);
      if (name == "step") return Value::integer(range.range_step);
      return std::nullopt;
    }
    if (kind == ListKind::list) {
      if (name == "copy") return bind(interpreter, receiver, name, list_copy);
      static const std::unordered_set<std::string_view> mutating = {
          "append", "clear", "extend", "insert", "pop", "remove", "reverse", "sort"};
      if (mutating.count(name) != 0) return unsafe("list", name);
    }
    return std::nullopt;
  }
  if (receiver.is(ValueType::dict)) {
    if (name == "get") return bind(interpreter, receiver, name, dict_get);
    if (name == "keys") return bind(interpreter, receiver, name, dict_keys);
    if (name == "values") return bind(interpreter, receiver, name, dict_values);
    if (name == "items") return bind(interpreter, receiver, name, dict_items);
    if (name == "copy") return bind(interpreter, receiver, name, dict_copy);
    if (name == "fromkeys") return unsupported_method("dict", name);
    static const std::unordered_set<std::string_view> mutating = {"clear", "pop", "popitem",
                                                                  "setdefault", "update"};
    if (mutating.count(name) != 0) return unsafe("dict", name);
  }
  return std::nullopt;
}

}  // namespace sluice::chat::detail
