#include "injection_detector.hpp"

#include <array>
#include <cctype>
#include <cstdint>

#include "injection_rules.hpp"
#include "text_normalizer.hpp"

namespace sluice_injection {

namespace {

constexpr int kOverrideVerbsNeeded = 3;  // override verbs in one text
constexpr size_t kMaxWord = 48;          // longer words are no trigger word
constexpr size_t kBase64MinRun = 24;     // as kBase64RunPattern
constexpr int kMaxBase64Runs = 16;       // candidates decoded per text
constexpr int kMaxLeetWords = 32;        // obfuscated words rewritten per text

// What each letter may be written as in leetspeak.
std::string_view leet_class(char letter) {
  switch (letter) {
    case 'a': return "a4@";
    case 'b': return "b8";
    case 'e': return "e3";
    case 'g': return "g9";
    case 'i': return "i1!|";
    case 'l': return "l1|";
    case 'o': return "o0";
    case 's': return "s5$";
    case 't': return "t7+";
    case 'z': return "z2";
    default: return {};
  }
}

std::string leetspeak_pattern() {
  std::string pattern = "(?<![A-Za-z0-9])(?:";
  bool first = true;
  for (std::string_view word : leetspeak_keywords()) {
    if (!first) pattern += '|';
    first = false;
    for (char letter : word) {
      const auto cls = leet_class(letter);
      if (cls.empty()) {
        pattern += letter;
      } else {
        pattern += '[';
        for (char c : cls) {
          if (c == '|' || c == '$' || c == '+') pattern += '\\';  // harmless in a class
          pattern += c;
        }
        pattern += ']';
      }
    }
  }
  return pattern + ")(?![A-Za-z0-9])";
}

// The keyword `span` spells, or empty when it is plain letters (not obfuscated).
std::string_view leet_keyword(std::string_view span) {
  bool obfuscated = false;
  for (char c : span)
    if (!std::isalpha(static_cast<unsigned char>(c))) obfuscated = true;
  if (!obfuscated) return {};
  for (std::string_view word : leetspeak_keywords()) {
    if (word.size() != span.size()) continue;
    bool same = true;
    for (size_t i = 0; i < word.size() && same; ++i) {
      const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(span[i])));
      const auto cls = leet_class(word[i]);
      same = c == word[i] || cls.find(c) != std::string_view::npos;
    }
    if (same) return word;
  }
  return {};
}

int base64_value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

// Decodes a base64 run; empty when it is not well-formed.
std::string base64_decode(std::string_view run) {
  while (!run.empty() && run.back() == '=') run.remove_suffix(1);
  if (run.size() % 4 == 1) return {};
  std::string out;
  out.reserve(run.size() * 3 / 4);
  uint32_t buffer = 0;
  int bits = 0;
  for (char c : run) {
    const int value = base64_value(c);
    if (value < 0) return {};
    buffer = (buffer << 6) | static_cast<uint32_t>(value);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((buffer >> bits) & 0xFF));
    }
  }
  return out;
}

// Natural-language text rather than binary, keys or JSON: valid UTF-8, printable, and with
// words separated by spaces.
bool looks_like_prose(std::string_view text) {
  int spaces = 0;
  size_t letters = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    char32_t cp = 0;
    bool valid = true;
    pos += decode_utf8(text, pos, cp, valid);
    if (!valid || (cp < 0x20 && cp != '\n' && cp != '\r' && cp != '\t') || cp == 0x7F) return false;
    if (cp == ' ') ++spaces;
    if ((cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || cp >= 0x80) ++letters;
  }
  return spaces >= 2 && letters * 10 >= text.size() * 6;
}

bool mixed_case(std::string_view run) {
  bool upper = false;
  bool lower = false;
  for (char c : run) {
    upper = upper || (c >= 'A' && c <= 'Z');
    lower = lower || (c >= 'a' && c <= 'z');
  }
  return upper && lower;
}

}  // namespace

