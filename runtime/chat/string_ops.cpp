#include "chat/string_ops.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <limits>

#include "chat/chat_template.hpp"
#include "chat/unicode.hpp"

namespace sluice::chat::detail::pystr {
namespace {

constexpr std::int64_t int64_max = std::numeric_limits<std::int64_t>::max();

std::u32string upper32(std::u32string_view s) {
  std::u32string out;
  for (const char32_t c : s) unicode::append_upper(out, c);
  return out;
}

std::u32string lower32(std::u32string_view s) {
  std::u32string out;
  for (const char32_t c : s) unicode::append_lower(out, c);
  return out;
}

// Title case of one character: its uppercase, except where Python's titlecase differs.
void append_title(std::u32string& out, char32_t c) {
  if (c == 0xDF) {
    out += U"Ss";
    return;
  }
  unicode::append_upper(out, c);
}

bool is_word_char(char32_t c) {
  return c == '_' || unicode::is_alpha(c) || unicode::is_digit(c);
}

// Code point range [begin, end) of s[start:end] with slice clamping (step 1).
std::pair<std::int64_t, std::int64_t> clamp_range(std::int64_t length,
                                                  std::optional<std::int64_t> start,
                                                  std::optional<std::int64_t> end) {
  std::int64_t b = start.value_or(0);
  std::int64_t e = end.value_or(length);
  if (b < 0) b = std::max<std::int64_t>(0, b + length);
  if (e < 0) e = std::max<std::int64_t>(0, e + length);
  return {std::min(b, length), std::min(e, length)};
}

template <typename Predicate>
bool all_cased_like(std::string_view s, Predicate predicate) {
  bool any_cased = false;
  for (std::size_t pos = 0; pos < s.size();) {
    const char32_t c = unicode::decode_next(s, pos);
    if (unicode::is_cased(c)) {
      if (!predicate(c)) return false;
      any_cased = true;
    }
  }
  return any_cased;
}

template <typename Predicate>
bool all_chars(std::string_view s, Predicate predicate) {
  if (s.empty()) return false;
  for (std::size_t pos = 0; pos < s.size();) {
    if (!predicate(unicode::decode_next(s, pos))) return false;
  }
  return true;
}

// Python allows single underscores between digits; "!" marks an invalid placement.
std::string remove_underscores(std::string_view s, bool letters_are_digits) {
  const auto is_digit_char = [&](char c) {
    const auto u = static_cast<unsigned char>(c);
    return letters_are_digits ? std::isalnum(u) != 0 : std::isdigit(u) != 0;
  };
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '_') {
      const bool between_digits =
          i > 0 && i + 1 < s.size() && is_digit_char(s[i - 1]) && is_digit_char(s[i + 1]);
      if (!between_digits) return "!";  // invalid, and not parseable
      continue;
    }
    out += s[i];
  }
  return out;
}

}  // namespace

SliceRange adjust_slice(std::optional<std::int64_t> start, std::optional<std::int64_t> stop,
                        std::int64_t step, std::int64_t length) {
  if (step < -int64_max) step = -int64_max;
  const auto clamp = [&](std::optional<std::int64_t> index, std::int64_t fallback) {
    if (!index) return fallback;
    std::int64_t i = *index;
    if (i < 0) {
      i += length;
      if (i < 0) i = step < 0 ? -1 : 0;
    } else if (i >= length) {
      i = step < 0 ? length - 1 : length;
    }
    return i;
  };
  SliceRange range;
  range.step = step;
  range.start = clamp(start, step < 0 ? length - 1 : 0);
  const std::int64_t end = clamp(stop, step < 0 ? -1 : length);
  range.stop = end;
  if (step < 0) {
    range.count = end < range.start ? (range.start - end - 1) / (-step) + 1 : 0;
  } else {
    range.count = range.start < end ? (end - range.start - 1) / step + 1 : 0;
  }
  return range;
}

