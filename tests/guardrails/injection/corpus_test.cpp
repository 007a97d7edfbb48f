// The labelled corpus (tests/guardrails/corpus/injection.jsonl) through the default
// configuration: detection recall and precision overall, and per rule, where a rule "fires"
// on a line when the DENY reason names it. The tables printed here are the ones in
// docs/security.md.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cstdio>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "injection_harness.hpp"

using sluice::test::injection::builtin_names;
using sluice::test::injection::fired_rules;
using sluice::test::injection::Guardrail;

namespace {

struct Line {
  int number = 0;
  std::string text;
  std::string label;
  std::set<std::string> rules;
};

std::vector<Line> load_corpus() {
  std::ifstream in(SLUICE_INJECTION_CORPUS);
  REQUIRE(in.good());
  std::vector<Line> lines;
  std::string raw;
  int number = 0;
  while (std::getline(in, raw)) {
    ++number;
    if (raw.empty()) continue;
    INFO("corpus line " << number);
    const auto j = nlohmann::json::parse(raw);
    REQUIRE(j.is_object());
    REQUIRE(j.size() == 3);
    Line line;
    line.number = number;
    line.text = j.at("text").get<std::string>();
    line.label = j.at("label").get<std::string>();
    for (const auto& rule : j.at("rules")) line.rules.insert(rule.get<std::string>());
    lines.push_back(std::move(line));
  }
  return lines;
}

bool is_attack(const Line& line) {
  return line.label != "benign";
}

struct Counts {
  int tp = 0;
  int fp = 0;
  int fn = 0;
  double precision() const { return tp + fp == 0 ? 1.0 : double(tp) / (tp + fp); }
  double recall() const { return tp + fn == 0 ? 1.0 : double(tp) / (tp + fn); }
};

// Per-rule counts for one configuration; also the overall detection counts.
struct Evaluation {
  std::map<std::string, Counts> rules;
  Counts detection;
  std::vector<std::string> misses;        // attacks let through
  std::vector<std::string> false_alarms;  // benign lines denied
};

Evaluation evaluate(const Guardrail& guardrail, const std::vector<Line>& corpus) {
  Evaluation eval;
  for (const auto& name : builtin_names()) eval.rules[name];
  for (const auto& line : corpus) {
    const auto verdict = guardrail.user(line.text);
    INFO("corpus line " << line.number << ": " << verdict.result.message);
    REQUIRE(verdict.result.ok());
    const bool denied = verdict.action == SLUICE_GUARD_DENY;
    const auto names = denied ? fired_rules(verdict.reason) : std::vector<std::string>{};
    const std::set<std::string> fired(names.begin(), names.end());
    if (denied && is_attack(line)) ++eval.detection.tp;
    if (denied && !is_attack(line)) {
      ++eval.detection.fp;
      eval.false_alarms.push_back(std::to_string(line.number) + " [" + verdict.reason + "]");
    }
    if (!denied && is_attack(line)) {
      ++eval.detection.fn;
      eval.misses.push_back(std::to_string(line.number));
    }
    for (auto& [name, counts] : eval.rules) {
      const bool expected = line.rules.count(name) > 0;
      const bool hit = fired.count(name) > 0;
      if (hit && expected) ++counts.tp;
      if (hit && !expected) ++counts.fp;
      if (!hit && expected) ++counts.fn;
    }
  }
  return eval;
}

void print_table(const char* title, const Evaluation& eval) {
  std::printf("\n%s\n", title);
  std::printf("| rule | TP | FP | FN | precision | recall |\n|---|---|---|---|---|---|\n");
  for (const auto& [name, c] : eval.rules)
    std::printf("| %s | %d | %d | %d | %.3f | %.3f |\n", name.c_str(), c.tp, c.fp, c.fn,
                c.precision(), c.recall());
  const auto& d = eval.detection;
  std::printf("| **detection (injection+jailbreak vs benign)** | %d | %d | %d | %.3f | %.3f |\n",
              d.tp, d.fp, d.fn, d.precision(), d.recall());
  std::printf("missed attack lines:");
  for (const auto& m : eval.misses) std::printf(" %s", m.c_str());
  std::printf("\nbenign lines denied:");
  for (const auto& f : eval.false_alarms) std::printf(" %s", f.c_str());
  std::printf("\n");
}

}  // namespace

TEST_CASE("injection corpus: well formed, big enough, every signal labelled", "[injection]") {
  const auto corpus = load_corpus();
  CHECK(corpus.size() >= 120);
  int benign = 0;
  std::set<std::string> labelled;
  std::set<std::string> texts;
  for (const auto& line : corpus) {
    INFO("corpus line " << line.number);
    CHECK((line.label == "injection" || line.label == "jailbreak" || line.label == "benign"));
    CHECK(texts.insert(line.text).second);  // no duplicates
    if (line.label == "benign") {
      ++benign;
      CHECK(line.rules.empty());
    } else {
      CHECK_FALSE(line.rules.empty());
    }
    for (const auto& rule : line.rules) {
      CHECK(std::count(builtin_names().begin(), builtin_names().end(), rule) == 1);
      labelled.insert(rule);
    }
  }
  CHECK(benign >= 50);
  for (const auto& name : builtin_names()) {
    INFO(name);
    CHECK(labelled.count(name) == 1);
  }
}

TEST_CASE("injection corpus: recall and precision, overall and per rule", "[injection]") {
  const auto corpus = load_corpus();
  const Guardrail guardrail;
  REQUIRE(guardrail.ok());
  const auto eval = evaluate(guardrail, corpus);
  print_table("default configuration (threshold 1.0): a rule fires when the DENY reason names it",
              eval);

  CHECK(eval.detection.recall() >= 0.90);
  CHECK(eval.detection.precision() >= 0.95);
  for (const auto& [name, counts] : eval.rules) {
    INFO(name << ": TP " << counts.tp << " FP " << counts.fp << " FN " << counts.fn);
    CHECK(counts.precision() >= 0.9);
    CHECK(counts.tp > 0);  // every signal catches something the corpus expects of it
  }
}

TEST_CASE("injection corpus: raw signal matches below the threshold (informational)",
          "[injection]") {
  // With a tiny threshold every single match denies, so the reason lists each signal that
  // matched at all, also the weak ones that alone would not deny. Only printed and
  // sanity-checked: weak signals are allowed to be noisy on their own.
  const auto corpus = load_corpus();
  const Guardrail guardrail(R"({"threshold": 0.000001})");
  REQUIRE(guardrail.ok());
  const auto eval = evaluate(guardrail, corpus);
  print_table("raw matches (threshold 1e-6): weak signals included", eval);
  CHECK(eval.detection.recall() >= 0.90);
  for (const auto& [name, counts] : eval.rules) {
    INFO(name);
    CHECK(counts.tp > 0);
  }
}
