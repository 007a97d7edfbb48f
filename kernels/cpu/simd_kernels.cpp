// SIMD matmul kernels, one source compiled once per Highway target (foreach_target
// re-includes this file) and chosen at run time.
//
// Shape of every kernel: for one weight row and a tile of up to kMaxTile activation
// columns, decode each weight block once into registers and multiply it into every
// column of the tile. A weight row (about 1 KiB at k = 2048) stays in L1 while the other
// tiles of the same row reuse it, so each weight byte comes from memory once however
// many columns there are.
//
// Quantized blocks are handled 32 values at a time (one 256-bit vector of int8 on
// AVX2/AVX-512, two 128-bit vectors on SSE4/EMU128/NEON), so one source serves every
// target; integer sums are exact and only the float accumulation order differs from the
// scalar path.
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <type_traits>
#include <vector>

#include "kernels/cpu/blocks.hpp"
#include "kernels/cpu/fp16.hpp"
#include "kernels/cpu/scalar_dot.hpp"
#include "kernels/cpu/simd.hpp"
#include "kernels/cpu/types.hpp"

// SSSE3 adds nothing over SSE4 here, and scalable vectors (SVE, RVV) would break the
// fixed 32-value block shape the kernels assume. The baseline target stays: HWY_SCALAR
// (EMU128 with g++ >= 12.3) is the fallback of last resort, and forwards to the scalar
// C++ path because one-lane vectors cannot pair lanes.
#ifndef HWY_DISABLED_TARGETS
#define HWY_DISABLED_TARGETS (HWY_SSSE3 | HWY_SVE | HWY_SVE2 | HWY_SVE_256 | HWY_SVE2_128 | HWY_RVV)
#endif

// Compiled once, outside the per-target code: byte i of entry b is 0x10 where bit i of b
// is set (Q5_0/Q5_1 fifth bits to value bytes).
#ifndef SLUICE_KERNELS_SIMD_TABLES
#define SLUICE_KERNELS_SIMD_TABLES
namespace sluice::kernels::simd {
namespace {
constexpr std::array<uint64_t, 256> MakeFifthBitBytes() {
  std::array<uint64_t, 256> table{};
  for (int b = 0; b < 256; ++b) {
    for (int i = 0; i < 8; ++i) {
      if (b & (1 << i)) table[b] |= uint64_t{0x10} << (8 * i);
    }
  }
  return table;
}
constexpr std::array<uint64_t, 256> kFifthBitBytes = MakeFifthBitBytes();
}  // namespace
}  // namespace sluice::kernels::simd
#endif

// AVX3_DL (AVX-512 with VNNI: Ice Lake, Sapphire Rapids, Zen 4 and 5) gets its own code: one
// vpdpbusd replaces pmaddubsw + pmaddwd + add in every 8-bit dot product. Highway leaves
// the target out unless asked.
#ifndef HWY_WANT_AVX3_DL
#define HWY_WANT_AVX3_DL
#endif

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/cpu/simd_kernels.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

HWY_BEFORE_NAMESPACE();
// Highway 1.0's AVX3_DL flags name AVX-VNNI (VEX) but not AVX512-VNNI, while its run-time
// check asks for AVX512-VNNI (Ice Lake has no AVX-VNNI): use the EVEX form it checks.
#if HWY_TARGET == HWY_AVX3_DL
#pragma GCC target("avx512vnni")
#endif
namespace sluice::kernels::simd {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;
#if HWY_TARGET == HWY_SCALAR

void MatmulRows(uint32_t type_id, const void* w, int64_t k, int64_t row_begin, int64_t row_end,
                const void* act, int64_t n, float* y, int64_t m) {
  scalar::matmul_rows(static_cast<GgmlType>(type_id), w, k, row_begin, row_end, act, n, y, m);
}

#else  // HWY_TARGET != HWY_SCALAR

#if HWY_ARCH_X86 && (HWY_TARGET == HWY_AVX2 || HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL)
#define SLUICE_X86_256 1  // int8 vectors are __m256i: use pmaddubsw/pmaddwd/psignb directly
#else
#define SLUICE_X86_256 0
#endif
#if HWY_ARCH_X86 && (HWY_TARGET == HWY_SSE4 || HWY_TARGET == HWY_SSSE3)
#define SLUICE_X86_128 1
#else
#define SLUICE_X86_128 0
#endif
// Whether 32 int8 lanes fit one vector (CappedTag<int8_t, 32> is 256-bit). Branches on
// it are preprocessor ones: the other branch's vector shapes would not compile.
#if SLUICE_X86_256 || HWY_TARGET == HWY_WASM_EMU256
#define SLUICE_VEC256 1
#else
#define SLUICE_VEC256 0
#endif

// Loops over columns of a tile, vector parts and sub-blocks have compile-time trip
// counts; unrolling them keeps the per-column accumulators in registers (-O2 would leave
// them in memory).
#if defined(__clang__)
#define SLUICE_UNROLL _Pragma("unroll")
#else
#define SLUICE_UNROLL _Pragma("GCC unroll 16")
#endif

// Columns per pass: accumulators + decoded weights fit the register file (16 vector
// registers; 32 on AVX-512, where twice the columns share each decoded weight block).
#if HWY_TARGET == HWY_AVX3_DL
#define SLUICE_VNNI 1  // vpdpbusd on 256-bit vectors (AVX512-VNNI + VL)
#else
#define SLUICE_VNNI 0
#endif

#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
constexpr int kMaxTile = 8;
#else
constexpr int kMaxTile = 4;
#endif

using D8 = hn::CappedTag<int8_t, 32>;
using DU8 = hn::Repartition<uint8_t, D8>;
using D16 = hn::Repartition<int16_t, D8>;
using D32 = hn::Repartition<int32_t, D8>;
using DF = hn::Repartition<float, D8>;
using V8 = hn::Vec<D8>;
using VU8 = hn::Vec<DU8>;
using V16 = hn::Vec<D16>;
using V32 = hn::Vec<D32>;
using VF = hn::Vec<DF>;

constexpr size_t kN8 = hn::MaxLanes(D8());  // int8 lanes per vector: 32 or 16
constexpr size_t kN16 = kN8 / 2;
constexpr int kParts = static_cast<int>(32 / kN8);  // vectors per 32 values
static_assert(kN8 == (SLUICE_VEC256 ? 32 : 16), "kernels assume 128- or 256-bit int8 vectors");

HWY_INLINE float HalfToFloat(uint16_t h) {
#if SLUICE_X86_256
  return _cvtsh_ss(h);  // F16C is part of Highway's AVX2 target
#else
  return fp16_to_fp32(h);
#endif
}

// Sums of adjacent u8 * i8 products in i16 lanes (pmaddubsw). Callers keep each pair's
// sum inside int16, so pmaddubsw's saturation never applies.
HWY_INLINE V16 MulPairsU8I8(VU8 a, V8 b) {
#if SLUICE_X86_256
  return V16{_mm256_maddubs_epi16(a.raw, b.raw)};
#elif SLUICE_X86_128
  return V16{_mm_maddubs_epi16(a.raw, b.raw)};
#else
  const D16 d16;
  const hn::RebindToUnsigned<D16> du16;
  const V16 a_even = hn::And(hn::BitCast(d16, a), hn::Set(d16, 0xFF));
  const V16 a_odd = hn::BitCast(d16, hn::ShiftRight<8>(hn::BitCast(du16, a)));
  const V16 b16 = hn::BitCast(d16, b);
  const V16 b_even = hn::ShiftRight<8>(hn::ShiftLeft<8>(b16));  // arithmetic: sign-extends
  const V16 b_odd = hn::ShiftRight<8>(b16);
  return hn::Add(hn::Mul(a_even, b_even), hn::Mul(a_odd, b_odd));
#endif
}

// Sums of adjacent i16 products in i32 lanes (pmaddwd). Only lane totals matter to the
// callers, so the lane order Highway's generic version may use is fine.
HWY_INLINE V32 MulPairsI16(V16 a, V16 b) {
#if SLUICE_X86_256
  return V32{_mm256_madd_epi16(a.raw, b.raw)};
#elif SLUICE_X86_128
  return V32{_mm_madd_epi16(a.raw, b.raw)};
#else
  const D32 d32;
  V32 sum1 = hn::Zero(d32);
  const V32 sum0 = hn::ReorderWidenMulAccumulate(d32, a, b, hn::Zero(d32), sum1);
  return hn::Add(sum0, sum1);
#endif
}

// `a` negated where `w` < 0 and zeroed where `w` == 0 (psignb), so that
// |w| * SignOf(a, w) == w * a with |w| unsigned for pmaddubsw.
HWY_INLINE V8 SignOf(V8 a, V8 w) {
#if SLUICE_X86_256
  return V8{_mm256_sign_epi8(a.raw, w.raw)};
#elif SLUICE_X86_128
  return V8{_mm_sign_epi8(a.raw, w.raw)};
#else
  const D8 d8;
  const V8 negated = hn::IfThenElse(hn::Lt(w, hn::Zero(d8)), hn::Neg(a), a);
  return hn::IfThenElseZero(hn::Ne(w, hn::Zero(d8)), negated);
#endif
}

// Signed weights decoded for the sign trick: w itself and |w| as unsigned.
struct SignedPart {
  V8 w;
  VU8 abs;
};

HWY_INLINE SignedPart MakeSigned(V8 w) {
  const DU8 du8;
  return {w, hn::BitCast(du8, hn::Abs(w))};
}

// sum + MulPairsI16(a, b) (vpdpwssd where there is VNNI).
HWY_INLINE V32 AddMulPairsI16(V32 sum, V16 a, V16 b) {
#if SLUICE_VNNI
  return V32{_mm256_dpwssd_epi32(sum.raw, a.raw, b.raw)};
#else
  return hn::Add(sum, MulPairsI16(a, b));
#endif
}

// sum + the i32 lane sums of u[i] * a[i] over groups of four bytes (vpdpbusd where there
// is VNNI). Callers keep u * a pair sums inside int16 for the pmaddubsw path.
HWY_INLINE V32 AddDotU8I8(V32 sum, VU8 u, V8 a) {
#if SLUICE_VNNI
  return V32{_mm256_dpbusd_epi32(sum.raw, u.raw, a.raw)};
#else
  const D16 d16;
  return hn::Add(sum, MulPairsI16(MulPairsU8I8(u, a), hn::Set(d16, 1)));
#endif
}

// sum + i32 lanes summing to sum(w[i] * a[i]) over one part. Activations are within
// [-127, 127] (ggml's Q8 quantizers never produce -128), so SignOf cannot overflow.
HWY_INLINE V32 AddDotSigned(V32 sum, const SignedPart& w, V8 a) {
  return AddDotU8I8(sum, w.abs, SignOf(a, w.w));
}

HWY_INLINE float SumLanes(VF v) {
  return hn::GetLane(hn::SumOfLanes(DF(), v));
}

// A weight row read on its own (one column: decoding) is one sequential stream, which the
// hardware prefetcher alone keeps only partly fed on Zen 5: the one-row kernels also fetch
// the lines kStreamAhead bytes ahead of the bytes they are about to read. bench_matmul,
// n = 1, cold, one core: F16 32-34 -> 36-39 GB/s, Q6_K 30-31 -> 35-37. 512 B to 2 KiB
// ahead was slower than no prefetch (those lines are already on their way), 4-16 KiB
// about equal. Rows run on past the end of a task or matrix harmlessly: a prefetch never
// faults.
constexpr size_t kStreamAhead = 8192;

// Fetches the cache lines of [at, at + kBytes) into L1 (prefetcht0).
template <size_t kBytes>
HWY_INLINE void PrefetchLines(const uint8_t* at) {
  SLUICE_UNROLL
  for (size_t off = 0; off < kBytes; off += 64) __builtin_prefetch(at + off, 0, 3);
}

// The lines of [p, p + kBytes), kStreamAhead bytes on.
template <size_t kBytes>
HWY_INLINE void PrefetchStream(const void* p) {
  PrefetchLines<kBytes>(static_cast<const uint8_t*>(p) + kStreamAhead);
}

// Q5_0/Q5_1 keep value j's fifth bit in bit j of qh: spread the 32 bits to 0x10 or 0 per
// byte through a table of 8 bytes per qh byte.
HWY_INLINE void SpreadFifthBits(const uint8_t* qh, uint8_t* out) {
  SLUICE_UNROLL
  for (int i = 0; i < 4; ++i) std::memcpy(out + 8 * i, &kFifthBitBytes[qh[i]], 8);
}

// ---------------------------------------------------------------- 32-value blocks
// Q4_0, Q5_0, Q8_0 x Q8_0: signed values; per block the integer dot of 32 values times
// d_w * d_a. Q4_1, Q5_1 x Q8_1: unsigned values times d_w * d_a, plus m_w * s_a where
// s_a = d_a * sum(a) comes with the Q8_1 block.

// The 32 values of a nibble-packed block as unsigned bytes, in value order (low nibbles
// are values 0..15, high nibbles 16..31), with the fifth bits of Q5_0/Q5_1 or'ed in.
HWY_INLINE void Nibbles(const uint8_t* qs, const uint8_t* qh, VU8* parts) {
  const DU8 du8;
  const hn::CappedTag<uint8_t, 16> du8x16;
  const auto q = hn::LoadU(du8x16, qs);
  const auto low = hn::And(q, hn::Set(du8x16, 0x0F));
  const auto high = hn::ShiftRight<4>(q);
#if SLUICE_VEC256
  parts[0] = hn::Combine(du8, high, low);
#else
  parts[0] = low;
  parts[1] = high;
#endif
  if (qh != nullptr) {
#if SLUICE_X86_256
    uint32_t bits32;
    std::memcpy(&bits32, qh, 4);
#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
    const __m256i fifth = _mm256_maskz_mov_epi8(bits32, _mm256_set1_epi8(0x10));
#else
    // Byte i takes qh byte i / 8, keeps bit i % 8 through the or-mask, all ones if set.
    const __m256i spread = _mm256_shuffle_epi8(
        _mm256_set1_epi32(static_cast<int>(bits32)),
        _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0));
    const __m256i set = _mm256_cmpeq_epi8(
        _mm256_or_si256(spread, _mm256_set1_epi64x(0x7fbfdfeff7fbfdfe)), _mm256_set1_epi8(-1));
    const __m256i fifth = _mm256_and_si256(set, _mm256_set1_epi8(0x10));
#endif
    parts[0] = hn::Or(parts[0], VU8{fifth});
#else
    alignas(32) uint8_t bits[32];
    SpreadFifthBits(qh, bits);
    SLUICE_UNROLL
    for (int p = 0; p < kParts; ++p) parts[p] = hn::Or(parts[p], hn::Load(du8, bits + p * kN8));
#endif
  }
}

