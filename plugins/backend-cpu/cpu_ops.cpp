#include "cpu_ops.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "kernels/cpu/quant.hpp"

namespace sluice::cpu {
namespace {

size_t weight_row_bytes(const Weight& w) {
  return w.size_bytes / static_cast<size_t>(w.dims[1] * w.dims[2] * w.dims[3]);
}

inline void store_kv(int32_t dtype, const float* src, uint8_t* dst, int64_t n) {
  if (dtype == SLUICE_DTYPE_F32) {
    std::memcpy(dst, src, static_cast<size_t>(n) * 4);
  } else {
    auto* h = reinterpret_cast<_Float16*>(dst);
    for (int64_t i = 0; i < n; ++i) h[i] = static_cast<_Float16>(src[i]);
  }
}

// One query row against positions [0, pos] of its sequence. `Elem` is the cache's
// element type, which is also the type q is rounded to and V is accumulated in.
template <class Elem>
void attend(const float* q, int64_t hd, int64_t kvh, int32_t pos, const sluice_batch_seq& seq,
            const sluice_batch& batch, sluice_backend_kv& kv, uint32_t layer, float scale,
            float softcap, float* out) {
  const KvGeometry& g = kv.geometry;
  std::vector<Elem> qh(static_cast<size_t>(hd));
  for (int64_t i = 0; i < hd; ++i) qh[static_cast<size_t>(i)] = static_cast<Elem>(q[i]);
  std::vector<Elem> acc(static_cast<size_t>(hd), static_cast<Elem>(0.0f));
  float max_score = -INFINITY;
  float sum = 0;
  for (int32_t p = 0; p <= pos; ++p) {
    const int32_t block =
        batch.block_table[seq.block_table_begin + p / static_cast<int32_t>(g.block_size)];
    const uint32_t slot = static_cast<uint32_t>(p) % g.block_size;
    const auto* k = reinterpret_cast<const Elem*>(kv.k_row(layer, block, slot)) + kvh * hd;
    const auto* v = reinterpret_cast<const Elem*>(kv.v_row(layer, block, slot)) + kvh * hd;
    float score = 0;
    for (int64_t i = 0; i < hd; ++i)
      score += static_cast<float>(qh[static_cast<size_t>(i)]) * static_cast<float>(k[i]);
    score *= scale;
    if (softcap > 0) score = softcap * std::tanh(score / softcap);
    float old_scale = 1.0f;  // rescales what was accumulated when a new maximum appears
    float weight = 1.0f;     // this position's weight relative to the running maximum
    if (score > max_score) {
      old_scale = std::exp(max_score - score);
      max_score = score;
      for (auto& a : acc) a = static_cast<Elem>(static_cast<float>(a) * old_scale);
    } else {
      weight = std::exp(score - max_score);
    }
    for (int64_t i = 0; i < hd; ++i) {
      acc[static_cast<size_t>(i)] = static_cast<Elem>(
          static_cast<float>(acc[static_cast<size_t>(i)]) + static_cast<float>(v[i]) * weight);
    }
    sum = sum * old_scale + weight;
  }
  for (int64_t i = 0; i < hd; ++i) out[i] = static_cast<float>(acc[static_cast<size_t>(i)]) / sum;
}

}  // namespace

bool supports_weight_type(int32_t dtype) {
  if (dtype < 0) return false;
  const auto type = static_cast<kernels::GgmlType>(dtype);
  return kernels::is_known_type(type) && kernels::has_vec_dot(type);
}

void op_get_rows(const Weight& table, const int32_t* ids, int64_t n, float* out) {
  const int64_t d = table.dims[0];
  const size_t stride = weight_row_bytes(table);
  for (int64_t t = 0; t < n; ++t) {
    if (ids[t] < 0 || ids[t] >= table.dims[1]) {
      throw InvalidBatch{"token id " + std::to_string(ids[t]) + " is outside the vocabulary of " +
                         std::to_string(table.dims[1])};
    }
    const auto* row =
        static_cast<const uint8_t*>(table.data) + stride * static_cast<size_t>(ids[t]);
    kernels::dequantize_row(static_cast<kernels::GgmlType>(table.dtype), row, out + t * d, d);
  }
}

void op_rms_norm(const float* x, int64_t d, int64_t n, float eps, float* out) {
  for (int64_t t = 0; t < n; ++t) {
    const float* row = x + t * d;
    double sum = 0;
    for (int64_t i = 0; i < d; ++i) sum += static_cast<double>(row[i]) * row[i];
    const float scale = 1.0f / std::sqrt(static_cast<float>(sum / static_cast<double>(d)) + eps);
    for (int64_t i = 0; i < d; ++i) out[t * d + i] = row[i] * scale;
  }
}

void op_binary(int32_t op, const float* a, const int64_t* ad, const float* b, const int64_t* bd,
               float* out) {
  for (int64_t i3 = 0; i3 < ad[3]; ++i3) {
    for (int64_t i2 = 0; i2 < ad[2]; ++i2) {
      for (int64_t i1 = 0; i1 < ad[1]; ++i1) {
        const int64_t arow = ((i3 * ad[2] + i2) * ad[1] + i1) * ad[0];
        const int64_t brow = (((i3 % bd[3]) * bd[2] + (i2 % bd[2])) * bd[1] + (i1 % bd[1])) * bd[0];
        for (int64_t i0 = 0; i0 < ad[0]; ++i0) {
          const float y = b[brow + (i0 % bd[0])];
          out[arow + i0] = op == SLUICE_OP_ADD ? a[arow + i0] + y : a[arow + i0] * y;
        }
      }
    }
  }
}

void op_silu_mul(const float* gate, const float* up, int64_t count, float* out) {
  for (int64_t i = 0; i < count; ++i) out[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

void op_scale(const float* x, int64_t count, float factor, float* out) {
  for (int64_t i = 0; i < count; ++i) out[i] = x[i] * factor;
}

void op_rope(float* x, int64_t head_dim, int64_t heads, int64_t n, const int32_t* positions,
             const float* freq_factors, const sluice_graph_node& node) {
  const int32_t mode = node.iparams[0];
  const int64_t n_rot = node.iparams[1];
  const float base = node.fparams[0];
  const float freq_scale = node.fparams[1];
  const float attn_factor = node.fparams[3];
  std::vector<float> cos_t(static_cast<size_t>(n_rot / 2)), sin_t(static_cast<size_t>(n_rot / 2));
  for (int64_t t = 0; t < n; ++t) {
    for (int64_t i = 0; i < n_rot / 2; ++i) {
      // theta_i = pos * base^(-2i/n_rot), scaled and divided by the frequency factor.
      float theta = static_cast<float>(positions[t]) *
                    std::pow(base, -2.0f * static_cast<float>(i) / static_cast<float>(n_rot));
      theta *= freq_scale;
      if (freq_factors != nullptr) theta /= freq_factors[i];
      cos_t[static_cast<size_t>(i)] = std::cos(theta) * attn_factor;
      sin_t[static_cast<size_t>(i)] = std::sin(theta) * attn_factor;
    }
    for (int64_t h = 0; h < heads; ++h) {
      float* v = x + (t * heads + h) * head_dim;
      for (int64_t i = 0; i < n_rot / 2; ++i) {
        const int64_t a = mode == SLUICE_ROPE_NEOX ? i : 2 * i;
        const int64_t b = mode == SLUICE_ROPE_NEOX ? i + n_rot / 2 : 2 * i + 1;
        const float x0 = v[a], x1 = v[b];
        v[a] = x0 * cos_t[static_cast<size_t>(i)] - x1 * sin_t[static_cast<size_t>(i)];
        v[b] = x0 * sin_t[static_cast<size_t>(i)] + x1 * cos_t[static_cast<size_t>(i)];
      }
    }
  }
}

void op_attention(const float* q, const float* k, const float* v, int64_t hd, int64_t n_head,
                  int64_t n_head_kv, const sluice_batch& batch, sluice_backend_kv& kv,
                  uint32_t layer, float scale, float softcap, ThreadPool& pool, float* out) {
  const KvGeometry& g = kv.geometry;
  const int64_t group = n_head / n_head_kv;
  // 1. Write this step's K and V rows at their positions.
  for (int32_t s = 0; s < batch.n_seqs; ++s) {
    const sluice_batch_seq& seq = *SLUICE_ARRAY_ELEM(sluice_batch_seq, batch.seqs, s);
    for (int32_t j = 0; j < seq.n_tokens; ++j) {
      const int64_t row = seq.token_begin + j;
      const int32_t pos = seq.n_past + j;
      const int32_t block =
          batch.block_table[seq.block_table_begin + pos / static_cast<int32_t>(g.block_size)];
      const uint32_t slot = static_cast<uint32_t>(pos) % g.block_size;
      store_kv(g.dtype, k + row * hd * n_head_kv, kv.k_row(layer, block, slot), hd * n_head_kv);
      store_kv(g.dtype, v + row * hd * n_head_kv, kv.v_row(layer, block, slot), hd * n_head_kv);
    }
  }
  // 2. Each row attends to every cached position up to its own, in one pass with an
  // online softmax. With an F16 cache this follows llama.cpp's flash-attention numerics
  // (q rounded to F16, the weighted sum of V kept in F16), so logits agree with
  // llama.cpp's to float rounding; an F32 cache keeps everything in F32.
  for (int32_t s = 0; s < batch.n_seqs; ++s) {
    const sluice_batch_seq& seq = *SLUICE_ARRAY_ELEM(sluice_batch_seq, batch.seqs, s);
    const int64_t work = static_cast<int64_t>(seq.n_tokens) * n_head;
    pool.run(work, [&](int64_t item) {
      const int32_t j = static_cast<int32_t>(item / n_head);
      const int64_t h = item % n_head;
      const int64_t row = seq.token_begin + j;
      const int32_t pos = seq.n_past + j;
      const int64_t kvh = h / group;
      float* o = out + (row * n_head + h) * hd;
      if (g.dtype == SLUICE_DTYPE_F16) {
        attend<_Float16>(q + (row * n_head + h) * hd, hd, kvh, pos, seq, batch, kv, layer, scale,
                         softcap, o);
      } else {
        attend<float>(q + (row * n_head + h) * hd, hd, kvh, pos, seq, batch, kv, layer, scale,
                      softcap, o);
      }
    });
  }
}

void op_matmul(const Weight& w, const float* x, int64_t n, float* y, ThreadPool& pool) {
  const int64_t k = w.dims[0];
  const int64_t m = w.dims[1];
  // Activations are quantized once to the type the weight's dot product wants.
  const auto type = static_cast<kernels::GgmlType>(w.dtype);
  const size_t act_row = kernels::activation_row_bytes(type, k);
  std::vector<uint8_t> act(act_row * static_cast<size_t>(n));
  for (int64_t c = 0; c < n; ++c) {
    kernels::quantize_activations(type, x + c * k, act.data() + act_row * static_cast<size_t>(c),
                                  k);
  }
  constexpr int64_t kRowsPerTask = 16;
  const int64_t tasks = (m + kRowsPerTask - 1) / kRowsPerTask;
  pool.run(tasks, [&](int64_t t) {
    const int64_t r0 = t * kRowsPerTask;
    kernels::matmul_rows(type, w.data, k, r0, std::min(m, r0 + kRowsPerTask), act.data(), n, y, m);
  });
}

}  // namespace sluice::cpu
