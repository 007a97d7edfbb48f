// A GGUF metadata value: a scalar, a string, or an array of them (arrays may nest).
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace sluice::model {

enum class GgufValueType : uint32_t {
  uint8 = 0,
  int8 = 1,
  uint16 = 2,
  int16 = 3,
  uint32 = 4,
  int32 = 5,
  float32 = 6,
  boolean = 7,
  string = 8,
  array = 9,
  uint64 = 10,
  int64 = 11,
  float64 = 12,
};

// "uint32", "string", ... ; "type N" for unknown ids.
std::string gguf_value_type_name(uint32_t type_id);
// Bytes one scalar of this type takes; 0 for string and array (variable).
size_t gguf_scalar_size(GgufValueType type);
bool is_valid_gguf_value_type(uint32_t type_id);

struct GgufValue {
  GgufValueType type = GgufValueType::uint8;

  // Scalars keep the exact bits they were stored with (round trips are byte-exact);
  // read them through the accessors below.
  uint64_t bits = 0;
  std::string string;  // type == string

  // type == array: every element has `element_type`. Numeric and boolean elements are
  // stored as their little-endian bytes in `raw` (count * scalar size); strings in
  // `strings`; nested arrays in `arrays`.
  GgufValueType element_type = GgufValueType::uint8;
  uint64_t count = 0;
  std::vector<uint8_t> raw;
  std::vector<std::string> strings;
  std::vector<GgufValue> arrays;

  static GgufValue of_string(std::string s);
  static GgufValue of_uint32(uint32_t v);
  static GgufValue of_int32(int32_t v);
  static GgufValue of_uint64(uint64_t v);
  static GgufValue of_float32(float v);
  static GgufValue of_bool(bool v);
  static GgufValue of_strings(std::vector<std::string> v);
  static GgufValue of_float32s(const std::vector<float>& v);
  static GgufValue of_int32s(const std::vector<int32_t>& v);

  // The value as an integer / float / bool, converting between numeric types when the
  // value fits; nullopt for strings, arrays and out-of-range values.
  std::optional<int64_t> as_int() const;
  std::optional<uint64_t> as_uint() const;
  std::optional<double> as_float() const;
  std::optional<bool> as_bool() const;

  // Element i of a numeric array, converted like as_int/as_float.
  std::optional<int64_t> int_at(uint64_t i) const;
  std::optional<double> float_at(uint64_t i) const;

  // For `sluice inspect --json`; arrays longer than `max_elements` are summarised.
  nlohmann::json to_json(size_t max_elements = 16) const;
};

}  // namespace sluice::model
