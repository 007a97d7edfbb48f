// Token-by-token text for streaming responses: a piece may end inside a UTF-8 character
// (byte tokens, byte-level BPE), so bytes of a character not yet complete are held back
// until the tokens completing it arrive. What comes out is always valid UTF-8; an
// ill-formed sequence becomes U+FFFD as soon as it is known to be one.
#pragma once

#include <cstdint>
#include <string>

#include "tokenizer/tokenizer.hpp"

namespace sluice::tokenizer {

// One per stream; not thread-safe (the Tokenizer it copies is shared and immutable).
// The concatenation of every push() and the final flush() equals
// Tokenizer::decode(all tokens, render_special).
class StreamingDetokenizer {
 public:
  explicit StreamingDetokenizer(const Tokenizer& tokenizer, bool render_special = false);

  // The text that `token` completes (possibly ""). Throws TokenizerError for an id outside
  // the vocabulary, leaving the state as it was.
  std::string push(int32_t token);
  // Whatever is held back, an incomplete character as U+FFFD; the detokenizer is then
  // empty and can be reused.
  std::string flush();
  // Bytes held back (at most 3).
  size_t pending() const { return pending_.size(); }

 private:
  Tokenizer tokenizer_;
  bool render_special_;
  std::string pending_;
};

}  // namespace sluice::tokenizer
