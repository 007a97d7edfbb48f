#include "tokenizer/vocab.hpp"

#include <algorithm>
#include <limits>
#include <optional>

#include "model/gguf_file.hpp"
#include "tokenizer/byte_encoding.hpp"
#include "tokenizer/tokenizer_error.hpp"
#include "tokenizer/utf8.hpp"

namespace sluice::tokenizer {

namespace key {
constexpr const char* model = "tokenizer.ggml.model";
constexpr const char* pre = "tokenizer.ggml.pre";
constexpr const char* tokens = "tokenizer.ggml.tokens";
constexpr const char* scores = "tokenizer.ggml.scores";
constexpr const char* token_type = "tokenizer.ggml.token_type";
constexpr const char* merges = "tokenizer.ggml.merges";
constexpr const char* bos = "tokenizer.ggml.bos_token_id";
constexpr const char* eos = "tokenizer.ggml.eos_token_id";
constexpr const char* eot = "tokenizer.ggml.eot_token_id";
constexpr const char* eom = "tokenizer.ggml.eom_token_id";
constexpr const char* unk = "tokenizer.ggml.unknown_token_id";
constexpr const char* sep = "tokenizer.ggml.seperator_token_id";  // llama.cpp's spelling
constexpr const char* pad = "tokenizer.ggml.padding_token_id";
constexpr const char* add_bos = "tokenizer.ggml.add_bos_token";
constexpr const char* add_eos = "tokenizer.ggml.add_eos_token";
constexpr const char* add_space_prefix = "tokenizer.ggml.add_space_prefix";
constexpr const char* name = "general.name";
}  // namespace key

namespace {

struct PreInfo {
  const char* name;
  PreTokenizerKind kind;
  bool ignore_merges;
  bool add_bos;
  bool clean_spaces;
};

// tokenizer.ggml.pre values and the flags llama.cpp sets with each (llama_vocab::impl::load).
constexpr PreInfo kPreTokenizers[] = {
    {"default", PreTokenizerKind::default_bpe, false, false, true},
    {"llama3", PreTokenizerKind::llama3, true, true, true},
    {"llama-v3", PreTokenizerKind::llama3, true, true, true},
    {"llama-bpe", PreTokenizerKind::llama3, true, true, true},
    {"falcon3", PreTokenizerKind::llama3, true, true, true},
    {"falcon-h1", PreTokenizerKind::llama3, true, true, true},
    {"pixtral", PreTokenizerKind::llama3, true, true, true},
    {"midm-2.0", PreTokenizerKind::llama3, true, true, true},
    {"lfm2", PreTokenizerKind::llama3, true, true, true},
    {"dbrx", PreTokenizerKind::llama3, false, false, true},
    {"smaug-bpe", PreTokenizerKind::llama3, false, false, true},
    {"qwen2", PreTokenizerKind::qwen2, false, false, false},
    {"deepseek-r1-qwen", PreTokenizerKind::qwen2, false, false, false},
    {"stablelm2", PreTokenizerKind::qwen2, false, false, true},
    {"megrez", PreTokenizerKind::qwen2, false, false, true},
    {"gpt-2", PreTokenizerKind::gpt2, false, false, true},
    {"phi-2", PreTokenizerKind::gpt2, false, false, true},
    {"mpt", PreTokenizerKind::gpt2, false, false, true},
    {"olmo", PreTokenizerKind::gpt2, false, false, true},
    {"jais", PreTokenizerKind::gpt2, false, false, true},
    {"starcoder", PreTokenizerKind::starcoder, false, false, true},
    {"refact", PreTokenizerKind::starcoder, false, false, true},
    {"codeshell", PreTokenizerKind::starcoder, false, false, true},
    {"exaone", PreTokenizerKind::starcoder, false, false, true},
    {"minerva-7b", PreTokenizerKind::starcoder, false, false, true},
    {"smollm", PreTokenizerKind::starcoder, false, false, false},
    {"command-r", PreTokenizerKind::starcoder, false, false, false},
    {"falcon", PreTokenizerKind::falcon, false, false, true},
    {"deepseek-coder", PreTokenizerKind::deepseek_coder, false, false, false},
};

// DeepSeek's "<｜end▁of▁sentence｜>" (split: "\x9C" followed by "end" would read on).
constexpr char kDeepseekEndOfSentence[] =
    "<\xEF\xBD\x9C"
    "end\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>";

// Texts llama.cpp takes for an end-of-turn token when the file names none, in the order
// we prefer them (llama.cpp takes whichever its hash map yields first).
constexpr const char* kEotTexts[] = {
    "<|eot_id|>",         "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>",
    "<|end_of_text|>",    "<EOT>",      "_<EOT>",  "[EOT]",         kDeepseekEndOfSentence,
    "<end_of_utterance>",
};

// Texts llama.cpp treats as end of generation wherever they appear in a vocabulary.
constexpr const char* kEogTexts[] = {
    "<|eot_id|>",
    "<|im_end|>",
    "<|end|>",
    "<|return|>",
    "<|call|>",
    "<|flush|>",
    "<|calls|>",
    "<end_of_turn>",
    "<|endoftext|>",
    "</s>",
    "<|eom_id|>",
    "<EOT>",
    "_<EOT>",
    "[EOT]",
    "[EOS]",
    "<|end_of_text|>",
    "<end_of_utterance>",
    "<eos>",
    "<turn|>",
    "<|tool_response>",
    kDeepseekEndOfSentence,
    "[e~[",
};

uint32_t attr_of_type(int64_t type) {
  switch (static_cast<TokenType>(type)) {
    case TokenType::normal: return token_attr::normal;
    case TokenType::unknown: return token_attr::unknown;
    case TokenType::control: return token_attr::control;
    case TokenType::user_defined: return token_attr::user_defined;
    case TokenType::unused: return token_attr::unused;
    case TokenType::byte: return token_attr::byte;
    default: return token_attr::undefined;  // as llama.cpp: such tokens render as nothing
  }
}

// "<0xAB>" -> 0xAB; -1 for any other text.
int parse_byte_token(std::string_view text) {
  if (text.size() != 6 || text.substr(0, 3) != "<0x" || text[5] != '>') return -1;
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  const int hi = hex(text[3]), lo = hex(text[4]);
  return hi < 0 || lo < 0 ? -1 : hi * 16 + lo;
}

std::string type_name_of(const model::GgufValue& v) {
  std::string name = model::gguf_value_type_name(static_cast<uint32_t>(v.type));
  if (v.type == model::GgufValueType::array) {
    name += "[" + model::gguf_value_type_name(static_cast<uint32_t>(v.element_type)) + "]";
  }
  return name;
}

bool is_numeric(model::GgufValueType t) {
  return t != model::GgufValueType::string && t != model::GgufValueType::array &&
         t != model::GgufValueType::boolean;
}

bool is_integer(model::GgufValueType t) {
  return is_numeric(t) && t != model::GgufValueType::float32 && t != model::GgufValueType::float64;
}

}  // namespace

class VocabLoader {
 public:
  explicit VocabLoader(const model::GgufFile& file) : file_(file) {}