std::string slice(std::string_view s, const SliceRange& range) {
  if (range.step == 1 && unicode::is_ascii(s)) {
    return std::string(
        s.substr(static_cast<std::size_t>(range.start), static_cast<std::size_t>(range.count)));
  }
  const std::u32string chars = unicode::decode(s);
  std::u32string out;
  std::int64_t i = range.start;
  for (std::int64_t n = 0; n < range.count; ++n, i += range.step)
    out.push_back(chars[static_cast<std::size_t>(i)]);
  return unicode::encode(out);
}

std::optional<std::string> char_at(std::string_view s, std::int64_t index) {
  if (unicode::is_ascii(s)) {
    const auto length = static_cast<std::int64_t>(s.size());
    if (index < 0) index += length;
    if (index < 0 || index >= length) return std::nullopt;
    return std::string(1, s[static_cast<std::size_t>(index)]);
  }
  const std::u32string chars = unicode::decode(s);
  const auto length = static_cast<std::int64_t>(chars.size());
  if (index < 0) index += length;
  if (index < 0 || index >= length) return std::nullopt;
  std::string out;
  unicode::append_utf8(out, chars[static_cast<std::size_t>(index)]);
  return out;
}

std::vector<std::string> characters(std::string_view s) {
  std::vector<std::string> out;
  for (std::size_t pos = 0; pos < s.size();) {
    const std::size_t start = pos;
    unicode::decode_next(s, pos);
    out.emplace_back(s.substr(start, pos - start));
  }
  return out;
}

std::string strip(std::string_view s, const std::optional<std::string>& chars, bool left,
                  bool right) {
  const std::u32string set = chars ? unicode::decode(*chars) : std::u32string();
  const auto strippable = [&](char32_t c) {
    return chars ? set.find(c) != std::u32string::npos : unicode::is_space(c);
  };
  std::size_t begin = 0;
  std::size_t end = s.size();
  if (left) {
    while (begin < s.size()) {
      std::size_t next = begin;
      if (!strippable(unicode::decode_next(s, next))) break;
      begin = next;
    }
  }
  if (right) {
    std::size_t keep = begin;
    for (std::size_t pos = begin; pos < s.size();) {
      if (!strippable(unicode::decode_next(s, pos))) keep = pos;
    }
    end = keep;
  }
  return std::string(s.substr(begin, end - begin));
}

std::vector<std::string> split(std::string_view s, const std::optional<std::string>& sep,
                               std::int64_t maxsplit, bool from_right) {
  if (maxsplit < 0) maxsplit = int64_max;
  std::vector<std::string> parts;
  if (sep) {
    const std::string& separator = *sep;
    if (!from_right) {
      std::size_t start = 0;
      while (static_cast<std::int64_t>(parts.size()) < maxsplit) {
        const std::size_t found = s.find(separator, start);
        if (found == std::string_view::npos) break;
        parts.emplace_back(s.substr(start, found - start));
        start = found + separator.size();
      }
      parts.emplace_back(s.substr(start));
      return parts;
    }
    std::size_t end = s.size();
    while (static_cast<std::int64_t>(parts.size()) < maxsplit && end >= separator.size()) {
      const std::size_t found = s.rfind(separator, end - separator.size());
      if (found == std::string_view::npos) break;
      parts.emplace_back(s.substr(found + separator.size(), end - found - separator.size()));
      end = found;
    }
    parts.emplace_back(s.substr(0, end));
    std::reverse(parts.begin(), parts.end());
    return parts;
  }
  // Runs of whitespace, working on code points.
  const std::u32string chars = unicode::decode(s);
  const auto n = chars.size();
  if (!from_right) {
    std::size_t i = 0;
    while (true) {
      while (i < n && unicode::is_space(chars[i])) ++i;
      if (i >= n) break;
      if (static_cast<std::int64_t>(parts.size()) >= maxsplit) {
        parts.push_back(unicode::encode(std::u32string_view(chars).substr(i)));
        break;
      }
      const std::size_t start = i;
      while (i < n && !unicode::is_space(chars[i])) ++i;
      parts.push_back(unicode::encode(std::u32string_view(chars).substr(start, i - start)));
    }
    return parts;
  }
  std::size_t i = n;
  while (true) {
    while (i > 0 && unicode::is_space(chars[i - 1])) --i;
    if (i == 0) break;
    if (static_cast<std::int64_t>(parts.size()) >= maxsplit) {
      parts.push_back(unicode::encode(std::u32string_view(chars).substr(0, i)));
      break;
    }
    const std::size_t end = i;
    while (i > 0 && !unicode::is_space(chars[i - 1])) --i;
    parts.push_back(unicode::encode(std::u32string_view(chars).substr(i, end - i)));
  }
  std::reverse(parts.begin(), parts.end());
  return parts;
}

