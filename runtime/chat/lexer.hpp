// Template source -> tokens, following jinja2's lexer with trim_blocks and lstrip_blocks on:
// newlines normalised to \n and one trailing newline dropped; {%- -%} {{- -}} {#- -#} strip
// whitespace; {%+ keeps it; a block tag's own newline is dropped; comments vanish; raw
// blocks become text.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::chat::detail {

enum class TokenType : std::uint8_t {
  data,  // template text (or the inside of a raw block)
  variable_begin,
  variable_end,
  block_begin,
  block_end,
  name,
  string,
  integer,
  floating,
  op,
  eof,
};

enum class Op : std::uint8_t {
  none,
  add,
  sub,
  div,
  floordiv,
  mul,
  mod,
  pow,
  tilde,
  lbracket,
  rbracket,
  lparen,
  rparen,
  lbrace,
  rbrace,
  eq,
  ne,
  gt,
  gteq,
  lt,
  lteq,
  assign,
  dot,
  colon,
  pipe,
  comma,
  semicolon,
};

struct Token {
  TokenType type = TokenType::eof;
  int line = 1;
  Op op = Op::none;
  std::string text;  // data, a name, or a string literal's value
  std::int64_t integer = 0;
  double floating = 0;
};

// Throws TemplateError(syntax) naming the line (unclosed comment or raw block, a stray
// character, unbalanced brackets, a bad escape in a string literal).
std::vector<Token> tokenize(std::string_view source);

// "'name'", "'+'", "end of template" ... for parser messages.
std::string describe(const Token& token);

}  // namespace sluice::chat::detail
