// The bodies of audit lines: every field after "seq" and before "prev" (the chain fields
// are added by AuditLogWriter). Built outside the writer's lock.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "audit_config.hpp"
#include "sluice/guardrail.h"

namespace sluice_audit {

// What a stream keeps of its request, already rendered as JSON fields.
struct RequestRecord {
  std::string identity;  // "request_id":…,"tenant":…,"model":…,"route":…
  std::string prompt;    // "prompt_sha256":… / "prompt":… / "messages":[…] / empty
};

// Copies what the audit needs from a request borrowed for stream_open.
RequestRecord record_request(const sluice_guard_request& request, ContentMode content);

// The current time, RFC 3339 UTC with milliseconds: 2025-01-31T12:34:56.789Z.
std::string utc_timestamp();

// One "decision" body per entry of done->decisions (ABI 1.1; none from a 1.0 host), then
// the "request" body.
std::vector<std::string> completion_bodies(const RequestRecord& request,
                                           const sluice_guard_completion& done, ContentMode content,
                                           const std::string& time);

// The "request" body of a stream closed without on_complete (a host that broke the ABI
// contract, or a crash of the request's handling): the request is recorded anyway.
std::string unfinished_request_body(const RequestRecord& request, ContentMode content,
                                    const std::string& time);

// The "recovery" body: a torn last line (a crash mid-write) was cut off on reopening.
std::string recovery_body(const std::string& time, uint64_t truncated_bytes,
                          const std::string& truncated_sha256);

}  // namespace sluice_audit