struct DecodeQ8_0 {
  HWY_INLINE void operator()(const uint8_t* block, SignedPart* parts, uint16_t& d) const {
    const auto* b = reinterpret_cast<const BlockQ8_0*>(block);
    const D8 d8;
    SLUICE_UNROLL
    for (int p = 0; p < kParts; ++p) parts[p] = MakeSigned(hn::LoadU(d8, b->qs + p * kN8));
    d = b->d;
  }
};

// Q4_0 (offset 8) and Q5_0 (offset 16, fifth bits in qh).
template <class Block, int kOffset>
struct DecodeOffset {
  HWY_INLINE void operator()(const uint8_t* block, SignedPart* parts, uint16_t& d) const {
    const auto* b = reinterpret_cast<const Block*>(block);
    const D8 d8;
    VU8 u[kParts];
    if constexpr (std::is_same_v<Block, BlockQ5_0>) {
      Nibbles(b->qs, b->qh, u);
    } else {
      Nibbles(b->qs, nullptr, u);
    }
    SLUICE_UNROLL
    for (int p = 0; p < kParts; ++p) {
      parts[p] = MakeSigned(hn::Sub(hn::BitCast(d8, u[p]), hn::Set(d8, kOffset)));
    }
    d = b->d;
  }
};
using DecodeQ4_0 = DecodeOffset<BlockQ4_0, 8>;
using DecodeQ5_0 = DecodeOffset<BlockQ5_0, 16>;

// One block into one set of accumulators.
template <int NC, class Decode>
HWY_INLINE void SignedBlock(const uint8_t* block, const BlockQ8_0* const* acts, int64_t b, VF* acc,
                            Decode decode) {
  const DF df;
  const D8 d8;
  SignedPart parts[kParts];
  uint16_t d_bits;
  decode(block, parts, d_bits);
  const float d_w = HalfToFloat(d_bits);
  SLUICE_UNROLL
  for (int c = 0; c < NC; ++c) {
    const BlockQ8_0& a = acts[c][b];
    V32 sum = hn::Zero(D32());
    SLUICE_UNROLL
    for (int p = 0; p < kParts; ++p) {
      sum = AddDotSigned(sum, parts[p], hn::LoadU(d8, a.qs + p * kN8));
    }
    acc[c] = hn::MulAdd(hn::Set(df, d_w * HalfToFloat(a.d)), hn::ConvertTo(df, sum), acc[c]);
  }
}

// Sums nb blocks into two accumulator sets on alternate blocks, which hides the FMA
// latency when NC is small. Every 32-value kernel sums in this order whatever the tile
// width, so a column's result does not depend on its tile (batching invariance).
// block(b, acc) adds block b into acc[0, NC).
template <int NC, class BlockFn>
HWY_INLINE void SumEvenOdd(int64_t nb, float* out, BlockFn block) {
  const DF df;
  VF even[NC], odd[NC];
  SLUICE_UNROLL
  for (int c = 0; c < NC; ++c) even[c] = odd[c] = hn::Zero(df);
  int64_t b = 0;
  for (; b + 1 < nb; b += 2) {
    block(b, even);
    block(b + 1, odd);
  }
  if (b < nb) block(b, even);
  SLUICE_UNROLL
  for (int c = 0; c < NC; ++c) out[c] = SumLanes(hn::Add(even[c], odd[c]));
}

template <int NC, class Decode>
HWY_INLINE void RowSigned(const uint8_t* w_row, size_t block_bytes, const BlockQ8_0* const* acts,
                          int64_t nb, float* out, Decode decode) {
  SumEvenOdd<NC>(nb, out, [&](int64_t b, VF* acc) HWY_ATTR {
    if constexpr (NC == 1) PrefetchStream<1>(w_row + b * block_bytes);
    SignedBlock<NC>(w_row + b * block_bytes, acts, b, acc, decode);
  });
}

#if SLUICE_VNNI
// ---------------------------------------------------------------- eight rows per vector
// Q8_0, Q4_0 and Q5_0 where there is VNNI: eight weight rows side by side, lane r of every
// vector belonging to row r. A block of the eight rows is transposed in registers into
// eight vectors t[i], lane r holding values 4i..4i+3 of row r, so one vpdpbusd with four
// activation bytes broadcast adds four products into each row's sum, and the block's
// integer sum of every row ends in its own lane. The float work of a (block, column) --
// conversion, scale, accumulation -- is then done once for eight rows rather than once
// per row, and no lanes are summed at the end.
//
// Weights enter vpdpbusd as unsigned bytes u = w + offset (Q8_0: w xor 0x80, Q4_0/Q5_0:
// their stored q), activations as signed; each (block, column) sum starts from
// -offset * sum(a), computed once per column when packing. Integer sums are exact, and
// a (row, column) result is even + odd, where even is fma(d_w * d_a, float(isum_b), acc)
// over the even blocks in order and odd the same over the odd blocks (two chains, so
// that Q8_0's one-column kernel is not bound by the latency of one), whatever the tile,
// the number of columns or the row's place among the eight: the batching-invariance
// contract holds bit for bit.
constexpr int64_t kLaneRows = 8;
constexpr int kLaneTile = 8;  // columns sharing one transposed block

// Packed activations, block-major so that a tile's columns are one pointer apart: for
// block b and column c, at (b * n + c) * kLanePackBytes, the 32 values, the int32 start
// -offset * sum(a) and the float scale d_a.
constexpr size_t kLanePackBytes = kQK + 2 * sizeof(float);

// The start -kOffset * sum(a) and the scale of an activation block.
struct StartAndScale {
  int32_t start;
  float scale;
};

template <int kOffset>
HWY_INLINE StartAndScale LaneStartAndScale(const BlockQ8_0& act) {
  const __m256i a = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(act.qs));
  const V32 partial{
      _mm256_dpbusd_epi32(_mm256_setzero_si256(), _mm256_set1_epi8(static_cast<char>(kOffset)), a)};
  return {-hn::GetLane(hn::SumOfLanes(D32(), partial)), HalfToFloat(act.d)};
}

template <int kOffset>
HWY_INLINE void PackLaneActivations(const BlockQ8_0* act, int64_t nb, int64_t n, int64_t c,
                                    uint8_t* packed) {
  for (int64_t b = 0; b < nb; ++b) {
    uint8_t* out = packed + static_cast<size_t>(b * n + c) * kLanePackBytes;
    const StartAndScale packed_block = LaneStartAndScale<kOffset>(act[b]);
    std::memcpy(out, act[b].qs, kQK);
    std::memcpy(out + kQK, &packed_block.start, sizeof packed_block.start);
    std::memcpy(out + kQK + sizeof(int32_t), &packed_block.scale, sizeof packed_block.scale);
  }
}

// In each 128-bit half, a 4 x 4 transpose of 32-bit words: t[i] takes word i of v[0..3].
HWY_INLINE void Transpose4(const __m256i* v, __m256i* t) {
  const __m256i t0 = _mm256_unpacklo_epi32(v[0], v[1]);
  const __m256i t1 = _mm256_unpackhi_epi32(v[0], v[1]);
  const __m256i t2 = _mm256_unpacklo_epi32(v[2], v[3]);
  const __m256i t3 = _mm256_unpackhi_epi32(v[2], v[3]);
  t[0] = _mm256_unpacklo_epi64(t0, t2);
  t[1] = _mm256_unpackhi_epi64(t0, t2);
  t[2] = _mm256_unpacklo_epi64(t1, t3);
  t[3] = _mm256_unpackhi_epi64(t1, t3);
}

// The 16 bytes at `at` of eight rows (row r at at + r * row_bytes), transposed: t[i] lane
// r holds bytes 4i..4i+3 of row r. Rows r and r + 4 share a load, so each 128-bit half
// is a 4 x 4 transpose and the halves come out as rows 0..3 and 4..7.
HWY_INLINE void LoadTransposed(const uint8_t* at, size_t row_bytes, __m256i* t) {
  __m256i v[4];
  SLUICE_UNROLL
  for (int p = 0; p < 4; ++p) {
    v[p] = _mm256_loadu2_m128i(reinterpret_cast<const __m128i*>(at + (p + 4) * row_bytes),
                               reinterpret_cast<const __m128i*>(at + p * row_bytes));
  }
  Transpose4(v, t);
}

// Decoders: t[i] lane r = values 4i..4i+3 of row r's block at base + r * row_bytes, as
// unsigned bytes w + kOffset.
struct LaneQ8_0 {
  static constexpr int kOffset = 128;
  static constexpr size_t kBlockBytes = sizeof(BlockQ8_0);
  HWY_INLINE static void Decode(const uint8_t* base, size_t row_bytes, __m256i, __m256i,
                                __m256i* t) {
    const __m256i flip = _mm256_set1_epi8(static_cast<char>(0x80));
    LoadTransposed(base + offsetof(BlockQ8_0, qs), row_bytes, t);
    LoadTransposed(base + offsetof(BlockQ8_0, qs) + 16, row_bytes, t + 4);
    SLUICE_UNROLL
    for (int i = 0; i < 8; ++i) t[i] = _mm256_xor_si256(t[i], flip);
  }
};

// Q4_0 and Q5_0: the 16 nibble bytes are transposed once and split after (masks act on
// bytes, so they commute with moving words): low nibbles are values 0..15, high 16..31.
template <class Block, int kOffsetValue>
struct LaneNibbles {
  static constexpr int kOffset = kOffsetValue;
  static constexpr size_t kBlockBytes = sizeof(Block);
  HWY_INLINE static void Decode(const uint8_t* base, size_t row_bytes, __m256i head0, __m256i head1,
                                __m256i* t) {
    const __m256i mask = _mm256_set1_epi8(0x0F);
    __m256i q[4];
    LoadTransposed(base + offsetof(Block, qs), row_bytes, q);
    SLUICE_UNROLL
    for (int i = 0; i < 4; ++i) {
      t[i] = _mm256_and_si256(q[i], mask);
      t[i + 4] = _mm256_and_si256(_mm256_srli_epi16(q[i], 4), mask);
    }
    if constexpr (std::is_same_v<Block, BlockQ5_0>) {
      // Bit j of a row's qh is value j's fifth bit. With each row's qh in its lane (two
      // rows per 64-bit word), vpshufbitqmb picks bit 4i + j of the row for byte j of
      // t[i]'s lane, and those bytes get 16 added.
      static_assert(offsetof(Block, qh) == 2);
      const __m256i qh =
          _mm256_or_si256(_mm256_srli_epi32(head0, 16), _mm256_slli_epi32(head1, 16));
      const __m256i fifth = _mm256_set1_epi8(0x10);
      // Byte j of lane r asks for bit 32 * (r % 2) + j of its word, plus 4i.
      const __m256i pick = _mm256_set1_epi64x(0x2322212003020100);
      SLUICE_UNROLL
      for (int i = 0; i < 8; ++i) {
        const __mmask32 set =
            _mm256_bitshuffle_epi64_mask(qh, _mm256_add_epi8(pick, _mm256_set1_epi8(4 * i)));
        t[i] = _mm256_mask_add_epi8(t[i], set, t[i], fifth);
      }
    }
  }
};
using LaneQ4_0 = LaneNibbles<BlockQ4_0, 8>;
using LaneQ5_0 = LaneNibbles<BlockQ5_0, 16>;

// Eight rows side by side are eight streams, which the hardware prefetcher follows
// poorly (1b Q4_K_M tg 23 t/s without this, 55-70 with it). The groups after this one
// are contiguous: while block b of this group is used, fetch block b's share of the
// group two ahead, in order. (One group ahead: 135m Q4_K_M tg 243-259 t/s, two: 260-276;
// three and four measured lower again.)
constexpr int64_t kPrefetchGroups = 2;

template <size_t kBlockBytes>
HWY_INLINE void PrefetchAhead(const uint8_t* rows, size_t row_bytes, int64_t b) {
  constexpr size_t kShare = kLaneRows * kBlockBytes;
  PrefetchLines<kShare>(rows + kPrefetchGroups * kLaneRows * row_bytes +
                        static_cast<size_t>(b) * kShare);
}

// Words 0 and 1 (bytes 0..7) of the eight rows' blocks at base, lane r from row r (rows r
// and r + 4 share a 256-bit vector, then a transpose as in LoadTransposed): the fp16
// scale and Q5_0's qh. Eight 8-byte loads and eight shuffles replace one vpgatherdd for
// the scales and, for Q5_0, one for qh, which bound the kernels at one column
// (bench_matmul n = 1, hot, k = 2048: Q4_0 26 -> 37 GB/s, Q5_0 25 -> 30, Q8_0 48 -> 51).
HWY_INLINE void LoadHeadWords(const uint8_t* base, size_t row_bytes, __m256i& head0,
                              __m256i& head1) {
  __m256i v[4];
  SLUICE_UNROLL
  for (int p = 0; p < 4; ++p) {
    v[p] = _mm256_inserti128_si256(
        _mm256_castsi128_si256(
            _mm_loadl_epi64(reinterpret_cast<const __m128i*>(base + p * row_bytes))),
        _mm_loadl_epi64(reinterpret_cast<const __m128i*>(base + (p + 4) * row_bytes)), 1);
  }
  const __m256i a = _mm256_unpacklo_epi32(v[0], v[1]);
  const __m256i b = _mm256_unpacklo_epi32(v[2], v[3]);
  head0 = _mm256_unpacklo_epi64(a, b);
  head1 = _mm256_unpackhi_epi64(a, b);
}

// Block b of the eight rows from `rows` (row r at rows + r * row_bytes): t[i] lane r holds
// values 4i..4i+3 of row r, d_w lane r its scale.
template <class Lane>
HWY_INLINE void LaneDecode(const uint8_t* rows, size_t row_bytes, int64_t b, __m256i* t,
                           __m256& d_w) {
  const uint8_t* base = rows + static_cast<size_t>(b) * Lane::kBlockBytes;
  PrefetchAhead<Lane::kBlockBytes>(rows, row_bytes, b);
  __m256i head0, head1;
  LoadHeadWords(base, row_bytes, head0, head1);
  Lane::Decode(base, row_bytes, head0, head1, t);
  // Every block starts with its fp16 scale: the low halves of the head words.
  d_w = _mm256_cvtph_ps(_mm256_cvtepi32_epi16(head0));
}

// start + the dot products of 32 activations at `a` with the transposed rows t[0..7]:
// lane r sums row r's 32 products. Two chains of vpdpbusd hide its latency when few
// columns are in flight; integer sums are exact, so the split changes no bits.
template <bool kTwoChains>
HWY_INLINE __m256i LaneDot(const __m256i* t, const void* a, __m256i start) {
  __m256i sum[2] = {start, _mm256_setzero_si256()};
  SLUICE_UNROLL
  for (int i = 0; i < 8; ++i) {
    int32_t four;
    std::memcpy(&four, static_cast<const uint8_t*>(a) + 4 * i, sizeof four);
    __m256i& chain = sum[kTwoChains ? i % 2 : 0];
    chain = _mm256_dpbusd_epi32(chain, t[i], _mm256_set1_epi32(four));
  }
  return kTwoChains ? _mm256_add_epi32(sum[0], sum[1]) : sum[0];
}

