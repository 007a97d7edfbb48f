// Reference quantizers of the 32-value block types, and quantize_row_ref().
// Bit-exactness with ggml depends on doing the same float operations in the same order:
// keep every expression as it is, and this file is compiled with -ffp-contract=off so a
// build with FMA enabled cannot fuse a multiply-add that ggml rounds twice.
#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "kernels/cpu/fp16.hpp"
#include "kernels/cpu/quant.hpp"
#include "kernels/cpu/ref_quantizers.hpp"

namespace sluice::kernels::detail {

void quantize_q4_0_ref(const float* x, BlockQ4_0* y, int64_t k) {
  const int64_t nb = k / kQK;
  for (int64_t i = 0; i < nb; ++i, x += kQK) {
    // The value of largest magnitude (the first, on ties) maps to -8.
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < kQK; ++j) {
      if (amax < std::fabs(x[j])) {
        amax = std::fabs(x[j]);
        max = x[j];
      }
    }
    const float d = max / -8;
    const float id = d ? 1.0f / d : 0.0f;
    y[i].d = fp32_to_fp16(d);
    for (int j = 0; j < kQK / 2; ++j) {
      // (int8_t)(v + 8.5f) truncates a value in [0.5, 16.5]: rounds half up.
      const int q0 = std::min(15, static_cast<int>(x[j] * id + 8.5f));
      const int q1 = std::min(15, static_cast<int>(x[j + kQK / 2] * id + 8.5f));
      y[i].qs[j] = static_cast<uint8_t>(q0 | (q1 << 4));
    }
  }
}

void quantize_q4_1_ref(const float* x, BlockQ4_1* y, int64_t k) {
  const int64_t nb = k / kQK;
  for (int64_t i = 0; i < nb; ++i, x += kQK) {
    float min = FLT_MAX, max = -FLT_MAX;
    for (int j = 0; j < kQK; ++j) {
      if (x[j] < min) min = x[j];
      if (x[j] > max) max = x[j];
    }
    const float d = (max - min) / ((1 << 4) - 1);
    const float id = d ? 1.0f / d : 0.0f;
    y[i].d = fp32_to_fp16(d);
    y[i].m = fp32_to_fp16(min);
    for (int j = 0; j < kQK / 2; ++j) {
      const int q0 = std::min(15, static_cast<int>((x[j] - min) * id + 0.5f));
      const int q1 = std::min(15, static_cast<int>((x[j + kQK / 2] - min) * id + 0.5f));
      y[i].qs[j] = static_cast<uint8_t>(q0 | (q1 << 4));
    }
  }
}

void quantize_q5_0_ref(const float* x, BlockQ5_0* y, int64_t k) {
  const int64_t nb = k / kQK;
  for (int64_t i = 0; i < nb; ++i, x += kQK) {
    float amax = 0.0f, max = 0.0f;
    for (int j = 0; j < kQK; ++j) {
      if (amax < std::fabs(x[j])) {
        amax = std::fabs(x[j]);
        max = x[j];
      }
    }
    const float d = max / -16;
    const float id = d ? 1.0f / d : 0.0f;
    y[i].d = fp32_to_fp16(d);
    uint32_t qh = 0;
    for (int j = 0; j < kQK / 2; ++j) {
      const int q0 = std::min(31, static_cast<int>(x[j] * id + 16.5f));
      const int q1 = std::min(31, static_cast<int>(x[j + kQK / 2] * id + 16.5f));
      y[i].qs[j] = static_cast<uint8_t>((q0 & 0x0F) | ((q1 & 0x0F) << 4));
      qh |= static_cast<uint32_t>((q0 & 0x10) >> 4) << j;
      qh |= static_cast<uint32_t>((q1 & 0x10) >> 4) << (j + kQK / 2);
    }
    std::memcpy(y[i].qh, &qh, sizeof(qh));
  }
}

