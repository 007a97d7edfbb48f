// The SIMD kernels (Google Highway, one source compiled for AVX-512, AVX2, SSE4 and
// EMU128, chosen at run time by HWY_DYNAMIC_DISPATCH), and hooks for tests to pin a
// target. Callers normally use matmul_rows() from quant.hpp, which comes here for the
// types has_kernel() accepts.
#pragma once

#include <cstdint>
#include <vector>

#include "kernels/cpu/blocks.hpp"
#include "kernels/cpu/types.hpp"

namespace sluice::kernels::simd {

// Weight types with SIMD matmul kernels: every type with a dot product (F32, F16,
// BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K).
bool has_kernel(GgmlType type);

// As kernels::matmul_rows, arguments already validated; `type` must pass has_kernel().
void matmul_rows(GgmlType type, const void* w, int64_t k, int64_t row_begin, int64_t row_end,
                 const void* act, int64_t n, float* y, int64_t m);

// The activations' quantizers (activations_simd.cpp), k values a multiple of the block
// size: for finite inputs, bit for bit detail::quantize_q8_0_activations_ref,
// quantize_q8_1_activations_ref and quantize_q8_k_ref.
void quantize_q8_0(const float* x, BlockQ8_0* y, int64_t k);
void quantize_q8_1(const float* x, BlockQ8_1* y, int64_t k);
void quantize_q8_k(const float* x, BlockQ8_K* y, int64_t k);

// Highway targets (HWY_AVX3, HWY_AVX2, ...) compiled in and supported by this CPU, best
// first, and the one dispatch uses now.
std::vector<int64_t> available_targets();
int64_t active_target();
const char* target_name(int64_t target);
// Test hook: dispatch only to `target` (one of available_targets()) until called with 0.
// Not thread-safe: call while no kernel runs.
void force_target(int64_t target);

}  // namespace sluice::kernels::simd
