// UTF-8 and the few Unicode character properties Python's str methods depend on.
// Strings stay UTF-8 bytes; these helpers give them Python's code point view.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace sluice::chat::detail::unicode {

// Decodes the code point at text[pos] and advances pos past it. A byte that does not start
// a valid sequence decodes to U+DC80 + byte (Python's surrogateescape), which
// append_utf8() turns back into that byte, so invalid input round-trips unchanged.
char32_t decode_next(std::string_view text, std::size_t& pos);
void append_utf8(std::string& out, char32_t code_point);

std::u32string decode(std::string_view text);
std::string encode(std::u32string_view code_points);

bool is_ascii(std::string_view text);
// Number of code points (Python len()).
std::size_t length(std::string_view text);
// Byte offset of code point `index` (clamped to text.size()).
std::size_t byte_offset(std::string_view text, std::size_t index);

// str.isspace(): also what Python's str.strip()/split() and the regex \s treat as space.
bool is_space(char32_t c);
// The boundaries str.splitlines() splits at.
bool is_line_break(char32_t c);
// str.isprintable() for repr(): exact for ASCII and Latin-1, the common invisible and
// formatting ranges elsewhere.
bool is_printable(char32_t c);
// Letters and digits: exact for ASCII and Latin-1; major scripts' letter ranges elsewhere.
bool is_alpha(char32_t c);
bool is_digit(char32_t c);
bool is_lower(char32_t c);
bool is_upper(char32_t c);
bool is_cased(char32_t c);

// Case mapping (full, as Python does: 'ß'.upper() is "SS"): ASCII, Latin-1, Latin
// Extended-A and Additional, Greek, Cyrillic, Armenian and fullwidth forms.
void append_upper(std::u32string& out, char32_t c);
void append_lower(std::u32string& out, char32_t c);

}  // namespace sluice::chat::detail::unicode
