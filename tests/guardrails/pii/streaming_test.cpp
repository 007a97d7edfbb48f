// Streamed output through filter_output: whatever the split, the client receives exactly
// the whole-text redaction, and never, at any moment, an entity the redaction removes.
#include <algorithm>
#include <catch2/catch.hpp>
#include <random>
#include <sstream>

#include "pii_corpus.hpp"
#include "pii_harness.hpp"

using namespace pii_test;

namespace {

struct Expectation {
  std::string redacted;              // the whole-text redaction (check_request)
  std::vector<std::string> removed;  // labelled values the redaction removed
};

Expectation expect(const Guardrail& guardrail, const Sample& sample) {
  Expectation e;
  e.redacted = redacted_prompt(guardrail, sample.text);
  for (const auto& entity : sample.entities) {
    if (e.redacted.find(entity.value) == std::string::npos) e.removed.push_back(entity.value);
  }
  return e;
}

// Streams `chunks`; returns what went wrong first, or "" when nothing did.
std::string stream_and_check(const Guardrail& guardrail, const Expectation& e,
                             const std::vector<std::string>& chunks) {
  OutputStream stream(guardrail);
  size_t checked = 0;  // released text before this was searched already
  for (size_t i = 0; i < chunks.size(); ++i) {
    const auto step = stream.feed(chunks[i], i + 1 == chunks.size());
    const std::string& released = stream.released();
    if (!complete_utf8(step.sent)) return "sent a split code point: " + step.sent;
    if (released.size() > e.redacted.size() ||
        e.redacted.compare(checked, released.size() - checked, released, checked) != 0) {
      return "sent text that is not a prefix of the redaction: \"" + released + "\"";
    }
    // A leak would overlap the text just sent.
    for (const auto& value : e.removed) {
      const size_t from = checked + 1 > value.size() ? checked + 1 - value.size() : 0;
      if (released.find(value, from) != std::string::npos) return "leaked \"" + value + "\"";
    }
    checked = released.size();
  }
  if (stream.released() != e.redacted) return "final output \"" + stream.released() + "\"";
  return "";
}

std::string join(const std::vector<std::string>& failures) {
  std::string out;
  for (const auto& f : failures) out += f + "\n";
  return out;
}

std::string describe(const std::vector<std::string>& chunks) {
  std::ostringstream out;
  for (const auto& c : chunks) out << "[" << c << "]";
  return out.str();
}

}  // namespace

TEST_CASE("pii streaming: every two-chunk split sends exactly the whole-text redaction",
          "[pii][stream]") {
  Guardrail guardrail;
  size_t runs = 0;
  size_t entities_checked = 0;
  std::vector<std::string> failures;
  for (const auto& sample : corpus()) {
    const Expectation e = expect(guardrail, sample);
    entities_checked += e.removed.size();
    const std::string& text = sample.text;
    for (size_t split = 0; split <= text.size(); ++split) {
      if (!utf8_boundary(text, split)) continue;
      const std::vector<std::string> chunks = {text.substr(0, split), text.substr(split)};
      const std::string problem = stream_and_check(guardrail, e, chunks);
      ++runs;
      if (!problem.empty() && failures.size() < 5) {
        failures.push_back(problem + "\n  chunks: " + describe(chunks));
      }
    }
  }
  INFO(runs << " streams, " << entities_checked << " redacted entities watched");
  INFO(join(failures));
  CHECK(entities_checked > 100);
  CHECK(failures.empty());
}

TEST_CASE("pii streaming: random splits into 1-8 byte chunks never send an entity",
          "[pii][stream]") {
  Guardrail guardrail;
  std::mt19937 rng(20240611);
  std::uniform_int_distribution<size_t> size(1, 8);
  std::uniform_int_distribution<int> coin(0, 15);
  size_t runs = 0;
  std::vector<std::string> failures;
  for (const auto& sample : corpus()) {
    const Expectation e = expect(guardrail, sample);
    const std::string& text = sample.text;
    for (int round = 0; round < 200; ++round) {
      std::vector<std::string> chunks;
      size_t i = 0;
      while (i < text.size()) {
        if (coin(rng) == 0) chunks.emplace_back();  // an empty chunk now and then
        size_t j = std::min(text.size(), i + size(rng));
        while (!utf8_boundary(text, j)) ++j;
        chunks.push_back(text.substr(i, j - i));
        i = j;
      }
      if (coin(rng) < 4) chunks.emplace_back();  // sometimes the FINAL chunk is empty
      const std::string problem = stream_and_check(guardrail, e, chunks);
      ++runs;
      if (!problem.empty() && failures.size() < 5) {
        failures.push_back(problem + "\n  chunks: " + describe(chunks));
      }
    }
  }
  INFO(runs << " streams");
  INFO(join(failures));
  CHECK(failures.empty());
}

