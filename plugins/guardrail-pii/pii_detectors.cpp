// Detectors for the structured kinds: e-mail, phone, card, IBAN, SSN, IPv4, IPv6.
#include "pii_detectors.hpp"

#include <array>
#include <string_view>

#include "pii_checks.hpp"

namespace sluice_pii {

// ---- e-mail ----------------------------------------------------------------------------

namespace {

// `s` starts the user info of a URL ("https://token@host", "postgres://app:pw@db"), which
// is a credential or a user name, not an e-mail address.
bool url_user_info(const Text& t, Pos s) {
  Pos b = s;
  if (t.at(s - 1) == ':') {  // "user:password@": step back over the user name
    b = s - 1;
    while (b > s - kLookBehind && is_local_char(t.at(b - 1))) --b;
  }
  return t.at(b - 1) == '/' && t.at(b - 2) == '/';
}

// An apostrophe inside a local part, between letters or digits ("o'connor").
bool inner_apostrophe(const Text& t, Pos i) {
  return t.at(i) == '\'' && is_alnum(t.at(i - 1)) && is_alnum(t.at(i + 1));
}

}  // namespace

Found detect_email(const Text& t, Pos s) {
  int c = t.at(s);
  if (!is_local_char(c) || c == '.') return {};
  // A local part starts after a non-local character, or after a dot so that a broken
  // "a..b@x.org" still yields "b@x.org".
  const int p = t.at(s - 1);
  if (is_local_char(p) && p != '.') return {};
  if (inner_apostrophe(t, s - 1) || url_user_info(t, s)) return {};

  Pos i = s;
  int last = kNone;
  while (is_local_char(c = t.at(i)) || inner_apostrophe(t, i)) {
    if (c == '.' && last == '.') return {};
    last = c;
    if (++i - s > 64) return {};
  }
  if (c != '@' || last == '.') return {};

  const Pos domain = ++i;
  int labels = 0;
  bool tld_alpha = false;
  Pos tld_length = 0;
  Pos end = -1;
  while (true) {
    const Pos label = i;
    bool alpha = true;
    while (is_alnum(c = t.at(i)) || c == '-') {
      alpha = alpha && is_alpha(c);
      if (++i - label > 63) return {};
    }
    if (i == label) return {};
    if (t.at(label) == '-' || t.at(i - 1) == '-') return {};
    ++labels;
    tld_alpha = alpha;
    tld_length = i - label;
    end = i;
    if (end - domain > 253) return {};
    // A dot continues the domain only when a label follows ("x.org." ends a sentence).
    if (c == '.' && is_alnum(t.at(i + 1))) {
      ++i;
      continue;
    }
    break;
  }
  if (labels < 2 || !tld_alpha || tld_length < 2) return {};
  return {end};
}

// ---- phone -----------------------------------------------------------------------------

namespace {

struct DigitGroup {
  Pos end = 0;  // after the last digit (or the parenthesis)
  int digits = 0;
  int first = 0;       // first digit character
  int second = 0;      // second digit character, kNone when there is none
  int third = 0;       // third digit character, kNone when there is none
  bool paren = false;  // "(555)"
  int sep = 0;         // the separator before it; 0 when none
};

constexpr int kMaxPhoneGroups = 8;

bool phone_separator(int c) {
  return c == ' ' || c == '-' || c == '.' || c == '/';
}

// "+44 20 7946 0958", "+1 (555) 123-4567", "+4915112345678", "+49 (0)30 123456".
bool international(const DigitGroup* g, int n) {
  int total = 0;
  for (int k = 0; k < n; ++k) {
    const bool trunk = k > 0 && g[k].paren && g[k].digits == 1 && g[k].first == '0';
    if (!trunk) total += g[k].digits;
    if (n > 1 && g[k].digits > 12) return false;
  }
  if (total < 8 || total > 15) return false;
  if (n == 1) return !g[0].paren;  // E.164 without separators
  return !g[0].paren && g[0].digits <= 3;
}

// "0049 30 123456", "0044 20 7946 0958": the international prefix written as 00.
bool international_00(const DigitGroup* g, int n) {
  if (n < 2 || g[0].paren || g[0].first != '0' || g[0].second != '0' || g[0].third == '0') {
    return false;  // country codes do not start with 0
  }
  if (g[0].digits < 3 || g[0].digits > 5) return false;
  int total = -2;
  for (int k = 0; k < n; ++k) total += g[k].digits;
  return total >= 8 && total <= 15;
}

// "(555) 123-4567", "555-123-4567", "555.123.4567", "1-800-555-0199".
bool north_american(const DigitGroup* g, int n) {
  int j = 0;
  if (n == 4 && !g[0].paren && g[0].digits == 1 && g[0].first == '1') j = 1;
  if (n - j != 3) return false;
  const DigitGroup& area = g[j];
  const DigitGroup& exchange = g[j + 1];
  const DigitGroup& line = g[j + 2];
  if (area.digits != 3 || exchange.digits != 3 || line.digits != 4) return false;
  if (exchange.paren || line.paren) return false;
  const int sep = line.sep;
  if (sep != '-' && sep != '.' && sep != ' ') return false;
  if (area.paren) {
    if (exchange.sep != 0 && exchange.sep != ' ') return false;
  } else if (exchange.sep != sep) {
    return false;
  }
  return j == 0 || area.sep == (area.paren ? ' ' : sep);
}

// National numbers with a trunk 0: "020 7946 0958", "030 123456", "01 42 68 53 00",
// "089/12345678", "(030) 1234 5678".
bool trunk_national(const DigitGroup* g, int n) {
  if (n < 2 || g[0].first != '0' || g[0].second == '0') return false;
  if (g[0].digits < 2 || g[0].digits > 5) return false;
  int total = 0;
  for (int k = 0; k < n; ++k) {
    if (k > 0 && g[k].paren) return false;
    if (g[k].digits < 2 || g[k].digits > 8) return false;
    total += g[k].digits;
  }
  if (total < 9 || total > 12) return false;
  if (n == 2 && g[0].digits == 5 && g[1].digits == 4 && g[1].sep == '-') return false;  // ZIP+4
  // The separator after the area code may differ ("089/123 456"); the rest agree.
  for (int k = 2; k < n; ++k) {
    if (g[k].sep != g[2].sep) return false;
  }
  return g[0].paren ? (g[1].sep == 0 || g[1].sep == ' ') : g[1].sep != 0;
}

}  // namespace

Found detect_phone(const Text& t, Pos s) {
  const int c = t.at(s);
  bool plus = false;
  Pos i = s;
  if (c == '+') {
    const int p = t.at(s - 1);
    if (is_alnum(p) || p == '+' || p == '_') return {};
    if (!is_digit(t.at(s + 1))) return {};
    plus = true;
    ++i;
  } else if (c == '(') {
    const int p = t.at(s - 1);
    if (is_alnum(p) || p == '_') return {};
  } else if (!is_digit(c) || !number_start(t, s) || after_digit_group(t, s)) {
    return {};
  }

  std::array<DigitGroup, kMaxPhoneGroups> groups;
  int n = 0;
  int sep = 0;
  while (true) {
    DigitGroup g;
    g.sep = sep;
    int ch = t.at(i);
    if (ch == '(') {
      Pos j = i + 1;
      while (is_digit(t.at(j)) && j - i <= 5) ++j;
      g.digits = static_cast<int>(j - i - 1);
      if (g.digits == 0 || g.digits > 5 || t.at(j) != ')') break;
      g.paren = true;
      g.first = t.at(i + 1);
      g.second = g.digits > 1 ? t.at(i + 2) : kNone;
      g.third = g.digits > 2 ? t.at(i + 3) : kNone;
      i = j + 1;
    } else if (is_digit(ch)) {
      Pos j = i;
      while (is_digit(t.at(j))) {
        if (j - i == 15) return {};
        ++j;
      }
      g.digits = static_cast<int>(j - i);
      g.first = ch;
      g.second = g.digits > 1 ? t.at(i + 1) : kNone;
      g.third = g.digits > 2 ? t.at(i + 2) : kNone;
      i = j;
    } else {
      break;
    }
    g.end = i;
    if (n == kMaxPhoneGroups) return {};
    groups[n++] = g;
    const int next = t.at(i);
    if (phone_separator(next)) {
      const int after = t.at(i + 1);
      if (is_digit(after) || after == '(') {
        sep = next;
        ++i;
        continue;
      }
      break;
    }
    if (next == '(' || (g.paren && is_digit(next))) {  // "+49(0)30", "(555)123-4567"
      sep = 0;
      continue;
    }
    break;
  }
  if (n == 0) return {};
  if (is_alnum(t.at(groups[n - 1].end))) return {};  // "555-123-4567x": an identifier

  // The whole run first, then shorter runs cut at a space ("call 555-123-4567 2 times").
  for (int k = n; k >= 1; --k) {
    if (k < n && groups[k].sep != ' ') continue;
    const DigitGroup* g = groups.data();
    const bool ok = plus ? international(g, k)
                         : (international_00(g, k) || north_american(g, k) || trunk_national(g, k));
    if (ok) return {groups[k - 1].end};
  }
  return {};
}

// ---- payment card ----------------------------------------------------------------------

namespace {

bool card_grouping(const int* sizes, int n, int total) {
  if (total < 13 || total > 19) return false;
  if (n == 1) return true;
  if (n == 3 && sizes[0] == 4 && sizes[1] == 6 && (sizes[2] == 4 || sizes[2] == 5)) {
    return true;  // American Express, Diners
  }
  for (int k = 0; k + 1 < n; ++k) {
    if (sizes[k] != 4) return false;
  }
  return sizes[n - 1] >= 1 && sizes[n - 1] <= 4;
}

}  // namespace

Found detect_card(const Text& t, Pos s) {
  if (!is_digit(t.at(s)) || !number_start(t, s) || after_digit_group(t, s)) return {};
  constexpr int kMaxGroups = 8;
  char digits[19];
  int n_digits = 0;
  int sizes[kMaxGroups];
  int cumulative[kMaxGroups];
  Pos ends[kMaxGroups];
  int seps_after[kMaxGroups] = {};
  int n = 0;
  int sep = 0;
  bool overflow = false;  // a further group would pass 19 digits
  Pos i = s;
  int c;
  while (true) {
    const int before = n_digits;
    while (is_digit(c = t.at(i))) {
      if (n_digits == 19) {
        overflow = true;
        break;
      }
      digits[n_digits++] = static_cast<char>(c);
      ++i;
    }
    if (overflow) {
      if (n == 0) return {};  // one run of 20+ digits
      n_digits = before;
      break;
    }
    sizes[n] = n_digits - before;
    cumulative[n] = n_digits;
    ends[n] = i;
    ++n;
    if ((c == ' ' || c == '-') && (sep == 0 || c == sep) && n < kMaxGroups &&
        is_digit(t.at(i + 1))) {
      sep = c;
      seps_after[n - 1] = c;
      ++i;
      continue;
    }
    break;
  }
  if (!overflow && is_alnum(c)) return {};

  for (int k = n; k >= 1; --k) {
    // Shorter than what was read only when cut at a space ("4111 1111 1111 1111 12/27").
    const bool clean_end = (k == n && !overflow) || seps_after[k - 1] == ' ';
    if (!clean_end) {
      if (k < n) break;
      continue;
    }
    const std::string_view number(digits, static_cast<size_t>(cumulative[k - 1]));
    if (card_grouping(sizes, k, cumulative[k - 1]) && card_prefix_known(number) &&
        luhn_valid(number)) {
      return {ends[k - 1]};
    }
  }
  return {};
}

// ---- IBAN ------------------------------------------------------------------------------

Found detect_iban(const Text& t, Pos s) {
  const int c1 = t.at(s);
  if (!is_alpha(c1) || is_alnum(t.at(s - 1))) return {};
  const int c2 = t.at(s + 1);
  if (!is_alpha(c2) || is_upper(c1) != is_upper(c2)) return {};
  const int length = iban_length(c1, c2);
  if (length == 0) return {};
  if (!is_digit(t.at(s + 2)) || !is_digit(t.at(s + 3))) return {};

  char iban[34];
  iban[0] = static_cast<char>(c1);
  iban[1] = static_cast<char>(c2);
  iban[2] = static_cast<char>(t.at(s + 2));
  iban[3] = static_cast<char>(t.at(s + 3));
  Pos i = s + 4;
  // Either compact or the printed form, a space after every four characters.
  const bool spaced = t.at(i) == ' ';
  for (int k = 4; k < length; ++k) {
    if (spaced && k % 4 == 0) {
      if (t.at(i) != ' ') return {};
      ++i;
    }
    const int c = t.at(i);
    if (!is_alnum(c)) return {};
    iban[k] = static_cast<char>(c);
    ++i;
  }
  if (is_alnum(t.at(i))) return {};
  if (!iban_checksum_valid(std::string_view(iban, static_cast<size_t>(length)))) return {};
  return {i};
}

// ---- US social security number ---------------------------------------------------------

Found detect_ssn(const Text& t, Pos s) {
  if (!is_digit(t.at(s)) || !number_start(t, s) || after_digit_group(t, s)) return {};
  char d[9];
  for (int k = 0; k < 3; ++k) {
    const int c = t.at(s + k);
    if (!is_digit(c)) return {};
    d[k] = static_cast<char>(c);
  }
  const int sep = t.at(s + 3);
  Pos end;
  if (sep == '-' || sep == ' ') {
    // 123-45-6789 or 123 45 6789
    const Pos layout[6] = {s + 4, s + 5, s + 7, s + 8, s + 9, s + 10};
    for (int k = 0; k < 6; ++k) {
      const int c = t.at(layout[k]);
      if (!is_digit(c)) return {};
      d[3 + k] = static_cast<char>(c);
    }
    if (t.at(s + 6) != sep) return {};
    end = s + 11;
    const int next = t.at(end);
    if (is_alnum(next) || next == '_') return {};
    if (next == '-' && is_digit(t.at(end + 1))) return {};
  } else if (is_digit(sep)) {
    // Nine plain digits are an SSN only where the text says so.
    for (int k = 3; k < 9; ++k) {
      const int c = t.at(s + k);
      if (!is_digit(c)) return {};
      d[k] = static_cast<char>(c);
    }
    end = s + 9;
    if (is_alnum(t.at(end)) || t.at(end) == '_') return {};
    if (!keyword_before(t, s, 32, "ssn") && !keyword_before(t, s, 40, "social security")) {
      return {};
    }
  } else {
    return {};
  }
  const std::string_view area(d, 3), group(d + 3, 2), serial(d + 5, 4);
  if (area == "000" || area == "666" || area[0] == '9') return {};
  if (group == "00" || serial == "0000") return {};
  return {end};
}

// ---- IP addresses ----------------------------------------------------------------------

namespace {

// "version 1.2.3.4", "fixed since 1.5.4.2", "Section 4.1.2.3": numbering, no address.
bool after_numbering_word(const Text& t, Pos s) {
  Pos b = s - 1;
  for (int k = 0; k < 3 && (t.at(b) == ' ' || t.at(b) == ':' || t.at(b) == '='); ++k) --b;
  if (b == s - 1) return false;
  for (const char* word :
       {"version", "release", "since", "section", "chapter", "clause", "figure", "table"}) {
    const Pos len = static_cast<Pos>(std::string_view(word).size());
    if (keyword_before(t, b + 1, len, word) && !is_alpha(t.at(b - len))) return true;
  }
  return false;
}

}  // namespace

Found detect_ipv4(const Text& t, Pos s) {
  if (!is_digit(t.at(s)) || !number_start(t, s) || t.at(s - 1) == '.') return {};
  Pos i = s;
  for (int octet = 0; octet < 4; ++octet) {
    if (octet > 0) {
      if (t.at(i) != '.') return {};
      ++i;
    }
    int value = 0;
    int digits = 0;
    while (is_digit(t.at(i))) {
      if (++digits > 3) return {};
      value = value * 10 + (t.at(i) - '0');
      ++i;
    }
    if (digits == 0 || value > 255) return {};
  }
  const int next = t.at(i);
  if (is_alnum(next) || next == '_') return {};
  if (next == '.' && is_digit(t.at(i + 1))) return {};  // 1.2.3.4.5
  if (after_numbering_word(t, s)) return {};
  return {i};
}

Found detect_ipv6(const Text& t, Pos s) {
  int c = t.at(s);
  if (!is_hex(c) && c != ':') return {};
  const int p = t.at(s - 1);
  if (is_alnum(p) || p == ':' || p == '_' || p == '.') return {};
  if (c == ':' && t.at(s + 1) != ':') return {};

  constexpr int kLongest = 45;  // ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255
  char text[kLongest];
  int n = 0;
  int colons = 0;
  Pos i = s;
  while (is_hex(c = t.at(i)) || c == ':' || c == '.') {
    if (n == kLongest) return {};
    text[n++] = static_cast<char>(c);
    if (c == ':') ++colons;
    ++i;
  }
  if (colons < 2) return {};
  if (is_alnum(c) || c == '_') return {};
  // A trailing '.' or ':' may be punctuation: "reach fe80::1:", "at 2001:db8::1."
  for (int trimmed = 0; trimmed < 2 && n > 0; ++trimmed) {
    Ipv6Shape shape;
    if (parse_ipv6(std::string_view(text, static_cast<size_t>(n)), shape)) {
      // Too little to be an address rather than notation ("a::b", "[::2]").
      if (shape.embedded_ipv4 || (shape.groups >= 2 && shape.hex_digits >= 5)) return {s + n};
      return {};
    }
    if (text[n - 1] != '.' && text[n - 1] != ':') return {};
    --n;
  }
  return {};
}

}  // namespace sluice_pii
