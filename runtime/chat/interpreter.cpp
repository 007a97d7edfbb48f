#include "chat/interpreter.hpp"

#include <cmath>
#include <limits>

#include "chat/builtins.hpp"
#include "chat/json.hpp"
#include "chat/string_ops.hpp"
#include "chat/unicode.hpp"

namespace sluice::chat::detail {
namespace {

constexpr std::int64_t int64_min = std::numeric_limits<std::int64_t>::min();

// A macro (or a call block's caller) together with the scope it was defined in.
class MacroClosure : public Object {
 public:
  MacroClosure(std::shared_ptr<const MacroDef> macro, Scope* scope)
      : macro_(std::move(macro)), scope_(scope) {}
  std::string_view type_name() const override { return "Macro"; }
  bool callable() const override { return true; }
  Value call(Interpreter& interpreter, Arguments arguments, int line) const override {
    return interpreter.invoke_macro(*macro_, *scope_, std::move(arguments), line);
  }
  Value attribute(std::string_view name) const override {
    if (name == "name") return Value::string(macro_->name);
    return Object::attribute(name);
  }
  std::optional<std::string> repr() const override {
    return "<Macro " + string_repr(macro_->name) + ">";
  }

 private:
  std::shared_ptr<const MacroDef> macro_;
  Scope* scope_;  // kept alive by the interpreter for the whole render
};

// The state behind `loop` inside a for loop.
struct LoopState {
  std::vector<Value> items;  // released when the loop ends
  std::size_t index0 = 0;
  std::size_t length = 0;
  std::size_t depth0 = 0;
  bool active = true;
  bool has_changed_value = false;
  Value changed_value;
  const ForStmt* stmt = nullptr;
  Scope* scope = nullptr;  // the scope the loop runs in, valid while active
};

class LoopObject : public Object {
 public:
  explicit LoopObject(std::shared_ptr<LoopState> state) : state_(std::move(state)) {}
  std::string_view type_name() const override { return "LoopContext"; }
  bool callable() const override { return true; }

  Value call(Interpreter& interpreter, Arguments arguments, int line) const override {
    if (!state_->stmt->recursive) {
      throw_type_error(
          "Tried to call non recursive loop. Maybe you forgot the 'recursive' modifier.");
    }
    if (!state_->active) {
      throw TemplateError(TemplateError::Kind::unsupported,
                          "calling a loop after it has ended is not supported");
    }
    if (arguments.positional.size() != 1 || !arguments.keyword.empty()) {
      throw_type_error("loop() takes exactly one argument");
    }
    return interpreter.call_loop_recursively(*state_->stmt, *state_->scope, arguments.positional[0],
                                             state_->depth0 + 1, line);
  }

  Value attribute(std::string_view name) const override {
    const LoopState& s = *state_;
    const auto count = [](std::size_t n) { return Value::integer(static_cast<std::int64_t>(n)); };
    if (name == "index") return count(s.index0 + 1);
    if (name == "index0") return count(s.index0);
    if (name == "revindex") return count(s.length - s.index0);
    if (name == "revindex0") return count(s.length - s.index0 - 1);
    if (name == "first") return Value::boolean(s.index0 == 0);
    if (name == "last") return Value::boolean(s.index0 + 1 == s.length);
    if (name == "length") return count(s.length);
    if (name == "depth") return count(s.depth0 + 1);
    if (name == "depth0") return count(s.depth0);
    if (name == "previtem") {
      if (s.active && s.index0 > 0) return s.items[s.index0 - 1];
      return Value::undefined("there is no previous item");
    }
    if (name == "nextitem") {
      if (s.active && s.index0 + 1 < s.items.size()) return s.items[s.index0 + 1];
      return Value::undefined("there is no next item");
    }
    if (name == "cycle") return method("cycle", &LoopObject::cycle);
    if (name == "changed") return method("changed", &LoopObject::changed);
    return Object::attribute(name);
  }

  std::optional<std::string> repr() const override {
    return "<LoopContext " + std::to_string(state_->index0 + 1) + "/" +
           std::to_string(state_->length) + ">";
  }

 private:
  class Method : public Object {
   public:
    using Body = Value (*)(LoopState&, Interpreter&, Arguments);
    Method(std::shared_ptr<LoopState> state, Body body) : state_(std::move(state)), body_(body) {}
    std::string_view type_name() const override { return "method"; }
    bool callable() const override { return true; }
    Value call(Interpreter& interpreter, Arguments arguments, int) const override {
      return body_(*state_, interpreter, std::move(arguments));
    }

   private:
    std::shared_ptr<LoopState> state_;
    Body body_;
  };

  Value method(std::string_view, Method::Body body) const {
    return Value::object(std::make_shared<Method>(state_, body));
  }

  static Value cycle(LoopState& s, Interpreter&, Arguments arguments) {
    if (arguments.positional.empty()) throw_type_error("no items for cycling given");
    return arguments.positional[s.index0 % arguments.positional.size()];
  }

  static Value changed(LoopState& s, Interpreter& interpreter, Arguments arguments) {
    // The remembered value could hold this very loop; after the loop nothing may keep it.
    if (!s.active) {
      throw TemplateError(TemplateError::Kind::unsupported,
                          "calling loop.changed() after the loop has ended is not supported");
    }
    Value current =
        make_list(std::move(arguments.positional), interpreter.budget(), ListKind::tuple);
    if (s.has_changed_value && equals(s.changed_value, current, &interpreter.budget()))
      return Value::boolean(false);
    s.has_changed_value = true;
    s.changed_value = std::move(current);
    return Value::boolean(true);
  }

