#include "chat/parser.hpp"

#include <algorithm>
#include <initializer_list>

#include "chat/builtins.hpp"
#include "chat/lexer.hpp"

namespace sluice::chat::detail {
namespace {

using EndTags = std::initializer_list<std::string_view>;

[[noreturn]] void fail(const std::string& message, int line) {
  throw TemplateError(TemplateError::Kind::syntax, message, line);
}

std::string quote_list(EndTags tags) {
  std::string out;
  std::size_t i = 0;
  for (const auto tag : tags) {
    if (i > 0) out += i + 1 == tags.size() ? " or " : ", ";
    out += "'" + std::string(tag) + "'";
    ++i;
  }
  return out;
}

// One piece of a subscript: an expression, or a slice start:stop:step.
struct Subscript {
  bool is_slice = false;
  ExprPtr expr;
  ExprPtr start, stop, step;
};

class Parser {
 public:
  Parser(std::vector<Token> tokens, const TemplateLimits& limits)
      : tokens_(std::move(tokens)), limits_(limits) {}

  Body parse() {
    Body body = subparse(nullptr);
    if (!at(TokenType::eof)) fail("unexpected " + describe(current()), current().line);
    return body;
  }

 private:
  // ---- nesting guard: every recursion of the parser goes through one of these
  class Nesting {
   public:
    Nesting(Parser& parser, int line) : parser_(parser) {
      if (++parser_.depth_ > parser_.limits_.max_depth) {
        throw TemplateError(TemplateError::Kind::budget,
                            "template nests deeper than max_depth (" +
                                std::to_string(parser_.limits_.max_depth) + ")",
                            line);
      }
    }
    ~Nesting() { --parser_.depth_; }
    Nesting(const Nesting&) = delete;
    Nesting& operator=(const Nesting&) = delete;

   private:
    Parser& parser_;
  };

  // ---- token stream
  const Token& current() const { return tokens_[pos_]; }
  const Token& look() const { return tokens_[std::min(pos_ + 1, tokens_.size() - 1)]; }
  const Token& advance() {
    const Token& token = tokens_[pos_];
    if (pos_ + 1 < tokens_.size()) ++pos_;
    return token;
  }
  bool at(TokenType type) const { return current().type == type; }
  bool at_op(Op op) const { return at(TokenType::op) && current().op == op; }
  bool at_name(std::string_view name) const {
    return at(TokenType::name) && current().text == name;
  }
  static bool is_name(const Token& token, std::string_view name) {
    return token.type == TokenType::name && token.text == name;
  }
  bool skip_op(Op op) {
    if (!at_op(op)) return false;
    advance();
    return true;
  }
  bool skip_name(std::string_view name) {
    if (!at_name(name)) return false;
    advance();
    return true;
  }
  [[noreturn]] void unexpected(std::string_view expected) const {
    if (at(TokenType::eof))
      fail("unexpected end of template, expected " + std::string(expected), current().line);
    fail("expected " + std::string(expected) + ", got " + describe(current()), current().line);
  }
  const Token& expect_op(Op op, std::string_view spelling) {
    if (!at_op(op)) unexpected("'" + std::string(spelling) + "'");
    return advance();
  }
  const Token& expect_name() {
    if (!at(TokenType::name)) unexpected("a name");
    return advance();
  }
  void expect_name(std::string_view name) {
    if (!at_name(name)) unexpected("'" + std::string(name) + "'");
    advance();
  }
  void expect(TokenType type, std::string_view what) {
    if (!at(type)) unexpected(what);
    advance();
  }

  // ---- node construction
  ExprPtr node(ExprKind kind, int line) {
    auto expr = std::make_unique<Expr>();
    expr->kind = kind;
    expr->line = line;
    return expr;
  }
  // Computes the node's height and refuses trees deeper than max_depth.
  ExprPtr finish(ExprPtr expr) {
    std::size_t below = 0;
    const auto consider = [&](const ExprPtr& child) {
      if (child) below = std::max(below, child->height);
    };
    for (const auto& child : expr->operands) consider(child);
    for (const auto& child : expr->args.positional) consider(child);
    for (const auto& [name, child] : expr->args.keyword) consider(child);
    consider(expr->args.star_args);
    consider(expr->args.star_kwargs);
    expr->height = below + 1;
    if (expr->height > limits_.max_depth) {
      throw TemplateError(
          TemplateError::Kind::budget,
          "expression nests deeper than max_depth (" + std::to_string(limits_.max_depth) + ")",
          expr->line);
    }
    return expr;
  }
  ExprPtr unary(ExprKind kind, int line, ExprPtr operand) {
    auto expr = node(kind, line);
    expr->operands.push_back(std::move(operand));
    return finish(std::move(expr));
  }
  ExprPtr constant(Value value, int line) {
    auto expr = node(ExprKind::constant, line);
    expr->constant = std::move(value);
    return finish(std::move(expr));
  }

