// The reference quantizers, one per type (bit for bit ggml's quantize_row_*_ref).
// Internal: callers use quantize_row_ref() from quant.hpp. `k` is the number of values,
// a multiple of the block size (checked by the caller).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>

#include "kernels/cpu/blocks.hpp"

namespace sluice::kernels::detail {

// ggml's nearest_int: round to nearest, ties to even, for |x| < 2^22, by adding
// 1.5 * 2^23 so the integer lands in the mantissa. Kept as is for identical results.
inline int nearest_int(float x) {
  const float shifted = x + 12582912.f;
  int32_t bits;
  std::memcpy(&bits, &shifted, sizeof(bits));
  return (bits & 0x007fffff) - 0x00400000;
}

void quantize_q4_0_ref(const float* x, BlockQ4_0* y, int64_t k);
void quantize_q4_1_ref(const float* x, BlockQ4_1* y, int64_t k);
void quantize_q5_0_ref(const float* x, BlockQ5_0* y, int64_t k);
void quantize_q5_1_ref(const float* x, BlockQ5_1* y, int64_t k);
void quantize_q8_0_ref(const float* x, BlockQ8_0* y, int64_t k);
void quantize_q8_1_ref(const float* x, BlockQ8_1* y, int64_t k);
void quantize_q2_k_ref(const float* x, BlockQ2_K* y, int64_t k);
void quantize_q3_k_ref(const float* x, BlockQ3_K* y, int64_t k);
void quantize_q4_k_ref(const float* x, BlockQ4_K* y, int64_t k);
void quantize_q5_k_ref(const float* x, BlockQ5_K* y, int64_t k);
void quantize_q6_k_ref(const float* x, BlockQ6_K* y, int64_t k);
void quantize_q8_k_ref(const float* x, BlockQ8_K* y, int64_t k);

// Q8_0/Q8_1 activations as llama.cpp's x86 CPU backend quantizes them (its AVX
// quantize_row_q8_0/q8_1), not as the reference quantizer: the scale's inverse is 127/amax
// rather than 1/d, and values round half to even. Matching it keeps our dot products, and
// so our logits, within float rounding of llama.cpp's. The scalar form of what
// quantize_activations runs in SIMD (kernels/cpu/activations_simd.cpp; tested equal).
// Inputs must be finite.
void quantize_q8_0_activations_ref(const float* x, BlockQ8_0* y, int64_t k);
void quantize_q8_1_activations_ref(const float* x, BlockQ8_1* y, int64_t k);

// Their 127 / amax, or 0 where that is not finite: amax 0, or below about 3.7e-37, where
// the quotient overflows. Such a block quantizes to zeros (its fp16 d is 0 anyway) rather
// than to whatever rounding infinity gives.
inline float q8_activation_inverse_scale(float amax) {
  const float id = 127.0f / amax;
  return std::isfinite(id) ? id : 0.0f;
}

}  // namespace sluice::kernels::detail
