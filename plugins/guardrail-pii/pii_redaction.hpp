// What replaces a found entity, and whole-text redaction (prompts and chat turns).
#pragma once

#include <string>
#include <string_view>

#include "pii_entity.hpp"
#include "pii_policy.hpp"
#include "pii_scanner.hpp"

namespace sluice_pii {

// Appends the replacement for `value`: "[EMAIL]" for redact; for mask the same bytes with
// every letter and digit turned into '*' (a card keeps its last four digits).
void render_entity(Kind kind, Mode mode, std::string_view value, std::string& out);

struct TextFindings {
  KindSet found;         // every kind found
  KindSet denied;        // the kinds found whose mode is deny
  bool changed = false;  // some entity was redacted or masked
};

// Scans all of `text`; `out` receives it with every redact/mask entity replaced
// (deny entities are left in place: the caller refuses the request).
TextFindings redact_text(const Scanner& scanner, const Policy& policy, std::string_view text,
                         std::string& out);

}  // namespace sluice_pii
