#include "pii_scanner.hpp"

namespace sluice_pii {

namespace {

// Bytes some detector may start on; most punctuation, spaces and non-ASCII cannot.
constexpr std::array<bool, 256> kMayStart = [] {
  std::array<bool, 256> table{};
  for (int c = 0; c < 256; ++c) table[c] = is_alnum(c);
  for (char c : {'+', '(', ':', '-', '/', '_', '%'}) table[static_cast<unsigned char>(c)] = true;
  return table;
}();

}  // namespace

Found Scanner::detect_at(const Text& t, Pos s, const Continuation& continuation, Kind& kind,
                         bool& undecided) const {
  if (s != continuation.at) {
    // Every detector starts a word-like unit, so nothing starts after a letter or digit.
    const int c = t.at(s);
    if (c < 0 || !kMayStart[static_cast<size_t>(c)] || is_alnum(t.at(s - 1))) return {};
  }
  t.clear_incomplete();
  Found best;
  const auto consider = [&](Kind k, Found found) {
    if (found.end > best.end) {
      best = found;
      kind = k;
    }
  };
  const auto on = [&](Kind k) { return enabled_[static_cast<size_t>(k)]; };
  if (on(Kind::card)) consider(Kind::card, detect_card(t, s));
  if (on(Kind::iban)) consider(Kind::iban, detect_iban(t, s));
  if (on(Kind::ssn)) consider(Kind::ssn, detect_ssn(t, s));
  if (on(Kind::phone)) consider(Kind::phone, detect_phone(t, s));
  if (on(Kind::email)) consider(Kind::email, detect_email(t, s));
  if (on(Kind::ipv4)) consider(Kind::ipv4, detect_ipv4(t, s));
  if (on(Kind::ipv6)) consider(Kind::ipv6, detect_ipv6(t, s));
  if (on(Kind::secret)) consider(Kind::secret, detect_secret(t, s, continuation, options_));
  if (t.incomplete()) {
    undecided = true;
    return {};
  }
  return best;
}

}  // namespace sluice_pii
