// The entity kinds the pii guardrail knows and what it does with each.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace sluice_pii {

// The order is the tie-break when two detectors find equally long spans at one start:
// the more specific (checksummed) kinds come first.
enum class Kind : uint8_t { card, iban, ssn, phone, email, ipv4, ipv6, secret };
inline constexpr size_t kKindCount = 8;

// The order kinds are listed in reasons and documentation.
inline constexpr std::array<Kind, kKindCount> kReportOrder = {Kind::email, Kind::phone, Kind::card,
                                                              Kind::iban,  Kind::ssn,   Kind::ipv4,
                                                              Kind::ipv6,  Kind::secret};

std::string_view kind_name(Kind kind);         // "email"
std::string_view kind_placeholder(Kind kind);  // "[EMAIL]"
std::optional<Kind> kind_from_name(std::string_view name);

enum class Mode : uint8_t { redact, mask, deny };

std::optional<Mode> mode_from_name(std::string_view name);

// A small set of kinds, for reasons ("pii: email, card").
class KindSet {
 public:
  void add(Kind kind) { bits_ |= static_cast<uint8_t>(1u << static_cast<unsigned>(kind)); }
  bool contains(Kind kind) const { return (bits_ >> static_cast<unsigned>(kind)) & 1u; }
  bool empty() const { return bits_ == 0; }
  void clear() { bits_ = 0; }
  // "email, card" in report order.
  std::string describe() const;

 private:
  uint8_t bits_ = 0;
};

}  // namespace sluice_pii
