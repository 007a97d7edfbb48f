// Scores text for prompt injection: every configured rule and heuristic that fires adds its
// score (rules up to max_hits times). Built once per guardrail; free-threaded.
//
// Speed: one pass over the text looks its words up in a table of trigger and anchor words
// (injection_rules.hpp) and notes what the heuristics need. A built-in alternative is
// searched only when one of its trigger words is present, and only at its anchor words,
// each try one anchored match; so ordinary text costs that pass plus a few short tries.
// Custom rules are searched in every text.
#pragma once

#include <array>
#include <bitset>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "injection_config.hpp"
#include "pcre2_regex.hpp"

namespace sluice_injection {

class Detector {
  // Gate and anchor bits, one per alternative; alternatives beyond them are searched in
  // every text.
  static constexpr size_t kMaxBits = 128;
  using Bits = std::bitset<kMaxBits>;
  static constexpr int kNoBit = -1;

  enum class Kind { rule, override_verbs, invisible_chars, base64_blob, leetspeak };
  struct Alternative {
    Regex regex;          // "\G(?:...)" when anchored
    int gate = kNoBit;    // searched only when a trigger word set this bit
    int anchor = kNoBit;  // tried only at the words that carry this bit
  };
  struct Signal {
    std::string name;
    Kind kind = Kind::rule;
    double score = 0;
    int max_hits = 1;
    std::vector<Alternative> alternatives;
  };
  // What one pass over a text finds.
  struct Features {
    Bits triggered;  // gate bits of the trigger words present
    // Words that anchor some alternative: their anchor bits and where they start, in order.
    std::vector<std::pair<const Bits*, size_t>> anchors;
    int override_verbs = 0;
    bool leet_candidate = false;    // a word mixing letters with digits or @$!|+
    bool base64_candidate = false;  // a run of 24+ base64 characters
  };

 public:
  // Compiles every pattern; throws ConfigError naming a rule whose pattern is bad.
  explicit Detector(const std::vector<SignalConfig>& signals);

  // The signals found in one request, text by text.
  class Scan {
   public:
    explicit Scan(const Detector& detector);
    void add(std::string_view text);
    double score() const;
    bool any() const;
    // The names of the signals that fired, in configuration order, ", "-separated.
    std::string fired_names() const;

   private:
    void run_rules(std::string_view text, const Features& features);
    // Matches of an anchored alternative, tried at its anchor words only.
    int count_anchored(const Alternative& alternative, std::string_view text,
                       const Features& features, int limit);
    void hit(size_t signal, int n = 1);
    void scan_base64(std::string_view text);
    void scan_leetspeak(std::string_view text);

    const Detector& detector_;
    MatchScratch scratch_;
    std::vector<int> hits_;
  };

 private:
  Features features(std::string_view text) const;

  struct WordEntry {
    Bits gates;
    Bits anchors;
    bool override_verb = false;
  };
  struct WordHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  std::vector<Signal> signals_;
  std::unordered_map<std::string, WordEntry, WordHash, std::equal_to<>> words_;  // lowercase
  // Bit n of word_lengths_[b]: some word in words_ starts with byte b and is n bytes long.
  std::array<uint64_t, 256> word_lengths_{};
  std::optional<size_t> override_verbs_, invisible_chars_, base64_blob_, leetspeak_;
  std::optional<Regex> base64_regex_, leetspeak_regex_;
};

}  // namespace sluice_injection
