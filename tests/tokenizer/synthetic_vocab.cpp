#include "synthetic_vocab.hpp"

#include <cstdio>
#include <span>
#include <sstream>
#include <vector>

#include "model/gguf_file.hpp"
#include "tokenizer/byte_encoding.hpp"

namespace sluice::test {

using model::GgufValue;

model::GgufWriter spm_vocab_writer() {
  std::vector<std::string> tokens = {"<unk>", "<s>", "</s>"};
  std::vector<float> scores = {0, 0, 0};
  std::vector<int32_t> types = {2, 3, 3};
  for (int b = 0; b < 256; ++b) {
    char text[8];
    std::snprintf(text, sizeof text, "<0x%02X>", b);
    tokens.emplace_back(text);
    scores.push_back(0);
    types.push_back(6);
  }
  const std::pair<const char*, float> normal[] = {
      {"\xE2\x96\x81", -1},
      {"a", -2},
      {"b", -2},
      {"c", -3},
      {"ab", -1},
      {"\xE2\x96\x81"
       "a",
       -1.5},
      {"\xE2\x96\x81"
       "ab",
       -0.5},
      {"bc", -0.25},
      {"abc", -4},
  };
  for (const auto& [text, score] : normal) {
    tokens.emplace_back(text);
    scores.push_back(score);
    types.push_back(1);
  }
  model::GgufWriter w;
  w.set("general.architecture", GgufValue::of_string("llama"));
  w.set("tokenizer.ggml.model", GgufValue::of_string("llama"));
  w.set("tokenizer.ggml.tokens", GgufValue::of_strings(tokens));
  w.set("tokenizer.ggml.scores", GgufValue::of_float32s(scores));
  w.set("tokenizer.ggml.token_type", GgufValue::of_int32s(types));
  w.set("tokenizer.ggml.bos_token_id", GgufValue::of_uint32(1));
  w.set("tokenizer.ggml.eos_token_id", GgufValue::of_uint32(2));
  w.set("tokenizer.ggml.unknown_token_id", GgufValue::of_uint32(0));
  return w;
}

model::GgufWriter bpe_vocab_writer() {
  std::vector<std::string> tokens;
  std::vector<int32_t> types;
  for (int b = 0; b < 256; ++b) {
    tokens.emplace_back(tokenizer::byte_encoding::byte_to_utf8(static_cast<uint8_t>(b)));
    types.push_back(1);
  }
  for (const char* text : {"\xC4\xA0"
                           "a",
                           "ab",
                           "\xC4\xA0"
                           "ab"}) {
    tokens.emplace_back(text);
    types.push_back(1);
  }
  tokens.emplace_back("<|endoftext|>");
  types.push_back(3);
  model::GgufWriter w;
  w.set("general.architecture", GgufValue::of_string("gpt2"));
  w.set("tokenizer.ggml.model", GgufValue::of_string("gpt2"));
  w.set("tokenizer.ggml.pre", GgufValue::of_string("gpt-2"));
  w.set("tokenizer.ggml.tokens", GgufValue::of_strings(tokens));
  w.set("tokenizer.ggml.token_type", GgufValue::of_int32s(types));
  w.set("tokenizer.ggml.merges", GgufValue::of_strings({"\xC4\xA0 a", "a b",
                                                        "\xC4\xA0"
                                                        "a b"}));
  w.set("tokenizer.ggml.bos_token_id", GgufValue::of_uint32(259));
  w.set("tokenizer.ggml.eos_token_id", GgufValue::of_uint32(259));
  return w;
}

tokenizer::Tokenizer tokenizer_from(const model::GgufWriter& writer) {
  std::ostringstream out;
  writer.write(out);
  const std::string bytes = out.str();
  const auto file = model::GgufFile::parse(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
  return tokenizer::Tokenizer::from_gguf(file);
}

}  // namespace sluice::test
