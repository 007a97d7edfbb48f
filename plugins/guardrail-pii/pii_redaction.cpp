#include "pii_redaction.hpp"

namespace sluice_pii {

void render_entity(Kind kind, Mode mode, std::string_view value, std::string& out) {
  if (mode != Mode::mask) {
    out += kind_placeholder(kind);
    return;
  }
  size_t keep_from = value.size();
  if (kind == Kind::card) {
    int digits = 0;
    for (size_t i = value.size(); i-- > 0;) {
      if (is_digit(static_cast<unsigned char>(value[i])) && ++digits == 4) {
        keep_from = i;
        break;
      }
    }
  }
  for (size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    out += i < keep_from && is_alnum(static_cast<unsigned char>(c)) ? '*' : c;
  }
}

TextFindings redact_text(const Scanner& scanner, const Policy& policy, std::string_view text,
                         std::string& out) {
  TextFindings findings;
  out.clear();
  const Text t(text.data(), text.size(), true);
  Continuation continuation;
  size_t copied = 0;
  scanner.scan(t, 0, continuation, [&](Kind kind, Pos begin, Pos end) {
    findings.found.add(kind);
    const Mode mode = policy.mode(kind);
    if (mode == Mode::deny) {
      findings.denied.add(kind);
      return true;  // go on: the reason names every denied kind
    }
    const auto b = static_cast<size_t>(begin);
    const auto e = static_cast<size_t>(end);
    out.append(text.substr(copied, b - copied));
    render_entity(kind, mode, text.substr(b, e - b), out);
    copied = e;
    findings.changed = true;
    return true;
  });
  out.append(text.substr(copied));
  return findings;
}

}  // namespace sluice_pii
