// SIMD attention and element-wise kernels (attention.hpp), one source compiled per
// Highway target (foreach_target re-includes this file) and chosen at run time.
//
// Attention vectors are 8 floats wide on every target: head dims are multiples of 8
// (64 and 128 in practice, 8 in the smallest test model), and wider vectors would only
// add tails. F16 <-> F32 conversions are F16C's (Highway's AVX2/AVX-512 targets), which
// round to nearest even like the scalar casts they replace.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>

#include "kernels/cpu/attention.hpp"
#include "kernels/cpu/fp16.hpp"

#ifndef HWY_DISABLED_TARGETS
#define HWY_DISABLED_TARGETS (HWY_SSSE3 | HWY_SVE | HWY_SVE2 | HWY_SVE_256 | HWY_SVE2_128 | HWY_RVV)
#endif

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/cpu/attention_simd.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

// After highway.h, in its own block so that include sorting keeps it there.
#include <hwy/contrib/math/math-inl.h>

HWY_BEFORE_NAMESPACE();
namespace sluice::kernels::attention_simd {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

using DF = hn::CappedTag<float, 8>;
using DH = hn::Rebind<hwy::float16_t, DF>;
using VF = hn::Vec<DF>;

constexpr int64_t kMaxHeadDim = kMaxAttentionHeadDim;

HWY_INLINE VF LoadRow(DF df, const float* p) {
  return hn::LoadU(df, p);
}
HWY_INLINE VF LoadRow(DF df, const uint16_t* p) {
  return hn::PromoteTo(df, hn::LoadU(DH(), reinterpret_cast<const hwy::float16_t*>(p)));
}

// Rounds through the cache's element type: a no-op for F32, F16 rounding for F16.
template <class Elem>
HWY_INLINE VF RoundToElem(DF df, VF v) {
  if constexpr (sizeof(Elem) == 2) {
    return hn::PromoteTo(df, hn::DemoteTo(DH(), v));
  } else {
    (void)df;
    return v;
  }
}

template <class Elem>
HWY_INLINE float ElemToFloat(Elem e) {
  if constexpr (sizeof(Elem) == 2) {
    return fp16_to_fp32(e);
  } else {
    return e;
  }
}

template <class Elem>
HWY_INLINE float RoundScalar(float x) {
  if constexpr (sizeof(Elem) == 2) {
    return fp16_to_fp32(fp32_to_fp16(x));
  } else {
    return x;
  }
}

template <class Elem>
void AttendRowT(const float* q, const uint8_t* const* k_rows, const uint8_t* const* v_rows,
                size_t head_offset, int64_t n_kv, int64_t hd, float scale, float softcap,
                float* out) {
  const DF df;
  constexpr int64_t N = static_cast<int64_t>(hn::MaxLanes(DF()));
  const int64_t full = hd / N * N;
  // q in the cache's precision, and the running weighted sum of V (kept exactly as the
  // element type would hold it).
  alignas(64) float qr[kMaxHeadDim];
  alignas(64) float acc[kMaxHeadDim];
  for (int64_t i = 0; i < full; i += N) {
    hn::Store(RoundToElem<Elem>(df, hn::LoadU(df, q + i)), df, qr + i);
    hn::Store(hn::Zero(df), df, acc + i);
  }
  for (int64_t i = full; i < hd; ++i) {
    qr[i] = RoundScalar<Elem>(q[i]);
    acc[i] = 0;
  }
  float max_score = -INFINITY;
  float sum = 0;
  for (int64_t p = 0; p < n_kv; ++p) {
    const auto* k = reinterpret_cast<const Elem*>(k_rows[p] + head_offset);
    const auto* v = reinterpret_cast<const Elem*>(v_rows[p] + head_offset);
    VF dot0 = hn::Zero(df), dot1 = hn::Zero(df);
    int64_t i = 0;
    for (; i + 2 * N <= full; i += 2 * N) {
      dot0 = hn::MulAdd(hn::Load(df, qr + i), LoadRow(df, k + i), dot0);
      dot1 = hn::MulAdd(hn::Load(df, qr + i + N), LoadRow(df, k + i + N), dot1);
    }
    if (i < full) dot0 = hn::MulAdd(hn::Load(df, qr + i), LoadRow(df, k + i), dot0);
    float score = hn::GetLane(hn::SumOfLanes(df, hn::Add(dot0, dot1)));
    for (int64_t t = full; t < hd; ++t) score += qr[t] * ElemToFloat(k[t]);
    score *= scale;
    if (softcap > 0) score = softcap * std::tanh(score / softcap);
    float weight = 1.0f;  // this position's weight relative to the running maximum
    if (score > max_score) {
      // A new maximum: rescale what was accumulated so far.
      const float old_scale = std::exp(max_score - score);
      max_score = score;
      const VF s = hn::Set(df, old_scale);
      for (int64_t j = 0; j < full; j += N) {
        hn::Store(RoundToElem<Elem>(df, hn::Mul(hn::Load(df, acc + j), s)), df, acc + j);
      }
      for (int64_t j = full; j < hd; ++j) acc[j] = RoundScalar<Elem>(acc[j] * old_scale);
      sum *= old_scale;
    } else {
      weight = std::exp(score - max_score);
    }
    const VF w = hn::Set(df, weight);
    for (int64_t j = 0; j < full; j += N) {
      const VF a = hn::MulAdd(LoadRow(df, v + j), w, hn::Load(df, acc + j));
      hn::Store(RoundToElem<Elem>(df, a), df, acc + j);
    }
    for (int64_t j = full; j < hd; ++j)
      acc[j] = RoundScalar<Elem>(acc[j] + ElemToFloat(v[j]) * weight);
    sum += weight;
  }
  for (int64_t j = 0; j < hd; ++j) out[j] = acc[j] / sum;
}

void AttendRow(uint32_t elem, const float* q, const uint8_t* const* k_rows,
               const uint8_t* const* v_rows, size_t head_offset, int64_t n_kv, int64_t hd,
               float scale, float softcap, float* out) {
  if (elem == static_cast<uint32_t>(KvElem::f16)) {
    AttendRowT<uint16_t>(q, k_rows, v_rows, head_offset, n_kv, hd, scale, softcap, out);
  } else {
    AttendRowT<float>(q, k_rows, v_rows, head_offset, n_kv, hd, scale, softcap, out);
  }
}

void StoreF16(const float* x, uint16_t* out, int64_t n) {
  const DF df;
  const DH dh;
  constexpr int64_t N = static_cast<int64_t>(hn::MaxLanes(DF()));
  int64_t i = 0;
  for (; i + N <= n; i += N) {
    hn::StoreU(hn::DemoteTo(dh, hn::LoadU(df, x + i)), dh,
               reinterpret_cast<hwy::float16_t*>(out + i));
  }
  for (; i < n; ++i) out[i] = fp32_to_fp16(x[i]);
}

void SiluMul(const float* gate, const float* up, float* out, int64_t n) {
  const hn::ScalableTag<float> df;
  const int64_t N = static_cast<int64_t>(hn::Lanes(df));
  const auto one = hn::Set(df, 1.0f);
  // exp(-g) overflows float beyond 88.7; clamping there gives g / (huge) ~ -0 as std::exp's
  // infinity does, and keeps Highway's Exp inside its valid range.
  const auto limit = hn::Set(df, 88.0f);
  int64_t i = 0;
  for (; i + N <= n; i += N) {
    const auto g = hn::LoadU(df, gate + i);
    const auto e = hn::Exp(df, hn::Min(hn::Neg(g), limit));
    hn::StoreU(hn::Mul(hn::Div(g, hn::Add(one, e)), hn::LoadU(df, up + i)), df, out + i);
  }
  for (; i < n; ++i) out[i] = gate[i] / (1.0f + std::exp(-gate[i])) * up[i];
}

}  // namespace HWY_NAMESPACE
}  // namespace sluice::kernels::attention_simd
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace sluice::kernels {
namespace attention_simd {
HWY_EXPORT(AttendRow);
HWY_EXPORT(SiluMul);
HWY_EXPORT(StoreF16);
}  // namespace attention_simd

void attend_row(KvElem elem, const float* q, const uint8_t* const* k_rows,
                const uint8_t* const* v_rows, size_t head_offset, int64_t n_kv, int64_t head_dim,
                float scale, float softcap, float* out) {
  if (head_dim <= 0 || head_dim > kMaxAttentionHeadDim) {
    throw std::invalid_argument("attend_row: head dim " + std::to_string(head_dim) +
                                " is outside 1.." + std::to_string(kMaxAttentionHeadDim));
  }
  HWY_DYNAMIC_DISPATCH(attention_simd::AttendRow)
  (static_cast<uint32_t>(elem), q, k_rows, v_rows, head_offset, n_kv, head_dim, scale, softcap,
   out);
}

void store_f16(const float* x, uint16_t* out, int64_t n) {
  HWY_DYNAMIC_DISPATCH(attention_simd::StoreF16)(x, out, n);
}

void silu_mul(const float* gate, const float* up, float* out, int64_t n) {
  HWY_DYNAMIC_DISPATCH(attention_simd::SiluMul)(gate, up, out, n);
}

}  // namespace sluice::kernels
#endif  // HWY_ONCE