// One transposed block times NC packed columns (`cols`, kLanePackBytes apart) into acc.
template <int NC>
HWY_INLINE void LaneColumns(const __m256i* t, __m256 d_w, const uint8_t* cols, __m256* acc) {
  constexpr bool kTwoChains = NC < 4;
  SLUICE_UNROLL
  for (int c = 0; c < NC; ++c) {
    const uint8_t* col = cols + c * kLanePackBytes;
    int32_t start;
    std::memcpy(&start, col + kQK, sizeof start);
    const __m256i isum = LaneDot<kTwoChains>(t, col, _mm256_set1_epi32(start));
    const __m256 scale =
        _mm256_mul_ps(d_w, _mm256_broadcast_ss(reinterpret_cast<const float*>(col + kQK + 4)));
    acc[c] = _mm256_fmadd_ps(scale, _mm256_cvtepi32_ps(isum), acc[c]);
  }
}

// Calls fn(std::integral_constant<int, NC>()) for NC = count, 1 <= count <= kLaneTile.
template <class Fn>
HWY_INLINE void WithTileWidth(int64_t count, Fn fn) {
  switch (count) {
    case 1: return fn(std::integral_constant<int, 1>());
    case 2: return fn(std::integral_constant<int, 2>());
    case 3: return fn(std::integral_constant<int, 3>());
    case 4: return fn(std::integral_constant<int, 4>());
    case 5: return fn(std::integral_constant<int, 5>());
    case 6: return fn(std::integral_constant<int, 6>());
    case 7: return fn(std::integral_constant<int, 7>());
    default: return fn(std::integral_constant<int, kLaneTile>());
  }
}

// Block b of the eight rows times NC packed columns into acc.
template <int NC, class Lane>
HWY_INLINE void LaneBlock(const uint8_t* rows, size_t row_bytes, int64_t b, const uint8_t* packed,
                          __m256* acc) {
  __m256i t[8];
  __m256 d_w;
  LaneDecode<Lane>(rows, row_bytes, b, t, d_w);
  LaneColumns<NC>(t, d_w, packed + static_cast<size_t>(b * NC) * kLanePackBytes, acc);
}

// Up to kLaneTile columns, accumulators in registers.
template <int NC, class Lane>
HWY_INLINE void LaneGroupTile(const uint8_t* rows, size_t row_bytes, int64_t nb,
                              const uint8_t* packed, float* out, int64_t m, __mmask8 lanes) {
  __m256 even[NC], odd[NC];  // even and odd blocks, as the one-column kernel
  SLUICE_UNROLL
  for (int c = 0; c < NC; ++c) even[c] = odd[c] = _mm256_setzero_ps();
  int64_t b = 0;
  for (; b + 1 < nb; b += 2) {
    LaneBlock<NC, Lane>(rows, row_bytes, b, packed, even);
    LaneBlock<NC, Lane>(rows, row_bytes, b + 1, packed, odd);
  }
  if (b < nb) LaneBlock<NC, Lane>(rows, row_bytes, b, packed, even);
  SLUICE_UNROLL
  for (int c = 0; c < NC; ++c) {
    _mm256_mask_storeu_ps(out + c * m, lanes, _mm256_add_ps(even[c], odd[c]));
  }
}

// NC columns at `cols` into the accumulators kept in memory at acc (8 floats a column).
template <int NC>
HWY_INLINE void LaneColumnsInMemory(const __m256i* t, __m256 d_w, const uint8_t* cols, float* acc) {
  __m256 a[NC];
  SLUICE_UNROLL
  for (int c = 0; c < NC; ++c) a[c] = _mm256_loadu_ps(acc + 8 * c);
  LaneColumns<NC>(t, d_w, cols, a);
  SLUICE_UNROLL
  for (int c = 0; c < NC; ++c) _mm256_storeu_ps(acc + 8 * c, a[c]);
}

// More columns than a tile: each block is transposed once for all of them, the
// accumulators living in `acc` (2 x n x 8 floats: even and odd blocks). Same operations
// per (row, column).
template <class Lane>
HWY_INLINE void LaneGroupWide(const uint8_t* rows, size_t row_bytes, int64_t nb,
                              const uint8_t* packed, int64_t n, float* acc, float* out, int64_t m,
                              __mmask8 lanes) {
  std::memset(acc, 0, static_cast<size_t>(n) * 16 * sizeof(float));
  float* const sets[2] = {acc, acc + n * 8};  // even and odd blocks
  for (int64_t b = 0; b < nb; ++b) {
    __m256i t[8];
    __m256 d_w;
    LaneDecode<Lane>(rows, row_bytes, b, t, d_w);
    const uint8_t* cols = packed + static_cast<size_t>(b * n) * kLanePackBytes;
    float* const acc_b = sets[b % 2];
    int64_t c = 0;
    for (; c + kLaneTile <= n; c += kLaneTile) {
      LaneColumnsInMemory<kLaneTile>(t, d_w, cols + c * kLanePackBytes, acc_b + 8 * c);
    }
    if (c < n) {
      WithTileWidth(n - c, [&](auto nc) HWY_ATTR {
        LaneColumnsInMemory<decltype(nc)::value>(t, d_w, cols + c * kLanePackBytes, acc_b + 8 * c);
      });
    }
  }
  for (int64_t c = 0; c < n; ++c) {
    _mm256_mask_storeu_ps(
        out + c * m, lanes,
        _mm256_add_ps(_mm256_loadu_ps(sets[0] + 8 * c), _mm256_loadu_ps(sets[1] + 8 * c)));
  }
}

// Buffer for the repacked columns and accumulators, reused by each thread across calls.
HWY_INLINE uint8_t* PackedScratch(size_t bytes) {
  thread_local std::vector<uint8_t> buffer;
  if (buffer.size() < bytes) buffer.resize(bytes);
  return buffer.data();
}
HWY_INLINE float* AccumulatorScratch(size_t floats) {
  thread_local std::vector<float> buffer;
  if (buffer.size() < floats) buffer.resize(floats);
  return buffer.data();
}

// Calls group(rows, out, lanes) for the groups of eight rows covering [row_begin,
// row_end): `rows` is the first row's weights, out + lane is where the row of that lane
// goes in each column, `lanes` the rows to store. The last group of a range overlaps the
// one before rather than reading past row_end (lanes are independent, so a row computed
// twice has the same bits both times); fewer than eight rows before row_end are copied
// to a zero-padded buffer.
template <class GroupFn>
HWY_INLINE void ForEachLaneGroup(const uint8_t* w, size_t row_bytes, int64_t row_begin,
                                 int64_t row_end, float* y, GroupFn group) {
  std::vector<uint8_t> padded;
  for (int64_t first = row_begin; first < row_end; first += kLaneRows) {
    const int64_t end = first + kLaneRows <= row_end ? first + kLaneRows : row_end;
    const uint8_t* rows;
    int64_t lane0;
    if (end >= kLaneRows) {
      rows = w + static_cast<size_t>(end - kLaneRows) * row_bytes;
      lane0 = first - (end - kLaneRows);
    } else {
      padded.assign(kLaneRows * row_bytes, 0);
      std::memcpy(padded.data(), w + static_cast<size_t>(first) * row_bytes,
                  static_cast<size_t>(end - first) * row_bytes);
      rows = padded.data();
      lane0 = 0;
    }
    const auto lanes = static_cast<__mmask8>(((1u << (end - first)) - 1) << lane0);
    group(rows, y + first - lane0, lanes);
  }
}

// The 32-value types at one column (decoding one sequence): a row at a time, one
// sequential stream per thread, as Q4_K below. Four blocks per step, decoded to unsigned
// bytes w + kOffset as the eight-row decoders give them, two 512-bit vpdpbusd, the sums
// reduced to one lane per block, and the four blocks' float steps go to the even and odd
// chains in block order, so every row gives the eight-row kernel's bits. The vector ports
// bound these kernels, so the reductions use unpacks (vphaddd takes two cycles on Zen 5)
// and the fp16 scales are gathered in a general register rather than with vpinsrw: Q8_0
// 47-51 -> 54-66 GB/s (bench_matmul --hot --n 1, k = 576 and 2048). Q4_0 and Q5_0 gather
// four blocks' nibbles with one vpermb; hot on 576-wide rows they read 29-30 GB/s
// against 30-36 for their eight-row kernels, but decoding 135m models (its 576-wide
// matrices Q5_0 or Q4_0) they are ahead: 135m Q4_K_M 358-373 against 312-354 tokens/s in
// ten alternations, 135m Q4_0 a median of 384 against 367 in eight.
// Calls step(std::integral_constant<int, kCount>(), b) over a row of nb blocks at x,
// four blocks at a time (kCount = 4, the stream prefetched ahead), then once for the last
// one to three (kCount = nb % 4), which the step reads in place with zero blocks after
// them. (Copying them to a zeroed buffer instead stalled every row on store forwarding:
// half the speed on 135m's 18-block rows.)
template <class Block, class Step>
HWY_INLINE void ForEachFourBlocks(const Block* x, int64_t nb, Step step) {
  int64_t b = 0;
  for (; b + 4 <= nb; b += 4) {
    PrefetchStream<4 * sizeof(Block)>(x + b);
    step(std::integral_constant<int, 4>(), b);
  }
  switch (nb - b) {
    case 1: return step(std::integral_constant<int, 1>(), b);
    case 2: return step(std::integral_constant<int, 2>(), b);
    case 3: return step(std::integral_constant<int, 3>(), b);
    default: return;
  }
}

struct LaneColumn {       // the column's blocks repacked: values, starts and scales apart
  const int8_t* qs;       // 32 bytes per block, in the layout of the type's decoder
  const int32_t* starts;  // -kOffset * sum(a) per block
  const float* scales;
};

// Blocks b..b+3's integer sums: `first` has blocks b, b + 1 in its 256-bit halves,
// `second` b + 2, b + 3; lane i of the result is block b + i's sum.
HWY_INLINE __m128i FourBlockSums(__m512i first, __m512i second) {
  // Per 128-bit lane: [first a+c, second a+c, first b+d, second b+d], then the lane's
  // total of each in words 0 and 1.
  const __m512i pairs =
      _mm512_add_epi32(_mm512_unpacklo_epi32(first, second), _mm512_unpackhi_epi32(first, second));
  const __m512i lane = _mm512_add_epi32(pairs, _mm512_unpackhi_epi64(pairs, pairs));
  // 128-bit lanes 0 + 1 (blocks b, b + 2) and 2 + 3 (b + 1, b + 3).
  const __m512i halves =
      _mm512_add_epi32(lane, _mm512_shuffle_i32x4(lane, lane, _MM_SHUFFLE(2, 3, 0, 1)));
  return _mm_unpacklo_epi32(_mm512_castsi512_si128(halves), _mm512_extracti32x4_epi32(halves, 2));
}

// Decoders of a row's blocks b..b+kCount-1 (kCount <= 4, x at block b; blocks past
// kCount count as zero) into their integer dot products with the column's values `a`
// (128 bytes from block b's, in the layout Pack writes), lane i for block b + i.
//
// Q8_0: two blocks per vector, their values as unsigned bytes w + 128; activations in
// block order.
struct RowQ8_0 {
  using Block = BlockQ8_0;
  static constexpr int kOffset = LaneQ8_0::kOffset;
  static void Pack(const BlockQ8_0* act, int64_t nb, int8_t* out) {
    for (int64_t b = 0; b < nb; ++b) std::memcpy(out + b * kQK, act[b].qs, kQK);
  }
  template <int kCount>
  HWY_INLINE static __m128i FourSums(const BlockQ8_0* x, const int8_t* a) {
    const auto values = [&](int i) HWY_ATTR {
      return i < kCount ? _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[i].qs))
                        : _mm256_setzero_si256();
    };
    const auto two = [&](int i) HWY_ATTR {
      return _mm512_xor_si512(
          _mm512_inserti64x4(_mm512_castsi256_si512(values(i)), values(i + 1), 1),
          _mm512_set1_epi8(static_cast<char>(0x80)));
    };
    return FourBlockSums(
        _mm512_dpbusd_epi32(_mm512_setzero_si512(), two(0), _mm512_loadu_si512(a)),
        _mm512_dpbusd_epi32(_mm512_setzero_si512(), two(2), _mm512_loadu_si512(a + 64)));
  }
};

// Q4_0 and Q5_0: the four blocks' 16 nibble bytes gathered into one vector by a byte
// permute (128-bit lane i for block i), low nibbles (values 0..15) and high nibbles
// (16..31) split into two vectors; Q5_0 adds 16 where bit j of qh is set. Activations
// per four blocks: values 0..15 of each block, then values 16..31, so that one vpdpbusd
// chain leaves each block's products in its own 128-bit lane.
template <class BlockType, int kOffsetValue>
struct RowNibbles {
  using Block = BlockType;
  static constexpr int kOffset = kOffsetValue;
  static constexpr bool kFifth = std::is_same_v<Block, BlockQ5_0>;
  static void Pack(const BlockQ8_0* act, int64_t nb, int8_t* out) {
    for (int64_t b = 0; b < nb; ++b) {
      int8_t* group = out + (b / 4) * 4 * kQK + (b % 4) * 16;
      std::memcpy(group, act[b].qs, 16);
      std::memcpy(group + 64, act[b].qs + 16, 16);
    }
  }
  template <int kCount>
  HWY_INLINE static __m128i FourSums(const Block* x, const int8_t* a) {
    // The kCount blocks' bytes; masked loads read nothing past them (zeros instead).
    static_assert(4 * sizeof(Block) > 64 && 4 * sizeof(Block) <= 128);
    constexpr size_t kBytes = kCount * sizeof(Block);
    const auto* bytes = reinterpret_cast<const uint8_t*>(x);
    const __m512i head = kBytes >= 64 ? _mm512_loadu_si512(bytes)
                                      : _mm512_maskz_loadu_epi8((uint64_t{1} << kBytes) - 1, bytes);
    const __m512i rest =
        kBytes > 64 ? _mm512_maskz_loadu_epi8((uint64_t{1} << (kBytes - 64)) - 1, bytes + 64)
                    : _mm512_setzero_si512();
    alignas(64) static constexpr auto kPick = [] {
      std::array<uint8_t, 64> pick{};
      for (size_t i = 0; i < 64; ++i)
        pick[i] = static_cast<uint8_t>((i / 16) * sizeof(Block) + offsetof(Block, qs) + i % 16);
      return pick;
    }();
    const __m512i packed = _mm512_permutex2var_epi8(head, _mm512_load_si512(kPick.data()), rest);
    const __m512i mask = _mm512_set1_epi8(0x0F);
    __m512i low = _mm512_and_si512(packed, mask);
    __m512i high = _mm512_and_si512(_mm512_srli_epi16(packed, 4), mask);
    if constexpr (kFifth) {
      // Each block's qh in both 64-bit lanes of its 128-bit lane; vpshufbitqmb then picks
      // bit j (values 0..15, in `low`) or 16 + j (values 16..31, in `high`) of the lane's
      // word for byte j of the block.
      alignas(64) static constexpr auto kPickHigh = [] {
        std::array<uint8_t, 64> pick{};
        for (size_t i = 0; i < 64; ++i) {
          pick[i] = static_cast<uint8_t>((i / 16) * sizeof(Block) + offsetof(Block, qh) + i % 4);
        }
        return pick;
      }();
      alignas(64) static constexpr auto kBit = [] {
        std::array<uint8_t, 64> bit{};
        for (size_t i = 0; i < 64; ++i) bit[i] = static_cast<uint8_t>(i % 16);
        return bit;
      }();
      const __m512i qh = _mm512_permutex2var_epi8(head, _mm512_load_si512(kPickHigh.data()), rest);
      const __m512i bit = _mm512_load_si512(kBit.data());
      const __m512i fifth = _mm512_set1_epi8(0x10);
      low = _mm512_mask_add_epi8(low, _mm512_bitshuffle_epi64_mask(qh, bit), low, fifth);
      high = _mm512_mask_add_epi8(
          high, _mm512_bitshuffle_epi64_mask(qh, _mm512_add_epi8(bit, _mm512_set1_epi8(16))), high,
          fifth);
    }
    const __m512i sum =
        _mm512_dpbusd_epi32(_mm512_dpbusd_epi32(_mm512_setzero_si512(), low, _mm512_loadu_si512(a)),
                            high, _mm512_loadu_si512(a + 64));
    // The four words of each 128-bit lane summed, then word 0 of every lane.
    const __m512i pairs = _mm512_add_epi32(sum, _mm512_shuffle_epi32(sum, _MM_PERM_BADC));
    const __m512i totals = _mm512_add_epi32(pairs, _mm512_shuffle_epi32(pairs, _MM_PERM_CDAB));
    return _mm512_castsi512_si128(_mm512_permutexvar_epi32(
        _mm512_setr_epi32(0, 4, 8, 12, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0), totals));
  }
};
using RowQ4_0 = RowNibbles<BlockQ4_0, LaneQ4_0::kOffset>;
using RowQ5_0 = RowNibbles<BlockQ5_0, LaneQ5_0::kOffset>;