  Vocab load() {
    read_type();
    read_tokens();
    read_merges();
    read_flags();
    read_special_ids();
    detect_end_of_generation();
    build_tables();
    return std::move(v_);
  }

 private:
  std::optional<std::string> string_key(const char* k) {
    const model::GgufValue* value = file_.find(k);
    if (value == nullptr) return std::nullopt;
    if (value->type != model::GgufValueType::string) {
      throw TokenizerError(k, "expected a string, found " + type_name_of(*value));
    }
    return value->string;
  }

  std::optional<bool> bool_key(const char* k) {
    const model::GgufValue* value = file_.find(k);
    if (value == nullptr) return std::nullopt;
    if (value->type != model::GgufValueType::boolean) {
      throw TokenizerError(k, "expected a bool, found " + type_name_of(*value));
    }
    return value->as_bool();
  }

  void read_type() {
    const auto model = string_key(key::model);
    if (!model) throw TokenizerError(key::model, "missing: the file has no tokenizer");
    v_.model_name = *model;
    if (*model == "llama") {
      v_.type = VocabType::spm;
    } else if (*model == "gpt2") {
      v_.type = VocabType::bpe;
    } else {
      throw TokenizerError(key::model, "unsupported tokenizer '" + *model +
                                           "' (supported: llama = SPM, gpt2 = byte-level BPE)");
    }
  }

