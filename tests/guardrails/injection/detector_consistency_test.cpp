// The detector's shortcuts (trigger words gate an alternative, anchor words are the only
// places it is tried) must never change what fires. Compiled from the plugin's own sources:
// the same configuration with every trigger and anchor word removed searches everywhere,
// and both must agree on the corpus and on many variations of it.
#include <catch2/catch.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "injection_config.hpp"
#include "injection_detector.hpp"

using sluice_injection::Detector;
using sluice_injection::parse_config;

namespace {

std::vector<std::string> corpus_texts() {
  std::ifstream in(SLUICE_INJECTION_CORPUS);
  std::vector<std::string> texts;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) texts.push_back(nlohmann::json::parse(line).at("text").get<std::string>());
  return texts;
}

std::vector<std::string> words_of(const std::string& text) {
  std::vector<std::string> words;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t space = text.find(' ', start);
    words.push_back(text.substr(start, space - start));
    if (space == std::string::npos) break;
    start = space + 1;
  }
  return words;
}

std::string join(const std::vector<std::string>& words, const std::string& separator,
                 size_t skip = std::string::npos) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i == skip) continue;
    if (!out.empty()) out += separator;
    out += words[i];
  }
  return out;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}

// The text and variations of it: case, neighbours that are not word characters (or are, for
// \b), line breaks, surrounding prose, and each word left out in turn.
std::vector<std::string> variations(const std::string& text) {
  std::string upper = text;
  for (char& c : upper)
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  const auto words = words_of(text);
  std::vector<std::string> out = {
      text,
      upper,
      "\xC2\xAB" + text + "\xC2\xBB",  // « »
      join(words, "\xC3\xA9 "),        // "é " after every word
      join(words, " _"),
      join(words, "\n"),
      join(words, "  "),
      join(words, ", "),
      replace_all(text, "'", "\xE2\x80\x99"),  // curly apostrophes
      "Thanks for yesterday. " + text + " Anyway, how is the weather in Oslo?",
  };
  for (size_t i = 0; i < words.size() && i < 40; ++i) out.push_back(join(words, " ", i));
  return out;
}

}  // namespace

TEST_CASE("injection detector: trigger and anchor words never change what fires", "[injection]") {
  const auto config = parse_config(R"({"threshold": 0.000001})");
  auto everywhere = config.signals;
  for (auto& signal : everywhere)
    for (auto& pattern : signal.patterns) pattern.triggers.clear(), pattern.anchors.clear();
  const Detector fast(config.signals);
  const Detector slow(everywhere);

  int texts = 0;
  int fired = 0;
  for (const auto& line : corpus_texts()) {
    for (const auto& text : variations(line)) {
      Detector::Scan a(fast);
      Detector::Scan b(slow);
      a.add(text);
      b.add(text);
      INFO(text);
      REQUIRE(a.fired_names() == b.fired_names());
      REQUIRE(a.score() == b.score());
      ++texts;
      fired += b.any() ? 1 : 0;
    }
  }
  // Enough of them fire for the comparison to mean something.
  CHECK(texts > 4000);
  CHECK(fired > 500);
}
