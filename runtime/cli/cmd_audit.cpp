// `sluice audit verify FILE`: checks an audit log's hash chain (telemetry/audit_verify).
#include <cstdio>
#include <string>

#include "cli/commands.hpp"
#include "telemetry/audit_verify.hpp"

namespace sluice::cli {

int run_audit_verify(const std::filesystem::path& file) {
  std::string error;
  const auto result = telemetry::verify_audit_file(file, error);
  if (!result) {
    std::fprintf(stderr, "sluice audit verify: %s\n", error.c_str());
    return 2;
  }
  if (!result->ok) {
    std::printf("%s:%llu: %s: %s\n", file.string().c_str(),
                static_cast<unsigned long long>(result->bad_line),
                telemetry::audit_fault_name(result->fault), result->message.c_str());
    return 1;
  }
  std::printf("OK: %llu lines\n", static_cast<unsigned long long>(result->lines));
  if (result->incomplete_last_line) {
    std::fprintf(stderr,
                 "%s:%llu: warning: incomplete last line (%llu bytes without a newline: a write "
                 "interrupted by a crash); not verified; the audit plugin cuts it off and records "
                 "a recovery line when it reopens the file\n",
                 file.string().c_str(), static_cast<unsigned long long>(result->lines + 1),
                 static_cast<unsigned long long>(result->incomplete_bytes));
  }
  if (result->recoveries > 0) {
    std::fprintf(stderr, "%s: note: %llu recovery line%s (torn lines cut off after crashes)\n",
                 file.string().c_str(), static_cast<unsigned long long>(result->recoveries),
                 result->recoveries == 1 ? "" : "s");
  }
  return 0;
}

}  // namespace sluice::cli
