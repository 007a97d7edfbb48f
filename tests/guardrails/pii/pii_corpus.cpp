#include "pii_corpus.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <cctype>
#include <fstream>
#include <nlohmann/json.hpp>

namespace pii_test {

const std::vector<std::string>& kinds() {
  static const std::vector<std::string> names = {"email", "phone", "card", "iban",
                                                 "ssn",   "ipv4",  "ipv6", "secret"};
  return names;
}

const std::vector<Sample>& corpus() {
  static const std::vector<Sample> samples = [] {
    std::vector<Sample> out;
    std::ifstream in(SLUICE_PII_CORPUS);
    REQUIRE(in.good());
    std::string line;
    size_t number = 0;
    while (std::getline(in, line)) {
      ++number;
      if (line.empty()) continue;
      INFO("pii.jsonl line " << number);
      const auto json = nlohmann::json::parse(line);
      Sample sample;
      sample.text = json.at("text").get<std::string>();
      for (const auto& entity : json.at("entities")) {
        Entity e{entity.at("type").get<std::string>(), entity.at("value").get<std::string>()};
        REQUIRE(std::find(kinds().begin(), kinds().end(), e.type) != kinds().end());
        REQUIRE(sample.text.find(e.value) != std::string::npos);
        sample.entities.push_back(std::move(e));
      }
      out.push_back(std::move(sample));
    }
    return out;
  }();
  return samples;
}

namespace {

struct Segment {
  std::string literal;  // when type is empty
  std::string type;     // the placeholder's kind
};

std::vector<Segment> split_placeholders(const std::string& redacted) {
  std::vector<Segment> segments;
  std::string literal;
  size_t i = 0;
  while (i < redacted.size()) {
    bool placeholder = false;
    for (const auto& kind : kinds()) {
      std::string tag = "[" + kind + "]";
      for (auto& c : tag) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      if (redacted.compare(i, tag.size(), tag) == 0) {
        if (!literal.empty()) segments.push_back({std::move(literal), ""});
        literal.clear();
        segments.push_back({"", kind});
        i += tag.size();
        placeholder = true;
        break;
      }
    }
    if (!placeholder) literal += redacted[i++];
  }
  if (!literal.empty()) segments.push_back({std::move(literal), ""});
  return segments;
}

bool is_space(char c) {
  return c == ' ' || c == '\n' || c == '\t';
}

// Aligns segments[k..] with original[pos..], each placeholder standing for the shortest
// non-empty span (no leading or trailing blank) that lets the rest align.
bool align(const std::vector<Segment>& segments, size_t k, const std::string& original, size_t pos,
           std::vector<Entity>& found) {
  if (k == segments.size()) return pos == original.size();
  const Segment& segment = segments[k];
  if (segment.type.empty()) {
    return original.compare(pos, segment.literal.size(), segment.literal) == 0 &&
           align(segments, k + 1, original, pos + segment.literal.size(), found);
  }
  if (pos >= original.size() || is_space(original[pos])) return false;
  for (size_t end = pos + 1; end <= original.size(); ++end) {
    if (is_space(original[end - 1])) continue;
    found.push_back({segment.type, original.substr(pos, end - pos)});
    if (align(segments, k + 1, original, end, found)) return true;
    found.pop_back();
  }
  return false;
}

}  // namespace

std::optional<std::vector<Entity>> replaced_spans(const std::string& original,
                                                  const std::string& redacted) {
  std::vector<Entity> found;
  if (!align(split_placeholders(redacted), 0, original, 0, found)) return std::nullopt;
  return found;
}

}  // namespace pii_test
