// Checksums and syntax checks that turn number-shaped candidates into entities.
#pragma once

#include <cstddef>
#include <string_view>

namespace sluice_pii {

// Luhn (mod 10) over ASCII digits.
bool luhn_valid(std::string_view digits);

// The digits start like a card of one of the major networks (Visa, Mastercard, Amex,
// Discover, JCB, Diners, UnionPay, Maestro).
bool card_prefix_known(std::string_view digits);

// The IBAN length for a two-letter country code (either case); 0 when not an IBAN country.
int iban_length(int c1, int c2);

// ISO 13616 mod-97 check of a compact IBAN (letters in either case, no spaces).
bool iban_checksum_valid(std::string_view iban);

// An IPv6 address in any RFC 4291 text form (full, compressed, IPv4-embedded), as
// inet_pton accepts it; reports what the address is made of.
struct Ipv6Shape {
  int groups = 0;      // hexadecimal groups written out
  int hex_digits = 0;  // their digits
  bool embedded_ipv4 = false;
};
bool parse_ipv6(std::string_view text, Ipv6Shape& shape);

// Shannon entropy in bits per character.
double shannon_entropy(std::string_view text);

}  // namespace sluice_pii
