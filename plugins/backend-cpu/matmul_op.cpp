#include "matmul_op.hpp"

#include <algorithm>

#include "kernels/cpu/attention.hpp"
#include "kernels/cpu/quant.hpp"

namespace sluice::cpu {
namespace {

// Below this many multiply-adds a matmul group runs on the calling thread (tens of
// microseconds: less than handing it out would save).
constexpr int64_t kMinParallelMacs = int64_t{1} << 17;
// Rows per task are a multiple of this, so row-tiled kernels see whole tiles.
constexpr int64_t kRowQuantum = 16;
// Quantizing the input goes to the pool above this many values.
constexpr int64_t kMinParallelQuantize = int64_t{1} << 16;

struct RowRange {
  int32_t member;
  int64_t begin, end;
};

kernels::GgmlType type_of(const Weight& w) {
  return static_cast<kernels::GgmlType>(w.dtype);
}

// Prepares the n input columns for the members' dot products: quantized once (Q8_0,
// Q8_1, Q8_K), or used in place when the weights take F32 activations.
const uint8_t* prepare_input(kernels::GgmlType type, const float* x, int64_t k, int64_t n,
                             ThreadPool& pool, ScratchBuffer& buffer) {
  if (kernels::vec_dot_type(type) == kernels::GgmlType::f32) {
    return reinterpret_cast<const uint8_t*>(x);
  }
  const size_t row = kernels::activation_row_bytes(type, k);
  uint8_t* act = buffer.reserve(row * static_cast<size_t>(n));
  auto quantize = [&](int64_t c, int32_t) {
    kernels::quantize_activations(type, x + c * k, act + row * static_cast<size_t>(c), k);
  };
  if (n * k >= kMinParallelQuantize) {
    pool.run(n, quantize);
  } else {
    for (int64_t c = 0; c < n; ++c) quantize(c, 0);
  }
  return act;
}

}  // namespace

void run_matmul_group(std::span<const MatmulMember> members, const float* x, int64_t n,
                      Epilogue epilogue, const float* residual, float* out, ThreadPool& pool,
                      MatmulScratch& scratch) {
  const Weight& first = *members.front().weight;
  const int64_t k = first.dims[0];
  const uint8_t* act = prepare_input(type_of(first), x, k, n, pool, scratch.act);

  // Split the rows of every member into tasks of similar size.
  const bool silu = epilogue == Epilogue::silu_mul;
  int64_t rows = 0;
  for (const MatmulMember& m : members) rows += m.weight->dims[1];
  const int64_t macs = rows * k * n;
  const int64_t split_rows = silu ? first.dims[1] : rows;  // silu tasks take gate and up rows
  int64_t chunk = split_rows;
  if (macs >= kMinParallelMacs && pool.size() > 1) {
    // Several tasks per thread leave room to rebalance when a thread is held up. A single
    // column (decoding) instead gives each thread one contiguous share: its tasks are a
    // microsecond or less of streaming, and handing out eight per thread interleaved the
    // threads' rows, so each restarted the prefetcher and claimed a task every few
    // kilobytes (135m Q8_0/Q4_K_M tg +26-28%, 1b +2-7%). A held-up worker's share is
    // still claimed by the caller if the worker has not started it.
    const int64_t tasks_per_thread = n == 1 ? 1 : 8;
    const int64_t target_tasks = static_cast<int64_t>(pool.size()) * tasks_per_thread;
    chunk = (split_rows + target_tasks - 1) / target_tasks;
    chunk = std::max<int64_t>(kRowQuantum, (chunk + kRowQuantum - 1) / kRowQuantum * kRowQuantum);
  }
  std::vector<RowRange> tasks;
  const size_t n_split = silu ? 1 : members.size();
  for (size_t i = 0; i < n_split; ++i) {
    const int64_t m = members[i].weight->dims[1];
    for (int64_t r = 0; r < m; r += chunk) {
      tasks.push_back({static_cast<int32_t>(i), r, std::min(m, r + chunk)});
    }
  }
  if (scratch.per_thread.size() < static_cast<size_t>(pool.size())) {
    scratch.per_thread.resize(static_cast<size_t>(pool.size()));
  }

  pool.run(static_cast<int64_t>(tasks.size()), [&](int64_t t, int32_t thread) {
    const RowRange& task = tasks[static_cast<size_t>(t)];
    if (silu) {
      // gate and up rows of this range side by side, then silu(gate) * up into out.
      const Weight& gate = *members[0].weight;
      const Weight& up = *members[1].weight;
      const int64_t m = gate.dims[1];
      const int64_t len = task.end - task.begin;
      float* tmp = scratch.per_thread[static_cast<size_t>(thread)].reserve_as<float>(
          static_cast<size_t>(2 * n * len));
      const auto* gw = static_cast<const uint8_t*>(gate.data) +
                       kernels::row_bytes(type_of(gate), k) * static_cast<size_t>(task.begin);
      const auto* uw = static_cast<const uint8_t*>(up.data) +
                       kernels::row_bytes(type_of(up), k) * static_cast<size_t>(task.begin);
      kernels::matmul_rows(type_of(gate), gw, k, 0, len, act, n, tmp, len);
      kernels::matmul_rows(type_of(up), uw, k, 0, len, act, n, tmp + n * len, len);
      for (int64_t c = 0; c < n; ++c) {
        kernels::silu_mul(tmp + c * len, tmp + (n + c) * len, out + c * m + task.begin, len);
      }
      return;
    }
    const MatmulMember& member = members[static_cast<size_t>(task.member)];
    const Weight& w = *member.weight;
    const int64_t m = w.dims[1];
    kernels::matmul_rows(type_of(w), w.data, k, task.begin, task.end, act, n, member.y, m);
    if (epilogue == Epilogue::add_residual) {
      for (int64_t c = 0; c < n; ++c) {
        float* y = member.y + c * m;
        const float* r = residual + c * m;
        for (int64_t i = task.begin; i < task.end; ++i) y[i] = r[i] + y[i];
      }
    }
  });
}

}  // namespace sluice::cpu