  // ---- statements
  // Parses until the end of the template or a block whose tag is in end_tags; in the
  // latter case the block's "{%" is consumed and its tag is the current token.
  Body subparse(const EndTags* end_tags) {
    Body body;
    while (!at(TokenType::eof)) {
      const Token& token = current();
      if (token.type == TokenType::data) {
        auto text = std::make_unique<TextStmt>(StmtKind::text, token.line);
        text->text = token.text;
        body.push_back(std::move(text));
        advance();
      } else if (token.type == TokenType::variable_begin) {
        auto output = std::make_unique<OutputStmt>(StmtKind::output, token.line);
        advance();
        output->values.push_back(parse_tuple(false, true, {}, false));
        expect(TokenType::variable_end, "end of print statement");
        body.push_back(std::move(output));
      } else if (token.type == TokenType::block_begin) {
        advance();
        if (end_tags != nullptr && at(TokenType::name) &&
            std::find(end_tags->begin(), end_tags->end(), current().text) != end_tags->end()) {
          return body;
        }
        body.push_back(parse_statement(end_tags));
        expect(TokenType::block_end, "end of statement block");
      } else {
        fail("unexpected " + describe(token), token.line);
      }
    }
    return body;
  }

  Body parse_statements(EndTags end_tags, std::string_view block, int block_line,
                        bool drop_needle) {
    skip_op(Op::colon);
    expect(TokenType::block_end, "end of statement block");
    Body body = subparse(&end_tags);
    if (at(TokenType::eof)) {
      fail("unexpected end of template; expected " + quote_list(end_tags) + " to close the '" +
               std::string(block) + "' block from line " + std::to_string(block_line),
           current().line);
    }
    if (drop_needle) advance();
    return body;
  }

  StmtPtr parse_statement(const EndTags* enclosing) {
    const Token& token = current();
    if (token.type != TokenType::name) fail("tag name expected", token.line);
    Nesting nesting(*this, token.line);
    const std::string& tag = token.text;
    if (tag == "if") return parse_if();
    if (tag == "for") return parse_for();
    if (tag == "set") return parse_set();
    if (tag == "macro") return parse_macro();
    if (tag == "call") return parse_call_block();
    if (tag == "filter") return parse_filter_block();
    if (tag == "with") return parse_with();
    if (tag == "print") return parse_print();
    if (tag == "break" || tag == "continue") return parse_loop_control();
    if (tag == "block" || tag == "extends" || tag == "include" || tag == "import" ||
        tag == "from" || tag == "autoescape") {
      throw TemplateError(TemplateError::Kind::unsupported,
                          "the '" + tag +
                              "' tag is not supported: chat templates are a single "
                              "template with no access to other files",
                          token.line);
    }
    std::string message = "Encountered unknown tag '" + tag + "'.";
    if (enclosing != nullptr) message += " Jinja was looking for " + quote_list(*enclosing) + ".";
    fail(message, token.line);
  }

  StmtPtr parse_if() {
    auto stmt = std::make_unique<IfStmt>(StmtKind::if_chain, advance().line);
    const int line = stmt->line;
    while (true) {
      ExprPtr test = parse_tuple(false, false, {}, false);
      Body body = parse_statements({"elif", "else", "endif"}, "if", line, false);
      stmt->branches.emplace_back(std::move(test), std::move(body));
      const Token& tag = advance();
      if (tag.text == "elif") continue;
      if (tag.text == "else") stmt->else_body = parse_statements({"endif"}, "if", line, true);
      break;
    }
    return stmt;
  }