Detector::Detector(const std::vector<SignalConfig>& signals) {
  size_t next_gate = 0;
  size_t next_anchor = 0;
  // Sets `bit` on every word of the space-separated `words`.
  const auto mark = [&](const std::string& words, int bit, Bits WordEntry::*field) {
    size_t start = 0;
    while (start < words.size()) {
      size_t end = words.find(' ', start);
      if (end == std::string::npos) end = words.size();
      if (end > start) (words_[words.substr(start, end - start)].*field).set(bit);
      start = end + 1;
    }
  };
  for (const auto& config : signals) {
    Signal signal;
    signal.name = config.name;
    signal.score = config.score;
    signal.max_hits = config.max_hits;
    for (const auto& pattern : config.patterns) {
      const bool anchored = !pattern.anchors.empty() && next_anchor < kMaxBits;
      std::optional<Regex> regex;
      try {
        // \G pins a match to the start offset, and unlike a match-time option it keeps JIT.
        regex.emplace(anchored ? "\\G(?:" + pattern.pattern + ")" : pattern.pattern);
      } catch (const RegexError& e) {
        const std::string where =
            config.key == "builtin" ? "built-in rule " + config.name : config.key + ".pattern";
        throw ConfigError("\"" + where + "\" does not compile: " + e.what());
      }
      Alternative alternative{std::move(*regex), kNoBit, kNoBit};
      if (!pattern.triggers.empty() && next_gate < kMaxBits) {
        alternative.gate = static_cast<int>(next_gate++);
        mark(pattern.triggers, alternative.gate, &WordEntry::gates);
      }
      if (anchored) {
        alternative.anchor = static_cast<int>(next_anchor++);
        mark(pattern.anchors, alternative.anchor, &WordEntry::anchors);
      }
      signal.alternatives.push_back(std::move(alternative));
    }
    const size_t index = signals_.size();
    if (!config.patterns.empty()) {
      // a rule: nothing more to set up
    } else if (config.name == kOverrideVerbs) {
      signal.kind = Kind::override_verbs;
      override_verbs_ = index;
      for (std::string_view verb : override_verbs()) words_[std::string(verb)].override_verb = true;
    } else if (config.name == kInvisibleChars) {
      signal.kind = Kind::invisible_chars;
      invisible_chars_ = index;
    } else if (config.name == kBase64Blob) {
      signal.kind = Kind::base64_blob;
      base64_blob_ = index;
      base64_regex_.emplace(kBase64RunPattern);
    } else if (config.name == kLeetspeak) {
      signal.kind = Kind::leetspeak;
      leetspeak_ = index;
      leetspeak_regex_.emplace(leetspeak_pattern());
    }
    signals_.push_back(std::move(signal));
  }
  for (const auto& [word, entry] : words_)
    if (!word.empty() && word.size() < 64)
      word_lengths_[static_cast<unsigned char>(word[0])] |= uint64_t{1} << word.size();
}

namespace {

// Character classes for the pass over the text, one table lookup per byte.
enum : uint8_t {
  // Part of a word: an ASCII letter or digit. Every place a pattern's \b word can start is
  // then a word start here too (\w is ASCII without PCRE2_UCP; '_' only splits more).
  kWordChar = 1,
  kBase64Char = 2,  // [A-Za-z0-9+/]
  kLetter = 4,      // ASCII letter
  kLeetOther = 8,   // digit or @$!|+ (leetspeak stand-ins)
  kUpper = 16,
};

constexpr std::array<uint8_t, 256> kCharClass = [] {
  std::array<uint8_t, 256> table{};
  for (int c = 0; c < 256; ++c) {
    const bool upper = c >= 'A' && c <= 'Z';
    const bool letter = upper || (c >= 'a' && c <= 'z');
    const bool digit = c >= '0' && c <= '9';
    uint8_t flags = 0;
    if (letter || digit) flags |= kWordChar;
    if (letter || digit || c == '+' || c == '/') flags |= kBase64Char;
    if (letter) flags |= kLetter;
    if (digit || c == '@' || c == '$' || c == '!' || c == '|' || c == '+') flags |= kLeetOther;
    if (upper) flags |= kUpper;
    table[static_cast<size_t>(c)] = flags;
  }
  return table;
}();

}  // namespace

Detector::Features Detector::features(std::string_view text) const {
  Features out;
  char word[kMaxWord];
  size_t word_size = 0;
  bool word_too_long = false;
  size_t base64_run = 0;
  uint8_t leet_run = 0;  // kLetter | kLeetOther seen in the current run
  const auto end_word = [&](size_t end) {
    // Most words are no trigger word; the (first byte, length) filter spares their hashing.
    if (word_size > 0 && !word_too_long &&
        (word_lengths_[static_cast<unsigned char>(word[0])] >> word_size) & 1u) {
      const auto found = words_.find(std::string_view(word, word_size));
      if (found != words_.end()) {
        out.triggered |= found->second.gates;
        if (found->second.override_verb) ++out.override_verbs;
        if (found->second.anchors.any())
          out.anchors.emplace_back(&found->second.anchors, end - word_size);
      }
    }
    word_size = 0;
    word_too_long = false;
  };
  for (size_t i = 0; i <= text.size(); ++i) {
    const unsigned char c = i < text.size() ? static_cast<unsigned char>(text[i]) : ' ';
    const uint8_t flags = kCharClass[c];
    if (flags & kWordChar) {
      if (word_size < kMaxWord) {
        word[word_size++] = static_cast<char>((flags & kUpper) ? c + ('a' - 'A') : c);
      } else {
        word_too_long = true;  // no trigger word is this long
      }
    } else if (word_size > 0) {
      end_word(i);
    }
    base64_run = (flags & kBase64Char) ? base64_run + 1 : 0;
    if (base64_run >= kBase64MinRun) out.base64_candidate = true;
    if (flags & (kLetter | kLeetOther)) {
      leet_run |= flags & (kLetter | kLeetOther);
    } else {
      if (leet_run == (kLetter | kLeetOther)) out.leet_candidate = true;
      leet_run = 0;
    }
  }
  return out;
}

