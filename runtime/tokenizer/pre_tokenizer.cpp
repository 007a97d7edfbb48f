#include "tokenizer/pre_tokenizer.hpp"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <array>

#include "tokenizer/tokenizer_error.hpp"
#include "tokenizer/utf8.hpp"

namespace sluice::tokenizer {
namespace {

// The regexes llama.cpp (src/llama-vocab.cpp, llm_tokenizer_bpe) uses for each
// pre-tokenizer, written for PCRE2. llama.cpp runs the GPT-2 and Llama 3 ones through
// hand-written equivalents and the others through std::regex over text whose non-ASCII
// code points are collapsed to their category; with UCP, PCRE2's \p classes give the
// same splits.
constexpr const char* kGpt2 =
    R"re('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S))re";
constexpr const char* kLlama3 =
    R"re((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";
constexpr const char* kQwen2 =
    R"re((?:'[sS]|'[tT]|'[rR][eE]|'[vV][eE]|'[mM]|'[lL][lL]|'[dD])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+)re";

constexpr std::array<const char*, 4> kDefaultSet = {R"re([\p{P}\$\+<=>\^~\|]+)re", kGpt2,
                                                    R"re(\p{N}+)re", R"re([0-9][0-9][0-9])re"};
constexpr std::array<const char*, 1> kLlama3Set = {kLlama3};
constexpr std::array<const char*, 1> kQwen2Set = {kQwen2};
constexpr std::array<const char*, 1> kGpt2Set = {kGpt2};
constexpr std::array<const char*, 2> kStarcoderSet = {R"re(\p{N})re", kGpt2};
constexpr std::array<const char*, 3> kFalconSet = {R"re([\p{P}\$\+<=>\^~\|`]+)re", kGpt2,
                                                   R"re([0-9][0-9][0-9])re"};
// The CJK class is llama.cpp's "[一-龥ࠀ-一가-퟿]" with its code points spelled out.
constexpr std::array<const char*, 5> kDeepseekCoderSet = {
    R"re([\r\n])re", R"re(\s?\p{L}+)re", R"re(\s?\p{P}+)re",
    R"re([\x{4E00}-\x{9FA5}\x{0800}-\x{4E00}\x{AC00}-\x{D7FF}]+)re", R"re(\p{N})re"};

// Per-thread match state: one-pair match data (only the whole match is read) and a JIT
// stack larger than PCRE2's 32 KiB default, for long runs in one word.
struct ThreadMatchState {
  pcre2_match_data* data = nullptr;
  pcre2_match_context* context = nullptr;
  pcre2_jit_stack* jit_stack = nullptr;

  ThreadMatchState() {
    data = pcre2_match_data_create(1, nullptr);
    context = pcre2_match_context_create(nullptr);
    jit_stack = pcre2_jit_stack_create(32 * 1024, 4 * 1024 * 1024, nullptr);
    if (context != nullptr && jit_stack != nullptr) {
      pcre2_jit_stack_assign(context, nullptr, jit_stack);
    }
  }
  ~ThreadMatchState() {
    pcre2_jit_stack_free(jit_stack);
    pcre2_match_context_free(context);
    pcre2_match_data_free(data);
  }
  ThreadMatchState(const ThreadMatchState&) = delete;
  ThreadMatchState& operator=(const ThreadMatchState&) = delete;
};

ThreadMatchState& thread_match_state() {
  thread_local ThreadMatchState state;
  return state;
}

size_t char_length_at(std::string_view s, size_t pos) {
  const size_t len = utf8::lead_length(static_cast<uint8_t>(s[pos]));
  return pos + len <= s.size() ? len : s.size() - pos;
}

}  // namespace

struct PreTokenizer::Regex {
  pcre2_code* code = nullptr;
  ~Regex() { pcre2_code_free(code); }
};

const char* pre_tokenizer_kind_name(PreTokenizerKind kind) {
  switch (kind) {
    case PreTokenizerKind::default_bpe: return "default";
    case PreTokenizerKind::llama3: return "llama3";
    case PreTokenizerKind::qwen2: return "qwen2";
    case PreTokenizerKind::gpt2: return "gpt-2";
    case PreTokenizerKind::starcoder: return "starcoder";
    case PreTokenizerKind::falcon: return "falcon";
    case PreTokenizerKind::deepseek_coder: return "deepseek-coder";
  }
  return "unknown";
}

std::span<const char* const> pre_tokenizer_patterns(PreTokenizerKind kind) {
  switch (kind) {
    case PreTokenizerKind::default_bpe: return kDefaultSet;
    case PreTokenizerKind::llama3: return kLlama3Set;
    case PreTokenizerKind::qwen2: return kQwen2Set;
    case PreTokenizerKind::gpt2: return kGpt2Set;
    case PreTokenizerKind::starcoder: return kStarcoderSet;
    case PreTokenizerKind::falcon: return kFalconSet;
    case PreTokenizerKind::deepseek_coder: return kDeepseekCoderSet;
  }
  return {};
}

PreTokenizer::PreTokenizer(PreTokenizerKind kind) : kind_(kind) {
  for (const char* pattern : pre_tokenizer_patterns(kind)) {
    int error = 0;
    PCRE2_SIZE error_offset = 0;
    auto regex = std::make_unique<Regex>();
    regex->code =
        pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern), PCRE2_ZERO_TERMINATED,
                      PCRE2_UTF | PCRE2_UCP | PCRE2_DOLLAR_ENDONLY, &error, &error_offset, nullptr);
    if (regex->code == nullptr) {
      std::array<PCRE2_UCHAR, 256> message{};
      pcre2_get_error_message(error, message.data(), message.size());
      throw TokenizerError("", std::string("pre-tokenizer regex '") + pattern +
                                   "' does not compile at offset " + std::to_string(error_offset) +
                                   ": " + reinterpret_cast<const char*>(message.data()));
    }
    // JIT is an optimisation: where it is unavailable the interpreter runs instead.
    (void)pcre2_jit_compile(regex->code, PCRE2_JIT_COMPLETE);
    regexes_.push_back(std::move(regex));
  }
}