  StmtPtr parse_for() {
    auto stmt = std::make_unique<ForStmt>(StmtKind::for_loop, advance().line);
    stmt->target = parse_assign_target(true, false, {"in"}, false);
    expect_name("in");
    stmt->iterable = parse_tuple(false, false, {"recursive"}, false);
    if (skip_name("if")) stmt->condition = parse_expression(true);
    stmt->recursive = skip_name("recursive");
    ++loop_depth_;
    stmt->body = parse_statements({"endfor", "else"}, "for", stmt->line, false);
    --loop_depth_;
    if (advance().text == "else") {
      stmt->else_body = parse_statements({"endfor"}, "for", stmt->line, true);
    }
    return stmt;
  }

  StmtPtr parse_set() {
    const int line = advance().line;
    Target target = parse_assign_target(true, false, {}, true);
    if (skip_op(Op::assign)) {
      auto stmt = std::make_unique<SetStmt>(StmtKind::set, line);
      stmt->target = std::move(target);
      stmt->value = parse_tuple(false, true, {}, false);
      return stmt;
    }
    auto stmt = std::make_unique<SetBlockStmt>(StmtKind::set_block, line);
    stmt->target = std::move(target);
    stmt->filter = parse_filter(nullptr, false);
    stmt->body = parse_statements({"endset"}, "set", line, true);
    return stmt;
  }

  // Parses "(a, b=default)" into def.
  void parse_signature(MacroDef& def) {
    expect_op(Op::lparen, "(");
    while (!at_op(Op::rparen)) {
      if (!def.params.empty()) expect_op(Op::comma, ",");
      const Token& name = expect_name();
      check_assignable(name.text, name.line);
      if (skip_op(Op::assign)) {
        def.defaults.push_back(parse_expression(true));
      } else if (!def.defaults.empty()) {
        fail("non-default argument follows default argument", name.line);
      }
      def.params.push_back(name.text);
    }
    expect_op(Op::rparen, ")");
  }

  // The body of a macro or call block: its own function, so loop controls outside it do
  // not reach in, and the names it mentions decide the arguments it takes.
  Body parse_function_body(MacroDef& def, std::string_view end_tag, std::string_view block,
                           int line) {
    const int saved_loop_depth = loop_depth_;
    loop_depth_ = 0;
    open_functions_.push_back(&def);
    Body body = parse_statements({end_tag}, block, line, true);
    open_functions_.pop_back();
    loop_depth_ = saved_loop_depth;
    return body;
  }

  StmtPtr parse_macro() {
    auto stmt = std::make_unique<MacroStmt>(StmtKind::macro, advance().line);
    auto def = std::make_shared<MacroDef>();
    const Token& name = expect_name();
    check_assignable(name.text, name.line);
    def->name = name.text;
    parse_signature(*def);
    def->body = parse_function_body(*def, "endmacro", "macro", stmt->line);
    stmt->macro = std::move(def);
    return stmt;
  }

  StmtPtr parse_call_block() {
    auto stmt = std::make_unique<CallBlockStmt>(StmtKind::call_block, advance().line);
    auto def = std::make_shared<MacroDef>();
    def->name = "caller";
    if (at_op(Op::lparen)) parse_signature(*def);
    stmt->call = parse_expression(true);
    if (stmt->call->kind != ExprKind::call) fail("expected call", stmt->line);
    def->body = parse_function_body(*def, "endcall", "call", stmt->line);
    stmt->caller = std::move(def);
    return stmt;
  }

  StmtPtr parse_filter_block() {
    auto stmt = std::make_unique<FilterBlockStmt>(StmtKind::filter_block, advance().line);
    stmt->filter = parse_filter(nullptr, true);
    stmt->body = parse_statements({"endfilter"}, "filter", stmt->line, true);
    return stmt;
  }

  StmtPtr parse_with() {
    auto stmt = std::make_unique<WithStmt>(StmtKind::with, advance().line);
    while (!at(TokenType::block_end)) {
      if (!stmt->targets.empty()) expect_op(Op::comma, ",");
      stmt->targets.push_back(parse_assign_target(true, false, {}, false));
      expect_op(Op::assign, "=");
      stmt->values.push_back(parse_expression(true));
    }
    stmt->body = parse_statements({"endwith"}, "with", stmt->line, true);
    return stmt;
  }

  StmtPtr parse_print() {
    auto stmt = std::make_unique<OutputStmt>(StmtKind::output, advance().line);
    while (!at(TokenType::block_end)) {
      if (!stmt->values.empty()) expect_op(Op::comma, ",");
      stmt->values.push_back(parse_expression(true));
    }
    return stmt;
  }