  void read_tokens() {
    const model::GgufValue* tokens = file_.find(key::tokens);
    if (tokens == nullptr) throw TokenizerError(key::tokens, "missing");
    if (tokens->type != model::GgufValueType::array ||
        tokens->element_type != model::GgufValueType::string) {
      throw TokenizerError(key::tokens,
                           "expected an array of strings, found " + type_name_of(*tokens));
    }
    const uint64_t n = tokens->strings.size();
    if (n == 0) throw TokenizerError(key::tokens, "the vocabulary is empty");
    if (n > static_cast<uint64_t>(std::numeric_limits<int32_t>::max())) {
      throw TokenizerError(key::tokens, std::to_string(n) + " tokens is more than ids can hold");
    }
    v_.texts = tokens->strings;

    v_.scores.assign(n, 0.0f);
    if (const model::GgufValue* scores = file_.find(key::scores)) {
      if (scores->type != model::GgufValueType::array || !is_numeric(scores->element_type)) {
        throw TokenizerError(key::scores,
                             "expected an array of numbers, found " + type_name_of(*scores));
      }
      if (scores->count != n) {
        throw TokenizerError(key::scores, std::to_string(scores->count) + " scores for " +
                                              std::to_string(n) + " tokens");
      }
      for (uint64_t i = 0; i < n; ++i) v_.scores[i] = static_cast<float>(*scores->float_at(i));
    }

    v_.attrs.assign(n, token_attr::normal);
    if (const model::GgufValue* types = file_.find(key::token_type)) {
      if (types->type != model::GgufValueType::array || !is_integer(types->element_type)) {
        throw TokenizerError(key::token_type,
                             "expected an array of integers, found " + type_name_of(*types));
      }
      if (types->count != n) {
        throw TokenizerError(key::token_type, std::to_string(types->count) + " types for " +
                                                  std::to_string(n) + " tokens");
      }
      for (uint64_t i = 0; i < n; ++i) v_.attrs[i] = attr_of_type(types->int_at(i).value_or(0));
    }

    // A text that appears twice keeps its first id (llama.cpp refuses such files; older
    // conversions have them). Empty texts are never looked up.
    v_.ids_.build(v_.texts);
  }

  void read_merges() {
    if (v_.type != VocabType::bpe) return;
    const model::GgufValue* merges = file_.find(key::merges);
    if (merges == nullptr) throw TokenizerError(key::merges, "missing: a BPE vocabulary needs it");
    if (merges->type != model::GgufValueType::array ||
        merges->element_type != model::GgufValueType::string) {
      throw TokenizerError(key::merges,
                           "expected an array of strings, found " + type_name_of(*merges));
    }
    if (merges->strings.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
      throw TokenizerError(key::merges, "too many merges");
    }
    // By token ids where both sides are tokens (always, in a consistent vocabulary), by
    // text otherwise; the first of two equal merges wins, as in llama.cpp.
    std::vector<int32_t> text_only_ranks;
    v_.merge_pairs_.reserve(merges->strings.size());
    std::string joined;
    for (size_t i = 0; i < merges->strings.size(); ++i) {
      const std::string& merge = merges->strings[i];
      // As llama.cpp: the two parts are split at the first space after the first byte.
      const size_t space = merge.find(' ', 1);
      if (space == std::string::npos || space + 1 >= merge.size()) {
        throw TokenizerError(key::merges, "entry " + std::to_string(i) + " ('" +
                                              utf8::sanitize(merge) + "') is not 'left right'");
      }
      const std::string_view left = std::string_view(merge).substr(0, space);
      const std::string_view right = std::string_view(merge).substr(space + 1);
      const int32_t left_id = v_.find(left);
      const int32_t right_id = v_.find(right);
      if (left_id >= 0 && right_id >= 0) {
        joined.assign(left);
        joined.append(right);
        v_.merge_pairs_.insert(left_id, right_id, {static_cast<int32_t>(i), v_.find(joined)});
      } else {
        v_.merges_.push_back(merge);
        text_only_ranks.push_back(static_cast<int32_t>(i));
      }
    }
    for (size_t k = 0; k < v_.merges_.size(); ++k) {
      v_.text_merges_.emplace(std::string_view(v_.merges_[k]), text_only_ranks[k]);
    }
  }

