// Why a GGUF file was rejected: a code, the field at fault and its byte offset.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace sluice::model {

class GgufError : public std::runtime_error {
 public:
  static constexpr uint64_t kNoOffset = UINT64_MAX;  // the problem has no place in the file

  enum class Code {
    io,           // cannot open, stat or map the file
    bad_magic,    // not a GGUF file
    bad_version,  // a version this reader does not read (it reads 2 and 3)
    truncated,    // a field, string, array or tensor extends past the end of the file
    bad_type,     // unknown metadata value type or tensor type
    bad_value,    // a value out of its allowed range (dims, counts, alignment...)
    duplicate,    // a metadata key or tensor name that appears twice
    overlap,      // two tensors share bytes
    missing_key,  // a required metadata key is absent (model description)
    wrong_type,   // a metadata key holds another type than expected
    unsupported,  // a valid file this build does not run (architecture, weight type)
  };

  GgufError(Code code, std::string field, uint64_t offset, std::string message);

  Code code() const { return code_; }
  const std::string& field() const { return field_; }
  uint64_t offset() const { return offset_; }
  // The same error, its message prefixed with the file it came from.
  GgufError in_file(const std::string& file) const;

 private:
  GgufError(Code code, std::string field, uint64_t offset, std::string what, bool);
  Code code_;
  std::string field_;
  uint64_t offset_;
};

const char* gguf_error_code_name(GgufError::Code code);

}  // namespace sluice::model
