// The values a template computes with, modelled on the Python objects jinja2 would see:
// Undefined, None, bool, int, float, str, list/tuple (and range and dict views), dict,
// Namespace, callables and other objects, and single-pass generators.
//
// Strings, lists and dicts are immutable and shared (the sandbox allows no mutation), so
// copying a Value is cheap and they can never contain themselves. Namespaces are the one
// mutable kind: the render owns them and values point at them, so a namespace that holds
// itself cannot leak.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "chat/budget.hpp"

namespace sluice::chat::detail {

class Interpreter;
class Value;
class Object;
struct ListData;
struct DictData;
struct Namespace;
struct GeneratorData;

using StringPtr = std::shared_ptr<const std::string>;
using ListPtr = std::shared_ptr<const ListData>;
using DictPtr = std::shared_ptr<const DictData>;
using ObjectPtr = std::shared_ptr<const Object>;
using GeneratorPtr = std::shared_ptr<GeneratorData>;

// jinja2's Undefined; `reason` is the message raised when it is used (called, indexed,
// added to ...): "'foo' is undefined", "'dict object' has no attribute 'x'".
struct UndefinedValue {
  StringPtr reason;
};
struct NoneValue {};

enum class ValueType : std::uint8_t {
  undefined,
  none,
  boolean,
  integer,
  floating,
  string,
  list,
  dict,
  namespace_object,
  object,
  generator,
};

class Value {
 public:
  Value() = default;  // undefined

  static Value undefined(std::string reason);
  static Value none() { return Value(Tag{}, NoneValue{}); }
  static Value boolean(bool b) { return Value(Tag{}, b); }
  static Value integer(std::int64_t i) { return Value(Tag{}, i); }
  static Value floating(double d) { return Value(Tag{}, d); }
  static Value string(std::string s) {
    return Value(Tag{}, std::make_shared<const std::string>(std::move(s)));
  }
  static Value string(StringPtr s) { return Value(Tag{}, std::move(s)); }
  static Value list(ListPtr l) { return Value(Tag{}, std::move(l)); }
  static Value dict(DictPtr d) { return Value(Tag{}, std::move(d)); }
  static Value namespace_object(Namespace* ns) { return Value(Tag{}, ns); }
  static Value object(ObjectPtr o) { return Value(Tag{}, std::move(o)); }
  static Value generator(GeneratorPtr g) { return Value(Tag{}, std::move(g)); }

  ValueType type() const { return static_cast<ValueType>(storage_.index()); }
  bool is(ValueType t) const { return type() == t; }
  bool is_undefined() const { return is(ValueType::undefined); }
  bool is_none() const { return is(ValueType::none); }
  bool is_string() const { return is(ValueType::string); }
  // int or bool (Python's bool is an int)
  bool is_integral() const { return is(ValueType::integer) || is(ValueType::boolean); }
  bool is_number() const { return is_integral() || is(ValueType::floating); }

  const std::string& undefined_reason() const;
  bool as_bool() const { return std::get<bool>(storage_); }
  // int or bool as an integer
  std::int64_t as_int() const {
    return is(ValueType::boolean) ? std::get<bool>(storage_) : std::get<std::int64_t>(storage_);
  }
  // any number as a double
  double as_double() const {
    return is(ValueType::floating) ? std::get<double>(storage_) : static_cast<double>(as_int());
  }
  const std::string& as_string() const { return *std::get<StringPtr>(storage_); }
  const StringPtr& string_ptr() const { return std::get<StringPtr>(storage_); }
  const ListData& as_list() const { return *std::get<ListPtr>(storage_); }
  const ListPtr& list_ptr() const { return std::get<ListPtr>(storage_); }
  const DictData& as_dict() const { return *std::get<DictPtr>(storage_); }
  Namespace& as_namespace() const { return *std::get<Namespace*>(storage_); }
  const Object& as_object() const { return *std::get<ObjectPtr>(storage_); }
  GeneratorData& as_generator() const { return *std::get<GeneratorPtr>(storage_); }

  // How deeply lists, dicts and other owning values nest inside this one (0 for scalars).
  std::size_t depth() const;

 private:
  using Storage = std::variant<UndefinedValue, NoneValue, bool, std::int64_t, double, StringPtr,
                               ListPtr, DictPtr, Namespace*, ObjectPtr, GeneratorPtr>;
  struct Tag {};
  template <typename T>
  Value(Tag, T&& v) : storage_(std::forward<T>(v)) {}

