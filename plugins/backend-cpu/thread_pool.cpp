#include "thread_pool.hpp"

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

void ThreadPool::drain(int32_t thread) {
  for (int64_t i = next_.fetch_add(1); i < n_tasks_; i = next_.fetch_add(1)) {
    try {
      task_(ctx_, i, thread);
    } catch (...) {
      std::lock_guard lock(error_mutex_);
      if (!error_) error_ = std::current_exception();
    }
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
    drain(thread);
    if (unfinished_.fetch_sub(1, std::memory_order_acq_rel) == 1) unfinished_.notify_one();
  }
}

void ThreadPool::dispatch(int64_t n_tasks, Task task, void* ctx) {
  task_ = task;
  ctx_ = ctx;
  n_tasks_ = n_tasks;
  error_ = nullptr;
  next_.store(0, std::memory_order_relaxed);
  unfinished_.store(static_cast<int32_t>(workers_.size()), std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);  // publishes the job
  generation_.notify_all();  // a syscall only when some worker has parked
  drain(0);
  for (int32_t left = unfinished_.load(std::memory_order_acquire); left != 0;
       left = unfinished_.load(std::memory_order_acquire)) {
    if (!spin_until([&] { return unfinished_.load(std::memory_order_acquire) == 0; })) {
      unfinished_.wait(left);
    }
  }
  task_ = nullptr;
  if (error_) std::rethrow_exception(std::exchange(error_, nullptr));
}

}  // namespace sluice::cpu
