// Text <-> token ids for a model, from its GGUF metadata: SPM (tokenizer.ggml.model =
// "llama") and byte-level BPE ("gpt2") with llama.cpp's pre-tokenizers. Encoding matches
// llama.cpp's llama_tokenize token for token; docs/tokenizers.md has the policies.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "tokenizer/tokenizer_error.hpp"

namespace sluice::model {
class GgufFile;
}

namespace sluice::tokenizer {

struct Vocab;

// Immutable after construction; every const member is free-threaded. Copies share the
// vocabulary. The only exception any member throws is TokenizerError.
class Tokenizer {
 public:
  // Throws TokenizerError naming the metadata key at fault.
  static Tokenizer from_gguf(const model::GgufFile& file);

  // add_special: BOS first / EOS last where the vocabulary asks for them (llama.cpp's
  // add_special). parse_special: control and user-defined tokens written in the text
  // (e.g. "<|im_start|>") become those tokens; without it, which is right for anything a
  // user wrote, they are plain text. Any bytes are accepted: invalid UTF-8 becomes byte
  // tokens (SPM) or U+FFFD (BPE), as in llama.cpp. A text over 1 GiB is a TokenizerError.
  std::vector<int32_t> encode(std::string_view text, bool add_special,
                              bool parse_special = false) const;

  // The bytes a token stands for: possibly part of a UTF-8 character (byte tokens), so
  // not always valid UTF-8 alone. Control and unknown tokens give "" unless
  // render_special. Throws TokenizerError for an id outside the vocabulary.
  std::string token_to_piece(int32_t token, bool render_special = false) const;

  // The pieces of `tokens` concatenated, as valid UTF-8 (an ill-formed sequence becomes
  // U+FFFD). No space is stripped: decoding generated tokens gives exactly the text that
  // streaming them gives (StreamingDetokenizer).
  std::string decode(std::span<const int32_t> tokens, bool render_special = false) const;

  // llama.cpp's llama_detokenize (remove_special = false), for a whole prompt: as
  // decode(), but the first piece loses one leading space when the vocabulary adds a
  // space prefix (SPM), and vocabularies with clean_up_tokenization_spaces get llama.cpp's
  // clean-up (" ." -> ".", " 's" -> "'s", ...).
  std::string detokenize(std::span<const int32_t> tokens, bool render_special = false) const;

  int32_t n_vocab() const;
  int32_t bos() const;  // -1 when absent
  int32_t eos() const;
  int32_t eot() const;
  int32_t unk() const;
  int32_t pad() const;
  bool add_bos() const;
  bool add_eos() const;
  // EOS, EOT, EOM and the tokens llama.cpp treats as end of generation by their text.
  bool is_eog(int32_t token) const;
  // Control, unknown, user-defined, byte... (not normal text). False outside the vocabulary.
  bool is_control(int32_t token) const;
  std::string_view type_name() const;  // "SPM" / "BPE"
  // tokenizer.ggml.pre as written ("" for SPM and when absent).
  std::string_view pre_tokenizer() const;
  // The token's text as stored in the vocabulary ("▁the", "Ġthe", "<0x0A>").
  const std::string& token_text(int32_t token) const;

 private:
  struct Impl;
  explicit Tokenizer(std::shared_ptr<const Impl> impl);
  std::shared_ptr<const Impl> impl_;
};

}  // namespace sluice::tokenizer
