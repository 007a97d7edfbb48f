// Pieces, decoding and the streaming detokenizer: partial UTF-8 is held back, output is
// always valid UTF-8, and streaming gives exactly what decode() gives.
#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

#include "model/gguf_file.hpp"
#include "synthetic_vocab.hpp"
#include "test_support.hpp"
#include "tokenizer/streaming_detokenizer.hpp"
#include "tokenizer/tokenizer.hpp"
#include "tokenizer/utf8.hpp"

using sluice::tokenizer::StreamingDetokenizer;
using sluice::tokenizer::Tokenizer;
using sluice::tokenizer::TokenizerError;
namespace utf8 = sluice::tokenizer::utf8;

namespace {

std::optional<Tokenizer> load(const std::string& relative) {
  const auto path = sluice::test::shared_file(relative);
  if (path.empty()) return std::nullopt;
  return Tokenizer::from_gguf(sluice::model::GgufFile::open(path));
}

// Streams `ids`, checking every chunk is valid UTF-8; returns the whole text.
std::string stream_all(const Tokenizer& tok, const std::vector<int32_t>& ids,
                       bool render_special = false) {
  StreamingDetokenizer stream(tok, render_special);
  std::string all;
  for (int32_t id : ids) {
    const std::string chunk = stream.push(id);
    CHECK(utf8::is_valid(chunk));
    all += chunk;
  }
  const std::string rest = stream.flush();
  CHECK(utf8::is_valid(rest));
  CHECK(stream.pending() == 0);
  return all + rest;
}

constexpr int32_t kByteBase = 3;  // SPM vocabularies here: <0x00> is id 3

}  // namespace

TEST_CASE("detokenizer: a character split over byte-fallback tokens is held back", "[detok]") {
  const Tokenizer tok = sluice::test::tokenizer_from(sluice::test::spm_vocab_writer());
  REQUIRE(tok.token_text(kByteBase + 0xF0) == "<0xF0>");
  // "🦙" is F0 9F A6 99: no token of this vocabulary, so four byte tokens after "▁".
  const int32_t space = 259;  // "▁"
  const auto ids = tok.encode("\xF0\x9F\xA6\x99", false);
  REQUIRE(ids == std::vector<int32_t>{space, kByteBase + 0xF0, kByteBase + 0x9F, kByteBase + 0xA6,
                                      kByteBase + 0x99});
  CHECK(tok.token_to_piece(kByteBase + 0xF0) == "\xF0");  // a piece alone: not UTF-8

  StreamingDetokenizer stream(tok);
  CHECK(stream.push(ids[0]) == " ");
  CHECK(stream.push(ids[1]).empty());
  CHECK(stream.pending() == 1);
  CHECK(stream.push(ids[2]).empty());
  CHECK(stream.push(ids[3]).empty());
  CHECK(stream.pending() == 3);
  CHECK(stream.push(ids[4]) == "\xF0\x9F\xA6\x99");
  CHECK(stream.pending() == 0);
  // A complete character written as byte tokens by hand: U+2581 as E2 96 81.
  CHECK(stream.push(kByteBase + 0xE2).empty());
  CHECK(stream.push(kByteBase + 0x96).empty());
  CHECK(stream.push(kByteBase + 0x81) == "\xE2\x96\x81");
  CHECK(stream.flush().empty());
}

TEST_CASE("detokenizer: broken sequences become U+FFFD, never invalid bytes", "[detok]") {
  const Tokenizer tok = sluice::test::tokenizer_from(sluice::test::spm_vocab_writer());
  const std::string fffd = "\xEF\xBF\xBD";
  {
    StreamingDetokenizer stream(tok);
    CHECK(stream.push(kByteBase + 0xF0).empty());
    CHECK(stream.push(kByteBase + 0x9F).empty());
    CHECK(stream.flush() == fffd);  // cut short at the end: one U+FFFD
  }
  {
    StreamingDetokenizer stream(tok);
    CHECK(stream.push(kByteBase + 0xFF) == fffd);  // can never start a character
    CHECK(stream.push(kByteBase + 0xE2).empty());
    CHECK(stream.push(kByteBase + 'a') == fffd + "a");  // E2 then 'a': broken, then 'a'
    CHECK(stream.push(kByteBase + 0xC0) == fffd);       // overlong lead byte
    CHECK(stream.push(kByteBase + 0xED).empty());
    CHECK(stream.push(kByteBase + 0xA0) == fffd + fffd);  // a surrogate: ED A0 is ill-formed
    CHECK(stream.flush().empty());
  }
  const std::vector<int32_t> ids{kByteBase + 0xF0, kByteBase + 0x9F, kByteBase + 'x',
                                 kByteBase + 0xE2, kByteBase + 0x82};
  const std::string decoded = tok.decode(ids);
  CHECK(decoded == fffd + "x" + fffd);
  CHECK(stream_all(tok, ids) == decoded);
}

