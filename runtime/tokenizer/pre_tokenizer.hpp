// Byte-level BPE pre-tokenizers: the regex sets llama.cpp applies before BPE merges, by
// `tokenizer.ggml.pre`, run through PCRE2 (UTF + UCP, JIT where available).
//
// Splitting follows llama.cpp's unicode_regex_split: the regexes are applied one after
// the other, each to every fragment the previous ones produced (a fragment is searched
// alone: look-aheads and `$` stop at its end), and both the matches and the text between
// them become fragments. Text is first decoded as llama.cpp decodes it (an invalid byte
// becomes U+FFFD), and the regexes see non-ASCII whitespace as U+000B, as llama.cpp's do,
// so \s agrees with the Unicode White_Space set llama.cpp uses.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice::tokenizer {

enum class PreTokenizerKind {
  default_bpe,     // no or "default" tokenizer.ggml.pre: llama.cpp's fallback set
  llama3,          // llama-bpe, llama3, llama-v3, dbrx, smaug-bpe, ...
  qwen2,           // qwen2, deepseek-r1-qwen, stablelm2, megrez
  gpt2,            // gpt-2, phi-2, mpt, olmo
  starcoder,       // starcoder, refact, command-r, smollm, codeshell, exaone, minerva-7b
  falcon,          // falcon
  deepseek_coder,  // deepseek-coder
};

const char* pre_tokenizer_kind_name(PreTokenizerKind kind);

// The regex sources of a kind, in application order.
std::span<const char* const> pre_tokenizer_patterns(PreTokenizerKind kind);

// Words of a text: byte ranges into `text`, which holds the input re-encoded from the
// code points it was read as (valid UTF-8 except for surrogates, as llama.cpp writes them).
struct PreTokenized {
  std::string text;
  std::vector<std::pair<uint32_t, uint32_t>> words;  // [begin, end) byte offsets into text
};

class PreTokenizer {
 public:
  // Compiles the kind's regexes; a regex PCRE2 refuses is a TokenizerError (a bug).
  explicit PreTokenizer(PreTokenizerKind kind);
  ~PreTokenizer();
  PreTokenizer(PreTokenizer&&) noexcept;
  PreTokenizer& operator=(PreTokenizer&&) noexcept;
  PreTokenizer(const PreTokenizer&) = delete;
  PreTokenizer& operator=(const PreTokenizer&) = delete;

  PreTokenizerKind kind() const { return kind_; }

  // Free-threaded. Never throws on any input bytes.
  void split(std::string_view text, PreTokenized& out) const;

 private:
  struct Regex;
  PreTokenizerKind kind_;
  std::vector<std::unique_ptr<Regex>> regexes_;
};

}  // namespace sluice::tokenizer
