#include "model/ggml_type.hpp"

#include <array>
#include <string>

namespace sluice::model {
namespace {

// Block layouts as in ggml-common.h: e.g. Q4_K = fp16 d + fp16 dmin + 12 bytes of
// scales + 128 bytes of 4-bit quants per 256 values.
constexpr std::array<GgmlTypeInfo, 15> kTypes = {{
    {GgmlType::f32, "F32", 1, 4},
    {GgmlType::f16, "F16", 1, 2},
    {GgmlType::q4_0, "Q4_0", 32, 2 + 16},
    {GgmlType::q4_1, "Q4_1", 32, 2 + 2 + 16},
    {GgmlType::q5_0, "Q5_0", 32, 2 + 4 + 16},
    {GgmlType::q5_1, "Q5_1", 32, 2 + 2 + 4 + 16},
    {GgmlType::q8_0, "Q8_0", 32, 2 + 32},
    {GgmlType::q8_1, "Q8_1", 32, 2 + 2 + 32},
    {GgmlType::q2_k, "Q2_K", 256, 16 + 64 + 2 + 2},
    {GgmlType::q3_k, "Q3_K", 256, 32 + 64 + 12 + 2},
    {GgmlType::q4_k, "Q4_K", 256, 2 + 2 + 12 + 128},
    {GgmlType::q5_k, "Q5_K", 256, 2 + 2 + 12 + 32 + 128},
    {GgmlType::q6_k, "Q6_K", 256, 128 + 64 + 16 + 2},
    {GgmlType::q8_k, "Q8_K", 256, 4 + 256 + 32},
    {GgmlType::bf16, "BF16", 1, 2},
}};

}  // namespace

std::optional<GgmlTypeInfo> ggml_type_info(uint32_t type_id) {
  for (const auto& t : kTypes) {
    if (static_cast<uint32_t>(t.type) == type_id) return t;
  }
  return std::nullopt;
}

std::string ggml_type_name(uint32_t type_id) {
  if (auto info = ggml_type_info(type_id)) return std::string(info->name);
  return "type " + std::to_string(type_id);
}

}  // namespace sluice::model