  void read_flags() {
    if (v_.type == VocabType::spm) {
      v_.add_space_prefix = true;
      v_.add_bos = true;
      v_.add_eos = false;
      v_.clean_spaces = false;
    } else {
      v_.add_space_prefix = false;
      v_.clean_spaces = true;
      const auto pre = string_key(key::pre);
      v_.pre_name = pre.value_or("");
      if (!pre || pre->empty()) {
        v_.pre = PreTokenizerKind::default_bpe;  // llama.cpp: "missing pre-tokenizer type"
      } else {
        const PreInfo* info = nullptr;
        for (const PreInfo& candidate : kPreTokenizers) {
          if (*pre == candidate.name) info = &candidate;
        }
        if (info == nullptr) {
          std::string known;
          for (const PreInfo& candidate : kPreTokenizers) {
            known += known.empty() ? "" : ", ";
            known += candidate.name;
          }
          throw TokenizerError(key::pre,
                               "unknown pre-tokenizer '" + *pre + "' (known: " + known + ")");
        }
        v_.pre = info->kind;
        v_.ignore_merges = info->ignore_merges;
        v_.add_bos = info->add_bos;
        v_.clean_spaces = info->clean_spaces;
      }
    }
    if (auto b = bool_key(key::add_space_prefix)) v_.add_space_prefix = *b;
  }

  // An id key: absent keeps the default; -1 and 0xFFFFFFFF (how converters write "none")
  // mean no such token; anything else must be an id of the vocabulary.
  void read_id(const char* k, int32_t& id) {
    if (id >= v_.n_tokens()) id = -1;  // a default the vocabulary is too small for
    const model::GgufValue* value = file_.find(k);
    if (value == nullptr) return;
    if (!is_integer(value->type)) {
      throw TokenizerError(k, "expected an integer, found " + type_name_of(*value));
    }
    const auto as_int = value->as_int();
    const auto as_uint = value->as_uint();
    if ((as_int && (*as_int == -1 || *as_int == 0xFFFFFFFFll)) ||
        (as_uint && *as_uint == std::numeric_limits<uint64_t>::max())) {
      id = -1;
      return;
    }
    if (!as_int || *as_int < 0 || *as_int >= v_.n_tokens()) {
      const std::string shown = as_int ? std::to_string(*as_int) : std::to_string(*as_uint);
      throw TokenizerError(k, "token id " + shown + " is outside the vocabulary (" +
                                  std::to_string(v_.n_tokens()) + " tokens)");
    }
    id = static_cast<int32_t>(*as_int);
  }

  void read_special_ids() {
    if (v_.type == VocabType::spm) {
      v_.bos = 1, v_.eos = 2, v_.unk = 0;
    } else {
      v_.bos = 11, v_.eos = 11, v_.unk = -1;  // llama.cpp's BPE defaults
    }
    v_.eot = v_.eom = v_.sep = v_.pad = -1;
    read_id(key::bos, v_.bos);
    read_id(key::eos, v_.eos);
    read_id(key::eot, v_.eot);
    read_id(key::eom, v_.eom);
    read_id(key::unk, v_.unk);
    read_id(key::sep, v_.sep);
    read_id(key::pad, v_.pad);

    if (auto b = bool_key(key::add_bos)) v_.add_bos = *b;
    if (auto b = bool_key(key::add_eos)) v_.add_eos = *b;
    if (v_.add_bos && v_.bos < 0) {
      throw TokenizerError(key::add_bos, std::string("is true, but ") + key::bos + " is not set");
    }
    if (v_.add_eos && v_.eos < 0) {
      throw TokenizerError(key::add_eos, std::string("is true, but ") + key::eos + " is not set");
    }
  }