// Blocks b..b+kCount-1 of row x into the even and odd chains of acc.
template <int kCount, class Decode>
HWY_INLINE __m128 LaneStep(const typename Decode::Block* x, const LaneColumn& a, int64_t b,
                           __m128 acc) {
  const __m128i isum = Decode::template FourSums<kCount>(x + b, a.qs + kQK * b);
  const __m128i sums =
      _mm_add_epi32(isum, _mm_loadu_si128(reinterpret_cast<const __m128i*>(a.starts + b)));
  // The fp16 scales gathered in a general register (scalar work, off the vector ports)
  // and moved over at once.
  uint64_t d_bits = 0;
  SLUICE_UNROLL
  for (int i = 0; i < kCount; ++i) d_bits |= static_cast<uint64_t>(x[b + i].d) << (16 * i);
  const __m128 scale = _mm_mul_ps(_mm_cvtph_ps(_mm_cvtsi64_si128(static_cast<long long>(d_bits))),
                                  _mm_loadu_ps(a.scales + b));
  const __m128 fsum = _mm_cvtepi32_ps(sums);
  acc = _mm_fmadd_ps(scale, fsum, acc);                                              // b, b + 1
  return _mm_fmadd_ps(_mm_movehl_ps(scale, scale), _mm_movehl_ps(fsum, fsum), acc);  // b + 2, b + 3
}

// Row x (nb blocks) times one column padded with zero blocks to a multiple of four (the
// zero blocks' steps add 0 to their chains).
template <class Decode>
HWY_INLINE float LaneRow(const typename Decode::Block* x, const LaneColumn& a, int64_t nb) {
  __m128 acc = _mm_setzero_ps();  // lane 0: even blocks, lane 1: odd blocks
  ForEachFourBlocks(x, nb, [&](auto count, int64_t b) HWY_ATTR {
    acc = LaneStep<decltype(count)::value, Decode>(x, a, b, acc);
  });
  return _mm_cvtss_f32(_mm_add_ss(acc, _mm_movehdup_ps(acc)));
}

template <class Decode>
HWY_INLINE void LaneSingleColumnRows(const uint8_t* w, int64_t k, int64_t row_begin,
                                     int64_t row_end, const BlockQ8_0* act, float* y) {
  const int64_t nb = k / kQK;
  const int64_t nb_padded = (nb + 3) / 4 * 4;
  uint8_t* packed = PackedScratch(static_cast<size_t>(nb_padded) * (kQK + 2 * sizeof(float)));
  auto* qs = reinterpret_cast<int8_t*>(packed);
  auto* starts = reinterpret_cast<int32_t*>(packed + nb_padded * kQK);
  auto* scales = reinterpret_cast<float*>(packed + nb_padded * (kQK + sizeof(int32_t)));
  // The last group of four blocks zeroed first: Pack may interleave its blocks.
  std::memset(qs + (nb_padded - 4) * kQK, 0, 4 * kQK);
  Decode::Pack(act, nb, qs);
  for (int64_t b = 0; b < nb_padded; ++b) {
    const StartAndScale block =
        b < nb ? LaneStartAndScale<Decode::kOffset>(act[b]) : StartAndScale{0, 0.0f};
    starts[b] = block.start;
    scales[b] = block.scale;
  }
  const LaneColumn column{qs, starts, scales};
  const auto* x = reinterpret_cast<const typename Decode::Block*>(w);
  for (int64_t r = row_begin; r < row_end; ++r) y[r] = LaneRow<Decode>(x + r * nb, column, nb);
}

// Rows [row_begin, row_end) of y for the n Q8_0 activation columns at act.
template <class Lane>
HWY_INLINE void LaneRows(const uint8_t* w, int64_t k, int64_t row_begin, int64_t row_end,
                         const BlockQ8_0* act, int64_t n, float* y, int64_t m) {
  const int64_t nb = k / kQK;
  const size_t row_bytes = static_cast<size_t>(nb) * Lane::kBlockBytes;
  if (n == 1) {
    if constexpr (std::is_same_v<Lane, LaneQ8_0>) {
      return LaneSingleColumnRows<RowQ8_0>(w, k, row_begin, row_end, act, y);
    } else if constexpr (std::is_same_v<Lane, LaneQ5_0>) {
      return LaneSingleColumnRows<RowQ5_0>(w, k, row_begin, row_end, act, y);
    } else {
      return LaneSingleColumnRows<RowQ4_0>(w, k, row_begin, row_end, act, y);
    }
  }
  uint8_t* packed = PackedScratch(static_cast<size_t>(nb * n) * kLanePackBytes);
  for (int64_t c = 0; c < n; ++c) {
    PackLaneActivations<Lane::kOffset>(act + c * nb, nb, n, c, packed);
  }
  float* acc = n > kLaneTile ? AccumulatorScratch(static_cast<size_t>(n) * 16) : nullptr;
  ForEachLaneGroup(
      w, row_bytes, row_begin, row_end, y,
      [&](const uint8_t* rows, float* out, __mmask8 lanes) HWY_ATTR {
        if (n > kLaneTile) {
          return LaneGroupWide<Lane>(rows, row_bytes, nb, packed, n, acc, out, m, lanes);
        }
        WithTileWidth(n, [&](auto nc) HWY_ATTR {
          LaneGroupTile<decltype(nc)::value, Lane>(rows, row_bytes, nb, packed, out, m, lanes);
        });
      });
}
#endif  // SLUICE_VNNI

// Q4_1 (no qh) and Q5_1 x Q8_1.
template <int NC, class Block>
HWY_INLINE void RowWithMin(const uint8_t* w_row, const BlockQ8_1* const* acts, int64_t nb,
                           float* out) {
  const DF df;
  const D8 d8;
  const D16 d16;
  const auto* x = reinterpret_cast<const Block*>(w_row);
  VF acc[NC];
  float min_acc[NC];
  SLUICE_UNROLL
  for (int c = 0; c < NC; ++c) {
    acc[c] = hn::Zero(df);
    min_acc[c] = 0;
  }
  for (int64_t b = 0; b < nb; ++b) {
    if constexpr (NC == 1) PrefetchStream<1>(x + b);
    VU8 u[kParts];
    if constexpr (std::is_same_v<Block, BlockQ5_1>) {
      Nibbles(x[b].qs, x[b].qh, u);
    } else {
      Nibbles(x[b].qs, nullptr, u);
    }
    const float d_w = HalfToFloat(x[b].d);
    const float m_w = HalfToFloat(x[b].m);
    SLUICE_UNROLL
    for (int c = 0; c < NC; ++c) {
      const BlockQ8_1& a = acts[c][b];
      // Unsigned values up to 31 times |a| <= 127: pair sums stay below 2^15.
      V32 sum = hn::Zero(D32());
      SLUICE_UNROLL
      for (int p = 0; p < kParts; ++p) sum = AddDotU8I8(sum, u[p], hn::LoadU(d8, a.qs + p * kN8));
      acc[c] = hn::MulAdd(hn::Set(df, d_w * HalfToFloat(a.d)), hn::ConvertTo(df, sum), acc[c]);
      min_acc[c] += m_w * HalfToFloat(a.s);
    }
  }
  SLUICE_UNROLL
  for (int c = 0; c < NC; ++c) out[c] = SumLanes(acc[c]) + min_acc[c];
}

// ---------------------------------------------------------------- Q4_K, Q5_K x Q8_K
// Per super-block: sum over sub-blocks j of scale_j * dot(q, a) in int32 (pmaddubsw on
// the unsigned 4- or 5-bit values, pmaddwd by the broadcast 6-bit scale), times d * d_a;
// minus dmin * d_a * sum_j min_j * (sum of a over sub-block j), taken from Q8_K's bsums.

template <int NC, class Block>
HWY_INLINE void RowQ45K(const uint8_t* w_row, const BlockQ8_K* const* acts, int64_t nb,
                        float* out) {
  constexpr bool kFive = std::is_same_v<Block, BlockQ5_K>;
  const DF df;
  const D8 d8;
  const DU8 du8;
  const D16 d16;
  const D32 d32;
  const auto* x = reinterpret_cast<const Block*>(w_row);
  const VU8 low_mask = hn::Set(du8, 0x0F);
  const VU8 one = hn::Set(du8, 1);
  VF acc[NC];
  SLUICE_UNROLL
  for (int c = 0; c < NC; ++c) acc[c] = hn::Zero(df);
  for (int64_t b = 0; b < nb; ++b) {
    if constexpr (NC == 1) PrefetchStream<sizeof(Block)>(x + b);
    // The eight 6-bit scales (bytes 0..7) and mins (bytes 8..15), unpacked four at a
    // time in 32-bit words (ggml's kmask trick; the same values as k_scale_min).
    alignas(16) uint32_t packed[4];
    std::memcpy(packed, x[b].scales, 12);
    packed[3] = ((packed[2] >> 4) & 0x0F0F0F0Fu) | (((packed[1] >> 6) & 0x03030303u) << 4);
    const uint32_t low_mins = packed[1] & 0x3F3F3F3Fu;
    packed[1] = (packed[2] & 0x0F0F0F0Fu) | (((packed[0] >> 6) & 0x03030303u) << 4);
    packed[2] = low_mins;
    packed[0] &= 0x3F3F3F3Fu;
    const auto* sc = reinterpret_cast<const uint8_t*>(packed);
    // min_j for each 16-value bsum (each min twice, by one byte shuffle), so one pmaddwd
    // gives sum_j min_j * sum(a in j).
    alignas(16) uint8_t mins8[16];
    {
      const hn::Full128<uint8_t> d16x8;
      alignas(16) static constexpr uint8_t kTwice[16] = {8,  8,  9,  9,  10, 10, 11, 11,
                                                         12, 12, 13, 13, 14, 14, 15, 15};
      hn::Store(hn::TableLookupBytes(hn::Load(d16x8, reinterpret_cast<const uint8_t*>(packed)),
                                     hn::Load(d16x8, kTwice)),
                d16x8, mins8);
    }
    V16 mins16[kParts];
    {
      const hn::Rebind<uint8_t, D16> du8_for16;
      SLUICE_UNROLL
      for (int p = 0; p < kParts; ++p) {
        mins16[p] = hn::BitCast(d16, hn::PromoteTo(hn::RebindToUnsigned<D16>(),
                                                   hn::LoadU(du8_for16, mins8 + p * kN16)));
      }
    }
    // Q5_K: the fifth bit of value 64j + l (l < 32) is bit 2j of qh[l], of value
    // 64j + 32 + l bit 2j + 1; shifted down by two per j.
    VU8 high_bits[kParts];
    if constexpr (kFive) {
      SLUICE_UNROLL
      for (int p = 0; p < kParts; ++p) high_bits[p] = hn::LoadU(du8, x[b].qh + p * kN8);
    }
    V32 isum[NC];
    SLUICE_UNROLL
    for (int c = 0; c < NC; ++c) isum[c] = hn::Zero(d32);
    SLUICE_UNROLL
    for (int j = 0; j < 4; ++j) {  // 64 values: sub-block 2j low nibbles, 2j+1 high
      const V16 s_low = hn::Set(d16, sc[2 * j]);
      const V16 s_high = hn::Set(d16, sc[2 * j + 1]);
      SLUICE_UNROLL
      for (int p = 0; p < kParts; ++p) {
        const VU8 q = hn::LoadU(du8, x[b].qs + 32 * j + p * kN8);
        VU8 low = hn::And(q, low_mask);
        VU8 high = hn::ShiftRight<4>(q);
        if constexpr (kFive) {
          low = hn::Or(low, hn::ShiftLeft<4>(hn::And(high_bits[p], one)));
          high = hn::Or(high, hn::ShiftLeft<4>(hn::And(hn::ShiftRight<1>(high_bits[p]), one)));
          high_bits[p] = hn::ShiftRight<2>(high_bits[p]);
        }
        SLUICE_UNROLL
        for (int c = 0; c < NC; ++c) {
          const int8_t* a = acts[c][b].qs + 64 * j + p * kN8;
          isum[c] = AddMulPairsI16(isum[c], MulPairsU8I8(low, hn::LoadU(d8, a)), s_low);
          isum[c] = AddMulPairsI16(isum[c], MulPairsU8I8(high, hn::LoadU(d8, a + 32)), s_high);
        }
      }
    }
    const float d = HalfToFloat(x[b].d);
    const float dmin = HalfToFloat(x[b].dmin);
    SLUICE_UNROLL
    for (int c = 0; c < NC; ++c) {
      const BlockQ8_K& a = acts[c][b];
      V32 msum = hn::Zero(d32);
      SLUICE_UNROLL
      for (int p = 0; p < kParts; ++p) {
        msum = AddMulPairsI16(msum, mins16[p], hn::LoadU(d16, a.bsums + p * kN16));
      }
      acc[c] = hn::MulAdd(hn::Set(df, d * a.d), hn::ConvertTo(df, isum[c]), acc[c]);
      acc[c] = hn::NegMulAdd(hn::Set(df, dmin * a.d), hn::ConvertTo(df, msum), acc[c]);
    }
  }
  SLUICE_UNROLL
  for (int c = 0; c < NC; ++c) out[c] = SumLanes(acc[c]);
}