PreTokenizer::~PreTokenizer() = default;
PreTokenizer::PreTokenizer(PreTokenizer&&) noexcept = default;
PreTokenizer& PreTokenizer::operator=(PreTokenizer&&) noexcept = default;

void PreTokenizer::split(std::string_view text, PreTokenized& out) const {
  out.text.clear();
  out.words.clear();
  if (text.empty()) return;

  const std::vector<uint32_t> cpts = utf8::decode_lenient(text);
  const size_t n = cpts.size();

  // `out.text`: the code points re-encoded (what the words are cut from).
  // `subject`: what the regexes see: the same code points, except non-ASCII whitespace
  // as U+000B (llama.cpp's own fallback) and surrogates as U+FFFF (PCRE2 refuses them
  // in UTF mode; both are "other" to every class used).
  std::string subject;
  subject.reserve(text.size());
  out.text.reserve(text.size());
  std::vector<uint32_t> text_offset(n + 1);
  std::vector<uint32_t> subject_offset(n + 1);
  for (size_t i = 0; i < n; ++i) {
    const uint32_t cp = cpts[i];
    text_offset[i] = static_cast<uint32_t>(out.text.size());
    subject_offset[i] = static_cast<uint32_t>(subject.size());
    utf8::append(out.text, cp);
    uint32_t seen = cp;
    if (cp >= 0x80 && utf8::is_whitespace(cp)) {
      seen = 0x0B;
    } else if (cp >= 0xD800 && cp <= 0xDFFF) {
      seen = 0xFFFF;
    }
    utf8::append(subject, seen);
  }
  text_offset[n] = static_cast<uint32_t>(out.text.size());
  subject_offset[n] = static_cast<uint32_t>(subject.size());

  // Code point index of each byte offset of `subject` that starts a code point.
  std::vector<uint32_t> cp_at(subject.size() + 1, 0);
  for (size_t i = 0; i <= n; ++i) cp_at[subject_offset[i]] = static_cast<uint32_t>(i);

  ThreadMatchState& state = thread_match_state();
  std::vector<std::pair<uint32_t, uint32_t>> fragments{{0u, static_cast<uint32_t>(n)}};
  std::vector<std::pair<uint32_t, uint32_t>> next;
  for (const auto& regex : regexes_) {
    next.clear();
    next.reserve(fragments.size() * 2);
    for (const auto& [begin, end] : fragments) {
      const size_t base = subject_offset[begin];
      const std::string_view frag(subject.data() + base, subject_offset[end] - base);
      auto emit = [&](size_t from, size_t to) {
        if (to > from) next.emplace_back(cp_at[base + from], cp_at[base + to]);
      };
      size_t pos = 0;   // where the next search starts
      size_t prev = 0;  // end of the last fragment emitted
      while (pos < frag.size()) {
        const auto* subj = reinterpret_cast<PCRE2_SPTR>(frag.data());
        int rc = pcre2_match(regex->code, subj, frag.size(), pos, PCRE2_NO_UTF_CHECK, state.data,
                             state.context);
        if (rc < 0 && rc != PCRE2_ERROR_NOMATCH) {
          // A resource limit (JIT stack, heap): retry interpreted; if that fails too,
          // treat the code point here as unmatched and go on (deterministic, no throw).
          rc = pcre2_match(regex->code, subj, frag.size(), pos, PCRE2_NO_UTF_CHECK | PCRE2_NO_JIT,
                           state.data, state.context);
          if (rc < 0 && rc != PCRE2_ERROR_NOMATCH) {
            pos += char_length_at(frag, pos);
            continue;
          }
        }
        if (rc == PCRE2_ERROR_NOMATCH) break;
        const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(state.data);
        const size_t match_begin = ovector[0];
        const size_t match_end = ovector[1];
        if (match_end <= match_begin) {  // an empty match (none of ours has one): step over
          pos = match_begin + (match_begin < frag.size() ? char_length_at(frag, match_begin) : 1);
          continue;
        }
        emit(prev, match_begin);
        emit(match_begin, match_end);
        prev = pos = match_end;
      }
      emit(prev, frag.size());
    }
    fragments.swap(next);
  }

  out.words.reserve(fragments.size());
  for (const auto& [begin, end] : fragments) {
    out.words.emplace_back(text_offset[begin], text_offset[end]);
  }
}

}  // namespace sluice::tokenizer
