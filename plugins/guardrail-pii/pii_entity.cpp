#include "pii_entity.hpp"

namespace sluice_pii {

namespace {

struct KindInfo {
  std::string_view name;
  std::string_view placeholder;
};

// Indexed by Kind.
constexpr std::array<KindInfo, kKindCount> kKinds = {{
    {"card", "[CARD]"},
    {"iban", "[IBAN]"},
    {"ssn", "[SSN]"},
    {"phone", "[PHONE]"},
    {"email", "[EMAIL]"},
    {"ipv4", "[IPV4]"},
    {"ipv6", "[IPV6]"},
    {"secret", "[SECRET]"},
}};

}  // namespace

std::string_view kind_name(Kind kind) {
  return kKinds[static_cast<size_t>(kind)].name;
}

std::string_view kind_placeholder(Kind kind) {
  return kKinds[static_cast<size_t>(kind)].placeholder;
}

std::optional<Kind> kind_from_name(std::string_view name) {
  for (size_t i = 0; i < kKindCount; ++i) {
    if (kKinds[i].name == name) return static_cast<Kind>(i);
  }
  return std::nullopt;
}

std::optional<Mode> mode_from_name(std::string_view name) {
  if (name == "redact") return Mode::redact;
  if (name == "mask") return Mode::mask;
  if (name == "deny") return Mode::deny;
  return std::nullopt;
}

std::string KindSet::describe() const {
  std::string out;
  for (Kind kind : kReportOrder) {
    if (!contains(kind)) continue;
    if (!out.empty()) out += ", ";
    out += kind_name(kind);
  }
  return out;
}

}  // namespace sluice_pii