#if SLUICE_VNNI
// Q4_K with eight rows per vector, as the 32-value types above: each 32-value sub-block s
// of the eight rows is transposed into t[s][0..7], one vpdpbusd per four activation
// bytes adds into every row's lane, and the sub-block sum is multiplied by the row's
// 6-bit scale in int32 (vpmulld). Per (super-block, column), as the kernel above: the
// integer sum_s sc_s * dot_s and sum_s m_s * bsum_s, then two float steps, now for eight
// rows at once. Activations stay Q8_K blocks, copied block-major (block b of column c
// at (b * n + c) * sizeof(BlockQ8_K)) so that a tile's columns are one pointer apart.
// Scales, mins and fp16 factors of one super-block of eight rows, a row per lane.
struct LaneQ4KScales {
  __m256i scale[8];  // sc_s of each row, int32
  __m256i mins[8];   // m_s of each row twice, as two int16 (against two 16-value bsums)
  __m256 d, dmin;
};

HWY_INLINE void DecodeQ4KScales(const uint8_t* base, size_t row_bytes, LaneQ4KScales& out) {
  // The block's first 16 bytes are d, dmin and the twelve scale bytes: one transposed
  // load gives each of their four words for every row (cheaper than four gathers).
  __m256i words[4];
  LoadTransposed(base, row_bytes, words);
  const __m256i w0 = words[1], w1 = words[2], w2 = words[3];
  // ggml's kmask unpacking of the twelve scale bytes, on every lane at once.
  const __m256i low6 = _mm256_set1_epi8(0x3F), low4 = _mm256_set1_epi8(0x0F);
  const __m256i top2 = _mm256_set1_epi8(0x03);
  const __m256i scales_lo = _mm256_and_si256(w0, low6);  // sc 0..3
  const __m256i scales_hi =                              // sc 4..7
      _mm256_or_si256(_mm256_and_si256(w2, low4),
                      _mm256_slli_epi32(_mm256_and_si256(_mm256_srli_epi32(w0, 6), top2), 4));
  const __m256i mins_lo = _mm256_and_si256(w1, low6);  // m 0..3
  const __m256i mins_hi =                              // m 4..7
      _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi32(w2, 4), low4),
                      _mm256_slli_epi32(_mm256_and_si256(_mm256_srli_epi32(w1, 6), top2), 4));
  // vpshufb picks within 128-bit lanes: byte s of each word is at 4 * word + s.
  const __m256i word_base = _mm256_setr_epi32(0, 4, 8, 12, 0, 4, 8, 12);
  SLUICE_UNROLL
  for (int s = 0; s < 4; ++s) {
    const __m256i pick_one =  // byte s to the low byte, zeros above
        _mm256_add_epi32(_mm256_set1_epi32(static_cast<int>(0x80808000u | s)), word_base);
    const __m256i pick_twice = _mm256_add_epi32(  // byte s to the low byte of each half
        _mm256_set1_epi32(static_cast<int>(0x80008000u | (s << 16) | s)),
        _mm256_or_si256(word_base, _mm256_slli_epi32(word_base, 16)));
    out.scale[s] = _mm256_shuffle_epi8(scales_lo, pick_one);
    out.scale[s + 4] = _mm256_shuffle_epi8(scales_hi, pick_one);
    out.mins[s] = _mm256_shuffle_epi8(mins_lo, pick_twice);
    out.mins[s + 4] = _mm256_shuffle_epi8(mins_hi, pick_twice);
  }
  out.d = _mm256_cvtph_ps(_mm256_cvtepi32_epi16(words[0]));
  out.dmin = _mm256_cvtph_ps(_mm256_cvtepi32_epi16(_mm256_srli_epi32(words[0], 16)));
}

// Values 64j..64j+63 of eight rows: low[i] lane r holds values 64j + 4i..+3 of row r
// (sub-block 2j), high[i] values 64j + 32 + 4i..+3 (sub-block 2j + 1); nibbles split
// after the transpose, as LaneNibbles.
HWY_INLINE void DecodeQ4KChunk(const uint8_t* base, size_t row_bytes, int j, __m256i* low,
                               __m256i* high) {
  const __m256i mask = _mm256_set1_epi8(0x0F);
  SLUICE_UNROLL
  for (int half = 0; half < 2; ++half) {  // bytes 0..15, 16..31 of the 32
    __m256i t[4];
    LoadTransposed(base + offsetof(BlockQ4_K, qs) + 32 * j + 16 * half, row_bytes, t);
    SLUICE_UNROLL
    for (int i = 0; i < 4; ++i) {
      low[4 * half + i] = _mm256_and_si256(t[i], mask);
      high[4 * half + i] = _mm256_and_si256(_mm256_srli_epi16(t[i], 4), mask);
    }
  }
}

HWY_INLINE const BlockQ8_K* PackedColumnK(const uint8_t* cols, int c) {
  return reinterpret_cast<const BlockQ8_K*>(cols + c * sizeof(BlockQ8_K));
}

// total[c] += scale * dot(sub-block s of the eight rows (t), of column c).
template <int NC>
HWY_INLINE void Q4KSubBlock(const __m256i* t, __m256i scale, const uint8_t* cols, int s,
                            __m256i* total) {
  constexpr bool kTwoChains = NC < 4;
  SLUICE_UNROLL
  for (int c = 0; c < NC; ++c) {
    const int8_t* a = PackedColumnK(cols, c)->qs + 32 * s;
    const __m256i dot = LaneDot<kTwoChains>(t, a, _mm256_setzero_si256());
    total[c] = _mm256_add_epi32(total[c], _mm256_mullo_epi32(dot, scale));
  }
}

// The float steps of a Q4_K super-block. Every (row, column) keeps eight float chains:
// super-block b goes to phase b % 4, its scaled total to chain T[phase] (an FMA with d *
// d_a) and its negated min sum to chain M[phase] (an FMA with dmin * d_a; negating the
// exact integer first makes it the same as a fused multiply-subtract). The result is
// ((T0 + M0) + (T1 + M1)) + ((T2 + M2) + (T3 + M3)). Four phases let the one-column
// kernel below do the float steps of four super-blocks with one FMA on a vector whose
// lanes are these chains; the eight-row kernels follow the same order, so both give the
// same bits.
constexpr int kQ4KPhases = 4;
constexpr size_t kQ4KChainFloats = 2 * kQ4KPhases * 8;  // per column: T0..T3, M0..M3 of 8 rows

// The float steps of super-block b for NC columns, chains in memory at acc.
template <int NC>
HWY_INLINE void Q4KFinish(const LaneQ4KScales& w, const __m256i* total, const uint8_t* cols,
                          int64_t b, float* acc) {
  const int phase = static_cast<int>(b % kQ4KPhases);
  SLUICE_UNROLL
  for (int c = 0; c < NC; ++c) {
    const BlockQ8_K* col = PackedColumnK(cols, c);
    __m256i min_sum = _mm256_setzero_si256();
    SLUICE_UNROLL
    for (int s = 0; s < 8; ++s) {
      int32_t pair;  // the two 16-value sums of sub-block s
      std::memcpy(&pair, col->bsums + 2 * s, sizeof pair);
      min_sum = _mm256_dpwssd_epi32(min_sum, w.mins[s], _mm256_set1_epi32(pair));
    }
    const __m256 d_a = _mm256_broadcast_ss(&col->d);
    float* chains = acc + kQ4KChainFloats * c + 8 * phase;
    const __m256 t = _mm256_loadu_ps(chains);
    const __m256 m = _mm256_loadu_ps(chains + 8 * kQ4KPhases);
    _mm256_storeu_ps(chains,
                     _mm256_fmadd_ps(_mm256_mul_ps(w.d, d_a), _mm256_cvtepi32_ps(total[c]), t));
    const __m256i negated = _mm256_sub_epi32(_mm256_setzero_si256(), min_sum);
    _mm256_storeu_ps(chains + 8 * kQ4KPhases,
                     _mm256_fmadd_ps(_mm256_mul_ps(w.dmin, d_a), _mm256_cvtepi32_ps(negated), m));
  }
}

// A column's result from its eight chains at `chains`, eight rows at once.
HWY_INLINE __m256 Q4KCombineChains(const float* chains) {
  __m256 pair[kQ4KPhases];
  SLUICE_UNROLL
  for (int i = 0; i < kQ4KPhases; ++i) {
    pair[i] = _mm256_add_ps(_mm256_loadu_ps(chains + 8 * i),
                            _mm256_loadu_ps(chains + 8 * (kQ4KPhases + i)));
  }
  return _mm256_add_ps(_mm256_add_ps(pair[0], pair[1]), _mm256_add_ps(pair[2], pair[3]));
}

// Super-block b of eight rows times up to kLaneTile columns, each chunk decoded and used
// at once.
template <int NC>
HWY_INLINE void Q4KLaneTile(const uint8_t* base, size_t row_bytes, const LaneQ4KScales& scales,
                            const uint8_t* cols, int64_t b, float* acc) {
  __m256i total[NC];
  SLUICE_UNROLL
  for (int c = 0; c < NC; ++c) total[c] = _mm256_setzero_si256();
  for (int j = 0; j < 4; ++j) {
    __m256i low[8], high[8];
    DecodeQ4KChunk(base, row_bytes, j, low, high);
    Q4KSubBlock<NC>(low, scales.scale[2 * j], cols, 2 * j, total);
    Q4KSubBlock<NC>(high, scales.scale[2 * j + 1], cols, 2 * j + 1, total);
  }
  Q4KFinish<NC>(scales, total, cols, b, acc);
}

// One column (decoding one sequence): a row at a time, so that each thread reads one
// sequential stream. The eight-row kernels read eight rows side by side, which even with
// their prefetching streams less well: in a decoding 1b Q4_K_M model the Q4_K matmuls
// read 21.4-27.8 GB/s a thread with them and 23.7-29.1 this way, alternated within one
// run every 50 ms (reading rows two at a time gave less than either). The integer sums
// per (row, super-block) are the eight-row kernels' and the float steps follow the same
// chains (Q4KFinish), so both give the same bits.
//
// Integer sums first, scales after: one vpdpbusd per 64 values gives sums of four
// products, an unpack tree sums them per sub-block and one vpmulld applies the eight
// scales; the sums of four super-blocks are then reduced together and their float steps
// are one FMA on the eight chains. (Scales applied per 64 values through vpshufb and
// vpdpwssd, and a super-block's sums reduced with vphaddd and added in a scalar chain,
// used the shuffle ports about twice as much: 37 against 47 GB/s hot.)
//
// Activations per super-block, prepared once per call: the 256 values reordered so that
// 64 bytes hold the sub-blocks whose weights share 64 bytes of qs (low nibbles of
// qs[0..63] are sub-blocks 0 and 2, high nibbles 1 and 3; of qs[64..127], 4 and 6, 5
// and 7), the eight 32-value sums, and d_a twice. Columns are padded with zero blocks to
// a multiple of four, which leave every chain as it is.
struct Q4KColumn {
  const uint8_t* qs;    // 256 bytes per super-block
  const int16_t* sums;  // 8 per super-block
  const float* scales;  // d_a twice per super-block
};

HWY_INLINE Q4KColumn PrepareQ4KColumn(const BlockQ8_K* act, int64_t nb, int64_t nb_padded,
                                      uint8_t* out) {
  auto* qs = out;
  auto* sums = reinterpret_cast<int16_t*>(out + nb_padded * kQKK);
  auto* scales = reinterpret_cast<float*>(out + nb_padded * (kQKK + 8 * sizeof(int16_t)));
  constexpr int kOrder[8] = {0, 2, 1, 3, 4, 6, 5, 7};
  for (int64_t b = 0; b < nb_padded; ++b) {
    if (b >= nb) {
      std::memset(qs + b * kQKK, 0, kQKK);
      std::memset(sums + 8 * b, 0, 8 * sizeof(int16_t));
      scales[2 * b] = scales[2 * b + 1] = 0;
      continue;
    }
    SLUICE_UNROLL
    for (int i = 0; i < 8; ++i) std::memcpy(qs + b * kQKK + 32 * i, act[b].qs + 32 * kOrder[i], 32);
    SLUICE_UNROLL
    for (int s = 0; s < 8; ++s) {
      sums[8 * b + s] = static_cast<int16_t>(act[b].bsums[2 * s] + act[b].bsums[2 * s + 1]);
    }
    scales[2 * b] = scales[2 * b + 1] = act[b].d;
  }
  return {qs, sums, scales};
}

// ggml's unpacking of a Q4_K block's twelve scale bytes, on one vector: bytes 0..7 the
// six-bit scales, 8..15 the mins. (Loads 16 bytes: the block's qs follow its scales.)
HWY_INLINE __m128i UnpackQ4KScales(const uint8_t* scales) {
  const __m128i q = _mm_loadu_si128(reinterpret_cast<const __m128i*>(scales));  // u0 u1 u2
  const __m128i s = _mm_shuffle_epi32(q, _MM_SHUFFLE(2, 1, 2, 0));              // u0 u2 u1 u2
  const __m128i t = _mm_shuffle_epi32(q, _MM_SHUFFLE(1, 1, 0, 0));              // u0 u0 u1 u1
  const __m128i low = _mm_and_si128(_mm_srlv_epi32(s, _mm_setr_epi32(0, 0, 0, 4)),
                                    _mm_setr_epi32(0x3f3f3f3f, 0x0f0f0f0f, 0x3f3f3f3f, 0x0f0f0f0f));
  const __m128i top =
      _mm_and_si128(_mm_srli_epi32(t, 2), _mm_setr_epi32(0, 0x30303030, 0, 0x30303030));
  return _mm_or_si128(low, top);
}

// Sums sum_s sc_s * dot_s (over the 16 lanes of `scaled`) and sum_s m_s * sum_s(a) (over
// the 4 lanes of `mins`) of one super-block.
struct Q4KBlockSums {
  __m512i scaled;
  __m128i mins;
};

