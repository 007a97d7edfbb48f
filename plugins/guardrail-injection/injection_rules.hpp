// The built-in signals: named regular-expression rules and scored heuristics. A strong
// rule alone reaches the default threshold (1.0); weak ones need company.
#pragma once

#include <string_view>
#include <vector>

namespace sluice_injection {

// One alternative of a rule: a pattern and the words that gate and anchor it.
struct RuleAlternative {
  std::string_view pattern;  // PCRE2, compiled caseless and UTF
                             // Space-separated lowercase words of which every match contains at
                             // least one (words are
  // runs of ASCII letters and digits; anything else separates them). The detector searches with the
  // pattern only in text holding one of them: most text holds none, and a word lookup is
  // far cheaper than a search.
  std::string_view triggers;
  // Space-separated lowercase words at the start of one of which every match begins (its
  // leading \b word); empty when matches can begin elsewhere. The pattern is then tried
  // only at those words, each try a single anchored match.
  std::string_view anchors;
};

// A rule fires when any of its alternatives matches; each match adds `score`.
struct BuiltinRule {
  std::string_view name;
  std::vector<RuleAlternative> alternatives;
  double score;
  int max_hits;  // matches counted per request
  std::string_view summary;
};

struct BuiltinHeuristic {
  std::string_view name;
  double score;
  std::string_view summary;
};

const std::vector<BuiltinRule>& builtin_rules();
const std::vector<BuiltinHeuristic>& builtin_heuristics();

// Heuristic names, as used in reasons and in the configuration.
inline constexpr std::string_view kOverrideVerbs = "override_verbs";
inline constexpr std::string_view kInvisibleChars = "invisible_chars";
inline constexpr std::string_view kBase64Blob = "base64_blob";
inline constexpr std::string_view kLeetspeak = "leetspeak";

// Words counted by the override_verbs heuristic.
const std::vector<std::string_view>& override_verbs();
// Candidate base64 runs; the detector decodes them and keeps only those hiding prose.
extern const std::string_view kBase64RunPattern;
// Keywords whose leetspeak spellings ("1gn0r3", "pr0mpt") the leetspeak heuristic finds.
const std::vector<std::string_view>& leetspeak_keywords();

}  // namespace sluice_injection
