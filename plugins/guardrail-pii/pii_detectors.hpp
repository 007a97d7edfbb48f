// One detector per entity kind. Each looks for an entity starting exactly at `s` and
// returns where it ends, reading the text through Text::at (so a detector that needed a
// byte not yet streamed leaves the Text marked incomplete and its answer is ignored).
//
// Every detector requires `s` to start a word-like unit (the byte before it is no
// letter or digit), reads at most kLookBehind bytes before `s` and, except the private
// key block, at most kSecretCap + 2 bytes after it.
#pragma once

#include <cstdint>

#include "pii_text.hpp"

namespace sluice_pii {

inline constexpr Pos kLookBehind = 64;
// The longest span any detector but the private-key block reports; a secret running
// longer is cut here and continued from the cut (Found::continues).
inline constexpr Pos kSecretCap = 256;
// The longest private key block held back while waiting for its END line.
inline constexpr Pos kKeyBlockCap = 8192;

struct DetectorOptions {
  Pos entropy_min_length = 24;
  double entropy_threshold = 3.7;
};

// How a span that was cut at its cap goes on after its end.
enum class Continues : uint8_t {
  no,
  token,      // the rest of the token run is secret too
  key_block,  // the private key block goes on to its END line
};

struct Found {
  Pos end = -1;
  Continues continues = Continues::no;
  bool benign = false;  // a span to skip, not to report (a certificate's base64 body)
  explicit operator bool() const { return end >= 0; }
};

// Where the last span was cut, carried across scans of a growing text.
struct Continuation {
  Pos at = -1;
  Continues kind = Continues::no;
};

Found detect_email(const Text& t, Pos s);
Found detect_phone(const Text& t, Pos s);
Found detect_card(const Text& t, Pos s);
Found detect_iban(const Text& t, Pos s);
Found detect_ssn(const Text& t, Pos s);
Found detect_ipv4(const Text& t, Pos s);
Found detect_ipv6(const Text& t, Pos s);
Found detect_secret(const Text& t, Pos s, const Continuation& continuation,
                    const DetectorOptions& options);

}  // namespace sluice_pii