std::vector<std::string> splitlines(std::string_view s, bool keepends) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t pos = 0; pos < s.size();) {
    const std::size_t at = pos;
    const char32_t c = unicode::decode_next(s, pos);
    if (!unicode::is_line_break(c)) continue;
    if (c == '\r' && pos < s.size() && s[pos] == '\n') ++pos;
    lines.emplace_back(s.substr(start, (keepends ? pos : at) - start));
    start = pos;
  }
  if (start < s.size()) lines.emplace_back(s.substr(start));
  return lines;
}

std::string replace(std::string_view s, std::string_view old, std::string_view replacement,
                    std::int64_t count, const Budget& budget) {
  if (count < 0) count = int64_max;
  std::string out;
  if (old.empty()) {
    // Python inserts the replacement before every code point and at the end.
    std::int64_t done = 0;
    std::size_t pos = 0;
    while (true) {
      if (done < count) {
        budget.check_string_size(out.size() + replacement.size());
        out += replacement;
        ++done;
      }
      if (pos >= s.size()) break;
      const std::size_t start = pos;
      unicode::decode_next(s, pos);
      out.append(s.substr(start, pos - start));
    }
    return out;
  }
  std::size_t start = 0;
  for (std::int64_t done = 0; done < count; ++done) {
    const std::size_t found = s.find(old, start);
    if (found == std::string_view::npos) break;
    budget.check_string_size(out.size() + (found - start) + replacement.size());
    out.append(s.substr(start, found - start));
    out += replacement;
    start = found + old.size();
  }
  budget.check_string_size(out.size() + (s.size() - start));
  out.append(s.substr(start));
  return out;
}

std::string upper(std::string_view s) {
  if (unicode::is_ascii(s)) {
    std::string out(s);
    for (char& c : out) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    }
    return out;
  }
  return unicode::encode(upper32(unicode::decode(s)));
}

std::string lower(std::string_view s) {
  if (unicode::is_ascii(s)) {
    std::string out(s);
    for (char& c : out) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    }
    return out;
  }
  return unicode::encode(lower32(unicode::decode(s)));
}

std::string title(std::string_view s) {
  std::u32string out;
  bool previous_is_cased = false;
  for (std::size_t pos = 0; pos < s.size();) {
    const char32_t c = unicode::decode_next(s, pos);
    if (previous_is_cased) {
      unicode::append_lower(out, c);
    } else {
      append_title(out, c);
    }
    previous_is_cased = unicode::is_cased(c);
  }
  return unicode::encode(out);
}

std::string capitalize(std::string_view s) {
  std::u32string out;
  bool first = true;
  for (std::size_t pos = 0; pos < s.size();) {
    const char32_t c = unicode::decode_next(s, pos);
    if (first) {
      append_title(out, c);
      first = false;
    } else {
      unicode::append_lower(out, c);
    }
  }
  return unicode::encode(out);
}

