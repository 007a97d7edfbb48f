// Recognising special tokens written out in text (encode with parse_special = true, for
// chat templates), as llama.cpp's tokenizer_st_partition: every control, user-defined and
// unknown token, longest text first, cuts each remaining stretch of text at each of its
// occurrences. Tokens flagged lstrip/rstrip swallow the ASCII whitespace before/after them.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace sluice::tokenizer {

struct Vocab;

// A stretch of text still to tokenize (token < 0), or a special token found in it.
struct Fragment {
  int32_t token = -1;
  std::string_view text;
};

// The fragments of `text` in order; no text fragment is empty.
std::vector<Fragment> partition_special_tokens(const Vocab& vocab, std::string_view text);

}  // namespace sluice::tokenizer
