// Request bodies as JSON: parsing with a depth bound and UTF-8 checks, typed and bounded
// reads of optional fields (null counts as absent), and serialisation that never throws
// on bytes that are not UTF-8 (token pieces may be partial characters).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace sluice::server {

using Json = nlohmann::ordered_json;

// Deepest nesting of arrays and objects a request body may have.
inline constexpr int kMaxJsonDepth = 64;

// Parses a request body that must be a JSON object. Throws ApiError(400) for malformed
// JSON, invalid UTF-8, nesting over kMaxJsonDepth, or a body that is not an object.
Json parse_json_body(std::string_view body);

// Serialises with invalid UTF-8 replaced by U+FFFD, never throwing.
std::string dump_json(const Json& value);
std::string dump_json(const nlohmann::json& value);

// Typed reads of one object's optional fields. Every read throws ApiError(400) naming
// the field (with `prefix`, e.g. "options.") when the type or the range is wrong.
class FieldReader {
 public:
  FieldReader(const Json& object, std::string prefix = {});

  bool has(std::string_view key) const;  // present and not null
  std::optional<bool> boolean(std::string_view key) const;
  // Accepts integral numbers only (2.0 is 2; 2.5 is an error).
  std::optional<int64_t> integer(std::string_view key, int64_t min, int64_t max) const;
  // Any 64-bit integer, negative ones taken modulo 2^64 (seeds).
  std::optional<uint64_t> seed(std::string_view key) const;
  std::optional<double> number(std::string_view key, double min, double max) const;
  std::optional<std::string> string(std::string_view key, size_t max_bytes) const;
  // Present arrays/objects (nullptr when absent or null); the wrong type is an error.
  const Json* array(std::string_view key) const;
  const Json* object(std::string_view key) const;

  std::string name(std::string_view key) const { return prefix_ + std::string(key); }
  const Json& json() const { return object_; }

 private:
  const Json* find(std::string_view key) const;
  const Json& object_;
  std::string prefix_;
};

// JSON type names for messages: "a string", "a number", ...
const char* json_type_phrase(const Json& value);

}  // namespace sluice::server
