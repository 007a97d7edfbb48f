// Byte-level BPE (tokenizer.ggml.model = "gpt2"), as llama.cpp's llm_tokenizer_bpe: the
// pre-tokenizer cuts text into words, each word's bytes are written in GPT-2's byte
// alphabet, then the adjacent pair with the lowest merge rank is merged, repeatedly
// (ties: the leftmost pair).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

namespace sluice::tokenizer {

struct Vocab;
class PreTokenizer;

// Appends the tokens of `text`. Only normal tokens come out; a merged piece that is no
// token (a vocabulary inconsistent with its merges) is written character by character.
void bpe_tokenize(const Vocab& vocab, const PreTokenizer& pre, std::string_view text,
                  std::vector<int32_t>& out);

}  // namespace sluice::tokenizer