  std::shared_ptr<LoopState> state_;
};

// Checked int64 arithmetic; overflow is where Python would switch to a big integer.
std::int64_t checked_add(std::int64_t x, std::int64_t y) {
  std::int64_t r;
  if (__builtin_add_overflow(x, y, &r)) throw_integer_overflow();
  return r;
}
std::int64_t checked_sub(std::int64_t x, std::int64_t y) {
  std::int64_t r;
  if (__builtin_sub_overflow(x, y, &r)) throw_integer_overflow();
  return r;
}
std::int64_t checked_mul(std::int64_t x, std::int64_t y) {
  std::int64_t r;
  if (__builtin_mul_overflow(x, y, &r)) throw_integer_overflow();
  return r;
}

std::string_view operator_text(BinaryOp op) {
  switch (op) {
    case BinaryOp::add: return "+";
    case BinaryOp::sub: return "-";
    case BinaryOp::mul: return "*";
    case BinaryOp::div: return "/";
    case BinaryOp::floordiv: return "//";
    case BinaryOp::mod: return "%";
    case BinaryOp::pow: return "** or pow()";
    case BinaryOp::eq: return "==";
    case BinaryOp::ne: return "!=";
    case BinaryOp::lt: return "<";
    case BinaryOp::lteq: return "<=";
    case BinaryOp::gt: return ">";
    case BinaryOp::gteq: return ">=";
    case BinaryOp::in: return "in";
    case BinaryOp::not_in: return "not in";
  }
  return "?";
}

[[noreturn]] void unsupported_operands(BinaryOp op, const Value& a, const Value& b) {
  throw_type_error("unsupported operand type(s) for " + std::string(operator_text(op)) + ": '" +
                   std::string(type_name(a)) + "' and '" + std::string(type_name(b)) + "'");
}

[[noreturn]] void zero_division(const std::string& message) {
  throw TemplateError(TemplateError::Kind::render, "ZeroDivisionError: " + message);
}

// Python's float // and %.
std::pair<double, double> float_divmod(double x, double y) {
  double mod = std::fmod(x, y);
  double div = (x - mod) / y;
  if (mod != 0.0) {
    if ((y < 0) != (mod < 0)) {
      mod += y;
      div -= 1.0;
    }
  } else {
    mod = std::copysign(0.0, y);
  }
  double floordiv;
  if (div != 0.0) {
    floordiv = std::floor(div);
    if (div - floordiv > 0.5) floordiv += 1.0;
  } else {
    floordiv = std::copysign(0.0, x / y);
  }
  return {floordiv, mod};
}

std::int64_t int_pow(std::int64_t base, std::int64_t exponent) {
  std::int64_t result = 1;
  while (exponent > 0) {
    if (exponent & 1) result = checked_mul(result, base);
    exponent >>= 1;
    if (exponent > 0) base = checked_mul(base, base);
  }
  return result;
}

Value arithmetic_numbers(BinaryOp op, const Value& a, const Value& b) {
  if (a.is_integral() && b.is_integral()) {
    const std::int64_t x = a.as_int(), y = b.as_int();
    switch (op) {
      case BinaryOp::add: return Value::integer(checked_add(x, y));
      case BinaryOp::sub: return Value::integer(checked_sub(x, y));
      case BinaryOp::mul: return Value::integer(checked_mul(x, y));
      case BinaryOp::div:
        if (y == 0) zero_division("division by zero");
        return Value::floating(static_cast<double>(x) / static_cast<double>(y));
      case BinaryOp::floordiv:
      case BinaryOp::mod: {
        if (y == 0) zero_division("integer division or modulo by zero");
        if (x == int64_min && y == -1) {
          if (op == BinaryOp::mod) return Value::integer(0);
          throw_integer_overflow();
        }
        std::int64_t q = x / y, m = x % y;
        if (m != 0 && ((m < 0) != (y < 0))) {
          q -= 1;
          m += y;
        }
        return Value::integer(op == BinaryOp::floordiv ? q : m);
      }
      case BinaryOp::pow:
        if (y >= 0) return Value::integer(int_pow(x, y));
        if (x == 0) zero_division("0.0 cannot be raised to a negative power");
        return Value::floating(std::pow(static_cast<double>(x), static_cast<double>(y)));
      default: break;
    }
  }
  const double x = a.as_double(), y = b.as_double();
  switch (op) {
    case BinaryOp::add: return Value::floating(x + y);
    case BinaryOp::sub: return Value::floating(x - y);
    case BinaryOp::mul: return Value::floating(x * y);
    case BinaryOp::div:
      if (y == 0.0) zero_division("float division by zero");
      return Value::floating(x / y);
    case BinaryOp::floordiv:
      if (y == 0.0) zero_division("float floor division by zero");
      return Value::floating(float_divmod(x, y).first);
    case BinaryOp::mod:
      if (y == 0.0) zero_division("float modulo");
      return Value::floating(float_divmod(x, y).second);
    case BinaryOp::pow: {
      if (x == 0.0 && y < 0.0) zero_division("0.0 cannot be raised to a negative power");
      if (x < 0.0 && std::isfinite(y) && y != std::floor(y)) {
        throw TemplateError(TemplateError::Kind::unsupported, "complex numbers are not supported");
      }
      const double r = std::pow(x, y);
      if (std::isinf(r) && std::isfinite(x) && std::isfinite(y)) {
        throw TemplateError(TemplateError::Kind::render,
                            "OverflowError: (34, 'Numerical result out of range')");
      }
      return Value::floating(r);
    }
    default: break;
  }
  unsupported_operands(op, a, b);
}

bool is_sequence_kind(const Value& v) {
  if (!v.is(ValueType::list)) return false;
  const ListKind kind = v.as_list().kind;
  return kind == ListKind::list || kind == ListKind::tuple;
}

}  // namespace

// ---- guards

class Interpreter::Frame {
 public:
  Frame(Interpreter& interpreter, int line) : interpreter_(interpreter) {
    // Source nesting is bounded by the parser and macro calls by CallDepth; this bounds
    // the product, which is what the C++ stack sees.
    if (++interpreter_.frames_ > 16 * interpreter_.budget_.limits().max_depth) {
      --interpreter_.frames_;
      throw TemplateError(TemplateError::Kind::budget,
                          "evaluation nests too deeply (16 x max_depth)", line);
    }
  }
  ~Frame() { --interpreter_.frames_; }
  Frame(const Frame&) = delete;
  Frame& operator=(const Frame&) = delete;

