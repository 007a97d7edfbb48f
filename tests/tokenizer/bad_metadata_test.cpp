// A vocabulary whose metadata is missing or inconsistent is a TokenizerError naming the
// key at fault, never a crash or a silently wrong tokenizer.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "synthetic_vocab.hpp"
#include "tokenizer/byte_encoding.hpp"
#include "tokenizer/tokenizer.hpp"

using sluice::model::GgufValue;
using sluice::model::GgufWriter;
using sluice::test::bpe_vocab_writer;
using sluice::test::spm_vocab_writer;
using sluice::test::tokenizer_from;
using sluice::tokenizer::TokenizerError;

namespace {

// The key the TokenizerError thrown while loading `writer` names ("" when none is thrown).
std::string error_key(const GgufWriter& writer) {
  try {
    (void)tokenizer_from(writer);
  } catch (const TokenizerError& e) {
    // The message names the key too.
    CHECK(std::string(e.what()).find(e.key()) != std::string::npos);
    return e.key();
  }
  return "";
}

}  // namespace

TEST_CASE("bad metadata: the synthetic vocabularies themselves load", "[metadata]") {
  CHECK(error_key(spm_vocab_writer()).empty());
  CHECK(error_key(bpe_vocab_writer()).empty());
}

TEST_CASE("bad metadata: tokenizer model", "[metadata]") {
  auto w = spm_vocab_writer();
  w.remove("tokenizer.ggml.model");
  CHECK(error_key(w) == "tokenizer.ggml.model");
  w.set("tokenizer.ggml.model", GgufValue::of_string("bert"));
  CHECK(error_key(w) == "tokenizer.ggml.model");
  w.set("tokenizer.ggml.model", GgufValue::of_uint32(1));
  CHECK(error_key(w) == "tokenizer.ggml.model");
}

TEST_CASE("bad metadata: token list, scores and types", "[metadata]") {
  {
    auto w = spm_vocab_writer();
    w.remove("tokenizer.ggml.tokens");
    CHECK(error_key(w) == "tokenizer.ggml.tokens");
    w.set("tokenizer.ggml.tokens", GgufValue::of_strings({}));
    CHECK(error_key(w) == "tokenizer.ggml.tokens");
    w.set("tokenizer.ggml.tokens", GgufValue::of_float32s({1.0f, 2.0f}));
    CHECK(error_key(w) == "tokenizer.ggml.tokens");
  }
  {
    auto w = spm_vocab_writer();
    w.set("tokenizer.ggml.scores", GgufValue::of_float32s({0.0f, 1.0f, 2.0f}));
    CHECK(error_key(w) == "tokenizer.ggml.scores");
    w.set("tokenizer.ggml.scores", GgufValue::of_strings({"a"}));
    CHECK(error_key(w) == "tokenizer.ggml.scores");
  }
  {
    auto w = spm_vocab_writer();
    w.set("tokenizer.ggml.token_type", GgufValue::of_int32s({1, 1}));
    CHECK(error_key(w) == "tokenizer.ggml.token_type");
    w.set("tokenizer.ggml.token_type", GgufValue::of_float32s({1.0f}));
    CHECK(error_key(w) == "tokenizer.ggml.token_type");
  }
}

TEST_CASE("bad metadata: special token ids and add_* flags", "[metadata]") {
  auto w = spm_vocab_writer();
  w.set("tokenizer.ggml.bos_token_id", GgufValue::of_uint32(100000));
  CHECK(error_key(w) == "tokenizer.ggml.bos_token_id");
  w = spm_vocab_writer();
  w.set("tokenizer.ggml.eos_token_id", GgufValue::of_int32(-7));
  CHECK(error_key(w) == "tokenizer.ggml.eos_token_id");
  w = spm_vocab_writer();
  w.set("tokenizer.ggml.padding_token_id", GgufValue::of_string("0"));
  CHECK(error_key(w) == "tokenizer.ggml.padding_token_id");
  w = spm_vocab_writer();
  w.set("tokenizer.ggml.eot_token_id", GgufValue::of_uint32(268));  // one past the end
  CHECK(error_key(w) == "tokenizer.ggml.eot_token_id");

  // 0xFFFFFFFF and -1 are how converters write "none" (stories260K does): no error.
  w = spm_vocab_writer();
  w.set("tokenizer.ggml.padding_token_id", GgufValue::of_uint32(0xFFFFFFFFu));
  w.set("tokenizer.ggml.seperator_token_id", GgufValue::of_int32(-1));
  CHECK(error_key(w).empty());
  CHECK(tokenizer_from(w).pad() == -1);

  // ... but a BOS that is "none" cannot be added.
  w = spm_vocab_writer();
  w.set("tokenizer.ggml.bos_token_id", GgufValue::of_uint32(0xFFFFFFFFu));
  CHECK(error_key(w) == "tokenizer.ggml.add_bos_token");
  w.set("tokenizer.ggml.add_bos_token", GgufValue::of_bool(false));
  CHECK(error_key(w).empty());
  CHECK(tokenizer_from(w).bos() == -1);
  CHECK(tokenizer_from(w).encode("ab", true) == tokenizer_from(w).encode("ab", false));

  w = spm_vocab_writer();
  w.set("tokenizer.ggml.add_eos_token", GgufValue::of_uint32(1));
  CHECK(error_key(w) == "tokenizer.ggml.add_eos_token");
  w.set("tokenizer.ggml.add_eos_token", GgufValue::of_bool(true));
  CHECK(error_key(w).empty());
  CHECK(tokenizer_from(w).encode("ab", true).back() == 2);
}

