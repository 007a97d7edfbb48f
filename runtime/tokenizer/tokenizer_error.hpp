// The one exception the tokenizer lets escape: a vocabulary whose metadata is missing
// or inconsistent (naming the GGUF key at fault), or a call with an out-of-range token id.
#pragma once

#include <stdexcept>
#include <string>

namespace sluice::tokenizer {

class TokenizerError : public std::runtime_error {
 public:
  // `key` is the metadata key at fault ("tokenizer.ggml.scores"), empty when none is.
  // what() is "key: message", or just the message without a key.
  TokenizerError(std::string key, const std::string& message);

  const std::string& key() const { return key_; }

 private:
  std::string key_;
};

}  // namespace sluice::tokenizer
