// Bad input never crashes: invalid UTF-8, NULs, huge runs; llama.cpp's handling where it
// defines one (U+FFFD for BPE, byte tokens for SPM); and encoding from many threads.
#include <algorithm>
#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "model/gguf_file.hpp"
#include "synthetic_vocab.hpp"
#include "test_support.hpp"
#include "tokenizer/streaming_detokenizer.hpp"
#include "tokenizer/tokenizer.hpp"
#include "tokenizer/utf8.hpp"

using sluice::tokenizer::StreamingDetokenizer;
using sluice::tokenizer::Tokenizer;
namespace utf8 = sluice::tokenizer::utf8;

namespace {

const char* const kVocabularies[] = {"llama-spm", "phi-3",          "llama-bpe", "qwen2",
                                     "gpt-2",     "deepseek-coder", "falcon",    "starcoder"};

std::optional<Tokenizer> vocab(const std::string& name) {
  const auto path = sluice::test::shared_file("vocab/ggml-vocab-" + name + ".gguf");
  if (path.empty()) return std::nullopt;
  return Tokenizer::from_gguf(sluice::model::GgufFile::open(path));
}

std::vector<std::string> nasty_inputs() {
  return {
      "\xFF",
      "\xC0\x80",          // overlong NUL
      "\xED\xA0\x80",      // a surrogate
      "\xF4\x90\x80\x80",  // above U+10FFFF
      "\xF8\x88\x80\x80\x80",
      "\x80\x80 abc \xBF",
      "caf\xC3",  // cut short
      "\xE2\x82",
      std::string("a\0b\0\0c", 7),
      "<|im_start|>\xFF<|im_end|><s></s><unk>",
      std::string(30000, ' ') + "x",
      std::string(5000, '\n') + std::string(5000, '\t'),
      std::string(40000, '7'),
      std::string(60000, 'a'),
      "'s'S'll'LL'Ve'''\r\n\r\n\u00a0\u2028\u3000\u0085 x",
      "\xF0\x9F\xA6",  // emoji cut short
  };
}

}  // namespace

TEST_CASE("robustness: any bytes encode and decode to valid UTF-8", "[robust]") {
  for (const char* name : kVocabularies) {
    const auto tok = vocab(name);
    if (!tok) continue;
    for (const auto& text : nasty_inputs()) {
      for (bool parse_special : {false, true}) {
        INFO(name << " input of " << text.size() << " bytes, parse_special " << parse_special);
        std::vector<int32_t> ids;
        REQUIRE_NOTHROW(ids = tok->encode(text, true, parse_special));
        const bool in_range = std::all_of(
            ids.begin(), ids.end(), [&](int32_t id) { return id >= 0 && id < tok->n_vocab(); });
        CHECK(in_range);
        const std::string decoded = tok->decode(ids, true);
        CHECK(utf8::is_valid(decoded));
        StreamingDetokenizer stream(*tok);
        std::string streamed;
        for (int32_t id : ids) streamed += stream.push(id);
        streamed += stream.flush();
        CHECK(streamed == tok->decode(ids));
        if (utf8::is_valid(text) && !parse_special && tok->type_name() == "BPE") {
          CHECK(tok->decode(ids) == text);
        }
      }
    }
  }
}

TEST_CASE("robustness: invalid UTF-8 is handled as llama.cpp handles it", "[robust]") {
  if (const auto tok = vocab("llama-bpe")) {
    // BPE reads an invalid byte as U+FFFD.
    CHECK(tok->encode("\xFF", false) == tok->encode("\xEF\xBF\xBD", false));
    CHECK(tok->encode("a\xFF"
                      "b\x80",
                      false) == tok->encode("a\uFFFD"
                                            "b\uFFFD",
                                            false));
    CHECK(tok->encode("caf\xC3", false) == tok->encode("caf\uFFFD", false));
    // ... and an overlong form as the code point it spells.
    CHECK(tok->encode("\xC0\x80", false) == tok->encode(std::string(1, '\0'), false));
    // Beyond U+10FFFF (where llama.cpp throws) we write U+FFFD per byte.
    CHECK(tok->encode("\xF4\x90\x80\x80", false) == tok->encode("\uFFFD\uFFFD\uFFFD\uFFFD", false));
  }
  if (const auto tok = vocab("llama-spm")) {
    // SPM keeps the bytes: byte-fallback tokens <0xFF> (id 3 + 0xFF) after the prefix "▁".
    const auto ids = tok->encode("\xFF", false);
    REQUIRE(ids.size() == 2);
    CHECK(tok->token_text(ids[0]) == "\xE2\x96\x81");
    CHECK(ids[1] == 3 + 0xFF);
    CHECK(tok->decode(ids) == " \uFFFD");
  }
}

TEST_CASE("robustness: encode and decode are free-threaded", "[robust]") {
  const auto tok = vocab("llama-bpe");
  if (!tok) return;
  const std::vector<std::string> texts = {"Hello world, this is a test of 1234567 things.",
                                          "нещо на Български 🦙",
                                          "  \n\n\t  indent   ", "我想在apple工作1314151天～"};
  std::vector<std::vector<int32_t>> expected;
  for (const auto& t : texts) expected.push_back(tok->encode(t, true));
  std::vector<int> failures(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 200; ++round) {
        const size_t i = (round + t) % texts.size();
        if (tok->encode(texts[i], true) != expected[i]) ++failures[t];
        if (tok->decode(expected[i]) != texts[i]) ++failures[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int f : failures) CHECK(f == 0);
}

TEST_CASE("robustness: utf8 helpers", "[robust]") {
  CHECK(utf8::is_valid("plain ascii"));
  CHECK(utf8::is_valid("\xF0\x9F\xA6\x99\xE2\x96\x81\xC3\xA4"));
  CHECK_FALSE(utf8::is_valid("\xC0\x80"));
  CHECK_FALSE(utf8::is_valid("\xED\xA0\x80"));
  CHECK_FALSE(utf8::is_valid("\xF4\x90\x80\x80"));
  CHECK_FALSE(utf8::is_valid("\xE2\x82"));
  CHECK(utf8::sanitize("a\xE2\x82"
                       "b") ==
        "a\uFFFD"
        "b");
  CHECK(utf8::sanitize("\xF0\x9F\xA6") == "\uFFFD");
  CHECK(utf8::sanitize("\xFF\xFE") == "\uFFFD\uFFFD");
  CHECK(utf8::decode_lenient("\xC3\xA4\xFF"
                             "a") == std::vector<uint32_t>{0xE4, 0xFFFD, 'a'});
}
