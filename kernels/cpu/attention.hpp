// Attention and element-wise kernels for the CPU backend's graph ops, SIMD through
// Highway with run-time dispatch (attention_simd.cpp). Free-threaded.
#pragma once

#include <cstddef>
#include <cstdint>

namespace sluice::kernels {

// Element type of a KV cache row.
enum class KvElem { f16, f32 };

// One query row of `head_dim` floats against `n_kv` cached rows, causal order, with an
// online softmax in one pass: out = sum_p softmax(scale * q.k_p)_p v_p. Row p of K is
// at k_rows[p] + head_offset bytes, of V at v_rows[p] + head_offset. With an F16 cache
// this follows llama.cpp's CPU flash attention: q is rounded to F16 and the weighted sum
// of V is kept in F16 (rounded after every position); an F32 cache keeps F32.
// `softcap` > 0 applies softcap * tanh(score / softcap). Throws std::invalid_argument
// for a head dim outside 1..kMaxAttentionHeadDim.
constexpr int64_t kMaxAttentionHeadDim = 512;
void attend_row(KvElem elem, const float* q, const uint8_t* const* k_rows,
                const uint8_t* const* v_rows, size_t head_offset, int64_t n_kv, int64_t head_dim,
                float scale, float softcap, float* out);

// Rounds n floats to IEEE half (nearest even), as a KV cache row is stored.
void store_f16(const float* x, uint16_t* out, int64_t n);

// out[i] = silu(gate[i]) * up[i] = gate[i] / (1 + exp(-gate[i])) * up[i], with a SIMD exp
// (Highway's, within 1 ulp of std::exp; ggml vectorizes its silu likewise).
void silu_mul(const float* gate, const float* up, float* out, int64_t n);

}  // namespace sluice::kernels
