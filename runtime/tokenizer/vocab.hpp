// A vocabulary read from GGUF metadata (tokenizer.ggml.*): token texts, scores and types,
// BPE merge ranks, special token ids and flags, and the per-token tables encoding and
// decoding use. Immutable once loaded.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "tokenizer/pre_tokenizer.hpp"
#include "tokenizer/token_index.hpp"

namespace sluice::model {
class GgufFile;
}

namespace sluice::tokenizer {

enum class VocabType { spm, bpe };

// Token attributes, as llama.cpp keeps them (a bit set: detection of end-of-generation
// tokens adds `control` to whatever type the file gave).
namespace token_attr {
constexpr uint32_t undefined = 0;
constexpr uint32_t unknown = 1u << 0;
constexpr uint32_t unused = 1u << 1;
constexpr uint32_t normal = 1u << 2;
constexpr uint32_t control = 1u << 3;
constexpr uint32_t user_defined = 1u << 4;
constexpr uint32_t byte = 1u << 5;
constexpr uint32_t lstrip = 1u << 7;  // parse_special: swallow whitespace before the token
constexpr uint32_t rstrip = 1u << 8;  // parse_special: swallow whitespace after the token
constexpr uint32_t type_mask = unknown | unused | normal | control | user_defined | byte;
}  // namespace token_attr

// tokenizer.ggml.token_type values.
enum class TokenType : int32_t {
  undefined = 0,
  normal = 1,
  unknown = 2,
  control = 3,
  user_defined = 4,
  unused = 5,
  byte = 6,
};

struct Vocab {
  VocabType type = VocabType::spm;
  PreTokenizerKind pre = PreTokenizerKind::default_bpe;  // BPE only
  std::string model_name;                                // tokenizer.ggml.model
  std::string pre_name;                                  // tokenizer.ggml.pre as written

  std::vector<std::string> texts;
  std::vector<float> scores;
  std::vector<uint32_t> attrs;

  int32_t bos = -1, eos = -1, eot = -1, eom = -1, unk = -1, sep = -1, pad = -1;
  bool add_bos = false;
  bool add_eos = false;
  bool add_space_prefix = false;
  bool ignore_merges = false;  // BPE: a pre-tokenized word that is a token is not merged
  bool clean_spaces = false;   // BPE: clean_up_tokenization_spaces (detokenize only)
  // SPM: no normal token holds U+2581 except in a leading run of them, so no merge crosses
  // the start of a run of U+2581 in the text (true of every SentencePiece vocabulary seen).
  bool spm_words_start_at_space = false;

  std::vector<int32_t> eog;                // end-of-generation ids, ascending
  std::array<int32_t, 256> byte_tokens{};  // fallback token of each byte, -1 when none
  std::vector<int32_t> special_tokens;     // control/user-defined/unknown, longest first
  std::vector<std::string> pieces;         // each token's piece, specials rendered

  // Reads and checks the metadata. Throws TokenizerError naming the key at fault.
  static Vocab load(const model::GgufFile& file);

  int32_t n_tokens() const { return static_cast<int32_t>(texts.size()); }
  // Any token with this exact text, -1 when none.
  int32_t find(std::string_view text) const;
  // A token plain text may turn into: type normal only (never control, unknown, byte,
  // unused or user-defined), -1 when none.
  int32_t find_normal(std::string_view text) const;
  // The merge of two tokens (by id), nullptr when there is none.
  const PairIndex::Value* merge(int32_t left, int32_t right) const {
    return merge_pairs_.find(left, right);
  }
  // Merges with a side that is no token (none in a consistent vocabulary) can only be
  // found by text: rank of "left right", -1 when none. `scratch` is working space.
  bool has_text_merges() const { return !text_merges_.empty(); }
  int32_t text_merge_rank(std::string_view left, std::string_view right,
                          std::string& scratch) const;

  bool is_normal(int32_t id) const {
    return (attrs[id] & token_attr::type_mask) == token_attr::normal;
  }

  Vocab() = default;
  Vocab(Vocab&&) = default;
  Vocab& operator=(Vocab&&) = default;
  Vocab(const Vocab&) = delete;
  Vocab& operator=(const Vocab&) = delete;

 private:
  TextIndex ids_;
  PairIndex merge_pairs_;
  // Keys are views into `merges_`, filled before the map and never resized afterwards (a
  // moved vector keeps its elements in place).
  std::vector<std::string> merges_;
  std::unordered_map<std::string_view, int32_t> text_merges_;

  friend class VocabLoader;
};

}  // namespace sluice::tokenizer