HWY_INLINE Q4KBlockSums Q4KSums(const BlockQ4_K& x, const uint8_t* a, const int16_t* sums) {
  const __m512i mask = _mm512_set1_epi8(0x0F);
  const __m128i packed = UnpackQ4KScales(x.scales);
  const __m512i q0 = _mm512_loadu_si512(x.qs);
  const __m512i q1 = _mm512_loadu_si512(x.qs + 64);
  const __m512i v[4] = {
      _mm512_and_si512(q0, mask), _mm512_and_si512(_mm512_srli_epi16(q0, 4), mask),
      _mm512_and_si512(q1, mask), _mm512_and_si512(_mm512_srli_epi16(q1, 4), mask)};
  // part[p]: 256-bit halves are sub-blocks X_p = 0, 1, 4, 5 and Y_p = 2, 3, 6, 7, eight
  // sums of four products each.
  __m512i part[4];
  SLUICE_UNROLL
  for (int p = 0; p < 4; ++p) {
    part[p] = _mm512_dpbusd_epi32(_mm512_setzero_si512(), v[p], _mm512_loadu_si512(a + 64 * p));
  }
  // 128-bit lane j of `dots` holds [part 0, 1, 2, 3] each summed over lanes 4j..4j+3:
  // lanes 0 and 1 belong to sub-blocks X_p, 2 and 3 to Y_p.
  const __m512i ab = _mm512_add_epi32(_mm512_unpacklo_epi32(part[0], part[1]),
                                      _mm512_unpackhi_epi32(part[0], part[1]));
  const __m512i cd = _mm512_add_epi32(_mm512_unpacklo_epi32(part[2], part[3]),
                                      _mm512_unpackhi_epi32(part[2], part[3]));
  const __m512i dots =
      _mm512_add_epi32(_mm512_unpacklo_epi64(ab, cd), _mm512_unpackhi_epi64(ab, cd));
  const __m128i order = _mm_setr_epi8(0, 1, 4, 5, 0, 1, 4, 5, 2, 3, 6, 7, 2, 3, 6, 7);
  const __m512i scales = _mm512_cvtepu8_epi32(_mm_shuffle_epi8(packed, order));
  const __m128i mins = _mm_cvtepu8_epi16(_mm_unpackhi_epi64(packed, packed));
  return {_mm512_mullo_epi32(dots, scales),
          _mm_madd_epi16(mins, _mm_loadu_si128(reinterpret_cast<const __m128i*>(sums)))};
}

// Super-blocks b..b+kCount-1 of a row (x points at b; kCount <= 4, blocks past it count
// as zero) into the chains acc.
template <int kCount>
HWY_INLINE __m256 Q4KFourBlocks(const BlockQ4_K* x, const Q4KColumn& a, int64_t b, __m256 acc) {
  Q4KBlockSums s[4];
  SLUICE_UNROLL
  for (int i = 0; i < 4; ++i) {
    s[i] = i < kCount ? Q4KSums(x[i], a.qs + (b + i) * kQKK, a.sums + 8 * (b + i))
                      : Q4KBlockSums{_mm512_setzero_si512(), _mm_setzero_si128()};
  }
  // Sixteen lanes of each block's `scaled` and four of its `mins` to one sum each.
  const __m512i t01 = _mm512_add_epi32(_mm512_unpacklo_epi32(s[0].scaled, s[1].scaled),
                                       _mm512_unpackhi_epi32(s[0].scaled, s[1].scaled));
  const __m512i t23 = _mm512_add_epi32(_mm512_unpacklo_epi32(s[2].scaled, s[3].scaled),
                                       _mm512_unpackhi_epi32(s[2].scaled, s[3].scaled));
  const __m512i t =
      _mm512_add_epi32(_mm512_unpacklo_epi64(t01, t23), _mm512_unpackhi_epi64(t01, t23));
  const __m256i t_half =
      _mm256_add_epi32(_mm512_castsi512_si256(t), _mm512_extracti64x4_epi64(t, 1));
  const __m128i totals =
      _mm_add_epi32(_mm256_castsi256_si128(t_half), _mm256_extracti128_si256(t_half, 1));
  const __m128i m01 = _mm_add_epi32(_mm_unpacklo_epi32(s[0].mins, s[1].mins),
                                    _mm_unpackhi_epi32(s[0].mins, s[1].mins));
  const __m128i m23 = _mm_add_epi32(_mm_unpacklo_epi32(s[2].mins, s[3].mins),
                                    _mm_unpackhi_epi32(s[2].mins, s[3].mins));
  const __m128i negated =
      _mm_sub_epi32(_mm_setzero_si128(),
                    _mm_add_epi32(_mm_unpacklo_epi64(m01, m23), _mm_unpackhi_epi64(m01, m23)));
  // Chains [T0 M0 T1 M1 | T2 M2 T3 M3] against [d dmin] * d_a of each block.
  const __m256i sums =
      _mm256_inserti128_si256(_mm256_castsi128_si256(_mm_unpacklo_epi32(totals, negated)),
                              _mm_unpackhi_epi32(totals, negated), 1);
  const auto factors = [&](int i) HWY_ATTR {
    int32_t d_dmin = 0;
    if (i < kCount) std::memcpy(&d_dmin, &x[i].d, sizeof d_dmin);
    return _mm_cvtsi32_si128(d_dmin);
  };
  const __m128i halves = _mm_unpacklo_epi64(_mm_unpacklo_epi32(factors(0), factors(1)),
                                            _mm_unpacklo_epi32(factors(2), factors(3)));
  const __m256 scale = _mm256_mul_ps(_mm256_cvtph_ps(halves), _mm256_loadu_ps(a.scales + 2 * b));
  return _mm256_fmadd_ps(scale, _mm256_cvtepi32_ps(sums), acc);
}

// Row x (nb super-blocks) times one column.
HWY_INLINE float Q4KRow(const BlockQ4_K* x, const Q4KColumn& a, int64_t nb) {
  __m256 acc = _mm256_setzero_ps();
  ForEachFourBlocks(x, nb, [&](auto count, int64_t b) HWY_ATTR {
    acc = Q4KFourBlocks<decltype(count)::value>(x + b, a, b, acc);
  });
  // As Q4KCombineChains: lane 2i + lane 2i + 1 is T_i + M_i.
  const __m256 pairs = _mm256_add_ps(acc, _mm256_movehdup_ps(acc));
  const __m128 low = _mm256_castps256_ps128(pairs), high = _mm256_extractf128_ps(pairs, 1);
  return _mm_cvtss_f32(_mm_add_ss(_mm_add_ss(low, _mm_movehl_ps(low, low)),
                                  _mm_add_ss(high, _mm_movehl_ps(high, high))));
}

// Rows [row_begin, row_end) of y for the one Q8_K activation column at act.
HWY_INLINE void Q4KSingleColumnRows(const uint8_t* w, int64_t k, int64_t row_begin, int64_t row_end,
                                    const BlockQ8_K* act, float* y) {
  const int64_t nb = k / kQKK;
  const int64_t nb_padded = (nb + 3) / 4 * 4;
  uint8_t* prepared = PackedScratch(static_cast<size_t>(nb_padded) *
                                    (kQKK + 8 * sizeof(int16_t) + 2 * sizeof(float)));
  const Q4KColumn column = PrepareQ4KColumn(act, nb, nb_padded, prepared);
  const auto* x = reinterpret_cast<const BlockQ4_K*>(w);
  for (int64_t r = row_begin; r < row_end; ++r) y[r] = Q4KRow(x + r * nb, column, nb);
}

// Rows [row_begin, row_end) of y for the n Q8_K activation columns at act. Activations
// stay Q8_K blocks, copied block-major (block b of column c at (b * n + c) *
// sizeof(BlockQ8_K)) so that a tile's columns are one pointer apart. (Reading them in
// place, nb blocks apart, measured 6% slower on 1b Q4_K_M pp128 despite the copy.)
HWY_INLINE void Q4KLaneRows(const uint8_t* w, int64_t k, int64_t row_begin, int64_t row_end,
                            const BlockQ8_K* act, int64_t n, float* y, int64_t m) {
  const int64_t nb = k / kQKK;
  const size_t row_bytes = static_cast<size_t>(nb) * sizeof(BlockQ4_K);
  auto* packed = PackedScratch(static_cast<size_t>(nb * n) * sizeof(BlockQ8_K));
  for (int64_t c = 0; c < n; ++c) {
    for (int64_t b = 0; b < nb; ++b) {
      std::memcpy(packed + static_cast<size_t>(b * n + c) * sizeof(BlockQ8_K), act + c * nb + b,
                  sizeof(BlockQ8_K));
    }
  }
  float* acc = AccumulatorScratch(static_cast<size_t>(n) * kQ4KChainFloats);
  const auto super_block = [&](const uint8_t* rows, int64_t b) HWY_ATTR {
    const uint8_t* base = rows + static_cast<size_t>(b) * sizeof(BlockQ4_K);
    PrefetchAhead<sizeof(BlockQ4_K)>(rows, row_bytes, b);
    LaneQ4KScales scales;
    DecodeQ4KScales(base, row_bytes, scales);
    const uint8_t* cols = packed + static_cast<size_t>(b * n) * sizeof(BlockQ8_K);
    if (n <= kLaneTile) {
      return WithTileWidth(n, [&](auto nc) HWY_ATTR {
        Q4KLaneTile<decltype(nc)::value>(base, row_bytes, scales, cols, b, acc);
      });
    }
    // More columns: decode the super-block once for all of them.
    __m256i t[8][8];
    for (int j = 0; j < 4; ++j) DecodeQ4KChunk(base, row_bytes, j, t[2 * j], t[2 * j + 1]);
    for (int64_t c = 0; c < n; c += kLaneTile) {
      WithTileWidth(n - c < kLaneTile ? n - c : kLaneTile, [&](auto nc) HWY_ATTR {
        constexpr int kNC = decltype(nc)::value;
        const uint8_t* tile = cols + c * sizeof(BlockQ8_K);
        __m256i total[kNC];
        SLUICE_UNROLL
        for (int i = 0; i < kNC; ++i) total[i] = _mm256_setzero_si256();
        for (int s = 0; s < 8; ++s) Q4KSubBlock<kNC>(t[s], scales.scale[s], tile, s, total);
        Q4KFinish<kNC>(scales, total, tile, b, acc + kQ4KChainFloats * c);
      });
    }
  };
  ForEachLaneGroup(w, row_bytes, row_begin, row_end, y,
                   [&](const uint8_t* rows, float* out, __mmask8 lanes) HWY_ATTR {
                     std::memset(acc, 0, static_cast<size_t>(n) * kQ4KChainFloats * sizeof(float));
                     for (int64_t b = 0; b < nb; ++b) super_block(rows, b);
                     for (int64_t c = 0; c < n; ++c) {
                       _mm256_mask_storeu_ps(out + c * m, lanes,
                                             Q4KCombineChains(acc + kQ4KChainFloats * c));
                     }
                   });
}
#endif  // SLUICE_VNNI

// ---------------------------------------------------------------- Q6_K x Q8_K
// Values are stored as q + 32 with q in [-32, 31]: multiply the unsigned 6-bit value
// (pmaddubsw), scale per 16 values (pmaddwd by a vector holding the two scales of a
// 32-value group), then subtract 32 * sum_g scale_g * bsum_g.

#if SLUICE_VNNI
// At one column (decoding), a row on 512-bit vectors: two 32-value groups per vector
// halve the pmaddubsw, vpdpwssd and scale permutes (bench_matmul --hot --n 1 Q6_K: 38
// -> 55 GB/s). Lane l of each 256-bit half sums bytes 4l..4l+3 of its groups, so adding the
// halves gives every lane of RowQ6K's integer sum exactly, and the float steps below are
// its own: the same bits.
HWY_INLINE float Q6KRowWide(const BlockQ6_K* x, const BlockQ8_K* a, int64_t nb) {
  const DF df;
  const __m512i mask4 = _mm512_set1_epi8(0x0F);
  const __m512i mask2 = _mm512_set1_epi8(0x03);
  // Shifts bringing the high bits of groups 0 | 1 and 2 | 3 of a half to bits 0-1.
  const __m512i shift01 = _mm512_inserti64x4(_mm512_setzero_si512(), _mm256_set1_epi16(2), 1);
  const __m512i shift23 = _mm512_inserti64x4(_mm512_set1_epi16(4), _mm256_set1_epi16(6), 1);
  // Word i of the scale vector of groups 2j, 2j + 1 of half h is scale 8h + 4j + i / 8.
  const __m512i pick =
      _mm512_srli_epi16(_mm512_set_epi16(31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17,
                                         16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0),
                        3);
  VF acc = hn::Zero(df);
  for (int64_t b = 0; b < nb; ++b) {
    PrefetchStream<sizeof(BlockQ6_K)>(x + b);
    const __m256i scales16 =
        _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x[b].scales)));
    const __m512i scales = _mm512_castsi256_si512(scales16);
    __m512i isum[2] = {_mm512_setzero_si512(), _mm512_setzero_si512()};
    SLUICE_UNROLL
    for (int h = 0; h < 2; ++h) {  // halves of 128 values
      const __m512i low = _mm512_loadu_si512(x[b].ql + 64 * h);
      const __m512i high = _mm512_broadcast_i64x4(
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(x[b].qh + 32 * h)));
      const __m512i q[2] = {
          _mm512_or_si512(
              _mm512_and_si512(low, mask4),
              _mm512_slli_epi16(_mm512_and_si512(_mm512_srlv_epi16(high, shift01), mask2), 4)),
          _mm512_or_si512(
              _mm512_and_si512(_mm512_srli_epi16(low, 4), mask4),
              _mm512_slli_epi16(_mm512_and_si512(_mm512_srlv_epi16(high, shift23), mask2), 4))};
      SLUICE_UNROLL
      for (int j = 0; j < 2; ++j) {
        const __m512i scale = _mm512_permutexvar_epi16(
            _mm512_add_epi16(pick, _mm512_set1_epi16(static_cast<short>(8 * h + 4 * j))), scales);
        const __m512i values = _mm512_loadu_si512(a[b].qs + 128 * h + 64 * j);
        isum[j] = _mm512_dpwssd_epi32(isum[j], _mm512_maddubs_epi16(q[j], values), scale);
      }
    }
    const __m512i both = _mm512_add_epi32(isum[0], isum[1]);
    const V32 sum{
        _mm256_add_epi32(_mm512_castsi512_si256(both), _mm512_extracti64x4_epi64(both, 1))};
    const V32 corr{
        _mm256_dpwssd_epi32(_mm256_setzero_si256(), scales16,
                            _mm256_loadu_si256(reinterpret_cast<const __m256i*>(a[b].bsums)))};
    const V32 total = hn::Sub(sum, hn::ShiftLeft<5>(corr));
    acc = hn::MulAdd(hn::Set(df, HalfToFloat(x[b].d) * a[b].d), hn::ConvertTo(df, total), acc);
  }
  return SumLanes(acc);
}
#endif  // SLUICE_VNNI

