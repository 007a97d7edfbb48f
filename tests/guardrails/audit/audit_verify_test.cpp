// `sluice audit verify`'s checker (telemetry/audit_verify) on a log the audit guardrail
// wrote, tampered with in every way at the first, a middle and the last line: each is
// reported at the right line with the right kind, and what a plain hash chain cannot
// catch is pinned down too.
#include <catch2/catch.hpp>
#include <sstream>

#include "audit_client.hpp"
#include "audit_test_util.hpp"
#include "telemetry/audit_verify.hpp"
#include "test_support.hpp"

using namespace sluice;
using namespace sluice::test::audit;
using telemetry::AuditFault;

namespace {

constexpr size_t kLines = 10;
const size_t kHashSuffix = std::string(",\"hash\":\"").size() + 64 + 2;

// Ten genuine lines, written by the plugin.
const std::vector<std::string>& genuine_log() {
  static const std::vector<std::string> lines = [] {
    test::ScratchDir dir;
    const auto path = dir.path() / "audit.jsonl";
    {
      AuditInstance audit(test::load_plugin(SLUICE_AUDIT_PLUGIN, "audit"), audit_config(path));
      REQUIRE(audit.result().ok());
      for (size_t i = 0; i < kLines; ++i) {
        TestRequest r;
        r.request_id = "req-" + std::to_string(i + 1);
        r.prompt = "prompt " + std::to_string(i + 1);
        r.response = "response";
        REQUIRE(audit.run(r).ok());
      }
    }
    auto out = read_lines(path);
    REQUIRE(out.size() == kLines);
    return out;
  }();
  return lines;
}

telemetry::AuditVerifyResult verify(const std::string& bytes) {
  std::istringstream in(bytes);
  return telemetry::verify_audit_log(in);
}

telemetry::AuditVerifyResult verify(const std::vector<std::string>& lines) {
  return verify(join_lines(lines));
}

// Recomputes a line's own hash, as a forger who knows the format would.
std::string rehash(const std::string& line) {
  const std::string prefix = line.substr(0, line.size() - kHashSuffix);
  return prefix + ",\"hash\":\"" + sha256_hex(prefix) + "\"}";
}

std::string edit_tenant(const std::string& line) {
  const std::string from = "\"tenant\":\"acme\"";
  const size_t at = line.find(from);
  REQUIRE(at != std::string::npos);
  std::string out = line;
  out.replace(at, from.size(), "\"tenant\":\"evil\"");
  return out;
}

// A made-up line with the given seq and prev and a correct own hash.
std::string forged(uint64_t seq, const std::string& prev) {
  const std::string prefix =
      "{\"seq\":" + std::to_string(seq) +
      R"(,"time":"2025-01-01T00:00:00.000Z","type":"request","request_id":"forged",)"
      R"("tenant":"acme","model":"stories260K","route":"/v1/chat/completions","http_status":200,)"
      R"("decision":"allowed","finish_reason":"stop","prev":")" +
      prev + "\"";
  return prefix + ",\"hash\":\"" + sha256_hex(prefix) + "\"}";
}

// The prev a line at 1-based position `n` of the genuine log has.
std::string prev_of(size_t n) {
  return n == 1 ? std::string(64, '0') : sha256_hex(genuine_log()[n - 2]);
}

void check_fault(const telemetry::AuditVerifyResult& result, uint64_t line, AuditFault fault) {
  INFO("reported line " << result.bad_line << ": " << telemetry::audit_fault_name(result.fault)
                        << ": " << result.message);
  CHECK_FALSE(result.ok);
  CHECK(result.bad_line == line);
  CHECK(result.fault == fault);
  CHECK(result.lines == line - 1);
  CHECK_FALSE(result.message.empty());
}

}  // namespace

TEST_CASE("audit verify: an untouched log is OK", "[audit][verify]") {
  const auto result = verify(genuine_log());
  CHECK(result.ok);
  CHECK(result.lines == kLines);
  CHECK(result.bad_line == 0);
  CHECK_FALSE(result.incomplete_last_line);
}

TEST_CASE("audit verify: an edited field is reported at its line", "[audit][verify]") {
  for (size_t k : {size_t{1}, size_t{5}, kLines}) {
    INFO("edited line " << k);
    auto lines = genuine_log();
    lines[k - 1] = edit_tenant(lines[k - 1]);
    check_fault(verify(lines), k, AuditFault::edited);
  }
}