TEST_CASE("bad metadata: BPE merges and pre-tokenizer", "[metadata]") {
  auto w = bpe_vocab_writer();
  w.remove("tokenizer.ggml.merges");
  CHECK(error_key(w) == "tokenizer.ggml.merges");
  w.set("tokenizer.ggml.merges", GgufValue::of_strings({"a b", "nospace"}));
  CHECK(error_key(w) == "tokenizer.ggml.merges");
  w.set("tokenizer.ggml.merges", GgufValue::of_int32s({1, 2}));
  CHECK(error_key(w) == "tokenizer.ggml.merges");

  w = bpe_vocab_writer();
  w.set("tokenizer.ggml.pre", GgufValue::of_string("no-such-pre-tokenizer"));
  CHECK(error_key(w) == "tokenizer.ggml.pre");
  w.set("tokenizer.ggml.pre", GgufValue::of_uint32(3));
  CHECK(error_key(w) == "tokenizer.ggml.pre");
  // Absent: llama.cpp's default set, as llama.cpp (which warns).
  w.remove("tokenizer.ggml.pre");
  CHECK(error_key(w).empty());
  for (const char* pre : {"llama-bpe", "qwen2", "gpt-2", "deepseek-coder", "falcon", "starcoder",
                          "default", "smollm", "llama3"}) {
    w.set("tokenizer.ggml.pre", GgufValue::of_string(pre));
    INFO(pre);
    CHECK(error_key(w).empty());
    CHECK(tokenizer_from(w).decode(tokenizer_from(w).encode(" ab 12345 x!", false)) ==
          " ab 12345 x!");
  }
}

TEST_CASE("bad metadata: SPM byte tokens missing", "[metadata]") {
  // Without <0xAB> tokens, bytes that are no token fall back to <unk>.
  std::vector<std::string> tokens = {"<unk>", "<s>", "</s>", "\xE2\x96\x81", "a"};
  GgufWriter w;
  w.set("tokenizer.ggml.model", GgufValue::of_string("llama"));
  w.set("tokenizer.ggml.tokens", GgufValue::of_strings(tokens));
  w.set("tokenizer.ggml.token_type", GgufValue::of_int32s({2, 3, 3, 1, 1}));
  const auto tok = tokenizer_from(w);
  CHECK(tok.encode("a\xC3\xA4", false) == std::vector<int32_t>{3, 4, 0, 0});
  CHECK(tok.decode(tok.encode("a\xC3\xA4", true)) == " a");
  CHECK(tok.decode(tok.encode("a\xC3\xA4", true), true) == "<s> a<unk><unk>");
}

TEST_CASE("bad metadata: merges through pieces that are no token", "[metadata]") {
  // "y z" makes "yz", which is no token; "x yz" can then only be found by text.
  auto w = bpe_vocab_writer();
  std::vector<std::string> tokens;
  for (int b = 0; b < 256; ++b) {
    tokens.emplace_back(sluice::tokenizer::byte_encoding::byte_to_utf8(static_cast<uint8_t>(b)));
  }
  tokens.emplace_back("xyz");
  w.set("tokenizer.ggml.tokens", GgufValue::of_strings(tokens));
  w.remove("tokenizer.ggml.token_type");
  w.set("tokenizer.ggml.merges", GgufValue::of_strings({"y z", "x yz"}));
  w.set("tokenizer.ggml.bos_token_id", GgufValue::of_uint32(0));
  w.set("tokenizer.ggml.eos_token_id", GgufValue::of_uint32(0));
  const auto tok = tokenizer_from(w);
  CHECK(tok.encode("xyz", false) == std::vector<int32_t>{256});
  CHECK(tok.encode("yz", false) == std::vector<int32_t>{'y', 'z'});  // ids = bytes here
  CHECK(tok.decode(tok.encode("xyz yz", false)) == "xyz yz");
}