  StmtPtr parse_loop_control() {
    const Token& token = advance();
    if (loop_depth_ == 0) fail("'" + token.text + "' outside loop", token.line);
    return std::make_unique<Stmt>(
        token.text == "break" ? StmtKind::loop_break : StmtKind::loop_continue, token.line);
  }

  // ---- assignment targets
  static void check_assignable(const std::string& name, int line) {
    if (name == "true" || name == "false" || name == "none" || name == "True" || name == "False" ||
        name == "None") {
      fail("can't assign to '" + name + "'", line);
    }
  }

  Target parse_assign_target(bool with_tuple, bool name_only, EndTags extra_end,
                             bool with_namespace) {
    Target target;
    target.line = current().line;
    if (with_namespace && at(TokenType::name) && look().type == TokenType::op &&
        look().op == Op::dot) {
      target.kind = Target::Kind::namespace_attribute;
      target.name = advance().text;
      advance();  // .
      target.attribute = expect_name().text;
      return target;
    }
    if (name_only) {
      const Token& name = expect_name();
      check_assignable(name.text, name.line);
      target.name = name.text;
      return target;
    }
    ExprPtr expr = with_tuple ? parse_tuple(true, false, extra_end, false) : parse_primary();
    return to_target(*expr);
  }

  static Target to_target(const Expr& expr) {
    Target target;
    target.line = expr.line;
    if (expr.kind == ExprKind::name) {
      target.name = expr.name;
      return target;
    }
    if (expr.kind == ExprKind::tuple) {
      target.kind = Target::Kind::tuple;
      for (const auto& item : expr.operands) target.items.push_back(to_target(*item));
      return target;
    }
    fail(expr.kind == ExprKind::constant ? "can't assign to 'const'"
                                         : "can't assign to this expression",
         expr.line);
  }

  // ---- expressions
  bool is_tuple_end(EndTags extra_end) const {
    if (at(TokenType::variable_end) || at(TokenType::block_end) || at_op(Op::rparen)) return true;
    return std::any_of(extra_end.begin(), extra_end.end(),
                       [&](std::string_view name) { return at_name(name); });
  }

  // simplified: items are primaries (assignment targets); with_condexpr: allow "a if b else c".
  ExprPtr parse_tuple(bool simplified, bool with_condexpr, EndTags extra_end,
                      bool explicit_parentheses) {
    const int line = current().line;
    std::vector<ExprPtr> items;
    bool is_tuple = false;
    while (true) {
      if (!items.empty()) expect_op(Op::comma, ",");
      if (is_tuple_end(extra_end)) break;
      items.push_back(simplified ? parse_primary() : parse_expression(with_condexpr));
      if (at_op(Op::comma)) {
        is_tuple = true;
      } else {
        break;
      }
    }
    if (!is_tuple) {
      if (!items.empty()) return std::move(items.front());
      if (!explicit_parentheses)
        fail("Expected an expression, got " + describe(current()), current().line);
    }
    auto tuple = node(ExprKind::tuple, line);
    tuple->operands = std::move(items);
    return finish(std::move(tuple));
  }

  ExprPtr parse_expression(bool with_condexpr) {
    Nesting nesting(*this, current().line);
    return with_condexpr ? parse_condexpr() : parse_or();
  }

  ExprPtr parse_condexpr() {
    const int line = current().line;
    ExprPtr expr = parse_or();
    while (skip_name("if")) {
      auto conditional = node(ExprKind::conditional, line);
      ExprPtr condition = parse_or();
      ExprPtr otherwise = skip_name("else") ? parse_condexpr() : nullptr;
      conditional->operands.push_back(std::move(expr));
      conditional->operands.push_back(std::move(condition));
      conditional->operands.push_back(std::move(otherwise));
      expr = finish(std::move(conditional));
    }
    return expr;
  }

  // a or b or c: one node, evaluated left to right with Python's short circuit.
  ExprPtr parse_logical(ExprKind kind, std::string_view keyword) {
    const int line = current().line;
    ExprPtr first =
        kind == ExprKind::logical_or ? parse_logical(ExprKind::logical_and, "and") : parse_not();
    if (!at_name(keyword)) return first;
    auto chain = node(kind, line);
    chain->operands.push_back(std::move(first));
    while (skip_name(keyword)) {
      chain->operands.push_back(
          kind == ExprKind::logical_or ? parse_logical(ExprKind::logical_and, "and") : parse_not());
    }
    return finish(std::move(chain));
  }
  ExprPtr parse_or() { return parse_logical(ExprKind::logical_or, "or"); }