Detector::Scan::Scan(const Detector& detector)
    : detector_(detector), hits_(detector.signals_.size(), 0) {}

void Detector::Scan::hit(size_t signal, int n) {
  const int room = detector_.signals_[signal].max_hits - hits_[signal];
  hits_[signal] += n < room ? n : room;
}

int Detector::Scan::count_anchored(const Alternative& alternative, std::string_view text,
                                   const Features& features, int limit) {
  int n = 0;
  size_t covered = 0;  // matches do not overlap
  size_t begin = 0;
  size_t end = 0;
  for (const auto& [bits, start] : features.anchors) {
    if (n >= limit) break;
    if (start < covered || !bits->test(alternative.anchor)) continue;
    if (alternative.regex.find(text, start, scratch_, begin, end)) {
      ++n;
      covered = end > start ? end : start + 1;
    }
  }
  return n;
}

void Detector::Scan::run_rules(std::string_view text, const Features& features) {
  for (size_t i = 0; i < detector_.signals_.size(); ++i) {
    const auto& signal = detector_.signals_[i];
    for (const auto& alternative : signal.alternatives) {
      if (hits_[i] >= signal.max_hits) break;
      if (alternative.gate != kNoBit && !features.triggered.test(alternative.gate)) continue;
      const int limit = signal.max_hits - hits_[i];
      hit(i, alternative.anchor != kNoBit ? count_anchored(alternative, text, features, limit)
                                          : alternative.regex.count(text, limit, scratch_));
    }
  }
}

void Detector::Scan::scan_base64(std::string_view text) {
  size_t start = 0;
  size_t begin = 0;
  size_t end = 0;
  for (int n = 0;
       n < kMaxBase64Runs && detector_.base64_regex_->find(text, start, scratch_, begin, end);
       ++n) {
    start = end;
    const std::string_view run = text.substr(begin, end - begin);
    if (!mixed_case(run)) continue;
    const std::string decoded = base64_decode(run);
    if (decoded.size() < 16 || !looks_like_prose(decoded)) continue;
    hit(*detector_.base64_blob_);
    run_rules(decoded, detector_.features(decoded));  // what the hidden text says counts too
  }
}

void Detector::Scan::scan_leetspeak(std::string_view text) {
  std::string plain;  // `text` with every obfuscated keyword spelled out
  size_t copied = 0;
  size_t start = 0;
  size_t begin = 0;
  size_t end = 0;
  for (int n = 0;
       n < kMaxLeetWords && detector_.leetspeak_regex_->find(text, start, scratch_, begin, end);
       ++n) {
    start = end;
    const std::string_view keyword = leet_keyword(text.substr(begin, end - begin));
    if (keyword.empty()) continue;
    plain.append(text.substr(copied, begin - copied));
    plain.append(keyword);
    copied = end;
  }
  if (copied == 0) return;
  plain.append(text.substr(copied));
  hit(*detector_.leetspeak_);
  run_rules(plain, detector_.features(plain));
}

void Detector::Scan::add(std::string_view raw) {
  const NormalizedText normalized(raw);
  const std::string_view text = normalized.text();
  const Features features = detector_.features(text);
  run_rules(text, features);
  if (detector_.invisible_chars_ &&
      (normalized.invisible_count() >= 2 || normalized.tag_count() > 0))
    hit(*detector_.invisible_chars_);
  if (detector_.override_verbs_ && features.override_verbs >= kOverrideVerbsNeeded)
    hit(*detector_.override_verbs_);
  if (detector_.base64_blob_ && features.base64_candidate) scan_base64(text);
  if (detector_.leetspeak_ && features.leet_candidate) scan_leetspeak(text);
}

double Detector::Scan::score() const {
  double total = 0;
  for (size_t i = 0; i < hits_.size(); ++i) total += hits_[i] * detector_.signals_[i].score;
  return total;
}

bool Detector::Scan::any() const {
  for (int n : hits_)
    if (n > 0) return true;
  return false;
}

std::string Detector::Scan::fired_names() const {
  std::string names;
  for (size_t i = 0; i < hits_.size(); ++i) {
    if (hits_[i] == 0) continue;
    if (!names.empty()) names += ", ";
    names += detector_.signals_[i].name;
  }
  return names;
}

}  // namespace sluice_injection