TEST_CASE("detokenizer: streaming equals decode on real vocabularies", "[detok]") {
  const std::vector<std::string> texts = {
      "Hello, world! 🦙🦙 3.14159",    "нещо на Български",
      "我想在apple工作1314151天～",        "😶\u200d🌫️ ✅ (emoji)",
      "tab\there\nnew line  and   spaces", "Cửa Việt ½ ÄÖÜ ß"};
  for (const char* name : {"vocab/ggml-vocab-llama-spm.gguf", "vocab/ggml-vocab-llama-bpe.gguf",
                           "vocab/ggml-vocab-qwen2.gguf", "models/stories260K.gguf"}) {
    const auto tok = load(name);
    if (!tok) continue;
    for (const auto& text : texts) {
      INFO(name << ": " << text);
      const auto ids = tok->encode(text, true);
      const std::string decoded = tok->decode(ids);
      CHECK(utf8::is_valid(decoded));
      CHECK(stream_all(*tok, ids) == decoded);
      CHECK(stream_all(*tok, ids, true) == tok->decode(ids, true));
      if (tok->type_name() == "BPE") {
        CHECK(decoded == text);
      } else {
        CHECK(decoded == " " + text);
        CHECK(tok->detokenize(ids) == " " + text);  // BOS first: llama.cpp keeps the space
      }
    }
  }
}

TEST_CASE("detokenizer: llama-bpe byte-level pieces of one character", "[detok]") {
  const auto tok = load("vocab/ggml-vocab-llama-bpe.gguf");
  if (!tok) return;
  // "🦙" is one word whose bytes no single token covers: some piece ends mid-character.
  const auto ids = tok->encode("🦙", false);
  REQUIRE(ids.size() > 1);
  CHECK_FALSE(utf8::is_valid(tok->token_to_piece(ids[0])));
  StreamingDetokenizer stream(*tok);
  CHECK(stream.push(ids[0]).empty());
  std::string all;
  for (size_t i = 1; i < ids.size(); ++i) all += stream.push(ids[i]);
  CHECK(all == "🦙");
}

TEST_CASE("detokenizer: clean-up of spaces follows llama.cpp for BPE", "[detok]") {
  const auto tok = load("vocab/ggml-vocab-gpt-2.gguf");
  if (!tok) return;
  const auto ids = tok->encode("Hello , world ! It 's here", false);
  CHECK(tok->decode(ids) == "Hello , world ! It 's here");
  CHECK(tok->detokenize(ids) == "Hello, world! It's here");
}

TEST_CASE("detokenizer: ids outside the vocabulary are a TokenizerError", "[detok]") {
  const Tokenizer tok = sluice::test::tokenizer_from(sluice::test::spm_vocab_writer());
  CHECK_THROWS_AS(tok.token_to_piece(-1), TokenizerError);
  CHECK_THROWS_AS(tok.token_to_piece(tok.n_vocab()), TokenizerError);
  const std::vector<int32_t> bad{5, 1 << 30};
  CHECK_THROWS_AS(tok.decode(bad), TokenizerError);
  StreamingDetokenizer stream(tok);
  CHECK(stream.push(kByteBase + 0xF0).empty());
  CHECK_THROWS_AS(stream.push(99999), TokenizerError);
  CHECK(stream.pending() == 1);  // unchanged
  CHECK_FALSE(tok.is_eog(-5));
  CHECK_FALSE(tok.is_control(1 << 30));
}