TEST_CASE("audit verify: an edit with a recomputed hash is reported at its line",
          "[audit][verify]") {
  for (size_t k : {size_t{1}, size_t{5}, kLines - 1}) {
    INFO("edited line " << k);
    auto lines = genuine_log();
    lines[k - 1] = rehash(edit_tenant(lines[k - 1]));
    check_fault(verify(lines), k, AuditFault::edited);
  }
  // The documented limit: the last line, edited and rehashed, has no successor to
  // contradict it.
  auto lines = genuine_log();
  lines.back() = rehash(edit_tenant(lines.back()));
  CHECK(verify(lines).ok);
}

TEST_CASE("audit verify: a deleted line is reported where the gap is", "[audit][verify]") {
  for (size_t k : {size_t{1}, size_t{5}, kLines - 1}) {
    INFO("deleted line " << k);
    auto lines = genuine_log();
    lines.erase(lines.begin() + static_cast<long>(k - 1));
    check_fault(verify(lines), k, AuditFault::deleted);
  }
  // The documented limit: deleting the last line (truncating the tail) leaves a shorter
  // log that is whole.
  auto lines = genuine_log();
  lines.pop_back();
  const auto result = verify(lines);
  CHECK(result.ok);
  CHECK(result.lines == kLines - 1);
}

TEST_CASE("audit verify: an inserted copy of a line is reported at its position",
          "[audit][verify]") {
  struct Case {
    size_t position;  // where the copy ends up (1-based)
    size_t copy_of;   // the genuine line copied
  };
  for (const Case c :
       {Case{1, 5}, Case{5, 2}, Case{6, 5}, Case{kLines, 3}, Case{kLines + 1, 3}, Case{3, 8}}) {
    INFO("copy of line " << c.copy_of << " inserted at " << c.position);
    auto lines = genuine_log();
    lines.insert(lines.begin() + static_cast<long>(c.position - 1), lines[c.copy_of - 1]);
    check_fault(verify(lines), c.position, AuditFault::inserted);
  }
}

TEST_CASE("audit verify: an inserted forged line is reported at its position", "[audit][verify]") {
  for (size_t k : {size_t{1}, size_t{5}, kLines}) {
    SECTION("chained in correctly, at line " + std::to_string(k)) {
      auto lines = genuine_log();
      lines.insert(lines.begin() + static_cast<long>(k - 1), forged(k, prev_of(k)));
      check_fault(verify(lines), k, AuditFault::inserted);
    }
    SECTION("with a made-up seq and prev, at line " + std::to_string(k)) {
      auto lines = genuine_log();
      lines.insert(lines.begin() + static_cast<long>(k - 1), forged(999, std::string(64, 'a')));
      check_fault(verify(lines), k, AuditFault::inserted);
    }
  }
}

TEST_CASE("audit verify: swapped lines are reported at the first of them", "[audit][verify]") {
  struct Case {
    size_t a, b;
  };
  for (const Case c : {Case{1, 2}, Case{5, 6}, Case{kLines - 1, kLines}, Case{2, 7}}) {
    INFO("swapped lines " << c.a << " and " << c.b);
    auto lines = genuine_log();
    std::swap(lines[c.a - 1], lines[c.b - 1]);
    check_fault(verify(lines), c.a, AuditFault::reordered);
  }
  // A line moved two places down is out of order where the order first breaks.
  auto lines = genuine_log();
  std::rotate(lines.begin() + 3, lines.begin() + 4, lines.begin() + 6);  // 1 2 3 5 6 4 7 ...
  check_fault(verify(lines), 4, AuditFault::reordered);
}

TEST_CASE("audit verify: a line that is not an audit line is malformed", "[audit][verify]") {
  for (const std::string bad : {"garbage", "", "{\"seq\":5}", "[1,2,3]"}) {
    INFO("line 5 replaced by '" << bad << "'");
    auto lines = genuine_log();
    lines[4] = bad;
    check_fault(verify(lines), 5, AuditFault::malformed);
  }
}

TEST_CASE("audit verify: a torn last line is a warning, not an error", "[audit][verify]") {
  const std::string torn = join_lines(genuine_log()) + genuine_log()[3].substr(0, 40);
  const auto result = verify(torn);
  CHECK(result.ok);
  CHECK(result.lines == kLines);
  CHECK(result.incomplete_last_line);
  CHECK(result.incomplete_bytes == 40);
}

TEST_CASE("audit verify: an empty log is OK, an unreadable one is an error", "[audit][verify]") {
  const auto empty = verify(std::string());
  CHECK(empty.ok);
  CHECK(empty.lines == 0);

  test::ScratchDir dir;
  std::string error;
  CHECK_FALSE(telemetry::verify_audit_file(dir.path() / "missing.jsonl", error));
  CHECK_THAT(error, Catch::Contains("missing.jsonl"));
  CHECK_FALSE(telemetry::verify_audit_file(dir.path(), error));
  CHECK_THAT(error, Catch::Contains("folder"));
}
