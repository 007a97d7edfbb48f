// Secret detection: private key blocks, well-known credential formats, and generic
// high-entropy tokens.
#include <algorithm>
#include <string_view>

#include "pii_checks.hpp"
#include "pii_detectors.hpp"

namespace sluice_pii {

namespace {

bool is_base64url_char(int c) {
  return is_alnum(c) || c == '_' || c == '-';
}
bool is_upper_or_digit(int c) {
  return is_upper(c) || is_digit(c);
}
bool is_aws_secret_char(int c) {
  return is_alnum(c) || c == '/' || c == '+';
}

// After `from`, a run of `cls` characters of length in [min, max] that is not followed by
// another such character. Runs reaching kSecretCap (measured from `s`) are cut there.
template <class Class>
Found run_after(const Text& t, Pos s, Pos from, Class cls, Pos min, Pos max) {
  Pos i = from;
  while (cls(t.at(i))) {
    if (i - s == kSecretCap) return i - from >= min ? Found{i, Continues::token} : Found{};
    if (i - from == max) return {};
    ++i;
  }
  if (i - from < min) return {};
  return {i};
}

// From `from` (inside a private key block that began at or was cut at `s`) to the end
// of its END line; a block longer than kKeyBlockCap is cut there and goes on.
Found key_block_body(const Text& t, Pos s, Pos from) {
  static constexpr std::string_view kEndLine = "-----END ";
  const Pos limit = s + kKeyBlockCap;
  // An END line that starts before the cap is found even where it runs past it.
  const Pos window = limit + static_cast<Pos>(kEndLine.size());
  const Pos searchable = std::min(t.size(), window);
  const std::string_view body(t.data() + from,
                              static_cast<size_t>(std::max<Pos>(0, searchable - from)));
  const size_t end_line = body.find(kEndLine);
  if (end_line != std::string_view::npos && from + static_cast<Pos>(end_line) < limit) {
    Pos j = from + static_cast<Pos>(end_line) + 9;
    const Pos end_label = j;
    int c;
    while ((is_upper(c = t.at(j)) || is_digit(c) || c == ' ') && j - end_label <= 40) ++j;
    return {match_literal(t, j, "-----") ? j + 5 : j};
  }
  if (window <= t.size()) {
    // Longer than anyone holds back: redact what is held, then keep redacting.
    Pos end = limit;
    while (end > from && end < t.size() &&
           (static_cast<unsigned char>(t.data()[end]) & 0xC0) == 0x80) {
      --end;
    }
    return {end, Continues::key_block};
  }
  if (t.final()) return {t.size()};  // cut off by the end of the text: still a key
  t.mark_incomplete();
  return {};
}

// -----BEGIN RSA PRIVATE KEY----- ... -----END RSA PRIVATE KEY-----, taken whole. Other
// PEM blocks (certificates, public keys) are public: they come back benign, so that their
// base64 lines are not reported as high-entropy secrets.
Found detect_pem_block(const Text& t, Pos s) {
  const int p = t.at(s - 1);
  if (p == '-' || is_alnum(p)) return {};
  if (!match_literal(t, s, "-----BEGIN ")) return {};
  const Pos label = s + 11;
  Pos i = label;
  int c;
  while (is_upper(c = t.at(i)) || is_digit(c) || c == ' ') {
    if (++i - label > 40) return {};
  }
  const std::string_view name(t.data() + label, static_cast<size_t>(i - label));
  const auto ends_with = [&](std::string_view suffix) {
    return name.size() >= suffix.size() && name.substr(name.size() - suffix.size()) == suffix;
  };
  if (name.empty() || !match_literal(t, i, "-----")) return {};
  Found block = key_block_body(t, s, i + 5);
  if (!ends_with("PRIVATE KEY") && !ends_with("PRIVATE KEY BLOCK")) {
    block.benign = true;
    block.continues = Continues::no;  // past the cap its lines are judged one by one
  }
  return block;
}

// AKIA..., AIza..., ghp_..., github_pat_..., xoxb-..., sk_live_..., JWTs.
Found detect_known_format(const Text& t, Pos s) {
  switch (t.at(s)) {
    case 'A': {
      static constexpr const char* kAwsKeyIds[] = {"AKIA", "ASIA", "AGPA", "AIDA", "AROA",
                                                   "AIPA", "ANPA", "ANVA", "ABIA", "ACCA"};
      for (const char* prefix : kAwsKeyIds) {
        if (match_literal(t, s, prefix)) {
          const Found f = run_after(t, s, s + 4, is_upper_or_digit, 16, 16);
          return f && !is_alnum(t.at(f.end)) ? f : Found{};
        }
      }
      if (match_literal(t, s, "AIza")) return run_after(t, s, s + 4, is_base64url_char, 35, 35);
      return {};
    }
    case 'g': {
      if (match_literal(t, s, "github_pat_")) {
        return run_after(
            t, s, s + 11, [](int c) { return is_alnum(c) || c == '_'; }, 22, 255);
      }
      if (t.at(s + 1) != 'h') return {};
      const int kind = t.at(s + 2);
      if ((kind == 'p' || kind == 'o' || kind == 'u' || kind == 's' || kind == 'r') &&
          t.at(s + 3) == '_') {
        return run_after(t, s, s + 4, is_alnum, 36, 251);
      }
      return {};
    }
    case 'x': {
      if (!match_literal(t, s, "xox")) return {};
      const int kind = t.at(s + 3);
      if ((kind == 'a' || kind == 'b' || kind == 'p' || kind == 'r' || kind == 's') &&
          t.at(s + 4) == '-') {
        return run_after(
            t, s, s + 5, [](int c) { return is_alnum(c) || c == '-'; }, 10, 250);
      }
      return {};
    }
    case 's':
    case 'r': {
      if (t.at(s + 1) != 'k' || t.at(s + 2) != '_') return {};
      if (match_literal(t, s + 3, "live_") || match_literal(t, s + 3, "test_")) {
        return run_after(t, s, s + 8, is_alnum, 10, 247);
      }
      return {};
    }
    case 'S': {
      // SendGrid: SG.<22>.<43>
      if (!match_literal(t, s, "SG.")) return {};
      const Found id = run_after(t, s, s + 3, is_base64url_char, 22, 22);
      if (!id || t.at(id.end) != '.') return {};
      return run_after(t, s, id.end + 1, is_base64url_char, 43, 43);
    }
    case 'e': {
      // header.payload.signature, both JSON parts starting '{"' (base64 "eyJ").
      if (!match_literal(t, s, "eyJ")) return {};
      Pos i = s;
      int dots = 0;
      Pos payload = -1;
      Pos last_dot = -1;
      int c;
      while (is_base64url_char(c = t.at(i)) || c == '.') {
        if (i - s == kSecretCap) {
          if (payload >= 0 && !match_literal(t, payload, "eyJ")) return {};
          return {i, Continues::token};
        }
        if (c == '.') {
          ++dots;
          last_dot = i;
          if (dots == 1) payload = i + 1;
        }
        ++i;
      }
      Pos end = i;
      if (last_dot == end - 1 && dots > 2) {  // "…sig." ends a sentence
        --end;
        --dots;
      }
      if (dots < 2 || payload - s < 8 || !match_literal(t, payload, "eyJ")) return {};
      return {end};
    }
    default: return {};
  }
}

// Forty base64 characters next to "aws" or "secret": an AWS secret access key.
Found detect_aws_secret(const Text& t, Pos s) {
  const Found f = run_after(t, s, s, is_aws_secret_char, 40, 40);
  if (!f || f.continues != Continues::no) return {};
  const int next = t.at(f.end);
  if (next == '_' || next == '-' || next == '=') return {};
  // Next to the word aws or secret, or right after an access key id ("AKIA... / wJal...").
  if (!keyword_before(t, s, kLookBehind, "aws") && !keyword_before(t, s, kLookBehind, "secret") &&
      !keyword_before(t, s, kLookBehind, "akia")) {
    return {};
  }
  bool upper = false, lower = false, digit = false;
  for (Pos i = s; i < f.end; ++i) {
    const int c = t.at(i);
    upper = upper || is_upper(c);
    lower = lower || is_lower(c);
    digit = digit || is_digit(c);
  }
  return upper + lower + digit >= 2 ? f : Found{};
}

// Letters of `run` inside words of four or more: lower-case ("local"), capitalised
// ("Account") or all-caps ("FOREACH") runs, as identifiers, paths and prose are made of.
// In random base62 text such runs are rare.
Pos worded_letters(std::string_view run) {
  Pos worded = 0;
  const auto count = [&](size_t length) {
    if (length >= 4) worded += static_cast<Pos>(length);
  };
  const size_t n = run.size();
  size_t i = 0;
  while (i < n) {
    const auto at = [&](size_t k) { return static_cast<unsigned char>(run[k]); };
    if (is_upper(at(i))) {
      size_t j = i;
      while (j < n && is_upper(at(j))) ++j;
      if (j < n && is_lower(at(j))) {  // "CPANMeta": "CPAN", then "Meta"
        count(j - 1 - i);
        size_t k = j;
        while (k < n && is_lower(at(k))) ++k;
        count(k - (j - 1));
        i = k;
      } else {
        count(j - i);
        i = j;
      }
    } else if (is_lower(at(i))) {
      size_t k = i;
      while (k < n && is_lower(at(k))) ++k;
      count(k - i);
      i = k;
    } else {
      ++i;
    }
  }
  return worded;
}

// A long run of base64-ish characters that looks random: all of upper case, lower case
// and digits, high Shannon entropy, not hexadecimal (hashes, UUIDs, 0x addresses), not
// made of words (identifiers, paths) and not split into many parts by separators.
Found detect_high_entropy(const Text& t, Pos s, const DetectorOptions& options) {
  Pos i = s;
  Continues continues = Continues::no;
  while (is_token_char(t.at(i))) {
    if (i - s == kSecretCap) {
      continues = Continues::token;
      break;
    }
    ++i;
  }
  const Pos run_end = i;
  if (run_end - s < options.entropy_min_length) return {};
  if (continues == Continues::no && t.at(i) == '=') {  // base64 padding, unless '=' joins key=value
    Pos j = i;
    while (j - i < 2 && t.at(j) == '=') ++j;
    if (!is_token_char(t.at(j)) && t.at(j) != '=') i = j;
  }

  const std::string_view run(t.data() + s, static_cast<size_t>(run_end - s));
  const Pos length = static_cast<Pos>(run.size());
  int upper = 0, lower = 0, digit = 0, hex = 0, separators = 0;
  for (char ch : run) {
    const int c = static_cast<unsigned char>(ch);
    upper += is_upper(c);
    lower += is_lower(c);
    digit += is_digit(c);
    hex += is_hex(c);
    separators += !is_alnum(c);
  }
  if (upper == 0 || lower == 0 || digit == 0) return {};
  const bool hex_prefix = run.size() > 2 && run[0] == '0' && (run[1] == 'x' || run[1] == 'X');
  if (hex + (hex_prefix ? 1 : 0) == upper + lower + digit) return {};  // hashes, 0x addresses
  if (separators * 8 > length) return {};                              // "4-x86_64-Debug-3rdP-ASan"
  if (worded_letters(run) * 2 > length) return {};    // "AbstractSingletonProxyFactoryBean2"
  if (keyword_before(t, s, 7, "base64,")) return {};  // a data: URI's payload, not a key
  if (shannon_entropy(run) < options.entropy_threshold) return {};
  return {i, continues};
}

// The rest of a secret that was cut at kSecretCap.
Found continue_secret(const Text& t, Pos s) {
  Pos i = s;
  int c;
  while (is_token_char(c = t.at(i)) || c == '.' || c == '=') {
    if (i - s == kSecretCap) return {i, Continues::token};
    ++i;
  }
  return i > s ? Found{i} : Found{};
}

Found longer(Found a, Found b) {
  return b.end > a.end ? b : a;
}

}  // namespace

Found detect_secret(const Text& t, Pos s, const Continuation& continuation,
                    const DetectorOptions& options) {
  if (s == continuation.at) {
    const Found f =
        continuation.kind == Continues::key_block ? key_block_body(t, s, s) : continue_secret(t, s);
    if (f) return f;
  }
  const int c = t.at(s);
  Found best;
  if (c == '-') best = detect_pem_block(t, s);
  // Tokens start on a letter or digit after a non-token character or after leading
  // symbols ("https://ghp_...", " /AbC..."); a leading '+', '/', '-' or '_' stays outside.
  if (!is_alnum(c)) return best;
  const int p = t.at(s - 1);
  if (is_token_char(p) && (is_alnum(p) || is_alnum(t.at(s - 2)))) return best;
  best = longer(best, detect_known_format(t, s));
  best = longer(best, detect_aws_secret(t, s));
  best = longer(best, detect_high_entropy(t, s, options));
  return best;
}

}  // namespace sluice_pii