TEST_CASE("pii streaming: random mixtures of entity fragments stream like the whole text",
          "[pii][stream]") {
  // Text made of pieces of entities and their near misses, so that detectors often stop
  // at chunk ends in the middle of a candidate.
  static const std::vector<std::string> pieces = {"4111",
                                                  " ",
                                                  "-",
                                                  "1111",
                                                  "5555",
                                                  "(555)",
                                                  " 123-4567",
                                                  "+44",
                                                  " 20 ",
                                                  "7946",
                                                  "0958",
                                                  "0049",
                                                  "DE89",
                                                  " 3704",
                                                  "0044",
                                                  "0532",
                                                  "0130",
                                                  "00",
                                                  "123",
                                                  "45",
                                                  "6789",
                                                  "666",
                                                  "10.",
                                                  "0.",
                                                  "255",
                                                  ".1",
                                                  "256",
                                                  "2001",
                                                  ":db8",
                                                  "::",
                                                  "1",
                                                  "fe80",
                                                  ":",
                                                  "abc",
                                                  "@",
                                                  "example",
                                                  ".com",
                                                  ".",
                                                  "john",
                                                  "_",
                                                  "+tag",
                                                  "AKIA",
                                                  "IOSFODNN7EXAMPLE",
                                                  "ghp_",
                                                  "aBcDeFgHiJkLmNoPqRsTuVwXyZ0123456789",
                                                  "eyJ",
                                                  "hbGciOi",
                                                  "Xk9pL2mQ7vR4tZ8wB1nC",
                                                  "-----BEGIN ",
                                                  "RSA ",
                                                  "PRIVATE KEY",
                                                  "-----",
                                                  "\n",
                                                  "-----END ",
                                                  "é",
                                                  "日本",
                                                  "😀",
                                                  "version ",
                                                  "SSN ",
                                                  "aws secret ",
                                                  "/",
                                                  "=",
                                                  "sk_live_",
                                                  "xoxb-",
                                                  "'",
                                                  ",",
                                                  "Call "};
  std::mt19937 rng(99);
  std::uniform_int_distribution<size_t> pick(0, pieces.size() - 1);
  std::uniform_int_distribution<size_t> count(1, 40);
  std::uniform_int_distribution<size_t> size(1, 8);
  Guardrail guardrail;
  Guardrail masking(R"({"mode": "mask"})");
  size_t runs = 0;
  std::vector<std::string> failures;
  for (int n = 0; n < 400; ++n) {
    std::string text;
    for (size_t k = count(rng); k > 0; --k) text += pieces[pick(rng)];
    const Guardrail& g = n % 2 == 0 ? guardrail : masking;
    Expectation e;
    e.redacted = redacted_prompt(g, text);
    std::vector<std::vector<std::string>> splits;
    for (size_t split = 0; split <= text.size(); ++split) {
      if (utf8_boundary(text, split)) splits.push_back({text.substr(0, split), text.substr(split)});
    }
    for (int round = 0; round < 20; ++round) {
      std::vector<std::string> chunks;
      for (size_t i = 0; i < text.size();) {
        size_t j = std::min(text.size(), i + size(rng));
        while (!utf8_boundary(text, j)) ++j;
        chunks.push_back(text.substr(i, j - i));
        i = j;
      }
      splits.push_back(chunks);
    }
    for (const auto& chunks : splits) {
      const std::string problem = stream_and_check(g, e, chunks);
      ++runs;
      if (!problem.empty() && failures.size() < 5) {
        failures.push_back(problem + "\n  expected: " + e.redacted +
                           "\n  chunks: " + describe(chunks));
      }
    }
  }
  INFO(runs << " streams");
  INFO(join(failures));
  CHECK(failures.empty());
}

TEST_CASE("pii streaming: one long response made of the whole corpus streams like the whole text",
          "[pii][stream]") {
  // Long enough that the stream drops released text many times over.
  Guardrail guardrail;
  std::string text;
  Sample all;
  for (const auto& sample : corpus()) {
    text += sample.text + "\n";
    all.entities.insert(all.entities.end(), sample.entities.begin(), sample.entities.end());
  }
  all.text = text;
  REQUIRE(text.size() > 10000);
  const Expectation e = expect(guardrail, all);
  std::mt19937 rng(5);
  std::uniform_int_distribution<size_t> size(1, 20);
  std::vector<std::string> failures;
  for (int round = 0; round < 50; ++round) {
    std::vector<std::string> chunks;
    for (size_t i = 0; i < text.size();) {
      size_t j = std::min(text.size(), i + size(rng));
      while (!utf8_boundary(text, j)) ++j;
      chunks.push_back(text.substr(i, j - i));
      i = j;
    }
    const std::string problem = stream_and_check(guardrail, e, chunks);
    if (!problem.empty() && failures.size() < 3) failures.push_back(problem.substr(0, 400));
  }
  INFO(join(failures));
  CHECK(failures.empty());
}
