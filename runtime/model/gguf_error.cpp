#include "model/gguf_error.hpp"

namespace sluice::model {
namespace {

std::string describe(const std::string& field, uint64_t offset, const std::string& message) {
  if (offset == GgufError::kNoOffset) return field + ": " + message;
  return field + " at byte " + std::to_string(offset) + ": " + message;
}

}  // namespace

GgufError::GgufError(Code code, std::string field, uint64_t offset, std::string message)
    : std::runtime_error(describe(field, offset, message)),
      code_(code),
      field_(std::move(field)),
      offset_(offset) {}

GgufError::GgufError(Code code, std::string field, uint64_t offset, std::string what, bool)
    : std::runtime_error(what), code_(code), field_(std::move(field)), offset_(offset) {}

GgufError GgufError::in_file(const std::string& file) const {
  return GgufError(code_, field_, offset_, file + ": " + what(), true);
}

const char* gguf_error_code_name(GgufError::Code code) {
  switch (code) {
    case GgufError::Code::io: return "io";
    case GgufError::Code::bad_magic: return "bad_magic";
    case GgufError::Code::bad_version: return "bad_version";
    case GgufError::Code::truncated: return "truncated";
    case GgufError::Code::bad_type: return "bad_type";
    case GgufError::Code::bad_value: return "bad_value";
    case GgufError::Code::duplicate: return "duplicate";
    case GgufError::Code::overlap: return "overlap";
    case GgufError::Code::missing_key: return "missing_key";
    case GgufError::Code::wrong_type: return "wrong_type";
    case GgufError::Code::unsupported: return "unsupported";
  }
  return "unknown";
}

}  // namespace sluice::model