void quantize_q5_1_ref(const float* x, BlockQ5_1* y, int64_t k) {
  const int64_t nb = k / kQK;
  for (int64_t i = 0; i < nb; ++i, x += kQK) {
    float min = FLT_MAX, max = -FLT_MAX;
    for (int j = 0; j < kQK; ++j) {
      if (x[j] < min) min = x[j];
      if (x[j] > max) max = x[j];
    }
    const float d = (max - min) / ((1 << 5) - 1);
    const float id = d ? 1.0f / d : 0.0f;
    y[i].d = fp32_to_fp16(d);
    y[i].m = fp32_to_fp16(min);
    uint32_t qh = 0;
    for (int j = 0; j < kQK / 2; ++j) {
      // ggml does not clamp here: (max - min) * id + 0.5 stays below 32.
      const int q0 = static_cast<uint8_t>((x[j] - min) * id + 0.5f);
      const int q1 = static_cast<uint8_t>((x[j + kQK / 2] - min) * id + 0.5f);
      y[i].qs[j] = static_cast<uint8_t>((q0 & 0x0F) | ((q1 & 0x0F) << 4));
      qh |= static_cast<uint32_t>((q0 & 0x10) >> 4) << j;
      qh |= static_cast<uint32_t>((q1 & 0x10) >> 4) << (j + kQK / 2);
    }
    std::memcpy(y[i].qh, &qh, sizeof(qh));
  }
}

void quantize_q8_0_ref(const float* x, BlockQ8_0* y, int64_t k) {
  const int64_t nb = k / kQK;
  for (int64_t i = 0; i < nb; ++i, x += kQK) {
    float amax = 0.0f;
    for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / ((1 << 7) - 1);
    const float id = d ? 1.0f / d : 0.0f;
    y[i].d = fp32_to_fp16(d);
    // roundf: halves away from zero.
    for (int j = 0; j < kQK; ++j) y[i].qs[j] = static_cast<int8_t>(std::round(x[j] * id));
  }
}

void quantize_q8_1_ref(const float* x, BlockQ8_1* y, int64_t k) {
  const int64_t nb = k / kQK;
  for (int64_t i = 0; i < nb; ++i, x += kQK) {
    float amax = 0.0f;
    for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / ((1 << 7) - 1);
    const float id = d ? 1.0f / d : 0.0f;
    y[i].d = fp32_to_fp16(d);
    int sum = 0;
    for (int j = 0; j < kQK; ++j) {
      y[i].qs[j] = static_cast<int8_t>(std::round(x[j] * id));
      sum += y[i].qs[j];
    }
    // s uses the unrounded d, as ggml does.
    y[i].s = fp32_to_fp16(sum * d);
  }
}

}  // namespace sluice::kernels::detail

namespace sluice::kernels {

bool has_reference_quantizer(GgmlType type) {
  return is_known_type(type);
}

void quantize_row_ref(GgmlType type, const float* src, void* dst, int64_t n) {
  (void)row_bytes(type, n);  // validates the type and the length
  using namespace detail;
  switch (type) {
    case GgmlType::f32: std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float)); return;
    case GgmlType::f16: {
      auto* h = static_cast<uint16_t*>(dst);
      for (int64_t i = 0; i < n; ++i) h[i] = fp32_to_fp16(src[i]);
      return;
    }
    case GgmlType::bf16: {
      auto* h = static_cast<uint16_t*>(dst);
      for (int64_t i = 0; i < n; ++i) h[i] = fp32_to_bf16(src[i]);
      return;
    }
    case GgmlType::q4_0: return quantize_q4_0_ref(src, static_cast<BlockQ4_0*>(dst), n);
    case GgmlType::q4_1: return quantize_q4_1_ref(src, static_cast<BlockQ4_1*>(dst), n);
    case GgmlType::q5_0: return quantize_q5_0_ref(src, static_cast<BlockQ5_0*>(dst), n);
    case GgmlType::q5_1: return quantize_q5_1_ref(src, static_cast<BlockQ5_1*>(dst), n);
    case GgmlType::q8_0: return quantize_q8_0_ref(src, static_cast<BlockQ8_0*>(dst), n);
    case GgmlType::q8_1: return quantize_q8_1_ref(src, static_cast<BlockQ8_1*>(dst), n);
    case GgmlType::q2_k: return quantize_q2_k_ref(src, static_cast<BlockQ2_K*>(dst), n);
    case GgmlType::q3_k: return quantize_q3_k_ref(src, static_cast<BlockQ3_K*>(dst), n);
    case GgmlType::q4_k: return quantize_q4_k_ref(src, static_cast<BlockQ4_K*>(dst), n);
    case GgmlType::q5_k: return quantize_q5_k_ref(src, static_cast<BlockQ5_K*>(dst), n);
    case GgmlType::q6_k: return quantize_q6_k_ref(src, static_cast<BlockQ6_K*>(dst), n);
    case GgmlType::q8_k: return quantize_q8_k_ref(src, static_cast<BlockQ8_K*>(dst), n);
  }
  throw std::invalid_argument("quantize_row_ref: unsupported type");
}

}  // namespace sluice::kernels