std::string word_title(std::string_view s) {
  // "".join(w[0].upper() + w[1:].lower() for w in re.split(r"([-\s({\[<]+)", s) if w)
  const auto is_separator = [](char32_t c) {
    return unicode::is_space(c) || c == '-' || c == '(' || c == '{' || c == '[' || c == '<';
  };
  std::u32string out;
  bool word_start = true;
  for (std::size_t pos = 0; pos < s.size();) {
    const char32_t c = unicode::decode_next(s, pos);
    if (is_separator(c)) {
      out.push_back(c);
      word_start = true;
    } else if (word_start) {
      unicode::append_upper(out, c);
      word_start = false;
    } else {
      unicode::append_lower(out, c);
    }
  }
  return unicode::encode(out);
}

std::int64_t find(std::string_view s, std::string_view sub, std::optional<std::int64_t> start,
                  std::optional<std::int64_t> end, bool from_right) {
  const std::u32string chars = unicode::decode(s);
  const std::u32string needle = unicode::decode(sub);
  const auto [b, e] = clamp_range(static_cast<std::int64_t>(chars.size()), start, end);
  if (e - b < static_cast<std::int64_t>(needle.size())) return -1;
  const std::u32string_view window = std::u32string_view(chars).substr(
      static_cast<std::size_t>(b), static_cast<std::size_t>(e - b));
  const std::size_t found = from_right ? window.rfind(needle) : window.find(needle);
  return found == std::u32string_view::npos ? -1 : b + static_cast<std::int64_t>(found);
}

std::int64_t count(std::string_view s, std::string_view sub, std::optional<std::int64_t> start,
                   std::optional<std::int64_t> end) {
  const std::u32string chars = unicode::decode(s);
  const std::u32string needle = unicode::decode(sub);
  const auto [b, e] = clamp_range(static_cast<std::int64_t>(chars.size()), start, end);
  if (e - b < static_cast<std::int64_t>(needle.size())) return 0;
  if (needle.empty()) return e - b + 1;
  const std::u32string_view window = std::u32string_view(chars).substr(
      static_cast<std::size_t>(b), static_cast<std::size_t>(e - b));
  std::int64_t n = 0;
  for (std::size_t at = window.find(needle); at != std::u32string_view::npos;
       at = window.find(needle, at + needle.size())) {
    ++n;
  }
  return n;
}

std::string pad(std::string_view s, std::int64_t width, char32_t fill, int align,
                const Budget& budget) {
  const auto length = static_cast<std::int64_t>(unicode::length(s));
  if (width <= length) return std::string(s);
  const std::int64_t margin = width - length;
  std::string fill_text;
  unicode::append_utf8(fill_text, fill);
  budget.check_string_size(static_cast<std::size_t>(margin));  // before the product can overflow
  budget.check_string_size(s.size() + static_cast<std::size_t>(margin) * fill_text.size());
  std::int64_t left = 0;
  if (align == 0) {
    left = margin / 2 + (margin & width & 1);
  } else if (align > 0) {
    left = margin;
  }
  std::string out;
  for (std::int64_t i = 0; i < left; ++i) out += fill_text;
  out += s;
  for (std::int64_t i = left; i < margin; ++i) out += fill_text;
  return out;
}

std::string zfill(std::string_view s, std::int64_t width, const Budget& budget) {
  const auto length = static_cast<std::int64_t>(unicode::length(s));
  if (width <= length) return std::string(s);
  budget.check_string_size(s.size() + static_cast<std::size_t>(width - length));
  std::string out;
  std::string_view rest = s;
  if (!rest.empty() && (rest.front() == '+' || rest.front() == '-')) {
    out += rest.front();
    rest.remove_prefix(1);
  }
  out.append(static_cast<std::size_t>(width - length), '0');
  out += rest;
  return out;
}

bool is_digit(std::string_view s) {
  return all_chars(s, unicode::is_digit);
}
bool is_alpha(std::string_view s) {
  return all_chars(s, unicode::is_alpha);
}
bool is_alnum(std::string_view s) {
  return all_chars(s, [](char32_t c) { return unicode::is_alpha(c) || unicode::is_digit(c); });
}
bool is_space(std::string_view s) {
  return all_chars(s, unicode::is_space);
}
bool is_lower(std::string_view s) {
  return all_cased_like(s, unicode::is_lower);
}
bool is_upper(std::string_view s) {
  return all_cased_like(s, unicode::is_upper);
}