  ExprPtr parse_not() {
    if (at_name("not")) {
      Nesting nesting(*this, current().line);
      const int line = advance().line;
      return unary(ExprKind::logical_not, line, parse_not());
    }
    return parse_compare();
  }

  ExprPtr parse_compare() {
    const int line = current().line;
    ExprPtr first = parse_math1();
    auto compare = node(ExprKind::compare, line);
    compare->operands.push_back(std::move(first));
    while (true) {
      BinaryOp op;
      if (at(TokenType::op) && current().op == Op::eq) {
        op = BinaryOp::eq;
      } else if (at(TokenType::op) && current().op == Op::ne) {
        op = BinaryOp::ne;
      } else if (at(TokenType::op) && current().op == Op::lt) {
        op = BinaryOp::lt;
      } else if (at(TokenType::op) && current().op == Op::lteq) {
        op = BinaryOp::lteq;
      } else if (at(TokenType::op) && current().op == Op::gt) {
        op = BinaryOp::gt;
      } else if (at(TokenType::op) && current().op == Op::gteq) {
        op = BinaryOp::gteq;
      } else if (at_name("in")) {
        op = BinaryOp::in;
      } else if (at_name("not") && is_name(look(), "in")) {
        op = BinaryOp::not_in;
        advance();
      } else {
        break;
      }
      advance();
      compare->ops.push_back(op);
      compare->operands.push_back(parse_math1());
    }
    if (compare->ops.empty()) return std::move(compare->operands.front());
    return finish(std::move(compare));
  }

  // One precedence level of left-associative binary operators, as one node.
  template <typename Next>
  ExprPtr parse_arithmetic(std::initializer_list<std::pair<Op, BinaryOp>> operators, Next next) {
    const int line = current().line;
    ExprPtr first = (this->*next)();
    const auto match = [&]() -> const std::pair<Op, BinaryOp>* {
      if (!at(TokenType::op)) return nullptr;
      for (const auto& candidate : operators) {
        if (candidate.first == current().op) return &candidate;
      }
      return nullptr;
    };
    if (match() == nullptr) return first;
    auto chain = node(ExprKind::arithmetic, line);
    chain->operands.push_back(std::move(first));
    while (const auto* op = match()) {
      advance();
      chain->ops.push_back(op->second);
      chain->operands.push_back((this->*next)());
    }
    return finish(std::move(chain));
  }

  ExprPtr parse_math1() {
    return parse_arithmetic({{Op::add, BinaryOp::add}, {Op::sub, BinaryOp::sub}},
                            &Parser::parse_concat);
  }

  ExprPtr parse_concat() {
    const int line = current().line;
    ExprPtr first = parse_math2();
    if (!at_op(Op::tilde)) return first;
    auto concat = node(ExprKind::concat, line);
    concat->operands.push_back(std::move(first));
    while (skip_op(Op::tilde)) concat->operands.push_back(parse_math2());
    return finish(std::move(concat));
  }

  ExprPtr parse_math2() {
    return parse_arithmetic({{Op::mul, BinaryOp::mul},
                             {Op::div, BinaryOp::div},
                             {Op::floordiv, BinaryOp::floordiv},
                             {Op::mod, BinaryOp::mod}},
                            &Parser::parse_pow);
  }

  ExprPtr parse_pow() {
    return parse_arithmetic({{Op::pow, BinaryOp::pow}}, &Parser::parse_unary_with_filter);
  }
  ExprPtr parse_unary_with_filter() { return parse_unary(true); }

  ExprPtr parse_unary(bool with_filter) {
    ExprPtr expr;
    if (at_op(Op::sub) || at_op(Op::add)) {
      Nesting nesting(*this, current().line);
      const Token& sign = advance();
      expr = unary(sign.op == Op::sub ? ExprKind::negate : ExprKind::plus, sign.line,
                   parse_unary(false));
    } else {
      expr = parse_primary();
    }
    expr = parse_postfix(std::move(expr));
    if (with_filter) expr = parse_filter_expr(std::move(expr));
    return expr;
  }

