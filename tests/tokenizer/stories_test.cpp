// stories260K (an SPM vocabulary of 512): prompts encode to llama.cpp's prompt tokens,
// and generated tokens decode to llama.cpp's text (the concatenation of their pieces).
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/gguf_file.hpp"
#include "test_support.hpp"
#include "tokenizer/streaming_detokenizer.hpp"
#include "tokenizer/tokenizer.hpp"

using sluice::tokenizer::StreamingDetokenizer;
using sluice::tokenizer::Tokenizer;

namespace {

std::optional<Tokenizer> stories() {
  const auto path = sluice::test::shared_file("models/stories260K.gguf");
  if (path.empty()) return std::nullopt;
  return Tokenizer::from_gguf(sluice::model::GgufFile::open(path));
}

}  // namespace

TEST_CASE("stories260K: vocabulary and special tokens", "[stories]") {
  const auto tok = stories();
  if (!tok) return;
  CHECK(tok->type_name() == "SPM");
  CHECK(tok->n_vocab() == 512);
  CHECK(tok->bos() == 1);
  CHECK(tok->eos() == 2);
  CHECK(tok->unk() == 0);
  CHECK(tok->pad() == -1);  // padding_token_id is 0xFFFFFFFF: none
  CHECK(tok->add_bos());
  CHECK_FALSE(tok->add_eos());
  CHECK(tok->is_eog(2));
  CHECK_FALSE(tok->is_eog(1));
  CHECK(tok->token_to_piece(1).empty());
  CHECK(tok->token_to_piece(1, true) == "<s>");
}

TEST_CASE("stories260K: 'Once upon a time' with BOS", "[stories]") {
  const auto tok = stories();
  if (!tok) return;
  CHECK(tok->encode("Once upon a time", true) == std::vector<int32_t>{1, 403, 407, 261, 378});
  CHECK(tok->encode("Once upon a time", false) == std::vector<int32_t>{403, 407, 261, 378});
  CHECK(tok->encode("", true) == std::vector<int32_t>{1});
  CHECK(tok->encode("", false).empty());
  const std::vector<int32_t> ids{1, 403, 407, 261, 378};
  CHECK(tok->decode(ids) == " Once upon a time");
  CHECK(tok->detokenize(ids) == " Once upon a time");  // BOS first: the space stays
  CHECK(tok->detokenize(std::vector<int32_t>(ids.begin() + 1, ids.end())) == "Once upon a time");
}

TEST_CASE("stories260K: greedy fixtures encode and decode as llama.cpp", "[stories]") {
  const auto tok = stories();
  if (!tok) return;
  const auto path = sluice::test::shared_file("fixtures/stories260K.greedy.jsonl");
  if (path.empty()) return;
  std::ifstream in(path);
  std::string line;
  int fixtures = 0;
  while (std::getline(in, line)) {
    if (line.empty()) continue;
    const auto j = nlohmann::json::parse(line);
    const std::string prompt = j.at("prompt");
    const auto prompt_tokens = j.at("prompt_tokens").get<std::vector<int32_t>>();
    INFO("prompt: " << prompt);
    CHECK(tok->encode(prompt, true) == prompt_tokens);

    std::vector<int32_t> generated;
    for (const auto& step : j.at("steps")) generated.push_back(step.at("token").get<int32_t>());
    const std::string text = j.at("text");
    CHECK(tok->decode(generated) == text);

    StreamingDetokenizer stream(*tok);
    std::string streamed;
    for (int32_t t : generated) streamed += stream.push(t);
    streamed += stream.flush();
    CHECK(streamed == text);
    ++fixtures;
  }
  CHECK(fixtures == 5);
}
