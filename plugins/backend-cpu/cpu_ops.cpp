#include "cpu_ops.hpp"

#include <cmath>
#include <cstring>

#include "kernels/cpu/attention.hpp"
#include "kernels/cpu/quant.hpp"

namespace sluice::cpu {
namespace {

size_t weight_row_bytes(const Weight& w) {
  return w.size_bytes / static_cast<size_t>(w.dims[1] * w.dims[2] * w.dims[3]);
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

void op_rms_norm(const float* x, int64_t d, int64_t n, float eps, const float* weight, float* out) {
  for (int64_t t = 0; t < n; ++t) {
    const float* row = x + t * d;
    float* o = out + t * d;
    double sum = 0;
    for (int64_t i = 0; i < d; ++i) sum += static_cast<double>(row[i]) * row[i];
    const float scale = 1.0f / std::sqrt(static_cast<float>(sum / static_cast<double>(d)) + eps);
    // Same two roundings as a separate norm then multiply.
    if (weight != nullptr) {
      for (int64_t i = 0; i < d; ++i) o[i] = (row[i] * scale) * weight[i];
    } else {
      for (int64_t i = 0; i < d; ++i) o[i] = row[i] * scale;
    }
  }
}

void op_binary(int32_t op, const float* a, const int64_t* ad, const float* b, const int64_t* bd,
               float* out) {
  for (int64_t i3 = 0; i3 < ad[3]; ++i3) {
    for (int64_t i2 = 0; i2 < ad[2]; ++i2) {
      for (int64_t i1 = 0; i1 < ad[1]; ++i1) {
        const int64_t arow = ((i3 * ad[2] + i2) * ad[1] + i1) * ad[0];
        const int64_t brow = (((i3 % bd[3]) * bd[2] + (i2 % bd[2])) * bd[1] + (i1 % bd[1])) * bd[0];
        const float* ar = a + arow;
        float* o = out + arow;
        if (bd[0] == ad[0]) {  // the common case: whole rows, a loop the compiler vectorizes
          const float* br = b + brow;
          if (op == SLUICE_OP_ADD) {
            for (int64_t i0 = 0; i0 < ad[0]; ++i0) o[i0] = ar[i0] + br[i0];
          } else {
            for (int64_t i0 = 0; i0 < ad[0]; ++i0) o[i0] = ar[i0] * br[i0];
          }
          continue;
        }
        for (int64_t i0 = 0; i0 < ad[0]; ++i0) {
          const float y = b[brow + (i0 % bd[0])];
          o[i0] = op == SLUICE_OP_ADD ? ar[i0] + y : ar[i0] * y;
        }
      }
    }
  }
}

void op_silu_mul(const float* gate, const float* up, int64_t count, float* out) {
  kernels::silu_mul(gate, up, out, count);
}

void op_scale(const float* x, int64_t count, float factor, float* out) {
  for (int64_t i = 0; i < count; ++i) out[i] = x[i] * factor;
}

void prepare_rope(RopeTable& table, const int32_t* positions, int64_t n, const float* freq_factors,
                  const sluice_graph_node& node) {
  const int64_t n_rot = node.iparams[1];
  const float base = node.fparams[0];
  const float freq_scale = node.fparams[1];
  const float attn_factor = node.fparams[3];
  if (table.valid && table.n == n && table.n_rot == n_rot && table.base == base &&
      table.freq_scale == freq_scale && table.attn_factor == attn_factor &&
      table.freq_factors == freq_factors) {
    return;
  }
  const int64_t half = n_rot / 2;
  table.cos.resize(static_cast<size_t>(n * half));
  table.sin.resize(static_cast<size_t>(n * half));
  std::vector<float> inv_freq(static_cast<size_t>(half));
  for (int64_t i = 0; i < half; ++i) {
    inv_freq[static_cast<size_t>(i)] =
        std::pow(base, -2.0f * static_cast<float>(i) / static_cast<float>(n_rot));
  }
  for (int64_t t = 0; t < n; ++t) {
    for (int64_t i = 0; i < half; ++i) {
      // theta_i = pos * base^(-2i/n_rot), scaled and divided by the frequency factor.
      float theta = static_cast<float>(positions[t]) * inv_freq[static_cast<size_t>(i)];
      theta *= freq_scale;
      if (freq_factors != nullptr) theta /= freq_factors[i];
      table.cos[static_cast<size_t>(t * half + i)] = std::cos(theta) * attn_factor;
      table.sin[static_cast<size_t>(t * half + i)] = std::sin(theta) * attn_factor;
    }
  }
  table.valid = true;
  table.n = n;
  table.n_rot = n_rot;
  table.base = base;
  table.freq_scale = freq_scale;
  table.attn_factor = attn_factor;
  table.freq_factors = freq_factors;
}

void op_rope(const float* x, float* out, int64_t head_dim, int64_t heads, int64_t n,
             const RopeTable& table, int32_t mode) {
  const int64_t half = table.n_rot / 2;
  if (out != x) std::memcpy(out, x, static_cast<size_t>(head_dim * heads * n) * sizeof(float));
  for (int64_t t = 0; t < n; ++t) {
    const float* cos_t = table.cos.data() + t * half;
    const float* sin_t = table.sin.data() + t * half;
    for (int64_t h = 0; h < heads; ++h) {
      float* v = out + (t * heads + h) * head_dim;
      if (mode == SLUICE_ROPE_NEOX) {
        for (int64_t i = 0; i < half; ++i) {
          const float x0 = v[i], x1 = v[i + half];
          v[i] = x0 * cos_t[i] - x1 * sin_t[i];
          v[i + half] = x0 * sin_t[i] + x1 * cos_t[i];
        }
      } else {
        for (int64_t i = 0; i < half; ++i) {
          const float x0 = v[2 * i], x1 = v[2 * i + 1];
          v[2 * i] = x0 * cos_t[i] - x1 * sin_t[i];
          v[2 * i + 1] = x0 * sin_t[i] + x1 * cos_t[i];
        }
      }
    }
  }
}

}  // namespace sluice::cpu