  Storage storage_;
};

// What a list-like value is in Python; they print and compare differently.
enum class ListKind : std::uint8_t { list, tuple, range, dict_keys, dict_values, dict_items };

struct ListData {
  std::vector<Value> items;
  ListKind kind = ListKind::list;
  std::size_t depth = 1;
  // range(start, stop, step) as written, for printing; only for ListKind::range
  std::int64_t range_start = 0, range_stop = 0, range_step = 1;
};

// A Python dict: insertion ordered, keys compared as Python compares them (1 == 1.0 == True).
struct DictData {
  std::vector<std::pair<Value, Value>> entries;
  std::size_t depth = 1;

  const Value* find(const Value& key) const;
  const Value* find(std::string_view key) const;
  // Sets key to value; an existing key keeps its position.
  void set(Value key, Value value);

 private:
  // string keys -> position in entries. The views point into the keys' shared strings,
  // which never move and which a copy of the entries keeps alive, so copies stay valid.
  std::unordered_map<std::string_view, std::size_t> string_index_;
  // other keys, by hash_key() -> position in entries
  std::unordered_map<std::string, std::size_t> other_index_;
};

// jinja2's namespace(): the one mutable object ({% set ns.x = ... %}).
struct Namespace {
  DictData attributes;
};

// A Python iterator (generator, reversed(...)): truthy, no len(), consumed by iteration.
struct GeneratorData {
  std::vector<Value> items;
  std::size_t position = 0;
  std::string type_name = "generator";
  std::size_t depth = 1;
};

struct Arguments {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;
};

// Callables and other Python objects a template can see (macros, bound methods, loop).
class Object {
 public:
  virtual ~Object() = default;
  // Python's type name, for messages: "Macro", "builtin_function_or_method", ...
  virtual std::string_view type_name() const = 0;
  virtual Value attribute(std::string_view name) const;
  virtual bool callable() const { return false; }
  virtual Value call(Interpreter& interpreter, Arguments arguments, int line) const;
  // repr(), when Python's is deterministic (no addresses); nullopt otherwise.
  virtual std::optional<std::string> repr() const { return std::nullopt; }
  virtual std::size_t depth() const { return 1; }
};

// ---- Python semantics of values

std::string_view type_name(const Value& v);
bool truthy(const Value& v);
bool is_hashable(const Value& v);
// ==, recursively for lists and dicts. With a budget, the work (elements visited, string
// bytes compared) is charged to it.
bool equals(const Value& a, const Value& b, Budget* budget = nullptr);
// Python's ordering of a and b: -1, 0 or 1, nullopt when unordered (NaN). Throws
// TypeError (as TemplateError(render)) naming `op` where Python has no ordering.
std::optional<int> order(const Value& a, const Value& b, std::string_view op,
                         Budget* budget = nullptr);
bool less_than(const Value& a, const Value& b, Budget* budget = nullptr);
// A text equal for exactly the hashable values Python considers equal (1, 1.0 and True
// share one), for dict keys and unique().
std::string hash_key(const Value& v);

// str(v) and repr(v). Values whose Python form has a memory address (functions,
// generators) throw TemplateError(unsupported).
std::string to_str(const Value& v, const Budget& budget);
void append_repr(std::string& out, const Value& v, const Budget& budget, std::size_t depth = 0);
std::string float_repr(double d);
std::string string_repr(std::string_view s);

// Containers, with their nesting depth checked against max_data_depth.
Value make_list(std::vector<Value> items, const Budget& budget, ListKind kind = ListKind::list);
Value make_dict(DictData data, const Budget& budget);
Value make_generator(std::vector<Value> items, const Budget& budget,
                     std::string type_name = "generator");

// Throw TemplateError(render) with a Python-like message ("TypeError: ...").
[[noreturn]] void throw_type_error(const std::string& message);
[[noreturn]] void throw_value_error(const std::string& message);
// jinja2's UndefinedError, raised when an undefined value is used (called, indexed ...).
[[noreturn]] void throw_undefined(const Value& undefined);
// Results Python would hold in a big integer.
[[noreturn]] void throw_integer_overflow();

}  // namespace sluice::chat::detail
