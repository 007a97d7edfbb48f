#include "tokenizer/tokenizer.hpp"

#include <algorithm>
#include <optional>

#include "tokenizer/bpe.hpp"
#include "tokenizer/pre_tokenizer.hpp"
#include "tokenizer/special_tokens.hpp"
#include "tokenizer/spm.hpp"
#include "tokenizer/utf8.hpp"
#include "tokenizer/vocab.hpp"

namespace sluice::tokenizer {

struct Tokenizer::Impl {
  Vocab vocab;
  std::optional<PreTokenizer> pre;  // BPE only
};

namespace {

// Offsets inside the encoders are 32-bit; SPM's escaping and BPE's U+FFFD replacement can
// triple the text.
constexpr size_t kMaxEncodeBytes = size_t{1} << 30;

void check_id(const Vocab& vocab, int32_t token) {
  if (token < 0 || token >= vocab.n_tokens()) {
    throw TokenizerError("", "token id " + std::to_string(token) + " is outside the vocabulary (" +
                                 std::to_string(vocab.n_tokens()) + " tokens)");
  }
}

const std::string& piece_of(const Vocab& vocab, int32_t token, bool render_special) {
  static const std::string kEmpty;
  check_id(vocab, token);
  if (!render_special && (vocab.attrs[token] & (token_attr::control | token_attr::unknown))) {
    return kEmpty;
  }
  return vocab.pieces[token];
}

// SPM writes spaces as U+2581.
void append_escaped(std::string& out, std::string_view text) {
  for (char c : text) {
    if (c == ' ') {
      out.append("\xE2\x96\x81");
    } else {
      out.push_back(c);
    }
  }
}

// llama.cpp's clean_up_tokenization_spaces (llama_vocab::impl::detokenize): three passes
// rewriting the bytes in place, kept in place so that its quirks (a removed space after
// " ' " is not seen as a space by the next check) carry over.
std::string clean_spaces(std::string text) {
  size_t total = text.size();
  // " ?", " !", " .", " ," lose the space.
  const size_t total1 = total;
  total = total1 ? 1 : 0;
  for (size_t i = 1; i < total1; ++i) {
    const char x = text[i];
    if (text[i - 1] == ' ' && (x == '?' || x == '!' || x == '.' || x == ',')) --total;
    text[total++] = x;
  }
  // " ' " loses both spaces.
  const size_t total2 = total;
  total = total2 ? 1 : 0;
  for (size_t i = 1; i < total2; ++i) {
    const char x = text[i];
    if (x == '\'' && i + 1 < total2 && text[i - 1] == ' ' && text[i + 1] == ' ') {
      --total;
      text[++i] = '\0';
    }
    text[total++] = x;
  }
  // " 's", " 'm", " 're", " 've" lose the space (" 't", " 'd", " 'll" keep it).
  const size_t total3 = total;
  total = total3 ? 1 : 0;
  for (size_t i = 1; i < total3; ++i) {
    const char x = text[i];
    if (text[i - 1] == ' ' && x == '\'' && i + 1 < total3) {
      const char x1 = text[i + 1];
      if (x1 == 's' || x1 == 'm') {
        --total;
      } else if (x1 != 't' && x1 != 'd' && i + 2 < total3) {
        const char x2 = text[i + 2];
        if ((x1 == 'r' || x1 == 'v') && x2 == 'e') --total;
      }
    }
    text[total++] = x;
  }
  text.resize(total);
  return text;
}

}  // namespace

Tokenizer::Tokenizer(std::shared_ptr<const Impl> impl) : impl_(std::move(impl)) {}

Tokenizer Tokenizer::from_gguf(const model::GgufFile& file) {
  auto impl = std::make_shared<Impl>();
  impl->vocab = Vocab::load(file);
  if (impl->vocab.type == VocabType::bpe) impl->pre.emplace(impl->vocab.pre);
  return Tokenizer(std::move(impl));
}

std::vector<int32_t> Tokenizer::encode(std::string_view text, bool add_special,
                                       bool parse_special) const {
  const Vocab& vocab = impl_->vocab;
  if (text.size() > kMaxEncodeBytes) {
    throw TokenizerError("", "a text of " + std::to_string(text.size()) +
                                 " bytes is too long to encode (the limit is 1 GiB)");
  }
  std::vector<Fragment> fragments;
  if (parse_special) {
    fragments = partition_special_tokens(vocab, text);
  } else if (!text.empty()) {
    fragments.push_back({-1, text});
  }

  std::vector<int32_t> out;
  out.reserve(text.size() / 3 + 2);
  if (add_special && vocab.add_bos) out.push_back(vocab.bos);
  if (vocab.type == VocabType::spm) {
    bool prev_special = true;  // a space prefix goes before the first text
    std::string escaped;
    for (const Fragment& fragment : fragments) {
      if (fragment.token >= 0) {
        out.push_back(fragment.token);
        prev_special = true;
        continue;
      }
      escaped.clear();
      if (vocab.add_space_prefix && prev_special) escaped.append("\xE2\x96\x81");
      append_escaped(escaped, fragment.text);
      spm_tokenize(vocab, escaped, out);
      prev_special = false;
    }
  } else {
    for (const Fragment& fragment : fragments) {
      if (fragment.token >= 0) {
        out.push_back(fragment.token);
      } else {
        bpe_tokenize(vocab, *impl_->pre, fragment.text, out);
      }
    }
  }
  if (add_special && vocab.add_eos) out.push_back(vocab.eos);
  return out;
}

std::string Tokenizer::token_to_piece(int32_t token, bool render_special) const {
  return piece_of(impl_->vocab, token, render_special);
}

std::string Tokenizer::decode(std::span<const int32_t> tokens, bool render_special) const {
  std::string bytes;
  for (int32_t token : tokens) bytes.append(piece_of(impl_->vocab, token, render_special));
  return utf8::sanitize(bytes);
}

std::string Tokenizer::detokenize(std::span<const int32_t> tokens, bool render_special) const {
  const Vocab& vocab = impl_->vocab;
  std::string bytes;
  for (size_t i = 0; i < tokens.size(); ++i) {
    std::string_view piece = piece_of(vocab, tokens[i], render_special);
    if (i == 0 && vocab.add_space_prefix && !piece.empty() && piece.front() == ' ') {
      piece.remove_prefix(1);
    }
    bytes.append(piece);
  }
  if (vocab.clean_spaces) bytes = clean_spaces(std::move(bytes));
  return utf8::sanitize(bytes);
}

int32_t Tokenizer::n_vocab() const {
  return impl_->vocab.n_tokens();
}
int32_t Tokenizer::bos() const {
  return impl_->vocab.bos;
}
int32_t Tokenizer::eos() const {
  return impl_->vocab.eos;
}
int32_t Tokenizer::eot() const {
  return impl_->vocab.eot;
}
int32_t Tokenizer::unk() const {
  return impl_->vocab.unk;
}
int32_t Tokenizer::pad() const {
  return impl_->vocab.pad;
}
bool Tokenizer::add_bos() const {
  return impl_->vocab.add_bos;
}
bool Tokenizer::add_eos() const {
  return impl_->vocab.add_eos;
}

bool Tokenizer::is_eog(int32_t token) const {
  const auto& eog = impl_->vocab.eog;
  return std::binary_search(eog.begin(), eog.end(), token);
}

bool Tokenizer::is_control(int32_t token) const {
  const Vocab& vocab = impl_->vocab;
  return token >= 0 && token < vocab.n_tokens() && !vocab.is_normal(token);
}

std::string_view Tokenizer::type_name() const {
  return impl_->vocab.type == VocabType::spm ? "SPM" : "BPE";
}

std::string_view Tokenizer::pre_tokenizer() const {
  return impl_->vocab.pre_name;
}

const std::string& Tokenizer::token_text(int32_t token) const {
  check_id(impl_->vocab, token);
  return impl_->vocab.texts[token];
}

}  // namespace sluice::tokenizer