  ExprPtr parse_primary() {
    const Token& token = current();
    switch (token.type) {
      case TokenType::name: {
        advance();
        if (token.text == "true" || token.text == "True")
          return constant(Value::boolean(true), token.line);
        if (token.text == "false" || token.text == "False")
          return constant(Value::boolean(false), token.line);
        if (token.text == "none" || token.text == "None")
          return constant(Value::none(), token.line);
        note_name(token.text);
        auto name = node(ExprKind::name, token.line);
        name->name = token.text;
        return finish(std::move(name));
      }
      case TokenType::string: {
        std::string text = advance().text;
        while (at(TokenType::string)) text += advance().text;  // 'a' 'b' is 'ab'
        return constant(Value::string(std::move(text)), token.line);
      }
      case TokenType::integer:
        advance();
        return constant(Value::integer(token.integer), token.line);
      case TokenType::floating:
        advance();
        return constant(Value::floating(token.floating), token.line);
      case TokenType::op:
        if (token.op == Op::lparen) {
          Nesting nesting(*this, token.line);
          advance();
          ExprPtr expr = parse_tuple(false, true, {}, true);
          expect_op(Op::rparen, ")");
          return expr;
        }
        if (token.op == Op::lbracket) return parse_list();
        if (token.op == Op::lbrace) return parse_dict();
        break;
      default: break;
    }
    if (token.type == TokenType::eof) fail("unexpected end of template", token.line);
    fail("unexpected " + describe(token), token.line);
  }

  void note_name(const std::string& name) {
    for (MacroDef* def : open_functions_) {
      if (name == "caller") def->uses_caller = true;
      if (name == "varargs") def->uses_varargs = true;
      if (name == "kwargs") def->uses_kwargs = true;
    }
  }

  ExprPtr parse_list() {
    Nesting nesting(*this, current().line);
    auto list = node(ExprKind::list, advance().line);
    while (!at_op(Op::rbracket)) {
      if (!list->operands.empty()) expect_op(Op::comma, ",");
      if (at_op(Op::rbracket)) break;
      list->operands.push_back(parse_expression(true));
    }
    expect_op(Op::rbracket, "]");
    return finish(std::move(list));
  }

  ExprPtr parse_dict() {
    Nesting nesting(*this, current().line);
    auto dict = node(ExprKind::dict, advance().line);
    while (!at_op(Op::rbrace)) {
      if (!dict->operands.empty()) expect_op(Op::comma, ",");
      if (at_op(Op::rbrace)) break;
      dict->operands.push_back(parse_expression(true));
      expect_op(Op::colon, ":");
      dict->operands.push_back(parse_expression(true));
    }
    expect_op(Op::rbrace, "}");
    return finish(std::move(dict));
  }

  ExprPtr parse_postfix(ExprPtr expr) {
    while (true) {
      if (at_op(Op::dot) || at_op(Op::lbracket)) {
        expr = parse_subscript(std::move(expr));
      } else if (at_op(Op::lparen)) {
        expr = parse_call(std::move(expr));
      } else {
        return expr;
      }
    }
  }

  ExprPtr parse_filter_expr(ExprPtr expr) {
    while (true) {
      if (at_op(Op::pipe)) {
        expr = parse_filter(std::move(expr), false);
      } else if (at_name("is")) {
        expr = parse_test(std::move(expr));
      } else if (at_op(Op::lparen)) {
        expr = parse_call(std::move(expr));
      } else {
        return expr;
      }
    }
  }

  ExprPtr parse_subscript(ExprPtr object) {
    const Token& token = advance();
    if (token.op == Op::dot) {
      const Token& attribute = advance();
      if (attribute.type == TokenType::name) {
        auto expr = node(ExprKind::attribute, token.line);
        expr->name = attribute.text;
        expr->operands.push_back(std::move(object));
        return finish(std::move(expr));
      }
      if (attribute.type != TokenType::integer) fail("expected name or number", attribute.line);
      auto expr = node(ExprKind::item, token.line);
      expr->operands.push_back(std::move(object));
      expr->operands.push_back(constant(Value::integer(attribute.integer), attribute.line));
      return finish(std::move(expr));
    }
    Nesting nesting(*this, token.line);
    std::vector<Subscript> subscripts;
    while (!at_op(Op::rbracket)) {
      if (!subscripts.empty()) expect_op(Op::comma, ",");
      subscripts.push_back(parse_subscribed());
    }
    expect_op(Op::rbracket, "]");
    if (subscripts.size() == 1 && subscripts.front().is_slice) {
      auto& slice = subscripts.front();
      auto expr = node(ExprKind::slice, token.line);
      expr->operands.push_back(std::move(object));
      expr->operands.push_back(std::move(slice.start));
      expr->operands.push_back(std::move(slice.stop));
      expr->operands.push_back(std::move(slice.step));
      return finish(std::move(expr));
    }
    auto expr = node(ExprKind::item, token.line);
    expr->operands.push_back(std::move(object));
    if (subscripts.size() == 1) {
      expr->operands.push_back(std::move(subscripts.front().expr));
    } else {
      auto tuple = node(ExprKind::tuple, token.line);
      for (auto& subscript : subscripts) {
        if (subscript.is_slice) {
          throw TemplateError(TemplateError::Kind::unsupported,
                              "slices inside a tuple subscript are not supported", token.line);
        }
        tuple->operands.push_back(std::move(subscript.expr));
      }
      expr->operands.push_back(finish(std::move(tuple)));
    }
    return finish(std::move(expr));
  }