bool is_title(std::string_view s) {
  bool previous_is_cased = false;
  bool any_cased = false;
  for (std::size_t pos = 0; pos < s.size();) {
    const char32_t c = unicode::decode_next(s, pos);
    if (unicode::is_upper(c)) {
      if (previous_is_cased) return false;
      previous_is_cased = true;
      any_cased = true;
    } else if (unicode::is_lower(c)) {
      if (!previous_is_cased) return false;
      previous_is_cased = true;
      any_cased = true;
    } else {
      previous_is_cased = false;
    }
  }
  return any_cased;
}

std::size_t word_count(std::string_view s) {
  std::size_t words = 0;
  bool in_word = false;
  for (std::size_t pos = 0; pos < s.size();) {
    const bool word = is_word_char(unicode::decode_next(s, pos));
    if (word && !in_word) ++words;
    in_word = word;
  }
  return words;
}

std::optional<double> parse_float(std::string_view text) {
  const std::string stripped = strip(text, std::nullopt, true, true);
  std::string_view s = stripped;
  std::string body;
  bool negative = false;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  const std::string word = lower(s);
  if (word == "inf" || word == "infinity") return negative ? -INFINITY : INFINITY;
  if (word == "nan") return std::nan("");
  body = remove_underscores(s, false);
  if (body.empty()) return std::nullopt;
  for (const char c : body) {
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' || c == 'E' ||
          c == '+' || c == '-')) {
      return std::nullopt;
    }
  }
  double value = 0;
  const auto result =
      std::from_chars(body.data(), body.data() + body.size(), value, std::chars_format::general);
  if (result.ptr != body.data() + body.size()) return std::nullopt;
  if (result.ec == std::errc::result_out_of_range) {
    // Overflow is inf in Python; underflow is 0.
    const auto e = body.find_first_of("eE");
    const bool tiny = e != std::string::npos && body.find('-', e) != std::string::npos;
    value = tiny ? 0.0 : INFINITY;
  } else if (result.ec != std::errc()) {
    return std::nullopt;
  }
  return negative ? -value : value;
}

std::optional<std::int64_t> parse_int(std::string_view text, int base) {
  const std::string stripped = strip(text, std::nullopt, true, true);
  std::string_view s = stripped;
  bool negative = false;
  if (!s.empty() && (s.front() == '+' || s.front() == '-')) {
    negative = s.front() == '-';
    s.remove_prefix(1);
  }
  if (s.size() >= 2 && s[0] == '0') {
    const char prefix = static_cast<char>(std::tolower(static_cast<unsigned char>(s[1])));
    const int prefix_base = prefix == 'x' ? 16 : prefix == 'o' ? 8 : prefix == 'b' ? 2 : 0;
    if (prefix_base != 0 && (base == prefix_base || base == 0)) {
      base = prefix_base;
      s.remove_prefix(2);
      if (!s.empty() && s.front() == '_') s.remove_prefix(1);
    }
  }
  if (base == 0) base = 10;
  if (base < 2 || base > 36) return std::nullopt;
  const std::string digits = remove_underscores(s, true);
  if (digits.empty()) return std::nullopt;
  std::uint64_t value = 0;
  const auto result = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
  if (result.ptr != digits.data() + digits.size()) return std::nullopt;
  const std::uint64_t limit = negative ? std::uint64_t(int64_max) + 1 : std::uint64_t(int64_max);
  if (result.ec == std::errc::result_out_of_range || value > limit) {
    throw TemplateError(TemplateError::Kind::unsupported,
                        "integer '" + std::string(text) + "' does not fit in 64 bits");
  }
  if (result.ec != std::errc()) return std::nullopt;
  if (negative)
    return value == limit ? std::numeric_limits<std::int64_t>::min()
                          : -static_cast<std::int64_t>(value);
  return static_cast<std::int64_t>(value);
}

}  // namespace sluice::chat::detail::pystr
