#include "kernels/cpu/types.hpp"

#include <array>
#include <stdexcept>
#include <string>

#include "kernels/cpu/blocks.hpp"

namespace sluice::kernels {
namespace {

constexpr std::array<TypeLayout, 15> kLayouts = {{
    {GgmlType::f32, "F32", 1, 4},
    {GgmlType::f16, "F16", 1, 2},
    {GgmlType::q4_0, "Q4_0", kQK, sizeof(BlockQ4_0)},
    {GgmlType::q4_1, "Q4_1", kQK, sizeof(BlockQ4_1)},
    {GgmlType::q5_0, "Q5_0", kQK, sizeof(BlockQ5_0)},
    {GgmlType::q5_1, "Q5_1", kQK, sizeof(BlockQ5_1)},
    {GgmlType::q8_0, "Q8_0", kQK, sizeof(BlockQ8_0)},
    {GgmlType::q8_1, "Q8_1", kQK, sizeof(BlockQ8_1)},
    {GgmlType::q2_k, "Q2_K", kQKK, sizeof(BlockQ2_K)},
    {GgmlType::q3_k, "Q3_K", kQKK, sizeof(BlockQ3_K)},
    {GgmlType::q4_k, "Q4_K", kQKK, sizeof(BlockQ4_K)},
    {GgmlType::q5_k, "Q5_K", kQKK, sizeof(BlockQ5_K)},
    {GgmlType::q6_k, "Q6_K", kQKK, sizeof(BlockQ6_K)},
    {GgmlType::q8_k, "Q8_K", kQKK, sizeof(BlockQ8_K)},
    {GgmlType::bf16, "BF16", 1, 2},
}};

const TypeLayout* find_layout(GgmlType type) {
  for (const auto& layout : kLayouts) {
    if (layout.type == type) return &layout;
  }
  return nullptr;
}

}  // namespace

bool is_known_type(GgmlType type) {
  return find_layout(type) != nullptr;
}

const TypeLayout& type_layout(GgmlType type) {
  if (const TypeLayout* layout = find_layout(type)) return *layout;
  throw std::invalid_argument("unknown ggml type id " +
                              std::to_string(static_cast<uint32_t>(type)));
}

size_t row_bytes(GgmlType type, int64_t n) {
  const TypeLayout& layout = type_layout(type);
  if (n < 0 || n % layout.block_elements != 0) {
    throw std::invalid_argument(std::string(layout.name) + ": row length " + std::to_string(n) +
                                " is not a multiple of " + std::to_string(layout.block_elements));
  }
  return static_cast<size_t>(n / layout.block_elements) * layout.block_bytes;
}

}  // namespace sluice::kernels
