// CPU kernels for ggml weight types: dequantization, ggml's reference quantizers,
// dot products and the per-thread matmul the CPU backend calls.
//
// Rows are contiguous runs of blocks (row_bytes(type, n) bytes for n values). Every
// function is free-threaded: it touches only the memory passed to it. Row lengths must
// be multiples of the type's block size (32 for Q4_0..Q8_1, 256 for the K types); a bad
// type or length throws std::invalid_argument before anything is written.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernels/cpu/types.hpp"

namespace sluice::kernels {

// ---- Dequantization: every type in GgmlType except Q8_1 (activation-only).
void dequantize_row(GgmlType type, const void* src, float* dst, int64_t n);

// ---- Reference quantizers, bit for bit ggml's quantize_row_*_ref, which is also what
// llama-quantize runs when no importance matrix is given. Available for Q4_0, Q4_1,
// Q5_0, Q5_1, Q8_0, Q8_1, Q2_K, Q3_K, Q4_K, Q5_K, Q6_K, Q8_K, and F16/BF16/F32
// (conversion, round to nearest even).
bool has_reference_quantizer(GgmlType type);
void quantize_row_ref(GgmlType type, const float* src, void* dst, int64_t n);

// ---- Dot products in llama.cpp's manner: weights of `type` times activations quantized
// to vec_dot_type(type): Q8_0 for Q4_0/Q5_0/Q8_0, Q8_1 for Q4_1/Q5_1, Q8_K for the K
// types, and plain F32 for F32/F16/BF16 weights (ggml would round the activations to
// F16/BF16 there; we keep them exact).
GgmlType vec_dot_type(GgmlType weight_type);
// True where dot products and matmul_rows accept `weight_type` as weights.
bool has_vec_dot(GgmlType weight_type);
// Bytes of one column of activations of length k, as matmul_rows and vec_dot take them.
size_t activation_row_bytes(GgmlType weight_type, int64_t k);
// Quantizes (or copies, for F32/F16/BF16 weights) one activation vector of `n` floats
// into vec_dot_type(weight_type): activation_row_bytes(weight_type, n) bytes at `out`.
void quantize_activations(GgmlType weight_type, const float* x, void* out, int64_t n);
// One weight row . one prepared activation row.
float vec_dot(GgmlType weight_type, const void* w_row, const void* act_row, int64_t n);

// ---- Matmul for one thread: y[c][r] = W[r] . x[c] for rows r in [row_begin, row_end)
// and columns c in [0, n), so several sequences' tokens share each weight read.
//   w    rows of `k` weights of `type`, row r at w + r * row_bytes(type, k)
//   act  n prepared activation columns (quantize_activations), column c at
//        act + c * activation_row_bytes(type, k)
//   y    [n][m] row-major output: column c at y + c * m; only rows [row_begin, row_end)
//        of each column are written, so threads may split the rows of one y.
void matmul_rows(GgmlType type, const void* w, int64_t k, int64_t row_begin, int64_t row_end,
                 const void* act, int64_t n, float* y, int64_t m);

}  // namespace sluice::kernels