  void mark_control(int32_t id) { v_.attrs[id] |= token_attr::control; }

  // llama.cpp's heuristics: end-of-turn / end-of-message tokens by text when the file
  // names none, and the set of tokens that end generation. Each such token is control.
  void detect_end_of_generation() {
    if (v_.eot < 0) {
      for (const char* text : kEotTexts) {
        if (const int32_t id = v_.find(text); id >= 0) {
          v_.eot = id;
          mark_control(id);
          break;
        }
      }
    }
    if (v_.eom < 0) {
      if (const int32_t id = v_.find("<|eom_id|>"); id >= 0) {
        v_.eom = id;
        mark_control(id);
      }
    }
    std::vector<int32_t>& eog = v_.eog;
    for (const char* text : kEogTexts) {
      if (const int32_t id = v_.find(text); id >= 0) {
        eog.push_back(id);
        mark_control(id);
      }
    }
    // gpt-oss: these are rendered always (llama.cpp "quick hack").
    for (const char* text : {"<|channel|>", "<|message|>", "<|start|>", "<|constrain|>"}) {
      if (const int32_t id = v_.find(text); id >= 0) v_.attrs[id] = token_attr::user_defined;
    }
    for (int32_t id : {v_.eos, v_.eot, v_.eom}) {
      if (id >= 0) eog.push_back(id);
    }
    std::sort(eog.begin(), eog.end());
    eog.erase(std::unique(eog.begin(), eog.end()), eog.end());

    auto in_eog = [&](const char* text) {
      const int32_t id = v_.find(text);
      return id >= 0 && std::binary_search(eog.begin(), eog.end(), id) ? id : -1;
    };
    auto drop = [&](int32_t id, uint32_t attr) {
      eog.erase(std::find(eog.begin(), eog.end(), id));
      v_.attrs[id] = attr;
    };
    // o200k_harmony / solar-open: "<|end|>" ends a message, not generation.
    const bool has_return = in_eog("<|return|>") >= 0;
    const bool has_call = in_eog("<|call|>") >= 0 || in_eog("<|calls|>") >= 0;
    const bool has_flush = in_eog("<|flush|>") >= 0;
    if (const int32_t end = in_eog("<|end|>");
        end >= 0 && ((has_return && has_call) || (has_call && has_flush))) {
      drop(end, token_attr::user_defined);
    }
    // gemma4 / paddleocr: "</s>" is not end of generation beside "<|tool_response>".
    if (const int32_t s = in_eog("</s>"); s >= 0 && in_eog("<|tool_response>") >= 0) {
      drop(s, token_attr::normal);
    }
  }