  Subscript parse_subscribed() {
    Subscript subscript;
    if (!at_op(Op::colon)) {
      ExprPtr expr = parse_expression(true);
      if (!at_op(Op::colon)) {
        subscript.expr = std::move(expr);
        return subscript;
      }
      subscript.start = std::move(expr);
    }
    subscript.is_slice = true;
    advance();  // the first ':'
    if (!at_op(Op::colon) && !at_op(Op::rbracket) && !at_op(Op::comma))
      subscript.stop = parse_expression(true);
    if (skip_op(Op::colon)) {
      if (!at_op(Op::rbracket) && !at_op(Op::comma)) subscript.step = parse_expression(true);
    }
    return subscript;
  }

  ExprPtr parse_call(ExprPtr callee) {
    auto call = node(ExprKind::call, current().line);
    call->operands.push_back(std::move(callee));
    call->args = parse_call_args();
    return finish(std::move(call));
  }

  CallArgs parse_call_args() {
    Nesting nesting(*this, current().line);
    const int line = expect_op(Op::lparen, "(").line;
    CallArgs args;
    const auto ensure = [&](bool ok) {
      if (!ok) fail("invalid syntax for function call expression", line);
    };
    bool require_comma = false;
    while (!at_op(Op::rparen)) {
      if (require_comma) {
        expect_op(Op::comma, ",");
        if (at_op(Op::rparen)) break;  // trailing comma
      }
      if (at_op(Op::mul)) {
        ensure(!args.star_args && !args.star_kwargs);
        advance();
        args.star_args = parse_expression(true);
      } else if (at_op(Op::pow)) {
        ensure(!args.star_kwargs);
        advance();
        args.star_kwargs = parse_expression(true);
      } else if (at(TokenType::name) && look().type == TokenType::op && look().op == Op::assign) {
        ensure(!args.star_kwargs);
        std::string key = advance().text;
        advance();  // =
        args.keyword.emplace_back(std::move(key), parse_expression(true));
      } else {
        ensure(!args.star_args && !args.star_kwargs && args.keyword.empty());
        args.positional.push_back(parse_expression(true));
      }
      require_comma = true;
    }
    expect_op(Op::rparen, ")");
    return args;
  }

  // input | name(args) | name ...; input is null for {% filter %} and {% set %} blocks.
  ExprPtr parse_filter(ExprPtr input, bool start_inline) {
    while (at_op(Op::pipe) || start_inline) {
      if (!start_inline) advance();
      start_inline = false;
      const Token& name = expect_name();
      auto filter = node(ExprKind::filter, name.line);
      filter->name = name.text;
      while (skip_op(Op::dot)) filter->name += "." + expect_name().text;
      if (at_op(Op::lparen)) filter->args = parse_call_args();
      filter->operands.push_back(std::move(input));
      input = finish(std::move(filter));
    }
    return input;
  }

