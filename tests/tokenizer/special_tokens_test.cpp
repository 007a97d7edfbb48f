// Special tokens: ids and flags from metadata, end-of-generation, and the policy that
// control and user-defined tokens written in text are recognised only with parse_special.
#include <algorithm>
#include <catch2/catch.hpp>
#include <optional>
#include <string>
#include <vector>

#include "model/gguf_file.hpp"
#include "synthetic_vocab.hpp"
#include "test_support.hpp"
#include "tokenizer/tokenizer.hpp"

using sluice::tokenizer::Tokenizer;

namespace {

std::optional<Tokenizer> vocab(const std::string& name) {
  const auto path = sluice::test::shared_file("vocab/ggml-vocab-" + name + ".gguf");
  if (path.empty()) return std::nullopt;
  return Tokenizer::from_gguf(sluice::model::GgufFile::open(path));
}

bool contains(const std::vector<int32_t>& ids, int32_t id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

}  // namespace

TEST_CASE("special: llama-bpe ids, flags and parsing", "[special]") {
  const auto tok = vocab("llama-bpe");
  if (!tok) return;
  CHECK(tok->type_name() == "BPE");
  CHECK(tok->pre_tokenizer() == "llama-bpe");
  CHECK(tok->bos() == 128000);
  CHECK(tok->eos() == 128001);
  CHECK(tok->eot() == 128009);  // <|eot_id|>, found by its text
  CHECK(tok->add_bos());        // llama-bpe adds BOS though the file does not say so
  CHECK_FALSE(tok->add_eos());
  CHECK(tok->is_eog(128001));
  CHECK(tok->is_eog(128009));
  CHECK_FALSE(tok->is_eog(128000));

  const std::string text = "<|begin_of_text|>Hello<|eot_id|>";
  const auto plain = tok->encode(text, false);
  CHECK_FALSE(contains(plain, 128000));
  CHECK_FALSE(contains(plain, 128009));
  CHECK(tok->decode(plain) == text);  // written out as ordinary text, losslessly

  const auto parsed = tok->encode(text, false, true);
  REQUIRE(parsed.size() == 3);
  CHECK(parsed[0] == 128000);
  CHECK(parsed[2] == 128009);
  CHECK(tok->encode("Hello", false) == std::vector<int32_t>{parsed[1]});

  // add_special puts BOS before a parsed BOS too (llama.cpp warns about it; so do we not).
  const auto with_bos = tok->encode(text, true, true);
  CHECK(with_bos.size() == 4);
  CHECK(with_bos[0] == 128000);
  CHECK(with_bos[1] == 128000);

  CHECK(tok->decode(parsed).find("<|") == std::string::npos);  // control: not rendered
  CHECK(tok->decode(parsed, true) == text);
}

TEST_CASE("special: qwen2 chat markers", "[special]") {
  const auto tok = vocab("qwen2");
  if (!tok) return;
  CHECK_FALSE(tok->add_bos());
  const std::string chat = "<|im_start|>user\nHi there<|im_end|>\n";
  const auto parsed = tok->encode(chat, true, true);
  REQUIRE(parsed.size() >= 3);
  const int32_t im_start = parsed.front();
  CHECK(tok->token_text(im_start) == "<|im_start|>");
  CHECK(tok->is_control(im_start));
  CHECK(tok->eot() >= 0);
  CHECK(tok->token_text(tok->eot()) == "<|im_end|>");
  CHECK(contains(parsed, tok->eot()));
  CHECK(tok->is_eog(tok->eot()));

  const auto plain = tok->encode(chat, true, false);
  CHECK_FALSE(contains(plain, im_start));
  CHECK_FALSE(contains(plain, tok->eot()));
  CHECK(tok->decode(plain) == chat);
}

TEST_CASE("special: SPM <s> in text", "[special]") {
  const auto tok = vocab("llama-spm");
  if (!tok) return;
  const auto plain = tok->encode("<s>hi</s>", false);
  CHECK_FALSE(contains(plain, 1));
  CHECK_FALSE(contains(plain, 2));
  CHECK(tok->decode(plain) == " <s>hi</s>");
  const auto parsed = tok->encode("<s>hi</s>", false, true);
  REQUIRE(parsed.size() >= 3);
  CHECK(parsed.front() == 1);
  CHECK(parsed.back() == 2);
  // After a special token the text gets the space prefix again, as llama.cpp does.
  CHECK(tok->decode(parsed) == " hi");
  CHECK(tok->encode("<unk>", false, true) == std::vector<int32_t>{0});
}

TEST_CASE("special: phi-3 user-defined markers and rstrip", "[special]") {
  const auto tok = vocab("phi-3");
  if (!tok) return;
  const auto parsed = tok->encode("<|user|>\nHello<|end|>\n<|assistant|>", false, true);
  REQUIRE(parsed.size() >= 4);
  CHECK(tok->token_text(parsed.front()) == "<|user|>");
  CHECK(tok->token_text(parsed.back()) == "<|assistant|>");
  // Phi-3's specials swallow the whitespace after them (llama.cpp's rstrip by model name):
  // the text after <|user|> is "Hello", not "\nHello".
  const auto hello = tok->encode("Hello", false);
  REQUIRE(parsed.size() == hello.size() + 3);
  CHECK(std::equal(hello.begin(), hello.end(), parsed.begin() + 1));
  const int32_t end = parsed[1 + hello.size()];
  CHECK(tok->token_text(end) == "<|end|>");
  CHECK(tok->is_eog(end));
  CHECK(tok->eos() == 32000);

  const auto plain = tok->encode("<|user|>\nHello", false);
  CHECK_FALSE(contains(plain, parsed.front()));
}

TEST_CASE("special: synthetic BPE, ids and control tokens", "[special]") {
  const Tokenizer tok = sluice::test::tokenizer_from(sluice::test::bpe_vocab_writer());
  CHECK(tok.bos() == 259);
  CHECK(tok.eos() == 259);
  CHECK(tok.eot() == 259);  // "<|endoftext|>" by text
  CHECK_FALSE(tok.add_bos());
  CHECK(tok.encode("ab", true) == std::vector<int32_t>{257});
  CHECK(tok.encode(" ab", true) == std::vector<int32_t>{258});
  CHECK(tok.encode("<|endoftext|>", false, true) == std::vector<int32_t>{259});
  CHECK(tok.encode("<|endoftext|>", false, false).size() > 1);
}
