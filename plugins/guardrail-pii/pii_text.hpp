// The view of text every detector reads through. Detectors read byte by byte with at();
// reading at or past the end of a window that more text may still extend marks the
// answer as undecided, so a detector's answer is final exactly when it never needed a
// byte that has not arrived yet. The same code thus serves whole prompts (final) and
// streamed output (not final until the last chunk).
#pragma once

#include <cstddef>

namespace sluice_pii {

using Pos = std::ptrdiff_t;

// What at() returns before the start or past the end of the text: no character class.
inline constexpr int kNone = -1;

class Text {
 public:
  Text(const char* data, size_t size, bool final)
      : data_(data), size_(static_cast<Pos>(size)), final_(final) {}

  int at(Pos i) const {
    if (i < 0) return kNone;
    if (i >= size_) {
      if (!final_) incomplete_ = true;
      return kNone;
    }
    return static_cast<unsigned char>(data_[i]);
  }

  const char* data() const { return data_; }
  Pos size() const { return size_; }
  bool final() const { return final_; }

  // True once a read went past the end of a non-final window.
  bool incomplete() const { return incomplete_; }
  void clear_incomplete() const { incomplete_ = false; }
  // For detectors that search in bulk rather than with at().
  void mark_incomplete() const {
    if (!final_) incomplete_ = true;
  }

 private:
  const char* data_;
  Pos size_;
  bool final_;
  mutable bool incomplete_ = false;
};

constexpr bool is_digit(int c) {
  return c >= '0' && c <= '9';
}
constexpr bool is_upper(int c) {
  return c >= 'A' && c <= 'Z';
}
constexpr bool is_lower(int c) {
  return c >= 'a' && c <= 'z';
}
constexpr bool is_alpha(int c) {
  return is_upper(c) || is_lower(c);
}
constexpr bool is_alnum(int c) {
  return is_alpha(c) || is_digit(c);
}
constexpr bool is_hex(int c) {
  return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}
// Characters of tokens and keys: base64 (standard and URL-safe) without the padding.
constexpr bool is_token_char(int c) {
  return is_alnum(c) || c == '+' || c == '/' || c == '_' || c == '-';
}
// The usual e-mail local-part characters.
constexpr bool is_local_char(int c) {
  return is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-';
}
constexpr int to_lower(int c) {
  return is_upper(c) ? c - 'A' + 'a' : c;
}

// `s` may start a number: no letter, digit or '_' before it, and no digit followed by a
// joiner ("1.2.3.4.5", "12-555-0100") that would make it the tail of a longer number.
inline bool number_start(const Text& t, Pos s) {
  const int p = t.at(s - 1);
  if (is_alnum(p) || p == '_') return false;
  if ((p == '-' || p == '.' || p == '/' || p == ',' || p == ':') && is_digit(t.at(s - 2))) {
    return false;
  }
  return true;
}

// `s` follows a group of digits and a space ("DE88 3704 0044 ..."): digits here continue
// a longer grouped number rather than start a phone, card or SSN of their own.
inline bool after_digit_group(const Text& t, Pos s) {
  return t.at(s - 1) == ' ' && is_digit(t.at(s - 2));
}

// The text at `s` starts with `literal` (case-sensitive). Reads only as far as it matches.
inline bool match_literal(const Text& t, Pos s, const char* literal) {
  for (Pos k = 0; literal[k] != '\0'; ++k) {
    if (t.at(s + k) != static_cast<unsigned char>(literal[k])) return false;
  }
  return true;
}

// `word` (lower case) occurs, in any case, within the `window` bytes before `s`.
inline bool keyword_before(const Text& t, Pos s, Pos window, const char* word) {
  Pos len = 0;
  while (word[len] != '\0') ++len;
  for (Pos b = s - len; b >= 0 && b >= s - window; --b) {
    Pos k = 0;
    while (k < len && to_lower(t.at(b + k)) == word[k]) ++k;
    if (k == len) return true;
  }
  return false;
}

}  // namespace sluice_pii
