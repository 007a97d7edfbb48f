// Weight and activation types, with ggml's type ids and block layouts (ggml-common.h).
// This library knows nothing of GGUF files; its ids are ggml's so that a tensor's type id
// from a GGUF file can be passed straight through.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sluice::kernels {

enum class GgmlType : uint32_t {
  f32 = 0,
  f16 = 1,
  q4_0 = 2,
  q4_1 = 3,
  q5_0 = 6,
  q5_1 = 7,
  q8_0 = 8,
  q8_1 = 9,
  q2_k = 10,
  q3_k = 11,
  q4_k = 12,
  q5_k = 13,
  q6_k = 14,
  q8_k = 15,
  bf16 = 30,
};

// How a type packs values: `block_elements` values take `block_bytes` bytes.
struct TypeLayout {
  GgmlType type;
  const char* name;  // as llama.cpp prints it: "Q4_K"
  int64_t block_elements;
  size_t block_bytes;
};

// True for the types listed in GgmlType.
bool is_known_type(GgmlType type);
// The layout of a known type; throws std::invalid_argument for any other id.
const TypeLayout& type_layout(GgmlType type);
inline const char* type_name(GgmlType type) {
  return type_layout(type).name;
}
inline int64_t block_elements(GgmlType type) {
  return type_layout(type).block_elements;
}
// Bytes of a row of `n` values; throws std::invalid_argument unless `n` is a
// non-negative multiple of the type's block size.
size_t row_bytes(GgmlType type, int64_t n);

}  // namespace sluice::kernels
