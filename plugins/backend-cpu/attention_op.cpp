// Paged attention: store this step's K/V rows, then one SIMD pass with an online softmax
// per (query row, head), spread over the pool when there is enough of it.
#include <algorithm>
#include <cstring>

#include "cpu_ops.hpp"
#include "kernels/cpu/attention.hpp"

namespace sluice::cpu {
namespace {

// Below this many multiply-adds (q.k plus v accumulation) an attention runs on the
// calling thread: waking the pool would cost more than it saves.
constexpr int64_t kMinParallelWork = 1 << 15;

}  // namespace

void op_attention(const float* q, const float* k, const float* v, int64_t hd, int64_t n_head,
                  int64_t n_head_kv, const sluice_batch& batch, sluice_backend_kv& kv,
                  uint32_t layer, float scale, float softcap, ThreadPool& pool,
                  AttentionScratch& scratch, float* out) {
  const KvGeometry& g = kv.geometry;
  const int64_t group = n_head / n_head_kv;
  const int64_t kv_width = hd * n_head_kv;
  const bool f16 = g.dtype == SLUICE_DTYPE_F16;
  const size_t elem_bytes = f16 ? 2 : 4;
  auto block_of = [&](const sluice_batch_seq& seq, int32_t pos) {
    return batch.block_table[seq.block_table_begin + pos / static_cast<int32_t>(g.block_size)];
  };
  // 1. Write this step's K and V rows at their positions, and list every cached row's
  // address per sequence (the block table resolved once for all heads and rows).
  scratch.k_rows.clear();
  scratch.v_rows.clear();
  scratch.first_row.clear();
  scratch.first_item.clear();
  int64_t items = 0, work = 0;
  for (int32_t s = 0; s < batch.n_seqs; ++s) {
    const sluice_batch_seq& seq = *SLUICE_ARRAY_ELEM(sluice_batch_seq, batch.seqs, s);
    for (int32_t j = 0; j < seq.n_tokens; ++j) {
      const int64_t row = seq.token_begin + j;
      const int32_t pos = seq.n_past + j;
      const uint32_t slot = static_cast<uint32_t>(pos) % g.block_size;
      uint8_t* k_dst = kv.k_row(layer, block_of(seq, pos), slot);
      uint8_t* v_dst = kv.v_row(layer, block_of(seq, pos), slot);
      if (f16) {
        kernels::store_f16(k + row * kv_width, reinterpret_cast<uint16_t*>(k_dst), kv_width);
        kernels::store_f16(v + row * kv_width, reinterpret_cast<uint16_t*>(v_dst), kv_width);
      } else {
        std::memcpy(k_dst, k + row * kv_width, static_cast<size_t>(kv_width) * 4);
        std::memcpy(v_dst, v + row * kv_width, static_cast<size_t>(kv_width) * 4);
      }
    }
    scratch.first_row.push_back(static_cast<int64_t>(scratch.k_rows.size()));
    scratch.first_item.push_back(items);
    const int32_t n_kv = seq.n_past + seq.n_tokens;
    for (int32_t p = 0; p < n_kv; ++p) {
      const uint32_t slot = static_cast<uint32_t>(p) % g.block_size;
      scratch.k_rows.push_back(kv.k_row(layer, block_of(seq, p), slot));
      scratch.v_rows.push_back(kv.v_row(layer, block_of(seq, p), slot));
    }
    items += static_cast<int64_t>(seq.n_tokens) * n_head;
    work += static_cast<int64_t>(seq.n_tokens) * n_head * (seq.n_past + (seq.n_tokens + 1) / 2) *
            hd * 2;
  }
  scratch.first_item.push_back(items);

  // 2. Each (row, head) attends to every cached position up to its own. With an F16
  // cache this follows llama.cpp's flash-attention numerics (q rounded to F16, the
  // weighted sum of V kept in F16); an F32 cache keeps everything in F32.
  const kernels::KvElem elem = f16 ? kernels::KvElem::f16 : kernels::KvElem::f32;
  auto attend = [&](int64_t item) {
    const auto s = static_cast<size_t>(
        std::upper_bound(scratch.first_item.begin(), scratch.first_item.end(), item) -
        scratch.first_item.begin() - 1);
    const sluice_batch_seq& seq = *SLUICE_ARRAY_ELEM(sluice_batch_seq, batch.seqs, s);
    const int64_t local = item - scratch.first_item[s];
    const int32_t j = static_cast<int32_t>(local / n_head);
    const int64_t h = local % n_head;
    const int64_t row = seq.token_begin + j;
    const int64_t base = scratch.first_row[s];
    kernels::attend_row(elem, q + (row * n_head + h) * hd, scratch.k_rows.data() + base,
                        scratch.v_rows.data() + base,
                        static_cast<size_t>((h / group) * hd) * elem_bytes, seq.n_past + j + 1, hd,
                        scale, softcap, out + (row * n_head + h) * hd);
  };
  if (work < kMinParallelWork || pool.size() == 1) {
    for (int64_t i = 0; i < items; ++i) attend(i);
    return;
  }
  const int64_t per_task = std::max<int64_t>(1, items / (pool.size() * 8));
  pool.run((items + per_task - 1) / per_task, [&](int64_t t, int32_t) {
    for (int64_t i = t * per_task; i < std::min(items, (t + 1) * per_task); ++i) attend(i);
  });
}

}  // namespace sluice::cpu
