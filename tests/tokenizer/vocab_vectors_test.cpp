// llama.cpp's tokenizer test vectors (shared/vocab/ggml-vocab-*.gguf.inp/.out): every
// string must encode to exactly llama.cpp's ids (add_special = false, parse_special =
// false, as llama.cpp's test-tokenizer-0 does).
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <iterator>
#include <sstream>
#include <string>
#include <vector>

#include "model/gguf_file.hpp"
#include "test_support.hpp"
#include "tokenizer/tokenizer.hpp"
#include "tokenizer/utf8.hpp"

namespace {

using sluice::tokenizer::Tokenizer;

std::string read_all(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The .inp file: strings each followed by "\n__ggml_vocab_test__\n" (llama.cpp's reader).
std::vector<std::string> read_inputs(const std::filesystem::path& path) {
  std::string raw = read_all(path);
  const std::string delimiter = "\n__ggml_vocab_test__\n";
  std::vector<std::string> out;
  size_t pos;
  while ((pos = raw.find(delimiter)) != std::string::npos) {
    out.push_back(raw.substr(0, pos));
    raw.erase(0, pos + delimiter.size());
  }
  return out;
}

// The .out file: one line of space-separated ids per string (an empty line: no tokens).
std::vector<std::vector<int32_t>> read_outputs(const std::filesystem::path& path) {
  std::istringstream in(read_all(path));
  std::vector<std::vector<int32_t>> out;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ids(line);
    std::vector<int32_t> row;
    int32_t id;
    while (ids >> id) row.push_back(id);
    out.push_back(std::move(row));
  }
  return out;
}

std::string show(const std::vector<int32_t>& ids) {
  std::string s;
  for (int32_t id : ids) s += (s.empty() ? "" : " ") + std::to_string(id);
  return s;
}

void check_vocabulary(const std::string& name, bool spm) {
  const auto path = sluice::test::shared_file("vocab/ggml-vocab-" + name + ".gguf");
  if (path.empty()) return;
  const auto inputs = read_inputs(path.string() + ".inp");
  const auto expected = read_outputs(path.string() + ".out");
  REQUIRE(inputs.size() == expected.size());
  REQUIRE_FALSE(inputs.empty());

  const auto file = sluice::model::GgufFile::open(path);
  const Tokenizer tok = Tokenizer::from_gguf(file);
  CHECK(tok.type_name() == (spm ? "SPM" : "BPE"));

  size_t passed = 0;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const std::vector<int32_t> got = tok.encode(inputs[i], false, false);
    INFO(name << " string " << i << ": '" << inputs[i] << "'\n expected: " << show(expected[i])
              << "\n got:      " << show(got));
    CHECK(got == expected[i]);
    if (got == expected[i]) ++passed;

    // Nothing is lost: the pieces give back the text (SPM with the space it prefixed).
    const std::string decoded = tok.decode(got);
    if (spm) {
      CHECK(decoded == (inputs[i].empty() ? "" : " " + inputs[i]));
      CHECK(tok.detokenize(got) == inputs[i]);
    } else {
      CHECK(decoded == inputs[i]);
    }
  }
  std::printf("tokenizer vectors %-15s %zu/%zu strings match llama.cpp\n", name.c_str(), passed,
              inputs.size());
  CHECK(passed == inputs.size());
}

}  // namespace

TEST_CASE("vectors: llama-spm", "[vectors]") {
  check_vocabulary("llama-spm", true);
}
TEST_CASE("vectors: phi-3", "[vectors]") {
  check_vocabulary("phi-3", true);
}
TEST_CASE("vectors: llama-bpe", "[vectors]") {
  check_vocabulary("llama-bpe", false);
}
TEST_CASE("vectors: qwen2", "[vectors]") {
  check_vocabulary("qwen2", false);
}
TEST_CASE("vectors: gpt-2", "[vectors]") {
  check_vocabulary("gpt-2", false);
}
TEST_CASE("vectors: deepseek-coder", "[vectors]") {
  check_vocabulary("deepseek-coder", false);
}
TEST_CASE("vectors: falcon", "[vectors]") {
  check_vocabulary("falcon", false);
}
TEST_CASE("vectors: starcoder", "[vectors]") {
  check_vocabulary("starcoder", false);
}
