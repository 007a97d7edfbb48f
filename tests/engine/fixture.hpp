// Reads ../shared/fixtures/<model>.greedy.jsonl (llama.cpp's greedy runs): prompt,
// prompt tokens, per step the chosen token and the top-5 (id, logit), and the text.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <utility>
#include <vector>

namespace sluice::test {

struct FixtureStep {
  int32_t token;
  std::vector<std::pair<int32_t, float>> top;  // best first
};

struct Fixture {
  std::string prompt;
  std::vector<int32_t> prompt_tokens;  // BOS included
  std::vector<FixtureStep> steps;
  std::string text;  // raw bytes as generated (may end inside a UTF-8 sequence)
};

std::vector<Fixture> load_fixtures(const std::filesystem::path& file);

}  // namespace sluice::test
