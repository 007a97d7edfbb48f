#include "text_normalizer.hpp"

namespace sluice_injection {

size_t decode_utf8(std::string_view text, size_t pos, char32_t& cp, bool& valid) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(pos);
  valid = true;
  if (lead < 0x80) {
    cp = lead;
    return 1;
  }
  size_t length = 0;
  char32_t value = 0;
  char32_t min = 0;
  if ((lead & 0xE0) == 0xC0) {
    length = 2, value = lead & 0x1F, min = 0x80;
  } else if ((lead & 0xF0) == 0xE0) {
    length = 3, value = lead & 0x0F, min = 0x800;
  } else if ((lead & 0xF8) == 0xF0) {
    length = 4, value = lead & 0x07, min = 0x10000;
  }
  if (length == 0 || pos + length > text.size()) {
    valid = false;
    cp = lead;
    return 1;
  }
  for (size_t i = 1; i < length; ++i) {
    if ((byte(pos + i) & 0xC0) != 0x80) {
      valid = false;
      cp = lead;
      return 1;
    }
    value = (value << 6) | (byte(pos + i) & 0x3F);
  }
  if (value < min || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) {
    valid = false;
    cp = lead;
    return 1;
  }
  cp = value;
  return length;
}

namespace {

bool has_non_ascii(std::string_view text) {
  for (char c : text)
    if (static_cast<unsigned char>(c) >= 0x80) return true;
  return false;
}

// Characters that render as nothing and are a known way to split a keyword.
bool counted_invisible(char32_t cp, size_t pos) {
  return cp == 0x200B || (cp >= 0x2060 && cp <= 0x2064) || (cp == 0xFEFF && pos != 0) ||
         cp == 0x180E || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069);
}

// Removed from the scanned text, but common in ordinary text (soft hyphens, emoji and
// Indic joiners, RTL direction marks, a leading byte-order mark).
bool silent_invisible(char32_t cp) {
  return cp == 0x00AD || cp == 0x200C || cp == 0x200D || cp == 0x200E || cp == 0x200F ||
         cp == 0xFEFF || cp == 0x034F;
}

// Cyrillic and Greek letters that look like Latin ones ("Ignоre" with a Cyrillic o), and the
// long s and Kelvin sign (which caseless matching equates with s and k), folded to the Latin
// letter; 0 when `cp` is not one of them.
char homoglyph(char32_t cp) {
  struct Pair {
    char32_t from;
    char to;
  };
  static constexpr Pair kPairs[] = {
      {0x0391, 'A'}, {0x0392, 'B'}, {0x0395, 'E'}, {0x0396, 'Z'}, {0x0399, 'I'}, {0x039A, 'K'},
      {0x039C, 'M'}, {0x039D, 'N'}, {0x039F, 'O'}, {0x03A1, 'P'}, {0x03A4, 'T'}, {0x03A7, 'X'},
      {0x03B1, 'a'}, {0x03B9, 'i'}, {0x03BD, 'v'}, {0x03BF, 'o'}, {0x0405, 'S'}, {0x0406, 'I'},
      {0x0408, 'J'}, {0x0410, 'A'}, {0x0412, 'B'}, {0x0415, 'E'}, {0x041A, 'K'}, {0x041C, 'M'},
      {0x041D, 'H'}, {0x041E, 'O'}, {0x0420, 'P'}, {0x0421, 'C'}, {0x0422, 'T'}, {0x0425, 'X'},
      {0x0430, 'a'}, {0x0435, 'e'}, {0x043E, 'o'}, {0x0440, 'p'}, {0x0441, 'c'}, {0x0443, 'y'},
      {0x0445, 'x'}, {0x0455, 's'}, {0x0456, 'i'}, {0x0458, 'j'}, {0x0261, 'g'}, {0x0501, 'd'},
      {0x051B, 'q'}, {0x051D, 'w'}, {0x017F, 's'}, {0x212A, 'K'},
  };
  if (cp < 0x017F || (cp > 0x051D && cp != 0x212A)) return 0;
  for (const auto& pair : kPairs)
    if (pair.from == cp) return pair.to;
  return 0;
}

}  // namespace

NormalizedText::NormalizedText(std::string_view input) {
  if (!has_non_ascii(input)) {
    text_ = input;
    return;
  }
  storage_.reserve(input.size());
  bool in_flag = false;  // after U+1F3F4 tags spell a subdivision flag, not hidden text
  size_t pos = 0;
  while (pos < input.size()) {
    if (static_cast<unsigned char>(input[pos]) < 0x80) {  // ASCII runs are copied whole
      size_t end = pos + 1;
      while (end < input.size() && static_cast<unsigned char>(input[end]) < 0x80) ++end;
      storage_.append(input.substr(pos, end - pos));
      in_flag = false;
      pos = end;
      continue;
    }
    char32_t cp = 0;
    bool valid = true;
    const size_t length = decode_utf8(input, pos, cp, valid);
    if (valid && cp >= 0xE0000 && cp <= 0xE007F) {
      if (in_flag) {
        if (cp == 0xE007F) in_flag = false;
      } else if (cp >= 0xE0020 && cp <= 0xE007E) {
        storage_.push_back(static_cast<char>(cp - 0xE0000));
        ++tags_;
      }
    } else if (valid && counted_invisible(cp, pos)) {
      ++invisible_;
    } else if (valid && silent_invisible(cp)) {
      // dropped
    } else if (valid && cp >= 0xFF01 && cp <= 0xFF5E) {
      storage_.push_back(static_cast<char>(cp - 0xFEE0));  // fullwidth ASCII
    } else if (const char latin = valid ? homoglyph(cp) : 0) {
      storage_.push_back(latin);
    } else {
      storage_.append(input.substr(pos, length));
    }
    if (valid && cp == 0x1F3F4)
      in_flag = true;
    else if (valid && !(cp >= 0xE0000 && cp <= 0xE007F))
      in_flag = false;
    pos += length;
  }
  text_ = storage_;
}

}  // namespace sluice_injection
