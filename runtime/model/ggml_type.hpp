// The tensor element types GGUF files use (ggml's type ids), with their block layout.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace sluice::model {

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

// How a type packs elements: `block_elements` values take `block_bytes` bytes.
struct GgmlTypeInfo {
  GgmlType type;
  std::string_view name;  // as llama.cpp prints it: "F32", "Q4_K", ...
  uint32_t block_elements;
  uint32_t block_bytes;
};

// The layout of a known type id, or nullopt for ids this reader does not know.
std::optional<GgmlTypeInfo> ggml_type_info(uint32_t type_id);

// "Q4_K", or "type 99" for unknown ids.
std::string ggml_type_name(uint32_t type_id);

}  // namespace sluice::model
