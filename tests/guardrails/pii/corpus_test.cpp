// Precision and recall of the pii guardrail per entity kind over the labelled corpus,
// measured through check_request in redact mode.
#include <catch2/catch.hpp>
#include <cstdio>
#include <iostream>
#include <map>
#include <sstream>

#include "pii_corpus.hpp"
#include "pii_harness.hpp"

using namespace pii_test;

namespace {

struct Tally {
  int tp = 0;
  int fp = 0;
  int fn = 0;
  double precision() const { return tp + fp == 0 ? (fn == 0 ? 1.0 : 0.0) : double(tp) / (tp + fp); }
  double recall() const { return tp + fn == 0 ? 1.0 : double(tp) / (tp + fn); }
};

std::string row(const std::string& name, const Tally& t) {
  char line[128];
  std::snprintf(line, sizeof line, "| %-7s | %4d | %3d | %3d | %9.3f | %6.3f |", name.c_str(), t.tp,
                t.fp, t.fn, t.precision(), t.recall());
  return line;
}

}  // namespace

TEST_CASE("pii corpus: precision and recall per entity kind", "[pii][corpus]") {
  const auto& samples = corpus();
  REQUIRE(samples.size() >= 160);
  Guardrail guardrail(R"({"mode": "redact"})");

  std::map<std::string, Tally> tally;
  std::map<std::string, int> labelled;
  int benign = 0;
  std::ostringstream misses;
  for (const auto& sample : samples) {
    if (sample.entities.empty()) ++benign;
    for (const auto& e : sample.entities) ++labelled[e.type];
    const std::string redacted = redacted_prompt(guardrail, sample.text);
    const auto found = replaced_spans(sample.text, redacted);
    INFO("text: " << sample.text << "\nredacted: " << redacted);
    REQUIRE(found.has_value());

    std::vector<bool> matched(sample.entities.size(), false);
    for (const auto& f : *found) {
      bool hit = false;
      for (size_t j = 0; j < sample.entities.size() && !hit; ++j) {
        if (!matched[j] && sample.entities[j].type == f.type &&
            sample.entities[j].value == f.value) {
          matched[j] = hit = true;
        }
      }
      ++(hit ? tally[f.type].tp : tally[f.type].fp);
      if (!hit) misses << "  FP " << f.type << " \"" << f.value << "\" in: " << sample.text << "\n";
    }
    for (size_t j = 0; j < sample.entities.size(); ++j) {
      if (matched[j]) continue;
      ++tally[sample.entities[j].type].fn;
      misses << "  FN " << sample.entities[j].type << " \"" << sample.entities[j].value
             << "\" in: " << sample.text << "\n";
    }
  }

  std::ostringstream table;
  table << "pii corpus: " << samples.size() << " texts (" << benign << " benign look-alikes)\n"
        << "| entity  |   TP |  FP |  FN | precision | recall |\n"
        << "|---------|------|-----|-----|-----------|--------|\n";
  Tally overall;
  for (const auto& kind : kinds()) {
    const Tally& t = tally[kind];
    table << row(kind, t) << "\n";
    overall.tp += t.tp;
    overall.fp += t.fp;
    overall.fn += t.fn;
  }
  table << row("overall", overall) << "\n";
  if (!misses.str().empty()) table << "misses:\n" << misses.str();
  std::cout << table.str() << std::flush;
  INFO(table.str());

  for (const auto& kind : kinds()) {
    INFO("entity " << kind);
    CHECK(labelled[kind] >= 8);  // every kind is really exercised
    CHECK(tally[kind].recall() >= 0.95);
    CHECK(tally[kind].precision() >= 0.90);
  }
  CHECK(benign >= 40);
  CHECK(overall.recall() >= 0.95);
  CHECK(overall.precision() >= 0.90);
}

TEST_CASE("pii corpus: reading back replaced spans detects a wrong redaction", "[pii][corpus]") {
  // The read-back the corpus test relies on must tell a redaction from other edits.
  const auto spans = replaced_spans("mail a@b.io or c@d.io now", "mail [EMAIL] or [EMAIL] now");
  REQUIRE(spans.has_value());
  REQUIRE(spans->size() == 2);
  CHECK((*spans)[0].value == "a@b.io");
  CHECK((*spans)[1].value == "c@d.io");
  CHECK_FALSE(replaced_spans("mail a@b.io now", "mail [EMAIL] later").has_value());
  CHECK_FALSE(replaced_spans("short", "shorter").has_value());
  const auto none = replaced_spans("unchanged text", "unchanged text");
  REQUIRE(none.has_value());
  CHECK(none->empty());
}
