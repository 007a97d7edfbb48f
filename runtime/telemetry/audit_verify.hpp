// Verifies an audit log written by the audit guardrail (plugins/guardrail-audit): a
// JSON-lines file whose every line is {"seq":N,…,"prev":"<hex>","hash":"<hex>"}, where
// `prev` is the SHA-256 of the previous line's bytes (64 zeros for the first line) and
// `hash` the SHA-256 of the line's own bytes up to and including prev's closing quote.
// `sluice audit verify FILE` prints the result.
#pragma once

#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <optional>
#include <string>

namespace sluice::telemetry {

// What is wrong at the first bad line.
enum class AuditFault {
  none,
  edited,     // the line's bytes changed (its own hash, or the next line's prev, disagrees)
  deleted,    // lines are missing before this one (seq jumps forward, the chain is cut)
  inserted,   // the line does not belong: a copy of another line, or a forged one
  reordered,  // the line is genuine but out of place (its predecessor comes later)
  malformed,  // not an audit line at all (not JSON, no seq, prev or hash)
};

const char* audit_fault_name(AuditFault fault);  // "edited", "deleted", ...

struct AuditVerifyResult {
  bool ok = true;
  uint64_t lines = 0;     // whole lines verified: all of them when ok, else bad_line - 1
  uint64_t bad_line = 0;  // 1-based number of the first bad line; 0 when ok
  AuditFault fault = AuditFault::none;
  std::string message;  // why bad_line is bad
  // The file ends in bytes without a newline: a line a crash interrupted. Not verified
  // and not an error (the plugin cuts it off and records a recovery line on reopening).
  bool incomplete_last_line = false;
  uint64_t incomplete_bytes = 0;
  uint64_t recoveries = 0;  // "recovery" lines among the verified ones
};

// Reads the whole stream. The verdict is about the first bad line only.
AuditVerifyResult verify_audit_log(std::istream& in);

// The same for a file; nullopt, with `error` set, when it cannot be opened or read.
std::optional<AuditVerifyResult> verify_audit_file(const std::filesystem::path& file,
                                                   std::string& error);

}  // namespace sluice::telemetry