template <int NC>
HWY_INLINE void RowQ6K(const uint8_t* w_row, const BlockQ8_K* const* acts, int64_t nb, float* out) {
#if SLUICE_VNNI
  if constexpr (NC == 1) {
    out[0] = Q6KRowWide(reinterpret_cast<const BlockQ6_K*>(w_row), acts[0], nb);
    return;
  }
#endif
  const DF df;
  const D8 d8;
  const DU8 du8;
  const D16 d16;
  const D32 d32;
  const hn::Rebind<int8_t, D16> d8_for16;
  const auto* x = reinterpret_cast<const BlockQ6_K*>(w_row);
  const VU8 mask4 = hn::Set(du8, 0x0F);
  const VU8 mask2 = hn::Set(du8, 0x03);
  VF acc[NC];
  SLUICE_UNROLL
  for (int c = 0; c < NC; ++c) acc[c] = hn::Zero(df);
  for (int64_t b = 0; b < nb; ++b) {
    if constexpr (NC == 1) PrefetchStream<sizeof(BlockQ6_K)>(x + b);
#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
    // The sixteen scales widened once; each group's pair of scales is then one word
    // permute (vpermw) rather than two broadcasts and an insert.
    const __m256i scales16 =
        _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(x[b].scales)));
#endif
    V32 isum[NC];
    SLUICE_UNROLL
    for (int c = 0; c < NC; ++c) isum[c] = hn::Zero(d32);
    SLUICE_UNROLL
    for (int h = 0; h < 2; ++h) {  // halves of 128 values
      const uint8_t* ql = x[b].ql + 64 * h;
      const uint8_t* qh = x[b].qh + 32 * h;
      const int8_t* sc = x[b].scales + 8 * h;
      SLUICE_UNROLL
      for (int p = 0; p < kParts; ++p) {
        const VU8 l0 = hn::LoadU(du8, ql + p * kN8);
        const VU8 l1 = hn::LoadU(du8, ql + 32 + p * kN8);
        const VU8 hb = hn::LoadU(du8, qh + p * kN8);
        VU8 q[4];
        q[0] = hn::Or(hn::And(l0, mask4), hn::ShiftLeft<4>(hn::And(hb, mask2)));
        q[1] = hn::Or(hn::And(l1, mask4), hn::ShiftLeft<4>(hn::And(hn::ShiftRight<2>(hb), mask2)));
        q[2] =
            hn::Or(hn::ShiftRight<4>(l0), hn::ShiftLeft<4>(hn::And(hn::ShiftRight<4>(hb), mask2)));
        q[3] = hn::Or(hn::ShiftRight<4>(l1), hn::ShiftLeft<4>(hn::ShiftRight<6>(hb)));
        SLUICE_UNROLL
        for (int s = 0; s < 4; ++s) {
          // Group s covers values 32s..32s+31 of this half; scales sc[2s] (first 16
          // values) and sc[2s+1]. A 256-bit vector holds both halves, a 128-bit one
          // (part p) holds values 16p..16p+15 only.
#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
          const int lo = 8 * h + 2 * s;
          const V16 scale{_mm256_permutexvar_epi16(
              _mm256_setr_epi16(lo, lo, lo, lo, lo, lo, lo, lo, lo + 1, lo + 1, lo + 1, lo + 1,
                                lo + 1, lo + 1, lo + 1, lo + 1),
              scales16)};
#elif SLUICE_VEC256
          const hn::Half<D16> d16h;
          const V16 scale =
              hn::Combine(d16, hn::Set(d16h, sc[2 * s + 1]), hn::Set(d16h, sc[2 * s]));
#else
          const V16 scale = hn::Set(d16, sc[2 * s + p]);
#endif
          SLUICE_UNROLL
          for (int c = 0; c < NC; ++c) {
            const int8_t* a = acts[c][b].qs + 128 * h + 32 * s + p * kN8;
            isum[c] = AddMulPairsI16(isum[c], MulPairsU8I8(q[s], hn::LoadU(d8, a)), scale);
          }
        }
      }
    }
    const float d = HalfToFloat(x[b].d);
    SLUICE_UNROLL
    for (int c = 0; c < NC; ++c) {
      const BlockQ8_K& a = acts[c][b];
      V32 corr = hn::Zero(d32);
      SLUICE_UNROLL
      for (int p = 0; p < kParts; ++p) {
#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
        const V16 scales{scales16};
#else
        const V16 scales = hn::PromoteTo(d16, hn::LoadU(d8_for16, x[b].scales + p * kN16));
#endif
        corr = AddMulPairsI16(corr, scales, hn::LoadU(d16, a.bsums + p * kN16));
      }
      const V32 total = hn::Sub(isum[c], hn::ShiftLeft<5>(corr));
      acc[c] = hn::MulAdd(hn::Set(df, d * a.d), hn::ConvertTo(df, total), acc[c]);
    }
  }
  SLUICE_UNROLL
  for (int c = 0; c < NC; ++c) out[c] = SumLanes(acc[c]);
}

// ---------------------------------------------------------------- Q2_K, Q3_K x Q8_K
// Both keep 2-bit values in the same order as Q6_K's groups: value 128h + 32s + l is
// bits 2s..2s+1 of qs[32h + l], with a scale per 16 values. Q2_K: value = d*sc*q -
// dmin*m with q in [0, 3] (mins through bsums, as Q4_K). Q3_K: value = d*sc*(q - 4) with
// q = low | high << 2 in [0, 7], the high bit being bit 4h + s of hmask[l]; the -4 comes
// back as 4 * sum_g sc_g * bsum_g (as Q6_K's -32).

// Q3_K's sixteen signed scales (minus 32) widened to int16 into out[0..15]. On AVX2 and
// AVX-512 they are built in registers and stored whole: q3k_scales' unpacked words went
// through memory and were reloaded as one vector, which missed store forwarding once per
// super-block (bench_matmul n = 1, hot: 5.6 -> 10.6 GB/s).
HWY_INLINE void Q3KScales16(const uint8_t* packed, int16_t* out) {
#if SLUICE_X86_256
  // q3k_scales on four 32-bit lanes: low nibbles from words 0, 1 (then shifted by 4),
  // top two bits from word 2 shifted by 0, 2, 4, 6.
  const __m128i w01 = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(packed));
  int32_t w2_bits;
  std::memcpy(&w2_bits, packed + 8, sizeof w2_bits);
  const __m128i w2 = _mm_set1_epi32(w2_bits);
  const __m128i low4 = _mm_set1_epi8(0x0F);
  const __m128i low = _mm_and_si128(_mm_unpacklo_epi64(w01, _mm_srli_epi32(w01, 4)),
                                    low4);  // [w0, w1, w0>>4, w1>>4]
  const __m128i high =
      _mm_and_si128(_mm_srlv_epi32(w2, _mm_setr_epi32(0, 2, 4, 6)), _mm_set1_epi8(0x03));
  const __m128i sc = _mm_sub_epi8(_mm_or_si128(low, _mm_slli_epi32(high, 4)), _mm_set1_epi8(32));
  _mm256_storeu_si256(reinterpret_cast<__m256i*>(out), _mm256_cvtepi8_epi16(sc));
#else
  int8_t sc[16];
  q3k_scales(packed, sc);
  for (int g = 0; g < 16; ++g) out[g] = sc[g];
#endif
}

template <int NC, class Block>
HWY_INLINE void RowQ23K(const uint8_t* w_row, const BlockQ8_K* const* acts, int64_t nb,
                        float* out) {
  constexpr bool kThree = std::is_same_v<Block, BlockQ3_K>;
  const DF df;
  const D8 d8;
  const DU8 du8;
  const D16 d16;
  const D32 d32;
  const auto* x = reinterpret_cast<const Block*>(w_row);
  const VU8 mask2 = hn::Set(du8, 0x03);
  const VU8 one = hn::Set(du8, 1);
  VF acc[NC];
  SLUICE_UNROLL
  for (int c = 0; c < NC; ++c) acc[c] = hn::Zero(df);
  for (int64_t b = 0; b < nb; ++b) {
    if constexpr (NC == 1) PrefetchStream<sizeof(Block)>(x + b);
    alignas(32) int16_t scales16[16];
    alignas(32) int16_t mins16[16];  // Q2_K only
    VU8 high_bits[kParts];           // Q3_K only: hmask, shifted down one bit per group
    if constexpr (kThree) {
      Q3KScales16(x[b].scales, scales16);
      SLUICE_UNROLL
      for (int p = 0; p < kParts; ++p) high_bits[p] = hn::LoadU(du8, x[b].hmask + p * kN8);
    } else {
      SLUICE_UNROLL
      for (int g = 0; g < 16; ++g) {
        scales16[g] = x[b].scales[g] & 0xF;
        mins16[g] = x[b].scales[g] >> 4;
      }
    }
    V32 isum[NC];
    SLUICE_UNROLL
    for (int c = 0; c < NC; ++c) isum[c] = hn::Zero(d32);
    SLUICE_UNROLL
    for (int h = 0; h < 2; ++h) {
      VU8 low_bits[kParts];
      SLUICE_UNROLL
      for (int p = 0; p < kParts; ++p) low_bits[p] = hn::LoadU(du8, x[b].qs + 32 * h + p * kN8);
      SLUICE_UNROLL
      for (int s = 0; s < 4; ++s) {
        const int g = 8 * h + 2 * s;  // the group of values 0..15 of this 32
        SLUICE_UNROLL
        for (int p = 0; p < kParts; ++p) {
          VU8 q = hn::And(low_bits[p], mask2);
          low_bits[p] = hn::ShiftRight<2>(low_bits[p]);
          if constexpr (kThree) {
            q = hn::Or(q, hn::ShiftLeft<2>(hn::And(high_bits[p], one)));
            high_bits[p] = hn::ShiftRight<1>(high_bits[p]);
          }
#if SLUICE_VEC256
          const hn::Half<D16> d16h;
          const V16 scale =
              hn::Combine(d16, hn::Set(d16h, scales16[g + 1]), hn::Set(d16h, scales16[g]));
#else
          const V16 scale = hn::Set(d16, scales16[g + p]);
#endif
          SLUICE_UNROLL
          for (int c = 0; c < NC; ++c) {
            const int8_t* a = acts[c][b].qs + 128 * h + 32 * s + p * kN8;
            isum[c] = AddMulPairsI16(isum[c], MulPairsU8I8(q, hn::LoadU(d8, a)), scale);
          }
        }
      }
    }
    const float d = HalfToFloat(x[b].d);
    SLUICE_UNROLL
    for (int c = 0; c < NC; ++c) {
      const BlockQ8_K& a = acts[c][b];
      V32 corr = hn::Zero(d32);
      SLUICE_UNROLL
      for (int p = 0; p < kParts; ++p) {
        const int16_t* per_group = kThree ? scales16 : mins16;
        corr = AddMulPairsI16(corr, hn::Load(d16, per_group + p * kN16),
                              hn::LoadU(d16, a.bsums + p * kN16));
      }
      if constexpr (kThree) {
        const V32 total = hn::Sub(isum[c], hn::ShiftLeft<2>(corr));
        acc[c] = hn::MulAdd(hn::Set(df, d * a.d), hn::ConvertTo(df, total), acc[c]);
      } else {
        acc[c] = hn::MulAdd(hn::Set(df, d * a.d), hn::ConvertTo(df, isum[c]), acc[c]);
        acc[c] = hn::NegMulAdd(hn::Set(df, HalfToFloat(x[b].dmin) * a.d), hn::ConvertTo(df, corr),
                               acc[c]);
      }
    }
  }
  SLUICE_UNROLL
  for (int c = 0; c < NC; ++c) out[c] = SumLanes(acc[c]);
}

// ---------------------------------------------------------------- F32 / F16 / BF16 x F32
// Full-width float vectors (512-bit on AVX-512), two per step.

using DFull = hn::ScalableTag<float>;

// kChains: FMA chains per (row, column). Widened F16/BF16 rows are read at memory speed
// only with two: one chain is bound by the FMA latency when a single row is read at a
// time (decoding, below). F32 weights (small models, from cache) keep one, which leaves
// room for twice the columns per tile.
struct LoadF32 {
  static constexpr int kChains = 1;
  static constexpr size_t kBytes = 4;  // per weight
  HWY_INLINE hn::Vec<DFull> operator()(DFull d, const void* w, size_t i) const {
    return hn::LoadU(d, static_cast<const float*>(w) + i);
  }
  HWY_INLINE float operator()(const void* w, size_t i) const {
    return static_cast<const float*>(w)[i];
  }
};
struct LoadF16 {
  static constexpr int kChains = 2;
  static constexpr size_t kBytes = 2;  // per weight
  HWY_INLINE hn::Vec<DFull> operator()(DFull d, const void* w, size_t i) const {
    const hn::Rebind<hwy::float16_t, DFull> dh;
    return hn::PromoteTo(d, hn::LoadU(dh, static_cast<const hwy::float16_t*>(w) + i));
  }
  HWY_INLINE float operator()(const void* w, size_t i) const {
    return fp16_to_fp32(static_cast<const uint16_t*>(w)[i]);
  }
};
struct LoadBF16 {
  static constexpr int kChains = 2;
  static constexpr size_t kBytes = 2;  // per weight
  HWY_INLINE hn::Vec<DFull> operator()(DFull d, const void* w, size_t i) const {
    const hn::Rebind<hwy::bfloat16_t, DFull> dh;
    return hn::PromoteTo(d, hn::LoadU(dh, static_cast<const hwy::bfloat16_t*>(w) + i));
  }
  HWY_INLINE float operator()(const void* w, size_t i) const {
    return bf16_to_fp32(static_cast<const uint16_t*>(w)[i]);
  }
};

// A register tile of RM weight rows x NC columns: each weight vector is converted once
// and used for NC columns, each activation vector loaded once for RM rows. Every
// (row, column) keeps Load::kChains accumulators, vector i going to chain i % chains,
// then a scalar tail, so its arithmetic does not depend on the tile it falls in.
template <int RM, int NC, class Load>
HWY_INLINE void TileFloat(const uint8_t* w, size_t w_row_bytes, const float* const* xs, int64_t k,
                          float* out, Load load) {
  constexpr int kChains = Load::kChains;
  const DFull df;
  const size_t N = hn::Lanes(df);
  const size_t kk = static_cast<size_t>(k);
  hn::Vec<DFull> acc[kChains][RM][NC];
  SLUICE_UNROLL
  for (int h = 0; h < kChains; ++h) {
    SLUICE_UNROLL
    for (int r = 0; r < RM; ++r) {
      SLUICE_UNROLL
      for (int c = 0; c < NC; ++c) acc[h][r][c] = hn::Zero(df);
    }
  }
  // Chain h takes the vector at i. A lone row (decoding) prefetches ahead of its stream,
  // one line per chain-0 step (a step covers 64 bytes on AVX-512, 32 on AVX2).
  const auto step = [&](size_t i, int h) HWY_ATTR {
    if constexpr (RM == 1 && NC == 1) {
      if (h == 0) PrefetchStream<1>(w + i * Load::kBytes);
    }
    hn::Vec<DFull> wv[RM];
    SLUICE_UNROLL
    for (int r = 0; r < RM; ++r) wv[r] = load(df, w + r * w_row_bytes, i);
    SLUICE_UNROLL
    for (int c = 0; c < NC; ++c) {
      const auto xv = hn::LoadU(df, xs[c] + i);
      SLUICE_UNROLL
      for (int r = 0; r < RM; ++r) acc[h][r][c] = hn::MulAdd(wv[r], xv, acc[h][r][c]);
    }
  };
  size_t i = 0;
  for (; i + kChains * N <= kk; i += kChains * N) {
    SLUICE_UNROLL
    for (int h = 0; h < kChains; ++h) step(i + h * N, h);
  }
  SLUICE_UNROLL
  for (int h = 0; h + 1 < kChains; ++h) {
    if (i + N <= kk) {
      step(i, h);
      i += N;
    }
  }
  SLUICE_UNROLL
  for (int r = 0; r < RM; ++r) {
    SLUICE_UNROLL
    for (int c = 0; c < NC; ++c) {
      hn::Vec<DFull> total = acc[0][r][c];
      SLUICE_UNROLL
      for (int h = 1; h < kChains; ++h) total = hn::Add(total, acc[h][r][c]);
      float sum = hn::GetLane(hn::SumOfLanes(df, total));
      for (size_t t = i; t < kk; ++t) sum += load(w + r * w_row_bytes, t) * xs[c][t];
      out[r * NC + c] = sum;
    }
  }
}

