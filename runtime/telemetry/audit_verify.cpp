#include "telemetry/audit_verify.hpp"

#include <openssl/evp.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <istream>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string_view>

namespace sluice::telemetry {
namespace {

// `,"hash":"` + 64 hex + `"}` ends every line.
constexpr std::string_view kHashKey = ",\"hash\":\"";
constexpr size_t kHashSuffixSize = kHashKey.size() + 64 + 2;
const std::string kZeros(64, '0');

std::string sha256_hex(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr) != 1)
    throw std::runtime_error("SHA-256 failed");
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 0xF];
  }
  return out;
}

bool is_hex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

// What one line claims, and whether its own hash holds.
struct LineInfo {
  bool parsed = false;
  std::string problem;  // why not parsed
  uint64_t seq = 0;
  std::string prev;
  bool self_ok = false;
  bool recovery = false;
  std::string hash;  // SHA-256 of the whole line: what the next line's prev must be
};

LineInfo inspect(const std::string& line) {
  LineInfo info;
  info.hash = sha256_hex(line);
  const std::string_view text(line);
  if (text.size() < kHashSuffixSize + 2 || !text.ends_with("\"}") ||
      text.substr(text.size() - kHashSuffixSize, kHashKey.size()) != kHashKey ||
      !is_hex64(text.substr(text.size() - 66, 64))) {
    info.problem = "not an audit line: it does not end with ,\"hash\":\"<64 hex digits>\"}";
    return info;
  }
  const auto json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object()) {
    info.problem = "not an audit line: not a JSON object";
    return info;
  }
  const auto seq = json.find("seq");
  if (seq == json.end() || !seq->is_number_unsigned() || seq->get<uint64_t>() == 0) {
    info.problem = "not an audit line: no positive integer seq";
    return info;
  }
  const auto prev = json.find("prev");
  if (prev == json.end() || !prev->is_string() || !is_hex64(prev->get<std::string>())) {
    info.problem = "not an audit line: no prev of 64 hex digits";
    return info;
  }
  info.parsed = true;
  info.seq = seq->get<uint64_t>();
  info.prev = prev->get<std::string>();
  info.self_ok = sha256_hex(text.substr(0, text.size() - kHashSuffixSize)) ==
                 text.substr(text.size() - 66, 64);
  const auto type = json.find("type");
  info.recovery = type != json.end() && type->is_string() && *type == "recovery";
  return info;
}

// The chain position a line must fill to be accepted.
struct Expected {
  uint64_t seq;
  std::string prev;
};

bool fits(const LineInfo& line, const Expected& expected) {
  return line.parsed && line.self_ok && line.seq == expected.seq && line.prev == expected.prev;
}

// Reads whole lines; a last line without '\n' is reported as incomplete instead.
class LineReader {
 public:
  explicit LineReader(std::istream& in) : in_(in) {}
  // False at the end of the stream.
  bool next(std::string& line, bool& terminated) {
    if (!std::getline(in_, line)) return false;
    terminated = !in_.eof();
    return true;
  }

 private:
  std::istream& in_;
};

// What the lines after the first bad one say about it.
struct Lookahead {
  std::optional<LineInfo> next1, next2;  // the two following whole lines
  uint64_t predecessor_at = 0;           // a later line whose hash is the bad line's prev
  bool seq_repeated_later = false;       // a later line has the bad line's seq
};

std::string line_ref(uint64_t n) {
  return "line " + std::to_string(n);
}

void fail(AuditVerifyResult& result, uint64_t line, AuditFault fault, std::string message) {
  result.ok = false;
  result.bad_line = line;
  result.fault = fault;
  result.message = std::move(message);
  result.lines = line - 1;
}

