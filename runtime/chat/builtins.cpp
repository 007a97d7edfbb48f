#include "chat/builtins.hpp"

#include <algorithm>
#include <cstring>
#include <ctime>
#include <unordered_map>

#include "chat/interpreter.hpp"

namespace sluice::chat::detail {
namespace {

constexpr std::int64_t sandbox_max_range = 100000;  // jinja2.sandbox.MAX_RANGE

std::int64_t index_argument(const Value& v) {
  if (v.is_integral()) return v.as_int();
  throw_type_error("'" + std::string(type_name(v)) +
                   "' object cannot be interpreted as an integer");
}

Value builtin_range(Interpreter& interpreter, Arguments arguments, int) {
  if (!arguments.keyword.empty()) throw_type_error("range() takes no keyword arguments");
  const auto& p = arguments.positional;
  if (p.empty()) throw_type_error("range expected at least 1 argument, got 0");
  if (p.size() > 3)
    throw_type_error("range expected at most 3 arguments, got " + std::to_string(p.size()));
  std::int64_t start = 0, stop = 0, step = 1;
  if (p.size() == 1) {
    stop = index_argument(p[0]);
  } else {
    start = index_argument(p[0]);
    stop = index_argument(p[1]);
    if (p.size() == 3) step = index_argument(p[2]);
  }
  if (step == 0) throw_value_error("range() arg 3 must not be zero");
  const __int128 span = step > 0 ? __int128(stop) - start : __int128(start) - stop;
  const __int128 magnitude = step > 0 ? __int128(step) : -__int128(step);
  const __int128 count = span > 0 ? (span - 1) / magnitude + 1 : 0;
  if (count > sandbox_max_range) {
    throw TemplateError(
        TemplateError::Kind::budget,
        "OverflowError: Range too big. The sandbox blocks ranges larger than MAX_RANGE (100000).");
  }
  interpreter.budget().charge(static_cast<std::size_t>(count));
  std::vector<Value> items;
  items.reserve(static_cast<std::size_t>(count));
  for (__int128 i = 0; i < count; ++i)
    items.push_back(Value::integer(static_cast<std::int64_t>(start + i * step)));
  Value range = make_list(std::move(items), interpreter.budget(), ListKind::range);
  auto& data = const_cast<ListData&>(range.as_list());  // just made here, not shared yet
  data.range_start = start;
  data.range_stop = stop;
  data.range_step = step;
  return range;
}

// dict(*args, **kwargs): a mapping or pairs, then keyword arguments.
DictData build_dict(Interpreter& interpreter, const char* function, Arguments arguments) {
  if (arguments.positional.size() > 1) {
    throw_type_error(std::string(function) + " expected at most 1 argument, got " +
                     std::to_string(arguments.positional.size()));
  }
  DictData dict;
  if (!arguments.positional.empty()) {
    const Value& source = arguments.positional[0];
    if (source.is(ValueType::dict)) {
      dict = source.as_dict();
    } else {
      for (const Value& pair : interpreter.iterate(source)) {
        const auto items = interpreter.iterate(pair);
        if (items.size() != 2) {
          throw_value_error("dictionary update sequence element has length " +
                            std::to_string(items.size()) + "; 2 is required");
        }
        if (!is_hashable(items[0]))
          throw_type_error("unhashable type: '" + std::string(type_name(items[0])) + "'");
        dict.set(items[0], items[1]);
      }
    }
  }
  for (auto& [key, value] : arguments.keyword) dict.set(Value::string(key), std::move(value));
  interpreter.budget().charge(dict.entries.size());
  return dict;
}

Value builtin_dict(Interpreter& interpreter, Arguments arguments, int) {
  return make_dict(build_dict(interpreter, "dict", std::move(arguments)), interpreter.budget());
}

Value builtin_namespace(Interpreter& interpreter, Arguments arguments, int) {
  DictData attributes = build_dict(interpreter, "Namespace", std::move(arguments));
  Namespace* ns = interpreter.new_namespace();
  ns->attributes = std::move(attributes);
  return Value::namespace_object(ns);
}

Value builtin_raise_exception(Interpreter& interpreter, Arguments arguments, int) {
  BoundArguments args("raise_exception", std::move(arguments), {"message"}, 1);
  throw TemplateError(TemplateError::Kind::raised, interpreter.str(args.get(0)));
}

// datetime.now().strftime(format) for a naive datetime: %f is the microseconds (always 0
// here), %z and %Z are empty, the rest is the C library's strftime, as in CPython.
Value builtin_strftime_now(Interpreter& interpreter, Arguments arguments, int) {
  BoundArguments args("strftime_now", std::move(arguments), {"format"}, 1);
  const Value& format_value = args.get(0);
  if (!format_value.is_string()) {
    throw_type_error("strftime() argument 1 must be str, not " +
                     std::string(type_name(format_value)));
  }
  const std::string& format = format_value.as_string();
  if (format.find('\0') != std::string::npos) throw_value_error("embedded null character");
  std::string c_format;
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%' || i + 1 >= format.size()) {
      c_format += format[i];
      continue;
    }
    const char conversion = format[++i];
    if (conversion == 'f') {
      c_format += "000000";
    } else if (conversion != 'z' && conversion != 'Z') {
      c_format += '%';
      c_format += conversion;
    }
  }
  if (c_format.empty()) return Value::string("");
  const std::time_t now = interpreter.now();
  std::tm local{};
  if (localtime_r(&now, &local) == nullptr) throw_value_error("time out of range");
  // CPython grows its buffer up to 256 bytes per format byte and gives "" if that is not enough.
  const std::size_t limit = std::max<std::size_t>(1024, 256 * c_format.size());
  for (std::size_t size = 1024;; size *= 2) {
    interpreter.budget().check_string_size(size / 2);
    std::string buffer(size, '\0');
    const std::size_t written =
        std::strftime(buffer.data(), buffer.size(), c_format.c_str(), &local);
    if (written > 0 || size >= limit) {
      buffer.resize(written);
      return interpreter.make_string(std::move(buffer));
    }
  }
}

