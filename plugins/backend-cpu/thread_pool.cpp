#include "thread_pool.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace sluice::cpu {
namespace {

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#else
  std::this_thread::yield();
#endif
}

// How long a thread waits actively before parking: long enough to bridge the gap
// between two dispatches of one graph (single-threaded ops, attention of a short
// context), short enough that an idle server stops burning its cores almost at once.
// After the first few microseconds it yields between polls, so that on an oversubscribed
// machine the thread it waits for (often on the same core) gets to run.
constexpr auto kSpinFor = std::chrono::microseconds(20);
constexpr auto kYieldFor = std::chrono::microseconds(300);

// Waits until pred() holds or kYieldFor has passed; returns pred().
template <class Pred>
bool spin_until(Pred pred) {
  const auto start = std::chrono::steady_clock::now();
  for (;;) {
    for (int i = 0; i < 64; ++i) {
      if (pred()) return true;
      cpu_relax();
    }
    const auto waited = std::chrono::steady_clock::now() - start;
    if (waited > kYieldFor) return pred();
    if (waited > kSpinFor) std::this_thread::yield();
  }
}

}  // namespace

ThreadPool::ThreadPool(int32_t n_threads) {
  for (int32_t i = 1; i < n_threads; ++i) workers_.emplace_back([this, i] { worker_loop(i); });
}

ThreadPool::~ThreadPool() {
  stopping_.store(true);
  generation_.fetch_add(1);
  generation_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::work_on(uint32_t generation, int32_t thread) {
  const uint64_t generation_bits = generation & kGenerationMask;
  uint64_t word = claim_.load(std::memory_order_acquire);
  for (;;) {
    if ((word >> (2 * kIndexBits)) != generation_bits) return;  // a later (or no) job
    const uint64_t next = word & kIndexMask;
    const uint64_t n_tasks = (word >> kIndexBits) & kIndexMask;
    if (next >= n_tasks) return;  // all claimed
    if (!claim_.compare_exchange_weak(word, word + 1, std::memory_order_acq_rel,
                                      std::memory_order_acquire)) {
      continue;  // `word` now holds the current value
    }
    // The job cannot end before this task is counted done, so task_ and ctx_ are its own.
    try {
      task_(ctx_, static_cast<int64_t>(next), thread);
    } catch (...) {
      std::lock_guard lock(error_mutex_);
      if (!error_) error_ = std::current_exception();
    }
    if (done_.fetch_add(1, std::memory_order_acq_rel) + 1 == static_cast<int64_t>(n_tasks))
      done_.notify_one();
    word = claim_.load(std::memory_order_acquire);
  }
}

void ThreadPool::worker_loop(int32_t thread) {
  uint32_t seen =
      0;  // the constructor's value: a job published before this thread ran is still new
  for (;;) {
    if (!spin_until([&] { return generation_.load(std::memory_order_acquire) != seen; })) {
      generation_.wait(seen);  // parks; returns once the generation moved on
    }
    seen = generation_.load(std::memory_order_acquire);
    if (stopping_.load()) return;
    work_on(seen, thread);
  }
}

void ThreadPool::dispatch(int64_t n_tasks, Task task, void* ctx) {
  // Jobs larger than the claim word's index field run in slices.
  constexpr int64_t kMaxTasks = static_cast<int64_t>(kIndexMask);
  if (n_tasks > kMaxTasks) {
    struct Slice {
      Task task;
      void* ctx;
      int64_t offset;
    };
    for (int64_t offset = 0; offset < n_tasks; offset += kMaxTasks) {
      Slice slice{task, ctx, offset};
      dispatch(
          std::min(kMaxTasks, n_tasks - offset),
          [](void* s, int64_t i, int32_t thread) {
            auto* sl = static_cast<Slice*>(s);
            sl->task(sl->ctx, sl->offset + i, thread);
          },
          &slice);
    }
    return;
  }
  task_ = task;
  ctx_ = ctx;
  error_ = nullptr;
  done_.store(0, std::memory_order_relaxed);
  const uint32_t generation = generation_.load(std::memory_order_relaxed) + 1;
  // Publishes the job (task_, ctx_, done_ = 0 happen before this release).
  claim_.store(claim_word(generation, static_cast<uint64_t>(n_tasks), 0),
               std::memory_order_release);
  generation_.store(generation, std::memory_order_release);
  generation_.notify_all();  // a syscall only when some worker has parked
  work_on(generation, 0);
  for (int64_t done = done_.load(std::memory_order_acquire); done != n_tasks;
       done = done_.load(std::memory_order_acquire)) {
    if (!spin_until([&] { return done_.load(std::memory_order_acquire) == n_tasks; })) {
      done_.wait(done);
    }
  }
  task_ = nullptr;
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
}

}  // namespace sluice::cpu