 private:
  Interpreter& interpreter_;
};

class Interpreter::CallDepth {
 public:
  CallDepth(Interpreter& interpreter, int line) : interpreter_(interpreter) {
    if (++interpreter_.call_depth_ > interpreter_.budget_.limits().max_depth) {
      --interpreter_.call_depth_;
      throw TemplateError(TemplateError::Kind::budget,
                          "macro calls nest deeper than max_depth (" +
                              std::to_string(interpreter_.budget_.limits().max_depth) + ")",
                          line);
    }
  }
  ~CallDepth() { --interpreter_.call_depth_; }
  CallDepth(const CallDepth&) = delete;
  CallDepth& operator=(const CallDepth&) = delete;

 private:
  Interpreter& interpreter_;
};

const Value* Scope::find(const std::string& name) const {
  const auto it = variables.find(name);
  return it == variables.end() ? nullptr : &it->second;
}

Interpreter::Interpreter(const ParsedTemplate& tpl, std::function<std::time_t()> now)
    : template_(tpl), budget_(tpl.limits), now_(std::move(now)) {}

std::string Interpreter::render(const nlohmann::ordered_json& context) {
  if (!context.is_object())
    throw TemplateError(TemplateError::Kind::render, "the context must be a JSON object");
  auto context_scope = std::make_shared<Scope>();
  for (const auto& [key, value] : context.items())
    context_scope->set(key, from_json(value, budget_));
  auto top = std::make_shared<Scope>(context_scope);
  std::string out;
  exec_body(template_.body, *top, out);
  return out;
}

// ---- expressions

Value Interpreter::eval(const Expr& expr, Scope& scope) {
  Frame frame(*this, expr.line);
  budget_.charge(1);
  try {
    return eval_node(expr, scope);
  } catch (const TemplateError& e) {
    if (e.line() == 0) throw TemplateError(e.kind(), e.message(), expr.line);
    throw;
  }
}

// Each kind of node has its own function, so the frame that recursion stacks up per
// nesting level stays small (debug and sanitizer builds give every local its own slot).
Value Interpreter::eval_node(const Expr& expr, Scope& scope) {
  const auto& ops = expr.operands;
  switch (expr.kind) {
    case ExprKind::constant: return expr.constant;
    case ExprKind::name: return lookup(expr.name, scope);
    case ExprKind::list:
    case ExprKind::tuple: return eval_sequence(expr, scope);
    case ExprKind::dict: return eval_dict(expr, scope);
    case ExprKind::attribute: return get_attribute(eval(*ops[0], scope), expr.name);
    case ExprKind::item: return eval_item(expr, scope);
    case ExprKind::slice: return eval_slice(expr, scope);
    case ExprKind::negate:
    case ExprKind::plus: return eval_sign(expr, scope);
    case ExprKind::logical_not: return Value::boolean(!truthy(eval(*ops[0], scope)));
    case ExprKind::logical_and:
    case ExprKind::logical_or: return eval_logical(expr, scope);
    case ExprKind::arithmetic:
    case ExprKind::compare: return eval_chain(expr, scope);
    case ExprKind::concat: return eval_concat(expr, scope);
    case ExprKind::conditional: return eval_conditional(expr, scope);
    case ExprKind::filter: return eval_filter_chain(expr, scope, Value());
    case ExprKind::test: return eval_test(expr, scope);
    case ExprKind::call: return eval_call(expr, scope);
  }
  throw TemplateError(TemplateError::Kind::render, "unknown expression", expr.line);
}

Value Interpreter::eval_sequence(const Expr& expr, Scope& scope) {
  std::vector<Value> items;
  items.reserve(expr.operands.size());
  for (const auto& op : expr.operands) items.push_back(eval(*op, scope));
  return make_list(std::move(items), budget_,
                   expr.kind == ExprKind::tuple ? ListKind::tuple : ListKind::list);
}

Value Interpreter::eval_dict(const Expr& expr, Scope& scope) {
  const auto& ops = expr.operands;
  DictData dict;
  for (std::size_t i = 0; i + 1 < ops.size(); i += 2) {
    Value key = eval(*ops[i], scope);
    Value value = eval(*ops[i + 1], scope);
    charge_text(key);
    if (!is_hashable(key))
      throw_type_error("unhashable type: '" + std::string(type_name(key)) + "'");
    dict.set(std::move(key), std::move(value));
  }
  return make_dict(std::move(dict), budget_);
}

Value Interpreter::eval_item(const Expr& expr, Scope& scope) {
  const Value object = eval(*expr.operands[0], scope);
  return get_item(object, eval(*expr.operands[1], scope));
}

Value Interpreter::eval_sign(const Expr& expr, Scope& scope) {
  const Value v = eval(*expr.operands[0], scope);
  if (v.is_undefined()) throw_undefined(v);
  const bool negate = expr.kind == ExprKind::negate;
  if (v.is_integral()) {
    if (!negate) return Value::integer(v.as_int());
    if (v.as_int() == int64_min) throw_integer_overflow();
    return Value::integer(-v.as_int());
  }
  if (v.is(ValueType::floating)) return Value::floating(negate ? -v.as_double() : v.as_double());
  throw_type_error(std::string("bad operand type for unary ") + (negate ? "-" : "+") + ": '" +
                   std::string(type_name(v)) + "'");
}

// a and b and c / a or b or c: the first operand that decides, as Python returns it.
Value Interpreter::eval_logical(const Expr& expr, Scope& scope) {
  const bool stop_when = expr.kind == ExprKind::logical_or;
  Value v = eval(*expr.operands[0], scope);
  for (std::size_t i = 1; i < expr.operands.size(); ++i) {
    if (truthy(v) == stop_when) return v;
    v = eval(*expr.operands[i], scope);
  }
  return v;
}

// Arithmetic folds left to right; comparisons chain like Python's (a < b < c).
Value Interpreter::eval_chain(const Expr& expr, Scope& scope) {
  const auto& ops = expr.operands;
  Value left = eval(*ops[0], scope);
  for (std::size_t i = 0; i < expr.ops.size(); ++i) {
    Value right = eval(*ops[i + 1], scope);
    if (expr.kind == ExprKind::arithmetic) {
      left = binary(expr.ops[i], left, right);
      continue;
    }
    if (!truthy(binary(expr.ops[i], left, right))) return Value::boolean(false);
    left = std::move(right);
  }
  return expr.kind == ExprKind::arithmetic ? left : Value::boolean(true);
}

Value Interpreter::eval_concat(const Expr& expr, Scope& scope) {
  std::string text;
  for (const auto& op : expr.operands) {
    text += str(eval(*op, scope));
    budget_.check_string_size(text.size());
  }
  return make_string(std::move(text));
}

Value Interpreter::eval_conditional(const Expr& expr, Scope& scope) {
  const auto& ops = expr.operands;
  if (truthy(eval(*ops[1], scope))) return eval(*ops[0], scope);
  if (ops[2]) return eval(*ops[2], scope);
  return Value::undefined("the inline if-expression on line " + std::to_string(expr.line) +
                          " evaluated to false and no else section was defined.");
}

Value Interpreter::eval_test(const Expr& expr, Scope& scope) {
  Value input = eval(*expr.operands[0], scope);
  return Value::boolean(call_test(expr.name, input, eval_arguments(expr.args, scope), expr.line));
}

Value Interpreter::eval_call(const Expr& expr, Scope& scope) {
  Value callee = eval(*expr.operands[0], scope);
  return call(callee, eval_arguments(expr.args, scope), expr.line);
}

Value Interpreter::eval_filter_chain(const Expr& filter, Scope& scope, const Value& block_text) {
  Frame frame(*this, filter.line);
  budget_.charge(1);
  try {
    const Expr* source = filter.operands[0].get();
    Value input = source == nullptr                  ? block_text
                  : source->kind == ExprKind::filter ? eval_filter_chain(*source, scope, block_text)
                                                     : eval(*source, scope);
    return call_filter(filter.name, std::move(input), eval_arguments(filter.args, scope),
                       filter.line);
  } catch (const TemplateError& e) {
    if (e.line() == 0) throw TemplateError(e.kind(), e.message(), filter.line);
    throw;
  }
}

Value Interpreter::eval_slice(const Expr& expr, Scope& scope) {
  const Value object = eval(*expr.operands[0], scope);
  std::optional<std::int64_t> bounds[3];
  bool valid =
      true;  // Python raises TypeError for other bounds, which getitem turns into undefined
  for (int i = 0; i < 3; ++i) {
    const auto& op = expr.operands[static_cast<std::size_t>(i) + 1];
    if (!op) continue;
    const Value bound = eval(*op, scope);
    if (bound.is_integral()) {
      bounds[i] = bound.as_int();
    } else if (!bound.is_none()) {
      valid = false;
    }
  }
  if (object.is_undefined()) throw_undefined(object);
  const Value undefined =
      Value::undefined("'" + std::string(type_name(object)) + " object' cannot be sliced that way");
  const bool sliceable = object.is_string() ||
                         (object.is(ValueType::list) &&
                          (is_sequence_kind(object) || object.as_list().kind == ListKind::range));
  if (!sliceable || !valid) return undefined;
  const std::int64_t step = bounds[2].value_or(1);
  if (step == 0) throw_value_error("slice step cannot be zero");
  if (object.is_string()) {
    charge_text(object);
    const std::string& s = object.as_string();
    const auto range = pystr::adjust_slice(bounds[0], bounds[1], step,
                                           static_cast<std::int64_t>(unicode::length(s)));
    budget_.charge_bytes(static_cast<std::size_t>(range.count));
    return Value::string(pystr::slice(s, range));
  }
  const ListData& list = object.as_list();
  const auto range =
      pystr::adjust_slice(bounds[0], bounds[1], step, static_cast<std::int64_t>(list.items.size()));
  budget_.charge(static_cast<std::size_t>(range.count));
  std::vector<Value> items;
  items.reserve(static_cast<std::size_t>(range.count));
  std::int64_t index = range.start;
  for (std::int64_t n = 0; n < range.count; ++n, index += range.step)
    items.push_back(list.items[static_cast<std::size_t>(index)]);
  Value result = make_list(std::move(items), budget_, list.kind);
  if (list.kind == ListKind::range) {
    auto& data = const_cast<ListData&>(result.as_list());  // just made here, not shared yet
    std::int64_t start = 0, stop = 0, new_step = 0;
    if (__builtin_mul_overflow(range.start, list.range_step, &start) ||
        __builtin_add_overflow(start, list.range_start, &start) ||
        __builtin_mul_overflow(range.stop, list.range_step, &stop) ||
        __builtin_add_overflow(stop, list.range_start, &stop) ||
        __builtin_mul_overflow(range.step, list.range_step, &new_step)) {
      throw_integer_overflow();
    }
    data.range_start = start;
    data.range_stop = stop;
    data.range_step = new_step;
  }
  return result;
}

Arguments Interpreter::eval_arguments(const CallArgs& args, Scope& scope) {
  Arguments arguments;
  for (const auto& arg : args.positional) arguments.positional.push_back(eval(*arg, scope));
  for (const auto& [name, arg] : args.keyword)
    arguments.keyword.emplace_back(name, eval(*arg, scope));
  if (args.star_args) {
    for (auto& item : iterate(eval(*args.star_args, scope)))
      arguments.positional.push_back(std::move(item));
  }
  if (args.star_kwargs) {
    const Value mapping = eval(*args.star_kwargs, scope);
    if (!mapping.is(ValueType::dict)) {
      throw_type_error("argument after ** must be a mapping, not " +
                       std::string(type_name(mapping)));
    }
    for (const auto& [key, value] : mapping.as_dict().entries) {
      if (!key.is_string()) throw_type_error("keywords must be strings");
      arguments.keyword.emplace_back(key.as_string(), value);
    }
  }
  return arguments;
}

Value Interpreter::lookup(const std::string& name, Scope& scope) {
  for (const Scope* s = &scope; s != nullptr; s = s->parent.get()) {
    if (const Value* value = s->find(name)) return *value;
  }
  if (const Value* global = find_global(name)) return *global;
  return Value::undefined("'" + name + "' is undefined");
}

// ---- Python operations

Value Interpreter::get_attribute(const Value& object, std::string_view name, bool item_fallback) {
  const auto missing = [&] {
    return Value::undefined("'" + std::string(type_name(object)) + " object' has no attribute '" +
                            std::string(name) + "'");
  };
  switch (object.type()) {
    case ValueType::undefined: throw_undefined(object);
    case ValueType::string:
    case ValueType::list:
      if (auto method = find_method(*this, object, name)) return *method;
      return missing();
    case ValueType::dict:
      if (auto method = find_method(*this, object, name)) return *method;
      if (item_fallback) {
        if (const Value* value = object.as_dict().find(name)) return *value;
      }
      return missing();
    case ValueType::namespace_object:
      if (const Value* value = object.as_namespace().attributes.find(name)) return *value;
      return missing();
    case ValueType::object: return object.as_object().attribute(name);
    default: return missing();
  }
}

Value Interpreter::get_item(const Value& object, const Value& key) {
  const auto missing = [&] {
    return Value::undefined("'" + std::string(type_name(object)) + " object' has no item " +
                            to_str(key, budget_));
  };
  const auto attribute_or_missing = [&] {
    if (key.is_string() && !object.is(ValueType::dict))
      return get_attribute(object, key.as_string());
    return missing();
  };
  switch (object.type()) {
    case ValueType::undefined: throw_undefined(object);
    case ValueType::list: {
      const ListData& list = object.as_list();
      const bool subscriptable = is_sequence_kind(object) || list.kind == ListKind::range;
      if (subscriptable && key.is_integral()) {
        std::int64_t index = key.as_int();
        const auto size = static_cast<std::int64_t>(list.items.size());
        if (index < 0) index += size;
        if (index >= 0 && index < size) return list.items[static_cast<std::size_t>(index)];
        return missing();
      }
      return attribute_or_missing();
    }
    case ValueType::string:
      if (key.is_integral()) {
        charge_text(object);
        if (auto c = pystr::char_at(object.as_string(), key.as_int()))
          return Value::string(std::move(*c));
        return missing();
      }
      return attribute_or_missing();
    case ValueType::dict:
      charge_text(key);
      if (is_hashable(key)) {
        if (const Value* value = object.as_dict().find(key)) return *value;
      }
      if (key.is_string()) {
        if (auto method = find_method(*this, object, key.as_string())) return *method;
      }
      return missing();
    case ValueType::namespace_object:
    case ValueType::object: return attribute_or_missing();
    default: return missing();
  }
}

Value Interpreter::call(const Value& callee, Arguments arguments, int line) {
  if (callee.is_undefined()) throw_undefined(callee);
  if (callee.is(ValueType::object) && callee.as_object().callable()) {
    return callee.as_object().call(*this, std::move(arguments), line);
  }
  throw_type_error("'" + std::string(type_name(callee)) + "' object is not callable");
}

std::vector<Value> Interpreter::iterate(const Value& v) {
  switch (v.type()) {
    case ValueType::undefined: return {};
    case ValueType::list: budget_.charge(v.as_list().items.size()); return v.as_list().items;
    case ValueType::dict: {
      std::vector<Value> keys;
      keys.reserve(v.as_dict().entries.size());
      for (const auto& entry : v.as_dict().entries) keys.push_back(entry.first);
      budget_.charge(keys.size());
      return keys;
    }
    case ValueType::string: {
      std::vector<Value> chars;
      for (auto& c : pystr::characters(v.as_string())) chars.push_back(Value::string(std::move(c)));
      budget_.charge(chars.size());
      return chars;
    }
    case ValueType::generator: {
      GeneratorData& generator = v.as_generator();
      std::vector<Value> rest(
          generator.items.begin() + static_cast<std::ptrdiff_t>(generator.position),
          generator.items.end());
      generator.position = generator.items.size();
      budget_.charge(rest.size());
      return rest;
    }
    default: throw_type_error("'" + std::string(type_name(v)) + "' object is not iterable");
  }
}

bool Interpreter::contains(const Value& container, const Value& item) {
  switch (container.type()) {
    case ValueType::undefined: return false;
    case ValueType::string:
      if (!item.is_string()) {
        throw_type_error("'in <string>' requires string as left operand, not " +
                         std::string(type_name(item)));
      }
      budget_.charge_bytes(container.as_string().size());
      return container.as_string().find(item.as_string()) != std::string::npos;
    case ValueType::list: {
      const auto& items = container.as_list().items;
      for (const auto& x : items) {
        budget_.charge(1);
        if (equals(x, item, &budget_)) return true;
      }
      return false;
    }
    case ValueType::dict:
      charge_text(item);
      if (!is_hashable(item))
        throw_type_error("unhashable type: '" + std::string(type_name(item)) + "'");
      return container.as_dict().find(item) != nullptr;
    case ValueType::generator: {
      GeneratorData& generator = container.as_generator();
      while (generator.position < generator.items.size()) {
        budget_.charge(1);
        if (equals(generator.items[generator.position++], item, &budget_)) return true;
      }
      return false;
    }
    default:
      throw_type_error("argument of type '" + std::string(type_name(container)) +
                       "' is not iterable");
  }
}

Value Interpreter::binary(BinaryOp op, const Value& a, const Value& b) {
  switch (op) {
    case BinaryOp::eq: return Value::boolean(equals(a, b, &budget_));
    case BinaryOp::ne: return Value::boolean(!equals(a, b, &budget_));
    case BinaryOp::in: return Value::boolean(contains(b, a));
    case BinaryOp::not_in: return Value::boolean(!contains(b, a));
    default: break;
  }
  if (a.is_undefined()) throw_undefined(a);
  if (b.is_undefined()) throw_undefined(b);
  switch (op) {
    case BinaryOp::lt:
    case BinaryOp::lteq:
    case BinaryOp::gt:
    case BinaryOp::gteq: {
      const auto c = order(a, b, operator_text(op), &budget_);
      if (!c) return Value::boolean(false);
      const bool result = op == BinaryOp::lt     ? *c < 0
                          : op == BinaryOp::lteq ? *c <= 0
                          : op == BinaryOp::gt   ? *c > 0
                                                 : *c >= 0;
      return Value::boolean(result);
    }
    default: break;
  }
  if (a.is_number() && b.is_number()) return arithmetic_numbers(op, a, b);
  if (op == BinaryOp::add) {
    if (a.is_string() && b.is_string()) {
      budget_.check_string_size(a.as_string().size() + b.as_string().size());
      return make_string(a.as_string() + b.as_string());
    }
    if (is_sequence_kind(a) && is_sequence_kind(b) && a.as_list().kind == b.as_list().kind) {
      const auto& x = a.as_list().items;
      const auto& y = b.as_list().items;
      budget_.charge(x.size() + y.size());
      std::vector<Value> items(x);
      items.insert(items.end(), y.begin(), y.end());
      return make_list(std::move(items), budget_, a.as_list().kind);
    }
    if (a.is_string() || is_sequence_kind(a)) {
      throw_type_error("can only concatenate " + std::string(type_name(a)) + " (not \"" +
                       std::string(type_name(b)) + "\") to " + std::string(type_name(a)));
    }
    unsupported_operands(op, a, b);
  }
  if (op == BinaryOp::mul) {
    const bool left_sequence = a.is_string() || is_sequence_kind(a);
    const bool right_sequence = b.is_string() || is_sequence_kind(b);
    if ((left_sequence && b.is_integral()) || (right_sequence && a.is_integral())) {
      const Value& sequence = left_sequence ? a : b;
      const std::int64_t times = std::max<std::int64_t>(0, left_sequence ? b.as_int() : a.as_int());
      if (sequence.is_string()) {
        const std::string& s = sequence.as_string();
        if (s.empty()) return sequence;
        if (static_cast<std::uint64_t>(times) > budget_.limits().max_output_bytes / s.size()) {
          budget_.check_string_size(budget_.limits().max_output_bytes + 1);
        }
        std::string out;
        out.reserve(s.size() * static_cast<std::size_t>(times));
        for (std::int64_t i = 0; i < times; ++i) out += s;
        return make_string(std::move(out));
      }
      const auto& items = sequence.as_list().items;
      if (items.empty()) return sequence;
      if (static_cast<std::uint64_t>(times) > budget_.limits().max_steps / items.size()) {
        budget_.charge(budget_.limits().max_steps + 1);
      }
      budget_.charge(items.size() * static_cast<std::size_t>(times));
      std::vector<Value> out;
      out.reserve(items.size() * static_cast<std::size_t>(times));
      for (std::int64_t i = 0; i < times; ++i) out.insert(out.end(), items.begin(), items.end());
      return make_list(std::move(out), budget_, sequence.as_list().kind);
    }
    if (left_sequence || right_sequence) {
      const Value& other = left_sequence ? b : a;
      throw_type_error("can't multiply sequence by non-int of type '" +
                       std::string(type_name(other)) + "'");
    }
  }
  if (op == BinaryOp::mod && a.is_string()) {
    throw TemplateError(TemplateError::Kind::unsupported,
                        "printf-style string formatting (str % ...) is not supported");
  }
  unsupported_operands(op, a, b);
}

std::string Interpreter::str(const Value& v) {
  std::string text = to_str(v, budget_);
  budget_.check_string_size(text.size());
  budget_.charge_bytes(text.size());
  return text;
}

Value Interpreter::make_string(std::string text) {
  budget_.check_string_size(text.size());
  budget_.charge_bytes(text.size());
  return Value::string(std::move(text));
}

Value Interpreter::call_filter(std::string_view name, Value input, Arguments arguments, int) {
  return apply_filter(*this, name, std::move(input), std::move(arguments));
}

bool Interpreter::call_test(std::string_view name, const Value& input, Arguments arguments, int) {
  return apply_test(*this, name, input, std::move(arguments));
}

Namespace* Interpreter::new_namespace() {
  budget_.charge(1);
  namespaces_.push_back(std::make_unique<Namespace>());
  return namespaces_.back().get();
}

// ---- macros and loops

Value Interpreter::invoke_macro(const MacroDef& macro, Scope& defining_scope, Arguments arguments,
                                int line) {
  CallDepth depth(*this, line);
  auto scope = std::make_shared<Scope>(defining_scope.shared_from_this());
  const std::size_t count = macro.params.size();
  auto& positional = arguments.positional;
  std::vector<bool> bound(count, false);
  for (std::size_t i = 0; i < count && i < positional.size(); ++i) {
    scope->set(macro.params[i], positional[i]);
    bound[i] = true;
  }
  if (positional.size() > count) {
    if (!macro.uses_varargs) {
      throw_type_error("macro '" + macro.name + "' takes not more than " + std::to_string(count) +
                       " argument(s)");
    }
    scope->set("varargs",
               make_list(std::vector<Value>(positional.begin() + static_cast<std::ptrdiff_t>(count),
                                            positional.end()),
                         budget_, ListKind::tuple));
  } else if (macro.uses_varargs) {
    scope->set("varargs", make_list({}, budget_, ListKind::tuple));
  }
  // Keyword arguments fill the parameters not given positionally; the rest go to kwargs.
  DictData leftover;
  for (auto& [name, value] : arguments.keyword) {
    std::size_t index = count;
    for (std::size_t i = positional.size(); i < count; ++i) {
      if (macro.params[i] == name) index = i;
    }
    if (index < count && !bound[index]) {
      scope->set(name, value);
      bound[index] = true;
    } else {
      leftover.set(Value::string(name), value);
    }
  }
  if (macro.uses_caller) {
    const Value* caller = leftover.find("caller");
    scope->set("caller", caller != nullptr ? *caller : Value::undefined("No caller defined"));
    if (caller != nullptr) {
      DictData rest;
      for (auto& [key, value] : leftover.entries) {
        if (!(key.is_string() && key.as_string() == "caller")) rest.set(key, value);
      }
      leftover = std::move(rest);
    }
  }
  if (macro.uses_kwargs) {
    scope->set("kwargs", make_dict(std::move(leftover), budget_));
  } else if (!leftover.entries.empty()) {
    const std::string& first = leftover.entries.front().first.as_string();
    if (leftover.find("caller") != nullptr) {
      throw_type_error("macro '" + macro.name +
                       "' was invoked with two values for the special caller argument. This is "
                       "most likely a bug.");
    }
    throw_type_error("macro '" + macro.name + "' takes no keyword argument '" + first + "'");
  }
  const std::size_t first_default = count - macro.defaults.size();
  for (std::size_t i = 0; i < count; ++i) {
    if (bound[i]) continue;
    scope->set(macro.params[i],
               i >= first_default
                   ? eval(*macro.defaults[i - first_default], *scope)
                   : Value::undefined("parameter '" + macro.params[i] + "' was not provided"));
  }
  std::string out;
  exec_body(macro.body, *scope, out);
  return Value::string(std::move(out));
}

Value Interpreter::call_loop_recursively(const ForStmt& stmt, Scope& scope, const Value& iterable,
                                         std::size_t depth0, int line) {
  CallDepth depth(*this, line);
  std::string out;
  run_loop(stmt, scope, iterable, depth0, out);
  return Value::string(std::move(out));
}

Flow Interpreter::run_loop(const ForStmt& stmt, Scope& scope, const Value& iterable,
                           std::size_t depth0, std::string& out) {
  std::vector<Value> items = iterate(iterable);
  if (stmt.condition) {
    std::vector<Value> kept;
    for (auto& item : items) {
      budget_.charge(1);
      auto probe = std::make_shared<Scope>(scope.shared_from_this());
      assign(stmt.target, item, *probe);
      if (truthy(eval(*stmt.condition, *probe))) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  if (items.empty()) {
    auto otherwise = std::make_shared<Scope>(scope.shared_from_this());
    return exec_body(stmt.else_body, *otherwise, out);
  }
  auto state = std::make_shared<LoopState>();
  state->length = items.size();
  state->depth0 = depth0;
  state->stmt = &stmt;
  state->scope = &scope;
  state->items = std::move(items);
  const Value loop = Value::object(std::make_shared<LoopObject>(state));
  struct EndLoop {  // the loop object may outlive the loop; its items may not
    LoopState& state;
    ~EndLoop() {
      state.active = false;
      state.items.clear();
      state.items.shrink_to_fit();
      state.changed_value = Value();
    }
  } end_loop{*state};
  for (std::size_t i = 0; i < state->length; ++i) {
    budget_.charge(1);
    state->index0 = i;
    auto iteration = std::make_shared<Scope>(scope.shared_from_this());
    assign(stmt.target, state->items[i], *iteration);
    iteration->set("loop", loop);
    if (exec_body(stmt.body, *iteration, out) == Flow::break_loop) break;
  }
  return Flow::normal;
}

// ---- statements

Flow Interpreter::exec_body(const Body& body, Scope& scope, std::string& out) {
  for (const auto& stmt : body) {
    const Flow flow = exec(*stmt, scope, out);
    if (flow != Flow::normal) return flow;
  }
  return Flow::normal;
}

Flow Interpreter::exec(const Stmt& stmt, Scope& scope, std::string& out) {
  Frame frame(*this, stmt.line);
  budget_.charge(1);
  try {
    return exec_node(stmt, scope, out);
  } catch (const TemplateError& e) {
    if (e.line() == 0) throw TemplateError(e.kind(), e.message(), stmt.line);
    throw;
  }
}

Flow Interpreter::exec_node(const Stmt& stmt, Scope& scope, std::string& out) {
  switch (stmt.kind) {
    case StmtKind::text: write(out, static_cast<const TextStmt&>(stmt).text); return Flow::normal;
    case StmtKind::output:
      for (const auto& value : static_cast<const OutputStmt&>(stmt).values)
        write(out, str(eval(*value, scope)));
      return Flow::normal;
    case StmtKind::if_chain: {
      const auto& s = static_cast<const IfStmt&>(stmt);
      for (const auto& [test, body] : s.branches) {
        if (truthy(eval(*test, scope))) return exec_body(body, scope, out);
      }
      return exec_body(s.else_body, scope, out);
    }
    case StmtKind::for_loop: {
      const auto& s = static_cast<const ForStmt&>(stmt);
      return run_loop(s, scope, eval(*s.iterable, scope), 0, out);
    }
    case StmtKind::set: {
      const auto& s = static_cast<const SetStmt&>(stmt);
      assign(s.target, eval(*s.value, scope), scope);
      return Flow::normal;
    }
    case StmtKind::set_block: return exec_set_block(static_cast<const SetBlockStmt&>(stmt), scope);
    case StmtKind::macro: {
      const auto& s = static_cast<const MacroStmt&>(stmt);
      scope.set(s.macro->name, make_closure(s.macro, scope));
      return Flow::normal;
    }
    case StmtKind::call_block:
      return exec_call_block(static_cast<const CallBlockStmt&>(stmt), scope, out);
    case StmtKind::filter_block:
      return exec_filter_block(static_cast<const FilterBlockStmt&>(stmt), scope, out);
    case StmtKind::with: return exec_with(static_cast<const WithStmt&>(stmt), scope, out);
    case StmtKind::loop_break: return Flow::break_loop;
    case StmtKind::loop_continue: return Flow::continue_loop;
  }
  return Flow::normal;
}

Flow Interpreter::exec_set_block(const SetBlockStmt& stmt, Scope& scope) {
  auto inner = std::make_shared<Scope>(scope.shared_from_this());
  std::string text;
  const Flow flow = exec_body(stmt.body, *inner, text);
  Value value = make_string(std::move(text));
  if (stmt.filter) value = eval_filter_chain(*stmt.filter, *inner, value);
  assign(stmt.target, value, scope);
  return flow;
}

Flow Interpreter::exec_call_block(const CallBlockStmt& stmt, Scope& scope, std::string& out) {
  Value callee = eval(*stmt.call->operands[0], scope);
  Arguments arguments = eval_arguments(stmt.call->args, scope);
  arguments.keyword.emplace_back("caller", make_closure(stmt.caller, scope));
  write(out, str(call(callee, std::move(arguments), stmt.call->line)));
  return Flow::normal;
}

Flow Interpreter::exec_filter_block(const FilterBlockStmt& stmt, Scope& scope, std::string& out) {
  auto inner = std::make_shared<Scope>(scope.shared_from_this());
  std::string text;
  const Flow flow = exec_body(stmt.body, *inner, text);
  write(out, str(eval_filter_chain(*stmt.filter, *inner, make_string(std::move(text)))));
  return flow;
}

// The values are evaluated in the enclosing scope, then bound in the block's own.
Flow Interpreter::exec_with(const WithStmt& stmt, Scope& scope, std::string& out) {
  std::vector<Value> values;
  for (const auto& value : stmt.values) values.push_back(eval(*value, scope));
  auto inner = std::make_shared<Scope>(scope.shared_from_this());
  for (std::size_t i = 0; i < stmt.targets.size(); ++i) assign(stmt.targets[i], values[i], *inner);
  return exec_body(stmt.body, *inner, out);
}

void Interpreter::assign(const Target& target, const Value& value, Scope& scope) {
  switch (target.kind) {
    case Target::Kind::name: scope.set(target.name, value); return;
    case Target::Kind::tuple: {
      const std::vector<Value> items = iterate(value);
      const std::size_t expected = target.items.size();
      if (items.size() < expected) {
        throw_value_error("not enough values to unpack (expected " + std::to_string(expected) +
                          ", got " + std::to_string(items.size()) + ")");
      }
      if (items.size() > expected)
        throw_value_error("too many values to unpack (expected " + std::to_string(expected) + ")");
      for (std::size_t i = 0; i < expected; ++i) assign(target.items[i], items[i], scope);
      return;
    }
    case Target::Kind::namespace_attribute: {
      const Value ns = lookup(target.name, scope);
      if (!ns.is(ValueType::namespace_object)) {
        throw TemplateError(TemplateError::Kind::render,
                            "cannot assign attribute on non-namespace object", target.line);
      }
      ns.as_namespace().attributes.set(Value::string(target.attribute), value);
      return;
    }
  }
}

Value Interpreter::make_closure(const std::shared_ptr<const MacroDef>& macro, Scope& scope) {
  closure_scopes_.push_back(scope.shared_from_this());
  return Value::object(std::make_shared<MacroClosure>(macro, &scope));
}

void Interpreter::write(std::string& out, std::string_view text) {
  if (out.size() + text.size() > budget_.limits().max_output_bytes) {
    throw TemplateError(TemplateError::Kind::budget,
                        "output exceeds max_output_bytes (" +
                            std::to_string(budget_.limits().max_output_bytes) + ")");
  }
  budget_.charge_bytes(text.size());
  out += text;
}

}  // namespace sluice::chat::detail
