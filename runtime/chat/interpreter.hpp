// Renders a parsed template: evaluates expressions and runs statements with jinja2's
// scoping (a for loop's iterations, macro calls, {% with %} and block bodies get their own
// scope; {% if %} does not), the sandbox's attribute and item rules, and the budgets.
#pragma once

#include <ctime>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "chat/ast.hpp"
#include "chat/parser.hpp"
#include "chat/value.hpp"

namespace sluice::chat::detail {

struct Scope : std::enable_shared_from_this<Scope> {
  explicit Scope(std::shared_ptr<Scope> parent_scope = nullptr) : parent(std::move(parent_scope)) {}
  const Value* find(const std::string& name) const;
  void set(const std::string& name, Value value) { variables[name] = std::move(value); }

  std::shared_ptr<Scope> parent;
  std::unordered_map<std::string, Value> variables;
};

// What a statement asks of the loop around it.
enum class Flow { normal, break_loop, continue_loop };

class Interpreter {
 public:
  Interpreter(const ParsedTemplate& tpl, std::function<std::time_t()> now);

  std::string render(const nlohmann::ordered_json& context);

  Budget& budget() { return budget_; }
  std::time_t now() const { return now_ ? now_() : std::time(nullptr); }

  // ---- Python operations with the sandbox's rules, for the builtins too
  // obj.name; with item_fallback, obj["name"] when there is no such attribute (jinja2's
  // environment.getattr); without, only the attribute (the |attr filter).
  Value get_attribute(const Value& object, std::string_view name, bool item_fallback = true);
  // obj[key] (jinja2's environment.getitem)
  Value get_item(const Value& object, const Value& key);
  Value call(const Value& callee, Arguments arguments, int line);
  // for x in v: the items (a generator is consumed)
  std::vector<Value> iterate(const Value& v);
  bool contains(const Value& container, const Value& item);
  Value binary(BinaryOp op, const Value& left, const Value& right);
  std::string str(const Value& v);
  // A string value, after checking its size.
  Value make_string(std::string text);
  // Charges the work of scanning v when it is a string (hashing, decoding, searching).
  void charge_text(const Value& v) {
    if (v.is_string()) budget_.charge_bytes(v.as_string().size());
  }
  Value call_filter(std::string_view name, Value input, Arguments arguments, int line);
  bool call_test(std::string_view name, const Value& input, Arguments arguments, int line);
  Namespace* new_namespace();

  // ---- used by the objects the interpreter hands out (macros, loop)
  Value invoke_macro(const MacroDef& macro, Scope& defining_scope, Arguments arguments, int line);
  Value call_loop_recursively(const ForStmt& stmt, Scope& scope, const Value& iterable,
                              std::size_t depth0, int line);

 private:
  class Frame;
  class CallDepth;

  Value eval(const Expr& expr, Scope& scope);
  Value eval_node(const Expr& expr, Scope& scope);
  Value eval_sequence(const Expr& expr, Scope& scope);
  Value eval_dict(const Expr& expr, Scope& scope);
  Value eval_item(const Expr& expr, Scope& scope);
  Value eval_slice(const Expr& expr, Scope& scope);
  Value eval_sign(const Expr& expr, Scope& scope);
  Value eval_logical(const Expr& expr, Scope& scope);
  Value eval_chain(const Expr& expr, Scope& scope);
  Value eval_concat(const Expr& expr, Scope& scope);
  Value eval_conditional(const Expr& expr, Scope& scope);
  Value eval_test(const Expr& expr, Scope& scope);
  Value eval_call(const Expr& expr, Scope& scope);
  Value eval_filter_chain(const Expr& filter, Scope& scope, const Value& block_text);
  Arguments eval_arguments(const CallArgs& args, Scope& scope);
  Value lookup(const std::string& name, Scope& scope);

  Flow exec_body(const Body& body, Scope& scope, std::string& out);
  Flow exec(const Stmt& stmt, Scope& scope, std::string& out);
  Flow exec_node(const Stmt& stmt, Scope& scope, std::string& out);
  Flow exec_set_block(const SetBlockStmt& stmt, Scope& scope);
  Flow exec_call_block(const CallBlockStmt& stmt, Scope& scope, std::string& out);
  Flow exec_filter_block(const FilterBlockStmt& stmt, Scope& scope, std::string& out);
  Flow exec_with(const WithStmt& stmt, Scope& scope, std::string& out);
  Flow run_loop(const ForStmt& stmt, Scope& scope, const Value& iterable, std::size_t depth0,
                std::string& out);
  void assign(const Target& target, const Value& value, Scope& scope);
  Value make_closure(const std::shared_ptr<const MacroDef>& macro, Scope& scope);
  void write(std::string& out, std::string_view text);

  const ParsedTemplate& template_;
  Budget budget_;
  std::function<std::time_t()> now_;
  std::size_t frames_ = 0;      // nested eval/exec calls
  std::size_t call_depth_ = 0;  // nested macro and recursive loop calls
  // Namespaces live as long as the render (values only point at them), and so do the
  // scopes macros were defined in.
  std::vector<std::unique_ptr<Namespace>> namespaces_;
  std::vector<std::shared_ptr<Scope>> closure_scopes_;
};

}  // namespace sluice::chat::detail
