// SPM merges word by word where the vocabulary allows it (no token crosses the start of a
// run of U+2581); that must give exactly what merging the whole text at once gives, as
// llama.cpp does, invalid UTF-8 included.
#include <catch2/catch.hpp>
#include <random>
#include <string>
#include <vector>

#include "model/gguf_file.hpp"
#include "test_support.hpp"
#include "tokenizer/spm.hpp"
#include "tokenizer/vocab.hpp"

using sluice::tokenizer::Vocab;

TEST_CASE("spm: word-by-word merging equals whole-text merging", "[spm]") {
  for (const char* name : {"vocab/ggml-vocab-llama-spm.gguf", "models/stories260K.gguf"}) {
    const auto path = sluice::test::shared_file(name);
    if (path.empty()) continue;
    const auto file = sluice::model::GgufFile::open(path);
    const Vocab by_word = Vocab::load(file);
    Vocab whole = Vocab::load(file);
    REQUIRE(by_word.spm_words_start_at_space);
    whole.spm_words_start_at_space = false;

    const char* pieces[] = {" ",  "  ", "   ",  "\xE2\x96\x81", "a",        "the",  "Hello",
                            "\n", "\t", "🦙", "\xC3\xA9",     "1",        "333",  "'s",
                            "!",  "我", "нещо", "\xFF",         "\xE2\x96", "\xF0", "x\xE2"};
    std::mt19937 rng(7);
    int differ = 0;
    for (int t = 0; t < 3000; ++t) {
      std::string text;
      const int n = static_cast<int>(rng() % 30);
      for (int i = 0; i < n; ++i) text += pieces[rng() % (sizeof pieces / sizeof *pieces)];
      std::string escaped;
      for (char c : text) escaped += c == ' ' ? std::string("\xE2\x96\x81") : std::string(1, c);
      std::vector<int32_t> a, b;
      sluice::tokenizer::spm_tokenize(by_word, escaped, a);
      sluice::tokenizer::spm_tokenize(whole, escaped, b);
      if (a != b) {
        ++differ;
        INFO(name << ": '" << text << "'");
        CHECK(a == b);
      }
    }
    CHECK(differ == 0);
  }
}
