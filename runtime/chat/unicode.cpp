#include "chat/unicode.hpp"

namespace sluice::chat::detail::unicode {
namespace {

bool is_continuation(unsigned char byte) {
  return (byte & 0xC0) == 0x80;
}

char32_t escaped_byte(unsigned char byte) {
  return 0xDC80 + byte;
}

bool in(char32_t c, char32_t first, char32_t last) {
  return c >= first && c <= last;
}

// For ranges where upper and lower case alternate: `upper_even` says whether the even
// code point of each pair is the capital.
bool pair_is_upper(char32_t c, bool upper_even) {
  return ((c % 2) == 0) == upper_even;
}

// Single code point lowercase mapping; returns c when there is none.
char32_t simple_lower(char32_t c) {
  if (in(c, 'A', 'Z')) return c + 32;
  if (c < 0xC0) return c;
  if (in(c, 0xC0, 0xDE) && c != 0xD7) return c + 32;
  if (in(c, 0x100, 0x137) && pair_is_upper(c, true) && c != 0x130) return c + 1;
  if (in(c, 0x139, 0x148) && pair_is_upper(c, false)) return c + 1;
  if (in(c, 0x14A, 0x177) && pair_is_upper(c, true)) return c + 1;
  if (c == 0x178) return 0xFF;
  if (in(c, 0x179, 0x17E) && pair_is_upper(c, false)) return c + 1;
  if (c == 0x386) return 0x3AC;
  if (in(c, 0x388, 0x38A)) return c + 37;
  if (c == 0x38C) return 0x3CC;
  if (in(c, 0x38E, 0x38F)) return c + 63;
  if (in(c, 0x391, 0x3AB) && c != 0x3A2) return c + 32;
  if (in(c, 0x400, 0x40F)) return c + 80;
  if (in(c, 0x410, 0x42F)) return c + 32;
  if (in(c, 0x460, 0x481) && pair_is_upper(c, true)) return c + 1;
  if (in(c, 0x48A, 0x4BF) && pair_is_upper(c, true)) return c + 1;
  if (c == 0x4C0) return 0x4CF;
  if (in(c, 0x4C1, 0x4CE) && pair_is_upper(c, false)) return c + 1;
  if (in(c, 0x4D0, 0x52F) && pair_is_upper(c, true)) return c + 1;
  if (in(c, 0x531, 0x556)) return c + 48;
  if (in(c, 0x1E00, 0x1E95) && pair_is_upper(c, true)) return c + 1;
  if (c == 0x1E9E) return 0xDF;
  if (in(c, 0x1EA0, 0x1EFF) && pair_is_upper(c, true)) return c + 1;
  if (in(c, 0xFF21, 0xFF3A)) return c + 32;
  return c;
}

// Single code point uppercase mapping; returns c when there is none (or it is longer).
char32_t simple_upper(char32_t c) {
  if (in(c, 'a', 'z')) return c - 32;
  if (c < 0xB5) return c;
  if (c == 0xB5) return 0x39C;
  if (in(c, 0xE0, 0xFE) && c != 0xF7) return c - 32;
  if (c == 0xFF) return 0x178;
  if (c == 0x131) return 'I';
  if (in(c, 0x101, 0x137) && !pair_is_upper(c, true)) return c - 1;
  if (in(c, 0x13A, 0x148) && !pair_is_upper(c, false)) return c - 1;
  if (in(c, 0x14B, 0x177) && !pair_is_upper(c, true)) return c - 1;
  if (in(c, 0x17A, 0x17E) && !pair_is_upper(c, false)) return c - 1;
  if (c == 0x17F) return 'S';
  if (c == 0x3AC) return 0x386;
  if (in(c, 0x3AD, 0x3AF)) return c - 37;
  if (c == 0x3C2) return 0x3A3;
  if (in(c, 0x3B1, 0x3CB)) return c - 32;
  if (c == 0x3CC) return 0x38C;
  if (in(c, 0x3CD, 0x3CE)) return c - 63;
  if (in(c, 0x430, 0x44F)) return c - 32;
  if (in(c, 0x450, 0x45F)) return c - 80;
  if (in(c, 0x461, 0x481) && !pair_is_upper(c, true)) return c - 1;
  if (in(c, 0x48B, 0x4BF) && !pair_is_upper(c, true)) return c - 1;
  if (c == 0x4CF) return 0x4C0;
  if (in(c, 0x4C2, 0x4CE) && !pair_is_upper(c, false)) return c - 1;
  if (in(c, 0x4D1, 0x52F) && !pair_is_upper(c, true)) return c - 1;
  if (in(c, 0x561, 0x586)) return c - 48;
  if (in(c, 0x1E01, 0x1E95) && !pair_is_upper(c, true)) return c - 1;
  if (in(c, 0x1EA1, 0x1EFF) && !pair_is_upper(c, true)) return c - 1;
  if (in(c, 0xFF41, 0xFF5A)) return c - 32;
  return c;
}

}  // namespace

char32_t decode_next(std::string_view text, std::size_t& pos) {
  const auto byte = [&](std::size_t offset) {
    return static_cast<unsigned char>(text[pos + offset]);
  };
  const unsigned char lead = byte(0);
  const std::size_t left = text.size() - pos;
  char32_t c = escaped_byte(lead);
  std::size_t length = 1;
  if (lead < 0x80) {
    c = lead;
  } else if (lead >= 0xC2 && lead <= 0xDF && left >= 2 && is_continuation(byte(1))) {
    c = (char32_t(lead & 0x1F) << 6) | (byte(1) & 0x3F);
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF && left >= 3 && is_continuation(byte(1)) &&
             is_continuation(byte(2))) {
    const unsigned char second = byte(1);
    const bool overlong = lead == 0xE0 && second < 0xA0;
    const bool surrogate = lead == 0xED && second >= 0xA0;
    if (!overlong && !surrogate) {
      c = (char32_t(lead & 0x0F) << 12) | (char32_t(second & 0x3F) << 6) | (byte(2) & 0x3F);
      length = 3;
    }
  } else if (lead >= 0xF0 && lead <= 0xF4 && left >= 4 && is_continuation(byte(1)) &&
             is_continuation(byte(2)) && is_continuation(byte(3))) {
    const unsigned char second = byte(1);
    const bool overlong = lead == 0xF0 && second < 0x90;
    const bool too_big = lead == 0xF4 && second >= 0x90;
    if (!overlong && !too_big) {
      c = (char32_t(lead & 0x07) << 18) | (char32_t(second & 0x3F) << 12) |
          (char32_t(byte(2) & 0x3F) << 6) | (byte(3) & 0x3F);
      length = 4;
    }
  }
  pos += length;
  return c;
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c >= 0xDC80 && c <= 0xDCFF) {
    out.push_back(static_cast<char>(c - 0xDC00));  // an invalid byte carried through
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    if (c > 0x10FFFF) c = 0xFFFD;
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

std::u32string decode(std::string_view text) {
  std::u32string out;
  out.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) out.push_back(decode_next(text, pos));
  return out;
}

std::string encode(std::u32string_view code_points) {
  std::string out;
  out.reserve(code_points.size());
  for (const char32_t c : code_points) append_utf8(out, c);
  return out;
}

bool is_ascii(std::string_view text) {
  for (const char c : text) {
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  }
  return true;
}

std::size_t length(std::string_view text) {
  std::size_t count = 0;
  for (std::size_t pos = 0; pos < text.size(); ++count) decode_next(text, pos);
  return count;
}

std::size_t byte_offset(std::string_view text, std::size_t index) {
  std::size_t pos = 0;
  for (std::size_t i = 0; i < index && pos < text.size(); ++i) decode_next(text, pos);
  return pos;
}

bool is_space(char32_t c) {
  return in(c, 0x09, 0x0D) || in(c, 0x1C, 0x20) || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         in(c, 0x2000, 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}

bool is_line_break(char32_t c) {
  return in(c, 0x0A, 0x0D) || in(c, 0x1C, 0x1E) || c == 0x85 || c == 0x2028 || c == 0x2029;
}

bool is_printable(char32_t c) {
  if (c < 0x20 || in(c, 0x7F, 0xA0) || c == 0xAD) return false;
  if (c < 0x100) return true;
  return !(c == 0x61C || in(c, 0x600, 0x605) || c == 0x6DD || c == 0x70F || c == 0x1680 ||
           c == 0x180E || in(c, 0x2000, 0x200F) || in(c, 0x2028, 0x202F) || in(c, 0x205F, 0x206F) ||
           c == 0x3000 || in(c, 0xD800, 0xF8FF) || c == 0xFEFF || in(c, 0xFFF0, 0xFFFB) ||
           in(c, 0xFFFE, 0xFFFF) || in(c, 0xE0000, 0xE0FFF) || c >= 0xF0000);
}

bool is_alpha(char32_t c) {
  if (c < 0x80) return in(c, 'a', 'z') || in(c, 'A', 'Z');
  if (c < 0x100)
    return c == 0xAA || c == 0xB5 || c == 0xBA || (c >= 0xC0 && c != 0xD7 && c != 0xF7);
  return in(c, 0x100, 0x2C1) || in(c, 0x370, 0x373) || in(c, 0x376, 0x377) || in(c, 0x37B, 0x37D) ||
         c == 0x386 || in(c, 0x388, 0x3F5) || in(c, 0x3F7, 0x481) || in(c, 0x48A, 0x52F) ||
         in(c, 0x531, 0x556) || in(c, 0x561, 0x587) || in(c, 0x5D0, 0x5EA) || in(c, 0x620, 0x64A) ||
         in(c, 0x904, 0x939) || in(c, 0xE01, 0xE30) || in(c, 0x1E00, 0x1FBC) ||
         in(c, 0x3041, 0x3096) || in(c, 0x30A1, 0x30FA) || in(c, 0x3400, 0x4DBF) ||
         in(c, 0x4E00, 0x9FFF) || in(c, 0xAC00, 0xD7A3) || in(c, 0xFF21, 0xFF3A) ||
         in(c, 0xFF41, 0xFF5A);
}

bool is_digit(char32_t c) {
  return in(c, '0', '9') || c == 0xB2 || c == 0xB3 || c == 0xB9 || in(c, 0x660, 0x669) ||
         in(c, 0x6F0, 0x6F9) || in(c, 0x966, 0x96F) || in(c, 0xFF10, 0xFF19);
}

bool is_lower(char32_t c) {
  return simple_upper(c) != c || c == 0xDF || c == 0x138 || c == 0x149 || c == 0x587;
}

bool is_upper(char32_t c) {
  return simple_lower(c) != c || c == 0x130;
}

bool is_cased(char32_t c) {
  return is_lower(c) || is_upper(c);
}

void append_upper(std::u32string& out, char32_t c) {
  switch (c) {
    case 0xDF: out += U"SS"; return;
    case 0x149: out += U"\u02BCN"; return;
    case 0x587: out += U"\u0535\u0552"; return;
    default: out.push_back(simple_upper(c));
  }
}

void append_lower(std::u32string& out, char32_t c) {
  if (c == 0x130) {
    out += U"i\u0307";
    return;
  }
  out.push_back(simple_lower(c));
}

}  // namespace sluice::chat::detail::unicode
