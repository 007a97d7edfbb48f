// jinja2's built-in tests (jinja2/tests.py): "x is defined", "x is string" ...
#include <unordered_map>
#include <unordered_set>

#include "chat/builtins.hpp"
#include "chat/interpreter.hpp"
#include "chat/string_ops.hpp"

namespace sluice::chat::detail {
namespace {

using Test = bool (*)(Interpreter&, const Value&, Arguments);

// The argument of a one-argument test ("x is divisibleby 3").
Value single_argument(const char* name, Arguments a) {
  BoundArguments args(name, std::move(a), {"other"}, 1);
  return args.get(0);
}

bool no_arguments(const char* name, Arguments a) {
  BoundArguments args(name, std::move(a), {});
  return true;
}

Value modulo(Interpreter& in, const Value& v, const Value& divisor) {
  return in.binary(BinaryOp::mod, v, divisor);
}

bool t_odd(Interpreter& in, const Value& v, Arguments a) {
  no_arguments("odd", std::move(a));
  return equals(modulo(in, v, Value::integer(2)), Value::integer(1), &in.budget());
}
bool t_even(Interpreter& in, const Value& v, Arguments a) {
  no_arguments("even", std::move(a));
  return equals(modulo(in, v, Value::integer(2)), Value::integer(0), &in.budget());
}
bool t_divisibleby(Interpreter& in, const Value& v, Arguments a) {
  return equals(modulo(in, v, single_argument("divisibleby", std::move(a))), Value::integer(0),
                &in.budget());
}
bool t_defined(Interpreter&, const Value& v, Arguments a) {
  return no_arguments("defined", std::move(a)) && !v.is_undefined();
}
bool t_undefined(Interpreter&, const Value& v, Arguments a) {
  return no_arguments("undefined", std::move(a)) && v.is_undefined();
}
bool t_none(Interpreter&, const Value& v, Arguments a) {
  return no_arguments("none", std::move(a)) && v.is_none();
}
bool t_boolean(Interpreter&, const Value& v, Arguments a) {
  return no_arguments("boolean", std::move(a)) && v.is(ValueType::boolean);
}
bool t_false(Interpreter&, const Value& v, Arguments a) {
  return no_arguments("false", std::move(a)) && v.is(ValueType::boolean) && !v.as_bool();
}
bool t_true(Interpreter&, const Value& v, Arguments a) {
  return no_arguments("true", std::move(a)) && v.is(ValueType::boolean) && v.as_bool();
}
bool t_integer(Interpreter&, const Value& v, Arguments a) {
  return no_arguments("integer", std::move(a)) && v.is(ValueType::integer);
}
bool t_float(Interpreter&, const Value& v, Arguments a) {
  return no_arguments("float", std::move(a)) && v.is(ValueType::floating);
}
bool t_number(Interpreter&, const Value& v, Arguments a) {
  return no_arguments("number", std::move(a)) && v.is_number();
}
bool t_string(Interpreter&, const Value& v, Arguments a) {
  return no_arguments("string", std::move(a)) && v.is_string();
}
bool t_mapping(Interpreter&, const Value& v, Arguments a) {
  return no_arguments("mapping", std::move(a)) && v.is(ValueType::dict);
}

// len(value) and value.__getitem__ both exist.
bool t_sequence(Interpreter&, const Value& v, Arguments a) {
  no_arguments("sequence", std::move(a));
  if (v.is_undefined() || v.is_string() || v.is(ValueType::dict)) return true;
  if (!v.is(ValueType::list)) return false;
  const ListKind kind = v.as_list().kind;
  return kind == ListKind::list || kind == ListKind::tuple || kind == ListKind::range;
}

bool t_iterable(Interpreter&, const Value& v, Arguments a) {
  no_arguments("iterable", std::move(a));
  switch (v.type()) {
    case ValueType::undefined:
    case ValueType::string:
    case ValueType::list:
    case ValueType::dict:
    case ValueType::generator: return true;
    case ValueType::object: return v.as_object().type_name() == "LoopContext";
    default: return false;
  }
}

bool t_callable(Interpreter&, const Value& v, Arguments a) {
  no_arguments("callable", std::move(a));
  return v.is_undefined() || (v.is(ValueType::object) && v.as_object().callable());
}

// `is`: identity. Python's None/True/False and small ints are singletons; other values are
// the same object when they came from the same place.
bool t_sameas(Interpreter&, const Value& v, Arguments a) {
  const Value other = single_argument("sameas", std::move(a));
  if (v.type() != other.type()) return false;
  switch (v.type()) {
    case ValueType::none: return true;
    case ValueType::boolean: return v.as_bool() == other.as_bool();
    case ValueType::integer:
      return v.as_int() == other.as_int() && v.as_int() >= -5 && v.as_int() <= 256;
    case ValueType::string: return v.string_ptr() == other.string_ptr();
    case ValueType::list: return &v.as_list() == &other.as_list();
    case ValueType::dict: return &v.as_dict() == &other.as_dict();
    case ValueType::namespace_object: return &v.as_namespace() == &other.as_namespace();
    case ValueType::object: return &v.as_object() == &other.as_object();
    case ValueType::generator: return &v.as_generator() == &other.as_generator();
    default: return false;
  }
}

bool t_escaped(Interpreter&, const Value&, Arguments a) {
  return !no_arguments("escaped", std::move(a));
}

bool t_in(Interpreter& in, const Value& v, Arguments a) {
  return in.contains(single_argument("in", std::move(a)), v);
}

bool t_lower(Interpreter& in, const Value& v, Arguments a) {
  no_arguments("lower", std::move(a));
  return pystr::is_lower(in.str(v));
}
bool t_upper(Interpreter& in, const Value& v, Arguments a) {
  no_arguments("upper", std::move(a));
  return pystr::is_upper(in.str(v));
}

template <BinaryOp Op>
bool t_compare(Interpreter& in, const Value& v, Arguments a) {
  return truthy(in.binary(Op, v, single_argument("comparison", std::move(a))));
}

bool t_filter(Interpreter&, const Value& v, Arguments a) {
  no_arguments("filter", std::move(a));
  return v.is_string() && filter_support(v.as_string()) != Support::unknown;
}
bool t_test(Interpreter&, const Value& v, Arguments a) {
  no_arguments("test", std::move(a));
  return v.is_string() && test_support(v.as_string()) != Support::unknown;
}

const std::unordered_map<std::string_view, Test>& tests() {
  static const std::unordered_map<std::string_view, Test> table = {
      {"odd", t_odd},
      {"even", t_even},
      {"divisibleby", t_divisibleby},
      {"defined", t_defined},
      {"undefined", t_undefined},
      {"filter", t_filter},
      {"test", t_test},
      {"none", t_none},
      {"boolean", t_boolean},
      {"false", t_false},
      {"true", t_true},
      {"integer", t_integer},
      {"float", t_float},
      {"number", t_number},
      {"string", t_string},
      {"mapping", t_mapping},
      {"sequence", t_sequence},
      {"iterable", t_iterable},
      {"callable", t_callable},
      {"sameas", t_sameas},
      {"escaped", t_escaped},
      {"in", t_in},
      {"lower", t_lower},
      {"upper", t_upper},
      {"==", t_compare<BinaryOp::eq>},
      {"eq", t_compare<BinaryOp::eq>},
      {"equalto", t_compare<BinaryOp::eq>},
      {"!=", t_compare<BinaryOp::ne>},
      {"ne", t_compare<BinaryOp::ne>},
      {">", t_compare<BinaryOp::gt>},
      {"gt", t_compare<BinaryOp::gt>},
      {"greaterthan", t_compare<BinaryOp::gt>},
      {">=", t_compare<BinaryOp::gteq>},
      {"ge", t_compare<BinaryOp::gteq>},
      {"<", t_compare<BinaryOp::lt>},
      {"lt", t_compare<BinaryOp::lt>},
      {"lessthan", t_compare<BinaryOp::lt>},
      {"<=", t_compare<BinaryOp::lteq>},
      {"le", t_compare<BinaryOp::lteq>},
  };
  return table;
}

}  // namespace

Support test_support(std::string_view name) {
  return tests().count(name) != 0 ? Support::implemented : Support::unknown;
}

bool apply_test(Interpreter& interpreter, std::string_view name, const Value& input,
                Arguments arguments) {
  const auto it = tests().find(name);
  if (it == tests().end())
    throw TemplateError(TemplateError::Kind::render,
                        "No test named '" + std::string(name) + "' found.");
  return it->second(interpreter, input, std::move(arguments));
}

}  // namespace sluice::chat::detail
