// Python's str algorithms on UTF-8 text, indexed by code point like Python's str. Anything
// that can grow a string checks the result against the budget before building it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "chat/budget.hpp"

namespace sluice::chat::detail::pystr {

// slice.indices(length): clamps start/stop (None = nullopt) the way Python does.
struct SliceRange {
  std::int64_t start = 0;
  std::int64_t stop = 0;
  std::int64_t step = 1;
  std::int64_t count = 0;  // number of elements selected
};
// step must not be 0.
SliceRange adjust_slice(std::optional<std::int64_t> start, std::optional<std::int64_t> stop,
                        std::int64_t step, std::int64_t length);

std::string slice(std::string_view s, const SliceRange& range);
// s[index] for a code point index (negative counts from the end); nullopt when out of range.
std::optional<std::string> char_at(std::string_view s, std::int64_t index);
// The code points of s, one string each.
std::vector<std::string> characters(std::string_view s);

// strip/lstrip/rstrip: whitespace when chars is nullopt, else any of chars' code points.
std::string strip(std::string_view s, const std::optional<std::string>& chars, bool left,
                  bool right);
// str.split / str.rsplit; whitespace runs when sep is nullopt. sep must not be empty.
std::vector<std::string> split(std::string_view s, const std::optional<std::string>& sep,
                               std::int64_t maxsplit, bool from_right);
std::vector<std::string> splitlines(std::string_view s, bool keepends);
std::string replace(std::string_view s, std::string_view old, std::string_view replacement,
                    std::int64_t count, const Budget& budget);

std::string upper(std::string_view s);
std::string lower(std::string_view s);
std::string title(std::string_view s);       // str.title()
std::string capitalize(std::string_view s);  // str.capitalize()
std::string word_title(std::string_view s);  // jinja2's |title filter

// str.find / str.rfind / str.count over s[start:end] (code point indices, slice rules).
std::int64_t find(std::string_view s, std::string_view sub, std::optional<std::int64_t> start,
                  std::optional<std::int64_t> end, bool from_right);
std::int64_t count(std::string_view s, std::string_view sub, std::optional<std::int64_t> start,
                   std::optional<std::int64_t> end);

// str.center / ljust / rjust (align -1, 0, 1) and zfill.
std::string pad(std::string_view s, std::int64_t width, char32_t fill, int align,
                const Budget& budget);
std::string zfill(std::string_view s, std::int64_t width, const Budget& budget);

bool is_digit(std::string_view s);
bool is_alpha(std::string_view s);
bool is_alnum(std::string_view s);
bool is_space(std::string_view s);
bool is_lower(std::string_view s);
bool is_upper(std::string_view s);
bool is_title(std::string_view s);

std::size_t word_count(std::string_view s);  // len(re.findall(r"\w+", s))

// Python float(str) and int(str, base); nullopt where Python raises ValueError.
std::optional<double> parse_float(std::string_view s);
std::optional<std::int64_t> parse_int(std::string_view s, int base);

}  // namespace sluice::chat::detail::pystr