  void build_tables() {
    const int32_t n = v_.n_tokens();

    // Byte fallback: SPM "<0xAB>" (else the one-byte text), BPE the byte's code point.
    for (int b = 0; b < 256; ++b) {
      int32_t id = -1;
      if (v_.type == VocabType::spm) {
        static constexpr char kHex[] = "0123456789ABCDEF";
        const char text[6] = {'<', '0', 'x', kHex[b >> 4], kHex[b & 15], '>'};
        id = v_.find(std::string_view(text, 6));
        if (id < 0) id = v_.find(std::string(1, static_cast<char>(b)));
      } else {
        id = v_.find(byte_encoding::byte_to_utf8(static_cast<uint8_t>(b)));
      }
      v_.byte_tokens[b] = id;
    }

    // Tokens parse_special recognises, longest first (ties by id, for determinism).
    for (int32_t id = 0; id < n; ++id) {
      const uint32_t a = v_.attrs[id];
      if ((a & (token_attr::control | token_attr::user_defined | token_attr::unknown)) &&
          !v_.texts[id].empty()) {
        v_.special_tokens.push_back(id);
      }
    }
    std::stable_sort(v_.special_tokens.begin(), v_.special_tokens.end(),
                     [&](int32_t a, int32_t b) { return v_.texts[a].size() > v_.texts[b].size(); });

    // Phi-3 (llama.cpp sets this by model name): specials swallow whitespace after them.
    std::string name = string_key(key::name).value_or("");
    std::transform(name.begin(), name.end(), name.begin(),
                   [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; });
    if (name.find("phi-3") != std::string::npos || name.find("phi3") != std::string::npos) {
      for (int32_t id : v_.special_tokens) v_.attrs[id] |= token_attr::rstrip;
      if (const int32_t id = v_.find("</s>"); id >= 0) v_.attrs[id] |= token_attr::rstrip;
      for (const char* text : {"<unk>", "<s>", "<|endoftext|>"}) {
        if (const int32_t id = v_.find(text); id >= 0) v_.attrs[id] &= ~token_attr::rstrip;
      }
    }

    if (v_.type == VocabType::spm) {
      constexpr std::string_view space = "\xE2\x96\x81";
      bool ok = true;
      for (int32_t id = 0; id < n && ok; ++id) {
        if (!v_.is_normal(id)) continue;
        const std::string_view text = v_.texts[id];
        for (size_t at = text.find(space, 1); at != std::string_view::npos && ok;
             at = text.find(space, at + 1)) {
          ok = at >= 3 && text.substr(at - 3, 3) == space;
        }
      }
      v_.spm_words_start_at_space = ok;
    }

    v_.pieces.resize(n);
    for (int32_t id = 0; id < n; ++id) v_.pieces[id] = make_piece(id);
  }

  // What a token stands for as text (control and unknown tokens as their own text;
  // whether they are shown is decided per call).
  std::string make_piece(int32_t id) const {
    const std::string& text = v_.texts[id];
    const uint32_t a = v_.attrs[id];
    if (a & (token_attr::unknown | token_attr::control | token_attr::user_defined)) return text;
    if (a & token_attr::normal) {
      if (v_.type == VocabType::spm) {
        std::string out;
        out.reserve(text.size());
        for (size_t i = 0; i < text.size(); ++i) {
          if (text.compare(i, 3, "\xE2\x96\x81") == 0) {
            out.push_back(' ');
            i += 2;
          } else {
            out.push_back(text[i]);
          }
        }
        return out;
      }
      // Byte-level BPE: each code point stands for one byte. A code point outside the
      // mapping is kept as UTF-8 (llama.cpp writes "[UNK_BYTE_0x..]" instead).
      std::string out;
      for (uint32_t cp : utf8::decode_lenient(text)) {
        const int b = byte_encoding::codepoint_to_byte(cp);
        if (b >= 0) {
          out.push_back(static_cast<char>(b));
        } else {
          utf8::append(out, cp);
        }
      }
      return out;
    }
    if (a & token_attr::byte) {
      const int b = parse_byte_token(text);
      return b >= 0 ? std::string(1, static_cast<char>(b)) : text;
    }
    return {};  // unused or undefined: nothing, as llama.cpp
  }

  const model::GgufFile& file_;
  Vocab v_;
};

Vocab Vocab::load(const model::GgufFile& file) {
  return VocabLoader(file).load();
}

int32_t Vocab::find(std::string_view text) const {
  return ids_.find(text, texts);
}

int32_t Vocab::find_normal(std::string_view text) const {
  const int32_t id = ids_.find(text, texts);
  return id >= 0 && is_normal(id) ? id : -1;
}

int32_t Vocab::text_merge_rank(std::string_view left, std::string_view right,
                               std::string& scratch) const {
  if (text_merges_.empty()) return -1;
  scratch.assign(left);
  scratch.push_back(' ');
  scratch.append(right);
  const auto it = text_merges_.find(std::string_view(scratch));
  return it == text_merges_.end() ? -1 : it->second;
}

}  // namespace sluice::tokenizer
