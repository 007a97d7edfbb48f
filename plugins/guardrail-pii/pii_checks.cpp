#include "pii_checks.hpp"

#include <array>
#include <cmath>

#include "pii_text.hpp"

namespace sluice_pii {

bool luhn_valid(std::string_view digits) {
  int sum = 0;
  bool twice = false;
  for (size_t i = digits.size(); i-- > 0;) {
    int d = digits[i] - '0';
    if (twice) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  return !digits.empty() && sum % 10 == 0;
}

namespace {

int leading(std::string_view digits, size_t n) {
  int value = 0;
  for (size_t i = 0; i < n && i < digits.size(); ++i) value = value * 10 + (digits[i] - '0');
  return value;
}

}  // namespace

bool card_prefix_known(std::string_view digits) {
  if (digits.size() < 4) return false;
  const int d1 = leading(digits, 1);
  const int d2 = leading(digits, 2);
  const int d3 = leading(digits, 3);
  const int d4 = leading(digits, 4);
  if (d1 == 4) return true;                                             // Visa
  if (d2 >= 51 && d2 <= 55) return true;                                // Mastercard
  if (d4 >= 2221 && d4 <= 2720) return true;                            // Mastercard 2-series
  if (d2 == 34 || d2 == 37) return true;                                // American Express
  if (d4 == 6011 || d2 == 65 || (d3 >= 644 && d3 <= 649)) return true;  // Discover
  if (d4 >= 3528 && d4 <= 3589) return true;                            // JCB
  if ((d3 >= 300 && d3 <= 305) || d2 == 36 || d2 == 38 || d2 == 39) return true;  // Diners
  if (d2 == 62) return true;                                                      // UnionPay
  if (d4 == 5018 || d4 == 5020 || d4 == 5038 || d4 == 6304 || d4 == 6759 ||
      (d2 >= 56 && d2 <= 58) || (d3 == 676))
    return true;  // Maestro
  return false;
}

namespace {

struct IbanCountry {
  char code[3];
  int length;
};

// The SWIFT IBAN registry (release 2024).
constexpr IbanCountry kIbanCountries[] = {
    {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16}, {"BG", 22},
    {"BH", 22}, {"BI", 27}, {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22}, {"CY", 28}, {"CZ", 24},
    {"DE", 22}, {"DJ", 27}, {"DK", 18}, {"DO", 28}, {"EE", 20}, {"EG", 29}, {"ES", 24}, {"FI", 18},
    {"FK", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22}, {"GE", 22}, {"GI", 23}, {"GL", 18}, {"GR", 27},
    {"GT", 28}, {"HR", 21}, {"HU", 28}, {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26}, {"IT", 27},
    {"JO", 30}, {"KW", 30}, {"KZ", 20}, {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20}, {"LU", 20},
    {"LV", 21}, {"LY", 25}, {"MC", 27}, {"MD", 24}, {"ME", 22}, {"MK", 19}, {"MN", 20}, {"MR", 27},
    {"MT", 31}, {"MU", 30}, {"NI", 28}, {"NL", 18}, {"NO", 15}, {"OM", 23}, {"PK", 24}, {"PL", 28},
    {"PS", 29}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"RU", 33}, {"SA", 24}, {"SC", 31}, {"SD", 18},
    {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"SO", 23}, {"ST", 25}, {"SV", 28}, {"TL", 23},
    {"TN", 24}, {"TR", 26}, {"UA", 29}, {"VA", 22}, {"VG", 24}, {"XK", 20}, {"YE", 30},
};

int to_upper(int c) {
  return is_lower(c) ? c - 'a' + 'A' : c;
}

}  // namespace

int iban_length(int c1, int c2) {
  c1 = to_upper(c1);
  c2 = to_upper(c2);
  for (const auto& country : kIbanCountries) {
    if (country.code[0] == c1 && country.code[1] == c2) return country.length;
  }
  return 0;
}

bool iban_checksum_valid(std::string_view iban) {
  if (iban.size() < 5) return false;
  // Move the first four characters to the end, letters become 10..35, then mod 97.
  int remainder = 0;
  auto feed = [&](int c) {
    c = to_upper(c);
    if (is_digit(c)) {
      remainder = (remainder * 10 + (c - '0')) % 97;
    } else {
      remainder = (remainder * 100 + (c - 'A' + 10)) % 97;
    }
  };
  for (size_t i = 4; i < iban.size(); ++i) feed(static_cast<unsigned char>(iban[i]));
  for (size_t i = 0; i < 4; ++i) feed(static_cast<unsigned char>(iban[i]));
  return remainder == 1;
}

namespace {

bool parse_ipv4_strict(std::string_view text) {
  int octets = 0;
  size_t i = 0;
  while (true) {
    size_t digits = 0;
    int value = 0;
    while (i < text.size() && is_digit(text[i]) && digits < 4) {
      value = value * 10 + (text[i] - '0');
      ++i;
      ++digits;
    }
    if (digits == 0 || digits > 3 || value > 255) return false;
    ++octets;
    if (i == text.size()) break;
    if (text[i] != '.' || octets == 4) return false;
    ++i;
  }
  return octets == 4;
}

// Hex groups separated by ':', the last of which may be an IPv4 address.
bool parse_groups(std::string_view part, bool allow_ipv4, int& count, Ipv6Shape& shape) {
  count = 0;
  if (part.empty()) return true;
  size_t start = 0;
  while (true) {
    const size_t colon = part.find(':', start);
    const std::string_view group = part.substr(
        start, colon == std::string_view::npos ? std::string_view::npos : colon - start);
    if (group.empty()) return false;
    if (group.find('.') != std::string_view::npos) {
      if (!allow_ipv4 || colon != std::string_view::npos || !parse_ipv4_strict(group)) return false;
      shape.embedded_ipv4 = true;
      count += 2;
      return true;
    }
    if (group.size() > 4) return false;
    for (char c : group) {
      if (!is_hex(static_cast<unsigned char>(c))) return false;
    }
    ++count;
    ++shape.groups;
    shape.hex_digits += static_cast<int>(group.size());
    if (colon == std::string_view::npos) return true;
    start = colon + 1;
  }
}

}  // namespace

bool parse_ipv6(std::string_view text, Ipv6Shape& shape) {
  shape = Ipv6Shape{};
  const size_t gap = text.find("::");
  int head = 0;
  int tail = 0;
  if (gap == std::string_view::npos) {
    if (!parse_groups(text, true, head, shape)) return false;
    return head == 8;
  }
  if (text.find("::", gap + 1) != std::string_view::npos) return false;
  if (!parse_groups(text.substr(0, gap), false, head, shape)) return false;
  if (!parse_groups(text.substr(gap + 2), true, tail, shape)) return false;
  return head + tail <= 7;
}

double shannon_entropy(std::string_view text) {
  if (text.empty()) return 0.0;
  std::array<int, 256> counts{};
  for (char c : text) ++counts[static_cast<unsigned char>(c)];
  const double n = static_cast<double>(text.size());
  double bits = 0.0;
  for (int count : counts) {
    if (count == 0) continue;
    const double p = count / n;
    bits -= p * std::log2(p);
  }
  return bits;
}

}  // namespace sluice_pii