  ExprPtr parse_test(ExprPtr input) {
    const int line = advance().line;  // is
    const bool negated = skip_name("not");
    auto test = node(ExprKind::test, line);
    test->name = expect_name().text;
    while (skip_op(Op::dot)) test->name += "." + expect_name().text;
    const Token& next = current();
    const bool starts_argument =
        next.type == TokenType::name || next.type == TokenType::string ||
        next.type == TokenType::integer || next.type == TokenType::floating ||
        (next.type == TokenType::op && (next.op == Op::lbracket || next.op == Op::lbrace));
    if (at_op(Op::lparen)) {
      test->args = parse_call_args();
    } else if (starts_argument && !at_name("else") && !at_name("or") && !at_name("and")) {
      if (at_name("is")) fail("You cannot chain multiple tests with is", next.line);
      test->args.positional.push_back(parse_postfix(parse_primary()));
    }
    test->operands.push_back(std::move(input));
    ExprPtr result = finish(std::move(test));
    if (negated) result = unary(ExprKind::logical_not, line, std::move(result));
    return result;
  }

  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  const TemplateLimits& limits_;
  std::size_t depth_ = 0;
  int loop_depth_ = 0;
  std::vector<MacroDef*> open_functions_;  // macros and call blocks being parsed
};

// jinja2 checks filter and test names when it compiles, except inside {% if %} and
// "a if b else c", where an unknown name only fails if it is reached. Unsupported ones
// follow the same rule.
class NameCheck {
 public:
  void body(const Body& statements, bool soft) {
    for (const auto& stmt : statements) statement(*stmt, soft);
  }

 private:
  void statement(const Stmt& stmt, bool soft) {
    switch (stmt.kind) {
      case StmtKind::output:
        for (const auto& value : static_cast<const OutputStmt&>(stmt).values)
          expr(value.get(), soft);
        return;
      case StmtKind::if_chain: {
        const auto& s = static_cast<const IfStmt&>(stmt);
        for (const auto& [test, branch] : s.branches) {
          expr(test.get(), true);
          body(branch, true);
        }
        body(s.else_body, true);
        return;
      }
      case StmtKind::for_loop: {
        const auto& s = static_cast<const ForStmt&>(stmt);
        expr(s.iterable.get(), soft);
        expr(s.condition.get(), false);
        body(s.body, false);
        body(s.else_body, false);
        return;
      }
      case StmtKind::set: expr(static_cast<const SetStmt&>(stmt).value.get(), soft); return;
      case StmtKind::set_block: {
        const auto& s = static_cast<const SetBlockStmt&>(stmt);
        expr(s.filter.get(), false);
        body(s.body, false);
        return;
      }
      case StmtKind::macro: macro(*static_cast<const MacroStmt&>(stmt).macro); return;
      case StmtKind::call_block: {
        const auto& s = static_cast<const CallBlockStmt&>(stmt);
        expr(s.call.get(), soft);
        macro(*s.caller);
        return;
      }
      case StmtKind::filter_block: {
        const auto& s = static_cast<const FilterBlockStmt&>(stmt);
        expr(s.filter.get(), false);
        body(s.body, false);
        return;
      }
      case StmtKind::with: {
        const auto& s = static_cast<const WithStmt&>(stmt);
        for (const auto& value : s.values) expr(value.get(), soft);
        body(s.body, false);
        return;
      }
      default: return;
    }
  }

  void macro(const MacroDef& def) {
    for (const auto& value : def.defaults) expr(value.get(), false);
    body(def.body, false);
  }

  void expr(const Expr* e, bool soft) {
    if (e == nullptr) return;
    if (e->kind == ExprKind::conditional) soft = true;
    if (!soft && (e->kind == ExprKind::filter || e->kind == ExprKind::test)) {
      const bool is_filter = e->kind == ExprKind::filter;
      const Support support = is_filter ? filter_support(e->name) : test_support(e->name);
      const std::string what = is_filter ? "filter" : "test";
      if (support == Support::unknown) fail("No " + what + " named '" + e->name + "'.", e->line);
      if (support == Support::unsupported) {
        throw TemplateError(TemplateError::Kind::unsupported,
                            "the '" + e->name + "' " + what + " is not supported", e->line);
      }
    }
    for (const auto& child : e->operands) expr(child.get(), soft);
    for (const auto& child : e->args.positional) expr(child.get(), soft);
    for (const auto& [name, child] : e->args.keyword) expr(child.get(), soft);
    expr(e->args.star_args.get(), soft);
    expr(e->args.star_kwargs.get(), soft);
  }
};

}  // namespace

ParsedTemplate parse_template(std::string_view source, const TemplateLimits& limits) {
  ParsedTemplate parsed;
  parsed.limits = limits;
  parsed.body = Parser(tokenize(source), limits).parse();
  NameCheck().body(parsed.body, false);
  return parsed;
}

}  // namespace sluice::chat::detail
