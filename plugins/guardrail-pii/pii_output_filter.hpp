// Streamed output: holds back only the tail that could still become part of an entity,
// releases the rest (redacted or masked where needed), and stops on a deny entity.
#pragma once

#include <string>
#include <string_view>

#include "pii_policy.hpp"
#include "pii_scanner.hpp"

namespace sluice_pii {

class OutputFilter {
 public:
  enum class Action { pass, hold, redact, stop };  // SLUICE_GUARD_PASS/HOLD/REDACT/STOP

  struct Step {
    Action action;
    std::string_view text;    // what may be sent now; valid until the next feed
    std::string_view reason;  // for redact and stop: "pii: email, card"
  };

  OutputFilter(const Scanner& scanner, const Policy& policy)
      : scanner_(&scanner), policy_(&policy) {}

  // The next chunk (complete UTF-8 code points); on the final one nothing stays held.
  Step feed(std::string_view chunk, bool final);

 private:
  void drop_released_text();

  const Scanner* scanner_;
  const Policy* policy_;
  // Raw text: up to kLookBehind+ bytes already released (context for the detectors),
  // then what is held.
  std::string buffer_;
  Pos released_ = 0;           // index in buffer_ of the first byte not yet released
  Continuation continuation_;  // where a span cut at its cap goes on (index in buffer_)
  std::string out_;
  std::string reason_;
  bool stopped_ = false;
};

}  // namespace sluice_pii
