// SentencePiece-style BPE over a vocabulary's scores (tokenizer.ggml.model = "llama"), as
// llama.cpp's llm_tokenizer_spm: the text is cut into UTF-8 characters, then the adjacent
// pair whose concatenation is the highest-scoring token is merged, repeatedly (ties: the
// leftmost pair). A piece left that is no token is written as byte tokens.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace sluice::tokenizer {

struct Vocab;

// Appends the tokens of `text`, whose spaces are already U+2581. Only normal tokens come
// out of merges; a piece that is none falls back to its bytes' tokens (<0xAB>), or to the
// unknown token for a byte the vocabulary lacks.
void spm_tokenize(const Vocab& vocab, std::string_view text, std::vector<int32_t>& out);

}  // namespace sluice::tokenizer