// Float weights: tiles of kFloatRows rows (single rows for the remainder) by up to
// kFloatCols columns. AVX-512 has 32 registers: 4 x 6 accumulators (4 x 3 x 2 chains)
// + 4 weights + 1; AVX2 16: 4 x 2 (4 x 1 x 2) + 4 + 1.
constexpr int kFloatRows = 4;
#if HWY_TARGET == HWY_AVX3 || HWY_TARGET == HWY_AVX3_DL
template <class Load>
constexpr int kFloatCols = 6 / Load::kChains;
#else
template <class Load>
constexpr int kFloatCols = 2 / Load::kChains;
#endif

template <int RM, class Load>
HWY_INLINE void FloatRowTile(const uint8_t* w_row, size_t w_row_bytes, const float* const* cols,
                             int64_t tile, int64_t k, float* out, Load load) {
  constexpr int kCols = kFloatCols<Load>;
  if constexpr (kCols >= 6) {
    if (tile >= 6) return TileFloat<RM, kCols>(w_row, w_row_bytes, cols, k, out, load);
  }
  if constexpr (kCols >= 5) {
    if (tile == 5) return TileFloat<RM, 5>(w_row, w_row_bytes, cols, k, out, load);
  }
  if constexpr (kCols >= 4) {
    if (tile == 4) return TileFloat<RM, 4>(w_row, w_row_bytes, cols, k, out, load);
  }
  if constexpr (kCols >= 3) {
    if (tile == 3) return TileFloat<RM, 3>(w_row, w_row_bytes, cols, k, out, load);
  }
  if constexpr (kCols >= 2) {
    if (tile == 2) return TileFloat<RM, 2>(w_row, w_row_bytes, cols, k, out, load);
  }
  TileFloat<RM, 1>(w_row, w_row_bytes, cols, k, out, load);
}

// Rows [r, r + rm) of y for every column; w_row is row r's weights.
template <class Load>
HWY_INLINE void FloatRowTileAllColumns(const uint8_t* w_row, size_t w_row_bytes, int64_t r,
                                       int64_t rm, const float* act, int64_t k, int64_t n, float* y,
                                       int64_t m, Load load) {
  constexpr int kCols = kFloatCols<Load>;
  for (int64_t c0 = 0; c0 < n; c0 += kCols) {
    const int64_t tile = n - c0 < kCols ? n - c0 : kCols;
    const float* cols[kCols];
    for (int64_t c = 0; c < tile; ++c) cols[c] = act + (c0 + c) * k;
    float out[kFloatRows * kCols];
    if (rm == kFloatRows) {
      FloatRowTile<kFloatRows>(w_row, w_row_bytes, cols, tile, k, out, load);
    } else {
      FloatRowTile<1>(w_row, w_row_bytes, cols, tile, k, out, load);
    }
    for (int64_t rr = 0; rr < rm; ++rr) {
      for (int64_t c = 0; c < tile; ++c) y[(c0 + c) * m + r + rr] = out[rr * tile + c];
    }
  }
}

template <class Load>
HWY_INLINE void FloatRows(const uint8_t* w, size_t w_row_bytes, int64_t row_begin, int64_t row_end,
                          const float* act, int64_t k, int64_t n, float* y, int64_t m, Load load) {
  // F16/BF16 weights are widened in registers for every column tile: widening a row tile
  // to F32 in memory once measured slower (twice the bytes competing with the
  // activations for L1). A single column (decoding) takes one row at a time: kFloatRows
  // rows side by side are as many streams, a page apart for 2048 F16 values, which the
  // hardware prefetcher follows worse than one. The arithmetic of a (row, column) is the
  // same either way. (bench_matmul, F16, n = 1, cold, one Zen 5 core: 24.9 GB/s with 4
  // rows and one chain, 32.3 with one row, 35.3 with one row and two chains.)
  const int64_t tile_rows = n == 1 ? 1 : kFloatRows;
  for (int64_t r = row_begin; r < row_end;) {
    const int64_t rm = row_end - r >= tile_rows ? tile_rows : 1;
    FloatRowTileAllColumns(w + r * w_row_bytes, w_row_bytes, r, rm, act, k, n, y, m, load);
    r += rm;
  }
}

// ---------------------------------------------------------------- driver

// Rows per pass over the column tiles: a band of weight rows and one tile of activation
// columns stay in L1 together (16 rows of a 2048-wide Q4_K row are 18 KiB), where a
// whole row per pass would stream every column from L2 for each row.
constexpr int64_t kRowBand = 16;

// Calls row(nc, w_row, column pointers, out) for every row and for tiles of up to
// kMaxTile columns, then scatters the tile's results into y.
template <class Act, class RowFn>
HWY_INLINE void ForEachTile(const uint8_t* w, size_t w_row_bytes, int64_t row_begin,
                            int64_t row_end, const uint8_t* act, size_t act_row_bytes, int64_t n,
                            float* y, int64_t m, RowFn row) {
  for (int64_t band = row_begin; band < row_end; band += kRowBand) {
    const int64_t band_end = row_end - band < kRowBand ? row_end : band + kRowBand;
    for (int64_t c0 = 0; c0 < n; c0 += kMaxTile) {
      const Act* cols[kMaxTile];
      const int64_t tile = n - c0 < kMaxTile ? n - c0 : kMaxTile;
      for (int64_t c = 0; c < tile; ++c) {
        cols[c] = reinterpret_cast<const Act*>(act + (c0 + c) * act_row_bytes);
      }
      for (int64_t r = band; r < band_end; ++r) {
        const uint8_t* w_row = w + r * w_row_bytes;
        float out[kMaxTile];
        switch (tile) {
          case 1: row(std::integral_constant<int, 1>(), w_row, cols, out); break;
          case 2: row(std::integral_constant<int, 2>(), w_row, cols, out); break;
          case 3: row(std::integral_constant<int, 3>(), w_row, cols, out); break;
          case 4: row(std::integral_constant<int, 4>(), w_row, cols, out); break;
          default:
            if constexpr (kMaxTile > 4) {
              switch (tile) {
                case 5: row(std::integral_constant<int, 5>(), w_row, cols, out); break;
                case 6: row(std::integral_constant<int, 6>(), w_row, cols, out); break;
                case 7: row(std::integral_constant<int, 7>(), w_row, cols, out); break;
                default: row(std::integral_constant<int, kMaxTile>(), w_row, cols, out); break;
              }
            }
            break;
        }
        for (int64_t c = 0; c < tile; ++c) y[(c0 + c) * m + r] = out[c];
      }
    }
  }
}

// Rows of blocks: `nb` blocks of `w_block` bytes per weight row, one Act block per block.
template <class Act, class RowFn>
HWY_INLINE void RunBlocks(const uint8_t* w, size_t w_block, int64_t nb, int64_t row_begin,
                          int64_t row_end, const uint8_t* act, int64_t n, float* y, int64_t m,
                          RowFn row) {
  ForEachTile<Act>(w, nb * w_block, row_begin, row_end, act, nb * sizeof(Act), n, y, m,
                   [&](auto nc, const uint8_t* w_row, const Act* const* cols, float* out) {
                     row(nc, w_row, cols, out);
                   });
}

void MatmulRows(uint32_t type_id, const void* w_ptr, int64_t k, int64_t row_begin, int64_t row_end,
                const void* act_ptr, int64_t n, float* y, int64_t m) {
  const auto* w = static_cast<const uint8_t*>(w_ptr);
  const auto* act = static_cast<const uint8_t*>(act_ptr);
  const int64_t nb32 = k / kQK, nb256 = k / kQKK;
  const auto signed_rows = [&](auto decode, size_t block_bytes) {
    RunBlocks<BlockQ8_0>(
        w, block_bytes, nb32, row_begin, row_end, act, n, y, m,
        [&](auto nc, const uint8_t* w_row, const BlockQ8_0* const* cols, float* out) {
          RowSigned<decltype(nc)::value>(w_row, block_bytes, cols, nb32, out, decode);
        });
  };
#if SLUICE_VNNI
  const auto lane_rows = [&](auto lane) {
    LaneRows<decltype(lane)>(w, k, row_begin, row_end, reinterpret_cast<const BlockQ8_0*>(act), n,
                             y, m);
  };
#endif
  const auto min_rows = [&](auto block) {
    using Block = decltype(block);
    RunBlocks<BlockQ8_1>(
        w, sizeof(Block), nb32, row_begin, row_end, act, n, y, m,
        [&](auto nc, const uint8_t* w_row, const BlockQ8_1* const* cols, float* out) {
          RowWithMin<decltype(nc)::value, Block>(w_row, cols, nb32, out);
        });
  };
  const auto k_rows = [&](auto block) {
    using Block = decltype(block);
    RunBlocks<BlockQ8_K>(
        w, sizeof(Block), nb256, row_begin, row_end, act, n, y, m,
        [&](auto nc, const uint8_t* w_row, const BlockQ8_K* const* cols, float* out) {
          if constexpr (std::is_same_v<Block, BlockQ6_K>) {
            RowQ6K<decltype(nc)::value>(w_row, cols, nb256, out);
          } else if constexpr (std::is_same_v<Block, BlockQ2_K> ||
                               std::is_same_v<Block, BlockQ3_K>) {
            RowQ23K<decltype(nc)::value, Block>(w_row, cols, nb256, out);
          } else {
            RowQ45K<decltype(nc)::value, Block>(w_row, cols, nb256, out);
          }
        });
  };
  const auto float_rows = [&](auto load, size_t element_bytes) {
    FloatRows(w, static_cast<size_t>(k) * element_bytes, row_begin, row_end,
              reinterpret_cast<const float*>(act), k, n, y, m, load);
  };
  switch (static_cast<GgmlType>(type_id)) {
#if SLUICE_VNNI
    case GgmlType::q8_0: return lane_rows(LaneQ8_0());
    case GgmlType::q4_0: return lane_rows(LaneQ4_0());
    case GgmlType::q5_0: return lane_rows(LaneQ5_0());
#else
    case GgmlType::q8_0: return signed_rows(DecodeQ8_0(), sizeof(BlockQ8_0));
    case GgmlType::q4_0: return signed_rows(DecodeQ4_0(), sizeof(BlockQ4_0));
    case GgmlType::q5_0: return signed_rows(DecodeQ5_0(), sizeof(BlockQ5_0));
#endif
    case GgmlType::q4_1: return min_rows(BlockQ4_1());
    case GgmlType::q5_1: return min_rows(BlockQ5_1());
    case GgmlType::q2_k: return k_rows(BlockQ2_K());
    case GgmlType::q3_k: return k_rows(BlockQ3_K());
#if SLUICE_VNNI
    case GgmlType::q4_k:
      if (n == 1) {
        return Q4KSingleColumnRows(w, k, row_begin, row_end,
                                   reinterpret_cast<const BlockQ8_K*>(act), y);
      }
      return Q4KLaneRows(w, k, row_begin, row_end, reinterpret_cast<const BlockQ8_K*>(act), n, y,
                         m);
#else
    case GgmlType::q4_k: return k_rows(BlockQ4_K());
#endif
    case GgmlType::q5_k: return k_rows(BlockQ5_K());
    case GgmlType::q6_k: return k_rows(BlockQ6_K());
    case GgmlType::f32: return float_rows(LoadF32(), 4);
    case GgmlType::f16: return float_rows(LoadF16(), 2);
    case GgmlType::bf16: return float_rows(LoadBF16(), 2);
    default: return;  // simd::has_kernel() keeps other types away
  }
}

#undef SLUICE_X86_256
#undef SLUICE_X86_128
#undef SLUICE_VEC256
#undef SLUICE_VNNI
#undef SLUICE_UNROLL

#endif  // HWY_TARGET != HWY_SCALAR

int64_t CurrentTarget() {
  return HWY_TARGET;
}

}  // namespace HWY_NAMESPACE
}  // namespace sluice::kernels::simd
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace sluice::kernels::simd {

HWY_EXPORT(MatmulRows);
HWY_EXPORT(CurrentTarget);

namespace {
// The AVX3_DL code uses AVX512-VNNI and BITALG, which Highway's run-time check for that
// target includes; should a CPU pass the check without them, dispatch must not pick
// that code.
[[maybe_unused]] const bool kVnniGuard = [] {
#if HWY_ARCH_X86
  if (!__builtin_cpu_supports("avx512vnni") || !__builtin_cpu_supports("avx512bitalg")) {
    hwy::DisableTargets(HWY_AVX3_DL);
  }
#endif
  return true;
}();
}  // namespace

bool has_kernel(GgmlType type) {
  switch (type) {
    case GgmlType::f32:
    case GgmlType::f16:
    case GgmlType::bf16:
    case GgmlType::q4_0:
    case GgmlType::q4_1:
    case GgmlType::q5_0:
    case GgmlType::q5_1:
    case GgmlType::q8_0:
    case GgmlType::q2_k:
    case GgmlType::q3_k:
    case GgmlType::q4_k:
    case GgmlType::q5_k:
    case GgmlType::q6_k: return true;
    default: return false;
  }
}

void matmul_rows(GgmlType type, const void* w, int64_t k, int64_t row_begin, int64_t row_end,
                 const void* act, int64_t n, float* y, int64_t m) {
  HWY_DYNAMIC_DISPATCH(MatmulRows)
  (static_cast<uint32_t>(type), w, k, row_begin, row_end, act, n, y, m);
}

std::vector<int64_t> available_targets() {
  return hwy::SupportedAndGeneratedTargets();
}

int64_t active_target() {
  return HWY_DYNAMIC_DISPATCH(CurrentTarget)();
}

const char* target_name(int64_t target) {
  return hwy::TargetName(target);
}

void force_target(int64_t target) {
  hwy::SetSupportedTargetsForTest(target);
}

}  // namespace sluice::kernels::simd
#endif  // HWY_ONCE
