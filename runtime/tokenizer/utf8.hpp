// UTF-8 helpers: llama.cpp-compatible lenient decoding for encoding, strict validation
// and U+FFFD replacement for everything the tokenizer hands back as text.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::tokenizer::utf8 {

constexpr uint32_t kReplacement = 0xFFFD;
constexpr std::string_view kReplacementUtf8 = "\xEF\xBF\xBD";

// The length of the sequence a byte starts, from its high nibble alone, as llama.cpp's
// unicode_len_utf8: 1 for ASCII and for continuation bytes, 2 for C0..DF, 3 for E0..EF,
// 4 for F0..FF. SPM and BPE cut text into symbols with it.
inline size_t lead_length(uint8_t byte) {
  static constexpr uint8_t kLengths[16] = {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 2, 3, 4};
  return kLengths[byte >> 4];
}

// Code points of `text` as llama.cpp's unicode_cpts_from_utf8 reads them: a byte that
// does not start a well-formed sequence becomes U+FFFD and decoding resumes at the next
// byte. Like llama.cpp, overlong forms and surrogates decode to their value; unlike it, a
// four-byte form above U+10FFFF is also replaced (llama.cpp throws on it later).
std::vector<uint32_t> decode_lenient(std::string_view text);

// Appends the UTF-8 form of `cp` (at most U+10FFFF; surrogates are written as three
// bytes, as llama.cpp does). Anything larger is written as U+FFFD.
void append(std::string& out, uint32_t cp);

enum class SequenceStatus { complete, invalid, incomplete };

struct Sequence {
  SequenceStatus status;
  // complete: the sequence's length; invalid: the length of the maximal ill-formed
  // subpart (at least 1), to be replaced by one U+FFFD; incomplete: the bytes present,
  // all a valid prefix of a sequence that the end of `bytes` cuts short.
  size_t length;
};

// Strict (RFC 3629) reading of the sequence starting at `bytes[pos]` (pos < size).
Sequence next_sequence(std::string_view bytes, size_t pos);

bool is_valid(std::string_view bytes);

// Appends `bytes` with every ill-formed subsequence, a cut-short one at the end included,
// replaced by U+FFFD (one per maximal subpart, Unicode's recommended practice).
void append_sanitized(std::string& out, std::string_view bytes);
std::string sanitize(std::string_view bytes);

// The Unicode White_Space property (the set llama.cpp's pre-tokenizers treat as \s).
bool is_whitespace(uint32_t cp);

}  // namespace sluice::tokenizer::utf8
