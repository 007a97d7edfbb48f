// Which activation format goes with which weight type, and preparing activations.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <type_traits>

#include "kernels/cpu/blocks.hpp"
#include "kernels/cpu/fp16.hpp"
#include "kernels/cpu/quant.hpp"
#include "kernels/cpu/ref_quantizers.hpp"
#include "kernels/cpu/simd.hpp"

namespace sluice::kernels {

GgmlType vec_dot_type(GgmlType weight_type) {
  switch (weight_type) {
    case GgmlType::f32:
    case GgmlType::f16:
    case GgmlType::bf16: return GgmlType::f32;
    case GgmlType::q4_0:
    case GgmlType::q5_0:
    case GgmlType::q8_0: return GgmlType::q8_0;
    case GgmlType::q4_1:
    case GgmlType::q5_1: return GgmlType::q8_1;  // carries d * sum(q) for the min term
    case GgmlType::q2_k:
    case GgmlType::q3_k:
    case GgmlType::q4_k:
    case GgmlType::q5_k:
    case GgmlType::q6_k: return GgmlType::q8_k;
    case GgmlType::q8_1:
    case GgmlType::q8_k: break;
  }
  throw std::invalid_argument(std::string("no dot product for weights of type ") +
                              (is_known_type(weight_type) ? type_name(weight_type) : "unknown"));
}

bool has_vec_dot(GgmlType weight_type) {
  return is_known_type(weight_type) && weight_type != GgmlType::q8_1 &&
         weight_type != GgmlType::q8_k;
}

size_t activation_row_bytes(GgmlType weight_type, int64_t k) {
  (void)row_bytes(weight_type, k);  // the weights' block size constrains k too
  return row_bytes(vec_dot_type(weight_type), k);
}

namespace {

template <class Block>
void quantize_q8_activations(const float* x, Block* y, int64_t n) {
  for (int64_t b = 0; b < n / kQK; ++b, x += kQK) {
    float amax = 0.0f;
    for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / 127.0f;
    const float id = detail::q8_activation_inverse_scale(amax);
    y[b].d = fp32_to_fp16(d);
    int sum = 0;
    for (int j = 0; j < kQK; ++j) {
      y[b].qs[j] = static_cast<int8_t>(std::nearbyint(x[j] * id));  // default mode: half to even
      sum += y[b].qs[j];
    }
    if constexpr (std::is_same_v<Block, BlockQ8_1>)
      y[b].s = fp32_to_fp16(d * static_cast<float>(sum));
  }
}

}  // namespace

namespace detail {
void quantize_q8_0_activations_ref(const float* x, BlockQ8_0* y, int64_t k) {
  quantize_q8_activations(x, y, k);
}
void quantize_q8_1_activations_ref(const float* x, BlockQ8_1* y, int64_t k) {
  quantize_q8_activations(x, y, k);
}
}  // namespace detail

void quantize_activations(GgmlType weight_type, const float* x, void* out, int64_t n) {
  const GgmlType act_type = vec_dot_type(weight_type);
  (void)activation_row_bytes(weight_type, n);
  switch (act_type) {
    case GgmlType::f32: std::memcpy(out, x, static_cast<size_t>(n) * sizeof(float)); return;
    // SIMD forms of the llama.cpp-style activation quantizers (ref_quantizers.hpp); for
    // Q8_K, llama.cpp's x86 path is the reference quantizer.
    case GgmlType::q8_0: simd::quantize_q8_0(x, static_cast<BlockQ8_0*>(out), n); return;
    case GgmlType::q8_1: simd::quantize_q8_1(x, static_cast<BlockQ8_1*>(out), n); return;
    case GgmlType::q8_k: simd::quantize_q8_k(x, static_cast<BlockQ8_K*>(out), n); return;
    default: throw std::logic_error("quantize_activations: no activation format");
  }
}

}  // namespace sluice::kernels