// Names the first bad line `i` (lines 1..i-1 formed a chain ending in `before`, the last
// of them being `last`) and the kind of tampering that explains it. Checks run from the
// most specific explanation to the most general.
void classify(AuditVerifyResult& result, uint64_t i, const LineInfo& cur,
              const std::optional<LineInfo>& last, const Expected& at, const Lookahead& ahead) {
  if (!cur.parsed) return fail(result, i, AuditFault::malformed, cur.problem);

  // Two lines in a row claim the same place in the chain: one was inserted (a forger who
  // chained it correctly). The one the rest of the chain does not follow is reported.
  if (last && cur.seq == last->seq && cur.prev == last->prev) {
    const std::string both = "lines " + std::to_string(i - 1) + " and " + std::to_string(i) +
                             " both claim seq " + std::to_string(cur.seq);
    if (cur.hash == last->hash)
      return fail(result, i, AuditFault::inserted, "a copy of " + line_ref(i - 1));
    if (ahead.next1 && ahead.next1->prev == cur.hash)
      return fail(result, i - 1, AuditFault::inserted,
                  both + "; the chain continues from " + line_ref(i) + ", not from this one");
    if (ahead.next1 && ahead.next1->prev == last->hash)
      return fail(result, i, AuditFault::inserted,
                  both + "; the chain continues from " + line_ref(i - 1) + ", not from this one");
    return fail(result, i - 1, AuditFault::inserted,
                both + "; nothing follows to tell which is genuine: the first is reported");
  }
  // A genuine line (its seq is unique and its predecessor exists) that comes too early.
  if (cur.seq > at.seq && !ahead.seq_repeated_later && ahead.predecessor_at != 0)
    return fail(result, i, AuditFault::reordered,
                "seq " + std::to_string(cur.seq) + " where " + std::to_string(at.seq) +
                    " was expected: it belongs after " + line_ref(ahead.predecessor_at));
  // Without this line the chain goes on: it was inserted (a copy or a forgery).
  if (ahead.next1 && fits(*ahead.next1, at) &&
      (!ahead.next2 || fits(*ahead.next2, Expected{at.seq + 1, ahead.next1->hash})))
    return fail(result, i, AuditFault::inserted,
                (i == 1 ? std::string("the chain starts at line 2")
                        : "the chain runs from " + line_ref(i - 1) + " to " + line_ref(i + 1)) +
                    " without this line (seq " + std::to_string(cur.seq) + ")");
  if (!cur.self_ok)
    return fail(result, i, AuditFault::edited,
                "its bytes do not match its hash: the line was changed");
  if (cur.seq < at.seq)
    return fail(result, i, AuditFault::inserted,
                "seq " + std::to_string(cur.seq) + " repeats " + line_ref(cur.seq) +
                    " (a copy of an earlier line)");
  if (cur.seq > at.seq) {
    if (cur.prev == at.prev)
      return fail(result, i, AuditFault::edited,
                  "seq " + std::to_string(cur.seq) + " where " + std::to_string(at.seq) +
                      " was expected although the line follows " + line_ref(i - 1) +
                      ": its seq was changed (and its hash recomputed)");
    const uint64_t missing = cur.seq - at.seq;
    return fail(result, i, AuditFault::deleted,
                (i == 1 ? "the first line has seq " + std::to_string(cur.seq)
                        : "seq jumps from " + std::to_string(at.seq - 1) + " to " +
                              std::to_string(cur.seq)) +
                    ": " + std::to_string(missing) + " line" + (missing == 1 ? "" : "s") +
                    " missing before this one");
  }
  // Right seq, wrong prev.
  if (i == 1)
    return fail(result, 1, AuditFault::edited,
                "the first line's prev is not 64 zeros: the line was changed (and its hash "
                "recomputed)");
  return fail(result, i - 1, AuditFault::edited,
              "its bytes do not match the prev recorded in " + line_ref(i) +
                  ": the line was changed and its own hash recomputed (or " + line_ref(i) +
                  "'s prev was changed)");
}

}  // namespace

const char* audit_fault_name(AuditFault fault) {
  switch (fault) {
    case AuditFault::none: return "ok";
    case AuditFault::edited: return "edited";
    case AuditFault::deleted: return "deleted";
    case AuditFault::inserted: return "inserted";
    case AuditFault::reordered: return "reordered";
    case AuditFault::malformed: return "malformed";
  }
  return "unknown";
}

AuditVerifyResult verify_audit_log(std::istream& in) {
  AuditVerifyResult result;
  LineReader reader(in);
  Expected at{1, kZeros};
  std::optional<LineInfo> last;
  std::string line;
  bool terminated = true;
  uint64_t number = 0;
  while (reader.next(line, terminated)) {
    ++number;
    if (!terminated) {
      result.incomplete_last_line = true;
      result.incomplete_bytes = line.size();
      break;
    }
    LineInfo info = inspect(line);
    if (fits(info, at)) {
      ++result.lines;
      if (info.recovery) ++result.recoveries;
      at = Expected{info.seq + 1, info.hash};
      last = std::move(info);
      continue;
    }
    // The first bad line: read the rest of the file for what explains it.
    Lookahead ahead;
    uint64_t later = number;
    while (reader.next(line, terminated) && terminated) {
      ++later;
      LineInfo other = inspect(line);
      if (info.parsed && ahead.predecessor_at == 0 && other.hash == info.prev)
        ahead.predecessor_at = later;
      if (info.parsed && other.parsed && other.seq == info.seq) ahead.seq_repeated_later = true;
      if (!ahead.next1) {
        ahead.next1 = std::move(other);
      } else if (!ahead.next2) {
        ahead.next2 = std::move(other);
      }
    }
    classify(result, number, info, last, at, ahead);
    return result;
  }
  return result;
}

std::optional<AuditVerifyResult> verify_audit_file(const std::filesystem::path& file,
                                                   std::string& error) {
  std::error_code ec;
  if (std::filesystem::is_directory(file, ec)) {
    error = "cannot read " + file.string() + ": it is a folder";
    return std::nullopt;
  }
  std::ifstream in(file, std::ios::binary);
  if (!in) {
    error = "cannot read " + file.string() + ": " + std::strerror(errno);
    return std::nullopt;
  }
  AuditVerifyResult result = verify_audit_log(in);
  if (in.bad()) {
    error = "cannot read " + file.string() + ": read error";
    return std::nullopt;
  }
  return result;
}

}  // namespace sluice::telemetry
