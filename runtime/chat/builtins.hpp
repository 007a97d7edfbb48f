// What templates can call without defining it: jinja2's filters and tests, the globals
// (range, dict, namespace, plus Hugging Face's raise_exception and strftime_now), and the
// Python methods of str, list and dict that the sandbox allows.
#pragma once

#include <cstddef>
#include <functional>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chat/value.hpp"

namespace sluice::chat::detail {

class Interpreter;

enum class Support {
  implemented,
  unsupported,  // jinja2 has it, this engine does not
  unknown,      // jinja2 does not have it either
};
Support filter_support(std::string_view name);
Support test_support(std::string_view name);

// Throw TemplateError: render for a name jinja2 does not know, unsupported for one this
// engine does not implement, and whatever the filter or test raises.
Value apply_filter(Interpreter& interpreter, std::string_view name, Value input,
                   Arguments arguments);
bool apply_test(Interpreter& interpreter, std::string_view name, const Value& input,
                Arguments arguments);

// The global of that name, or nullptr.
const Value* find_global(std::string_view name);

// receiver.name for a str, list/tuple or dict receiver: the bound method; an undefined for
// the methods the immutable sandbox forbids (list.append, dict.pop ...); nullopt when the
// receiver has no such method.
std::optional<Value> find_method(Interpreter& interpreter, const Value& receiver,
                                 std::string_view name);

// A builtin function or bound method: C++ code behind a Python name.
class NativeFunction : public Object {
 public:
  using Body = std::function<Value(Interpreter&, Arguments, int line)>;
  // depth: how deeply the values the function holds (a bound method's receiver) nest.
  NativeFunction(std::string name, Body body, std::size_t depth = 1)
      : name_(std::move(name)), body_(std::move(body)), depth_(depth) {}
  std::string_view type_name() const override { return "builtin_function_or_method"; }
  bool callable() const override { return true; }
  Value call(Interpreter& interpreter, Arguments arguments, int line) const override {
    return body_(interpreter, std::move(arguments), line);
  }
  std::size_t depth() const override { return depth_; }

 private:
  std::string name_;
  Body body_;
  std::size_t depth_;
};

// Python-style argument binding for builtins: positional then keyword arguments matched to
// parameter names, raising TypeError as Python does.
class BoundArguments {
 public:
  BoundArguments(std::string_view function, Arguments arguments,
                 std::initializer_list<std::string_view> names, std::size_t required = 0,
                 bool extra_positional = false);

  bool has(std::size_t index) const { return values_[index].has_value(); }
  const Value& get(std::size_t index) const { return *values_[index]; }
  Value get_or(std::size_t index, Value fallback) const {
    return has(index) ? get(index) : std::move(fallback);
  }
  // Positional arguments beyond the named ones (when extra_positional).
  const std::vector<Value>& rest() const { return rest_; }
  // Keyword arguments that matched no name (when extra_positional).
  const std::vector<std::pair<std::string, Value>>& rest_keywords() const { return rest_keywords_; }

  // Typed access, raising TypeError naming the function and the parameter.
  std::int64_t integer(std::size_t index, std::int64_t fallback) const;
  std::string string(std::size_t index, std::string fallback) const;
  bool boolean(std::size_t index, bool fallback) const;

 private:
  std::string function_;
  std::vector<std::string_view> names_;
  std::vector<std::optional<Value>> values_;
  std::vector<Value> rest_;
  std::vector<std::pair<std::string, Value>> rest_keywords_;
};

}  // namespace sluice::chat::detail