[[noreturn]] void unsupported_global(const char* name) {
  throw TemplateError(TemplateError::Kind::unsupported,
                      std::string("the '") + name + "' global is not supported");
}

Value make_function(const char* name, NativeFunction::Body body) {
  return Value::object(std::make_shared<NativeFunction>(name, std::move(body)));
}

}  // namespace

const Value* find_global(std::string_view name) {
  static const std::unordered_map<std::string_view, Value> globals = [] {
    std::unordered_map<std::string_view, Value> g;
    g.emplace("range", make_function("range", builtin_range));
    g.emplace("dict", make_function("dict", builtin_dict));
    g.emplace("namespace", make_function("namespace", builtin_namespace));
    g.emplace("raise_exception", make_function("raise_exception", builtin_raise_exception));
    g.emplace("strftime_now", make_function("strftime_now", builtin_strftime_now));
    for (const char* name : {"cycler", "joiner", "lipsum"}) {
      g.emplace(name, make_function(name, [name](Interpreter&, Arguments, int) -> Value {
                  unsupported_global(name);
                }));
    }
    return g;
  }();
  const auto it = globals.find(name);
  return it == globals.end() ? nullptr : &it->second;
}

BoundArguments::BoundArguments(std::string_view function, Arguments arguments,
                               std::initializer_list<std::string_view> names, std::size_t required,
                               bool extra_positional)
    : function_(function), names_(names), values_(names.size()) {
  auto& positional = arguments.positional;
  if (positional.size() > names_.size()) {
    if (!extra_positional) {
      throw_type_error(function_ + "() takes at most " + std::to_string(names_.size()) +
                       " argument(s) (" + std::to_string(positional.size()) + " given)");
    }
    rest_.assign(positional.begin() + static_cast<std::ptrdiff_t>(names_.size()), positional.end());
    positional.resize(names_.size());
  }
  for (std::size_t i = 0; i < positional.size(); ++i) values_[i] = std::move(positional[i]);
  for (auto& [key, value] : arguments.keyword) {
    const auto it = std::find(names_.begin(), names_.end(), key);
    if (it == names_.end()) {
      if (extra_positional) {
        rest_keywords_.emplace_back(key, std::move(value));
        continue;
      }
      throw_type_error(function_ + "() got an unexpected keyword argument '" + key + "'");
    }
    auto& slot = values_[static_cast<std::size_t>(it - names_.begin())];
    if (slot) throw_type_error(function_ + "() got multiple values for argument '" + key + "'");
    slot = std::move(value);
  }
  for (std::size_t i = 0; i < required && i < names_.size(); ++i) {
    if (!values_[i])
      throw_type_error(function_ + "() missing required argument '" + std::string(names_[i]) + "'");
  }
}

std::int64_t BoundArguments::integer(std::size_t index, std::int64_t fallback) const {
  if (!has(index)) return fallback;
  const Value& v = get(index);
  if (v.is_integral()) return v.as_int();
  throw_type_error(function_ + "() argument '" + std::string(names_[index]) + "': '" +
                   std::string(type_name(v)) + "' object cannot be interpreted as an integer");
}

std::string BoundArguments::string(std::size_t index, std::string fallback) const {
  if (!has(index)) return fallback;
  const Value& v = get(index);
  if (v.is_string()) return v.as_string();
  throw_type_error(function_ + "() argument '" + std::string(names_[index]) +
                   "' must be str, not " + std::string(type_name(v)));
}

bool BoundArguments::boolean(std::size_t index, bool fallback) const {
  return has(index) ? truthy(get(index)) : fallback;
}

}  // namespace sluice::chat::detail
