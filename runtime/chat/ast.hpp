// The parsed form of a template: statements (text, output, if, for, set, macro, ...) over
// expressions. Built once by the parser, then only read, so one tree serves concurrent
// renders.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "chat/value.hpp"

namespace sluice::chat::detail {

struct Expr;
struct Stmt;
using ExprPtr = std::unique_ptr<Expr>;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

enum class ExprKind : std::uint8_t {
  constant,     // constant
  name,         // name
  list,         // operands
  tuple,        // operands
  dict,         // operands: key, value, key, value ...
  attribute,    // operands[0].name
  item,         // operands[0][operands[1]]
  slice,        // operands[0][operands[1]:operands[2]:operands[3]], each bound may be null
  negate,       // -operands[0]
  plus,         // +operands[0]
  logical_not,  // not operands[0]
  logical_and,  // operands[0] and operands[1]
  logical_or,   // operands[0] or operands[1]
  arithmetic,   // operands[0] ops[0] operands[1] ops[1] ... (one precedence level, left to right)
  concat,       // operands joined with ~
  compare,      // operands[0] ops[0] operands[1] ... (chained, like Python)
  conditional,  // operands[0] if operands[1] else operands[2] (else may be null)
  filter,       // operands[0] | name(args); operands[0] is null in {% filter %} / {% set %} blocks
  test,         // operands[0] is name(args)
  call,         // operands[0](args)
};

enum class BinaryOp : std::uint8_t {
  add,
  sub,
  mul,
  div,
  floordiv,
  mod,
  pow,
  eq,
  ne,
  lt,
  lteq,
  gt,
  gteq,
  in,
  not_in,
};

struct CallArgs {
  std::vector<ExprPtr> positional;
  std::vector<std::pair<std::string, ExprPtr>> keyword;
  ExprPtr star_args;    // *expr
  ExprPtr star_kwargs;  // **expr
};

struct Expr {
  ExprKind kind = ExprKind::constant;
  int line = 0;
  Value constant;
  std::string name;
  std::vector<ExprPtr> operands;
  std::vector<BinaryOp> ops;
  CallArgs args;
  std::size_t height = 1;  // nesting below and including this node
};

// Where {% set %}, {% for %} and {% with %} store values.
struct Target {
  enum class Kind : std::uint8_t { name, tuple, namespace_attribute };
  Kind kind = Kind::name;
  int line = 0;
  std::string name;       // name, or the namespace variable
  std::string attribute;  // namespace_attribute
  std::vector<Target> items;
};

enum class StmtKind : std::uint8_t {
  text,
  output,
  if_chain,
  for_loop,
  set,
  set_block,
  macro,
  call_block,
  filter_block,
  with,
  loop_break,
  loop_continue,
};

struct Stmt {
  explicit Stmt(StmtKind k, int l) : kind(k), line(l) {}
  virtual ~Stmt() = default;
  StmtKind kind;
  int line;
};

struct TextStmt : Stmt {
  using Stmt::Stmt;
  std::string text;
};

struct OutputStmt : Stmt {
  using Stmt::Stmt;
  std::vector<ExprPtr> values;
};

struct IfStmt : Stmt {
  using Stmt::Stmt;
  std::vector<std::pair<ExprPtr, Body>> branches;  // if and each elif
  Body else_body;
};

struct ForStmt : Stmt {
  using Stmt::Stmt;
  Target target;
  ExprPtr iterable;
  ExprPtr condition;  // for x in xs if condition
  bool recursive = false;
  Body body;
  Body else_body;
};

struct SetStmt : Stmt {
  using Stmt::Stmt;
  Target target;
  ExprPtr value;
};

struct SetBlockStmt : Stmt {
  using Stmt::Stmt;
  Target target;
  ExprPtr filter;  // may be null; its innermost operand is null (the body's text)
  Body body;
};

// A macro's, or a call block's caller's, parameters and body.
struct MacroDef {
  std::string name;
  std::vector<std::string> params;
  std::vector<ExprPtr> defaults;  // for the last defaults.size() params
  Body body;
  // Whether the body mentions these, which decides what extra arguments it accepts.
  bool uses_caller = false;
  bool uses_varargs = false;
  bool uses_kwargs = false;
};

struct MacroStmt : Stmt {
  using Stmt::Stmt;
  std::shared_ptr<const MacroDef> macro;
};

struct CallBlockStmt : Stmt {
  using Stmt::Stmt;
  std::shared_ptr<const MacroDef> caller;
  ExprPtr call;
};

struct FilterBlockStmt : Stmt {
  using Stmt::Stmt;
  ExprPtr filter;
  Body body;
};

struct WithStmt : Stmt {
  using Stmt::Stmt;
  std::vector<Target> targets;
  std::vector<ExprPtr> values;
  Body body;
};

}  // namespace sluice::chat::detail
