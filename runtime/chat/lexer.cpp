#include "chat/lexer.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <limits>

#include "chat/chat_template.hpp"
#include "chat/unicode.hpp"

namespace sluice::chat::detail {
namespace {

bool is_ascii_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_ascii_alpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}
char lower(char c) {
  return (c >= 'A' && c <= 'Z') ? static_cast<char>(c + 32) : c;
}
int hex_value(char c) {
  if (is_ascii_digit(c)) return c - '0';
  c = lower(c);
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

[[noreturn]] void syntax_error(const std::string& message, int line) {
  throw TemplateError(TemplateError::Kind::syntax, message, line);
}

// \r\n and \r become \n, and one trailing newline goes (jinja2 without
// keep_trailing_newline).
std::string normalize_newlines(std::string_view source) {
  std::string out;
  out.reserve(source.size());
  for (std::size_t i = 0; i < source.size(); ++i) {
    if (source[i] == '\r') {
      out += '\n';
      if (i + 1 < source.size() && source[i + 1] == '\n') ++i;
    } else {
      out += source[i];
    }
  }
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

class Lexer {
 public:
  explicit Lexer(std::string_view source) : src_(normalize_newlines(source)) {}

  std::vector<Token> run() {
    std::size_t pos = 0;
    while (pos < src_.size()) {
      const std::size_t tag = find_tag_start(pos);
      if (tag == std::string::npos) {
        emit_data(pos, src_.substr(pos));
        break;
      }
      pos = lex_tag(pos, tag);
    }
    Token eof;
    eof.type = TokenType::eof;
    eof.line = line_at(src_.size());
    tokens_.push_back(std::move(eof));
    return std::move(tokens_);
  }

 private:
  std::size_t find_tag_start(std::size_t pos) const {
    for (std::size_t i = src_.find('{', pos); i != std::string::npos; i = src_.find('{', i + 1)) {
      if (i + 1 < src_.size() && (src_[i + 1] == '{' || src_[i + 1] == '%' || src_[i + 1] == '#')) {
        return i;
      }
    }
    return std::string::npos;
  }

  int line_at(std::size_t pos) {
    // Positions are asked for in increasing order, so count incrementally.
    if (pos < counted_pos_) {
      counted_pos_ = 0;
      counted_line_ = 1;
    }
    for (; counted_pos_ < pos && counted_pos_ < src_.size(); ++counted_pos_) {
      if (src_[counted_pos_] == '\n') ++counted_line_;
    }
    return counted_line_;
  }

  void emit_data(std::size_t pos, std::string_view text) {
    if (text.empty()) return;
    Token token;
    token.type = TokenType::data;
    token.line = line_at(pos);
    token.text = std::string(text);
    tokens_.push_back(std::move(token));
  }

  void emit(TokenType type, std::size_t pos) {
    Token token;
    token.type = type;
    token.line = line_at(pos);
    tokens_.push_back(std::move(token));
  }

  std::size_t skip_space(std::size_t pos) const {
    while (pos < src_.size()) {
      std::size_t next = pos;
      if (!unicode::is_space(unicode::decode_next(src_, next))) break;
      pos = next;
    }
    return pos;
  }

  static std::string_view rstrip_space(std::string_view text) {
    std::size_t keep = 0;
    for (std::size_t pos = 0; pos < text.size();) {
      if (!unicode::is_space(unicode::decode_next(text, pos))) keep = pos;
    }
    return text.substr(0, keep);
  }

  bool starts_with(std::size_t pos, std::string_view what) const {
    return src_.compare(pos, what.size(), what) == 0;
  }

  // Applies {%- / {{- (strip all whitespace before the tag) and lstrip_blocks (strip the
  // spaces and tabs that start the tag's line) to the text before a tag.
  std::string_view strip_before_tag(std::string_view text, char sign, bool lstrip_applies) const {
    if (sign == '-') return rstrip_space(text);
    if (sign == '+' || !lstrip_applies) return text;
    const std::size_t newline = text.rfind('\n');
    const std::size_t line_start = newline == std::string_view::npos ? 0 : newline + 1;
    if (line_start == 0 && !line_starting_) return text;
    for (std::size_t i = line_start; i < text.size(); ++i) {
      if (text[i] != ' ' && text[i] != '\t') return text;
    }
    return text.substr(0, line_start);
  }

  // Matches `{%[-+]? raw [-]?%}` at `tag`; returns the position after it or npos.
  std::size_t match_raw_begin(std::size_t tag) const {
    std::size_t p = tag + 2;
    if (p < src_.size() && (src_[p] == '-' || src_[p] == '+')) ++p;
    p = skip_space(p);
    if (!starts_with(p, "raw")) return std::string::npos;
    p = skip_space(p + 3);
    if (starts_with(p, "-%}")) return skip_space(p + 3);
    if (starts_with(p, "%}")) return p + 2;
    return std::string::npos;
  }

  std::size_t lex_tag(std::size_t pos, std::size_t tag) {
    const char kind = src_[tag + 1];
    const std::size_t after = tag + 2;
    const char sign =
        after < src_.size() && (src_[after] == '-' || src_[after] == '+') ? src_[after] : 0;
    const std::size_t raw_body = kind == '%' ? match_raw_begin(tag) : std::string::npos;
    const std::string_view text =
        strip_before_tag(std::string_view(src_).substr(pos, tag - pos), sign, kind != '{');
    emit_data(pos, text);
    if (raw_body != std::string::npos) {
      line_starting_ = src_[raw_body - 1] == '\n';
      return lex_raw(tag, raw_body);
    }
    if (kind == '#') return lex_comment(tag, after + (sign ? 1 : 0));
    line_starting_ = false;
    return lex_expression_tag(kind == '{', tag, after + (sign ? 1 : 0));
  }

  std::size_t lex_comment(std::size_t tag, std::size_t body) {
    const std::size_t close = src_.find("#}", body);
    if (close == std::string::npos) syntax_error("Missing end of comment tag", line_at(tag));
    const char sign =
        close > body && (src_[close - 1] == '-' || src_[close - 1] == '+') ? src_[close - 1] : 0;
    std::size_t end = close + 2;
    if (sign == '-') {
      end = skip_space(end);
    } else if (sign == 0 && end < src_.size() && src_[end] == '\n') {
      ++end;  // trim_blocks
    }
    line_starting_ = src_[end - 1] == '\n';
    return end;
  }

  std::size_t lex_raw(std::size_t tag, std::size_t body) {
    for (std::size_t q = src_.find("{%", body); q != std::string::npos;
         q = src_.find("{%", q + 1)) {
      std::size_t p = q + 2;
      const char sign = p < src_.size() && (src_[p] == '-' || src_[p] == '+') ? src_[p] : 0;
      if (sign) ++p;
      p = skip_space(p);
      if (!starts_with(p, "endraw")) continue;
      p = skip_space(p + 6);
      std::size_t end;
      if (starts_with(p, "+%}")) {
        end = p + 3;
      } else if (starts_with(p, "-%}")) {
        end = skip_space(p + 3);
      } else if (starts_with(p, "%}")) {
        end = p + 2;
        if (end < src_.size() && src_[end] == '\n') ++end;
      } else {
        continue;
      }
      emit_data(body, strip_before_tag(std::string_view(src_).substr(body, q - body), sign, true));
      line_starting_ = src_[end - 1] == '\n';
      return end;
    }
    syntax_error("Missing end of raw directive", line_at(tag));
  }

  // The tokens of a {{ }} or {% %} tag up to and including its end.
  std::size_t lex_expression_tag(bool is_variable, std::size_t tag, std::size_t p) {
    emit(is_variable ? TokenType::variable_begin : TokenType::block_begin, tag);
    std::string balance;  // closing brackets expected, innermost last
    while (true) {
      if (p >= src_.size()) {
        syntax_error(is_variable ? "unexpected end of template, expected end of print statement"
                                 : "unexpected end of template, expected end of statement",
                     line_at(src_.size()));
      }
      if (balance.empty()) {
        const std::size_t end = match_tag_end(is_variable, p);
        if (end != std::string::npos) {
          emit(is_variable ? TokenType::variable_end : TokenType::block_end, p);
          line_starting_ = src_[end - 1] == '\n';
          return end;
        }
      }
      std::size_t next = p;
      if (unicode::is_space(unicode::decode_next(src_, next))) {
        p = skip_space(p);
        continue;
      }
      p = lex_expression_token(p, balance);
    }
  }

  std::size_t match_tag_end(bool is_variable, std::size_t p) const {
    if (is_variable) {
      if (starts_with(p, "-}}")) return skip_space(p + 3);
      if (starts_with(p, "}}")) return p + 2;
      return std::string::npos;
    }
    if (starts_with(p, "+%}")) return p + 3;
    if (starts_with(p, "-%}")) return skip_space(p + 3);
    if (starts_with(p, "%}")) {
      return p + 2 < src_.size() && src_[p + 2] == '\n' ? p + 3 : p + 2;  // trim_blocks
    }
    return std::string::npos;
  }

  // (\d+_)*\d+ : digits with single underscores between them; returns the end or npos.
  std::size_t match_digits(std::size_t p) const {
    if (p >= src_.size() || !is_ascii_digit(src_[p])) return std::string::npos;
    while (true) {
      while (p < src_.size() && is_ascii_digit(src_[p])) ++p;
      if (p + 1 < src_.size() && src_[p] == '_' && is_ascii_digit(src_[p + 1])) {
        ++p;
        continue;
      }
      return p;
    }
  }

  std::size_t match_float(std::size_t p) const {
    if (p > 0 && src_[p - 1] == '.') return std::string::npos;  // (?<!\.)
    std::size_t end = match_digits(p);
    if (end == std::string::npos) return end;
    bool is_float = false;
    if (end < src_.size() && src_[end] == '.') {
      const std::size_t fraction = match_digits(end + 1);
      if (fraction != std::string::npos) {
        end = fraction;
        is_float = true;
      }
    }
    if (end < src_.size() && lower(src_[end]) == 'e') {
      std::size_t e = end + 1;
      if (e < src_.size() && (src_[e] == '+' || src_[e] == '-')) ++e;
      const std::size_t exponent = match_digits(e);
      if (exponent != std::string::npos) return exponent;
    }
    return is_float ? end : std::string::npos;
  }

  std::size_t match_integer(std::size_t p, int& base) const {
    base = 10;
    if (src_[p] == '0' && p + 1 < src_.size()) {
      const char prefix = lower(src_[p + 1]);
      int candidate = prefix == 'b' ? 2 : prefix == 'o' ? 8 : prefix == 'x' ? 16 : 0;
      if (candidate != 0) {
        std::size_t q = p + 2;
        bool any = false;
        while (q < src_.size()) {
          std::size_t r = q;
          if (src_[r] == '_') ++r;
          if (r >= src_.size()) break;
          const int digit = hex_value(src_[r]);
          if (digit < 0 || digit >= candidate) break;
          q = r + 1;
          any = true;
        }
        if (any) {
          base = candidate;
          return q;
        }
      }
    }
    if (src_[p] == '0') {  // 0(_?0)*
      std::size_t q = p + 1;
      while (q < src_.size()) {
        if (src_[q] == '0') {
          ++q;
        } else if (src_[q] == '_' && q + 1 < src_.size() && src_[q + 1] == '0') {
          q += 2;
        } else {
          break;
        }
      }
      return q;
    }
    std::size_t q = p + 1;  // [1-9](_?\d)*
    while (q < src_.size()) {
      if (is_ascii_digit(src_[q])) {
        ++q;
      } else if (src_[q] == '_' && q + 1 < src_.size() && is_ascii_digit(src_[q + 1])) {
        q += 2;
      } else {
        break;
      }
    }
    return q;
  }

  bool is_name_start(std::size_t p, std::size_t& next) const {
    next = p;
    const char32_t c = unicode::decode_next(src_, next);
    return c == '_' || (c < 0x80 ? is_ascii_alpha(static_cast<char>(c)) : unicode::is_alpha(c));
  }

  bool is_name_continue(std::size_t p, std::size_t& next) const {
    next = p;
    const char32_t c = unicode::decode_next(src_, next);
    if (c < 0x80)
      return c == '_' || is_ascii_alpha(static_cast<char>(c)) ||
             is_ascii_digit(static_cast<char>(c));
    return unicode::is_alpha(c) || unicode::is_digit(c);
  }

  std::size_t lex_expression_token(std::size_t p, std::string& balance) {
    Token token;
    token.line = line_at(p);
    const char c = src_[p];
    if (is_ascii_digit(c)) {
      const std::size_t float_end = match_float(p);
      if (float_end != std::string::npos) {
        std::string digits;
        for (std::size_t i = p; i < float_end; ++i) {
          if (src_[i] != '_') digits += src_[i];
        }
        token.type = TokenType::floating;
        token.floating = std::strtod(digits.c_str(), nullptr);  // inf when too big, as Python
        tokens_.push_back(std::move(token));
        return float_end;
      }
      int base = 10;
      const std::size_t end = match_integer(p, base);
      std::string digits;
      for (std::size_t i = base == 10 ? p : p + 2; i < end; ++i) {
        if (src_[i] != '_') digits += src_[i];
      }
      errno = 0;
      const unsigned long long value = std::strtoull(digits.c_str(), nullptr, base);
      if (errno == ERANGE ||
          value > static_cast<unsigned long long>(std::numeric_limits<std::int64_t>::max())) {
        throw TemplateError(
            TemplateError::Kind::unsupported,
            "integer literal " + std::string(src_.substr(p, end - p)) + " does not fit in 64 bits",
            token.line);
      }
      token.type = TokenType::integer;
      token.integer = static_cast<std::int64_t>(value);
      tokens_.push_back(std::move(token));
      return end;
    }
    std::size_t next = p;
    if (is_name_start(p, next)) {
      std::size_t end = next;
      while (end < src_.size() && is_name_continue(end, next)) end = next;
      token.type = TokenType::name;
      token.text = src_.substr(p, end - p);
      tokens_.push_back(std::move(token));
      return end;
    }
    if (c == '\'' || c == '"') {
      const std::size_t end = find_string_end(p);
      if (end != std::string::npos) {
        token.type = TokenType::string;
        token.text =
            decode_string_literal(std::string_view(src_).substr(p + 1, end - p - 1), token.line);
        tokens_.push_back(std::move(token));
        return end + 1;
      }
    }
    return lex_operator(p, std::move(token), balance);
  }

  std::size_t find_string_end(std::size_t p) const {
    const char quote = src_[p];
    for (std::size_t i = p + 1; i < src_.size(); ++i) {
      if (src_[i] == '\\') {
        ++i;  // an escaped character, whatever it is
      } else if (src_[i] == quote) {
        return i;
      }
    }
    return std::string::npos;
  }

  std::size_t lex_operator(std::size_t p, Token token, std::string& balance) {
    struct Spelling {
      std::string_view text;
      Op op;
    };
    static constexpr Spelling spellings[] = {
        {"//", Op::floordiv}, {"**", Op::pow},      {"==", Op::eq},    {"!=", Op::ne},
        {">=", Op::gteq},     {"<=", Op::lteq},     {"+", Op::add},    {"-", Op::sub},
        {"/", Op::div},       {"*", Op::mul},       {"%", Op::mod},    {"~", Op::tilde},
        {"[", Op::lbracket},  {"]", Op::rbracket},  {"(", Op::lparen}, {")", Op::rparen},
        {"{", Op::lbrace},    {"}", Op::rbrace},    {">", Op::gt},     {"<", Op::lt},
        {"=", Op::assign},    {".", Op::dot},       {":", Op::colon},  {"|", Op::pipe},
        {",", Op::comma},     {";", Op::semicolon},
    };
    for (const auto& spelling : spellings) {
      if (!starts_with(p, spelling.text)) continue;
      const char c = spelling.text[0];
      if (spelling.text.size() == 1 && (c == '{' || c == '(' || c == '[')) {
        balance += c == '{' ? '}' : c == '(' ? ')' : ']';
      } else if (spelling.text.size() == 1 && (c == '}' || c == ')' || c == ']')) {
        if (balance.empty()) syntax_error(std::string("unexpected '") + c + "'", token.line);
        if (balance.back() != c) {
          syntax_error(std::string("unexpected '") + c + "', expected '" + balance.back() + "'",
                       token.line);
        }
        balance.pop_back();
      }
      token.type = TokenType::op;
      token.op = spelling.op;
      token.text = std::string(spelling.text);
      tokens_.push_back(std::move(token));
      return p + spelling.text.size();
    }
    std::size_t next = p;
    std::string shown;
    unicode::append_utf8(shown, unicode::decode_next(src_, next));
    syntax_error("unexpected char '" + shown + "'", token.line);
  }

  // A literal's value as Python's unicode-escape codec reads it (jinja2 encodes the
  // literal with backslashreplace first, so a backslash before a non-ASCII character
  // stays a backslash followed by that character's \x.. escape spelled out).
  static std::string decode_string_literal(std::string_view body, int line) {
    std::string out;
    for (std::size_t pos = 0; pos < body.size();) {
      if (body[pos] != '\\') {
        const std::size_t start = pos;
        unicode::decode_next(body, pos);
        out.append(body.substr(start, pos - start));
        continue;
      }
      ++pos;
      if (pos >= body.size()) syntax_error("\\ at end of string", line);
      const char32_t c = unicode::decode_next(body, pos);
      switch (c) {
        case '\n': break;
        case '\\': out += '\\'; break;
        case '\'': out += '\''; break;
        case '"': out += '"'; break;
        case 'a': out += '\a'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'v': out += '\v'; break;
        case 'x':
        case 'u':
        case 'U': {
          const std::size_t digits = c == 'x' ? 2 : c == 'u' ? 4 : 8;
          char32_t value = 0;
          for (std::size_t i = 0; i < digits; ++i) {
            const int digit = pos + i < body.size() ? hex_value(body[pos + i]) : -1;
            if (digit < 0) {
              syntax_error(
                  std::string("truncated \\") + static_cast<char>(c) + " escape in string literal",
                  line);
            }
            value = value * 16 + static_cast<char32_t>(digit);
          }
          pos += digits;
          if (value > 0x10FFFF) syntax_error("illegal Unicode character in string literal", line);
          unicode::append_utf8(out, value);
          break;
        }
        case 'N':
          throw TemplateError(TemplateError::Kind::unsupported,
                              "\\N{...} escapes are not supported", line);
        default:
          if (c >= '0' && c <= '7') {
            char32_t value = c - '0';
            for (int i = 0; i < 2 && pos < body.size() && body[pos] >= '0' && body[pos] <= '7';
                 ++i) {
              value = value * 8 + static_cast<char32_t>(body[pos++] - '0');
            }
            unicode::append_utf8(out, value);
          } else if (c >= 0x80) {
            char buffer[16];
            const int digits = c < 0x100 ? 2 : c < 0x10000 ? 4 : 8;
            std::snprintf(buffer, sizeof buffer, "\\%c%0*x",
                          digits == 2   ? 'x'
                          : digits == 4 ? 'u'
                                        : 'U',
                          digits, static_cast<unsigned>(c));
            out += buffer;
          } else {
            out += '\\';  // an unknown escape stays as written
            unicode::append_utf8(out, c);
          }
      }
    }
    return out;
  }

  std::string src_;
  std::vector<Token> tokens_;
  bool line_starting_ = true;  // whether the last thing consumed ended a line
  std::size_t counted_pos_ = 0;
  int counted_line_ = 1;
};

}  // namespace

std::vector<Token> tokenize(std::string_view source) {
  return Lexer(source).run();
}

std::string describe(const Token& token) {
  switch (token.type) {
    case TokenType::data: return "template data";
    case TokenType::variable_begin: return "begin of print statement";
    case TokenType::variable_end: return "end of print statement";
    case TokenType::block_begin: return "begin of statement block";
    case TokenType::block_end: return "end of statement block";
    case TokenType::name: return "'" + token.text + "'";
    case TokenType::string: return "string";
    case TokenType::integer: return "integer";
    case TokenType::floating: return "float";
    case TokenType::op: return "'" + token.text + "'";
    case TokenType::eof: return "end of template";
  }
  return "token";
}

}  // namespace sluice::chat::detail
