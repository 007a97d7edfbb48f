// The labelled corpus (tests/guardrails/corpus/pii.jsonl) and how to read back which
// spans a redaction replaced.
#pragma once

#include <optional>
#include <string>
#include <vector>

namespace pii_test {

struct Entity {
  std::string type;   // "email", "phone", ...
  std::string value;  // the exact substring of the text
};

struct Sample {
  std::string text;
  std::vector<Entity> entities;  // empty for benign look-alikes
};

// Every line of the corpus; fails the test when the file is missing or malformed.
const std::vector<Sample>& corpus();

// The entity kinds in report order.
const std::vector<std::string>& kinds();

// The entities a redact-mode rewrite found: `redacted` must be `original` with spans
// replaced by "[EMAIL]", "[PHONE]", ...; nullopt when it is not.
std::optional<std::vector<Entity>> replaced_spans(const std::string& original,
                                                  const std::string& redacted);

}  // namespace pii_test
