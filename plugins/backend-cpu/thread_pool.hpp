// A fork-join pool owned by a backend context. Not OpenMP: libgomp's worker threads
// cannot be joined, so a plugin using them could never be unloaded safely (its threads
// would outlive its code); these are joined when the context is destroyed.
//
// A graph dispatches work to the pool tens of times per token, each piece often only
// microseconds long, so waking workers through a condition variable each time would
// cost more than the work. Workers instead spin on a generation counter for a while
// after each job (a few hundred microseconds) and only then park on it (a futex through
// std::atomic::wait).
//
// The caller waits for the job's tasks, not for its workers: a worker the OS has not
// scheduled yet (a busy machine) simply finds nothing left to claim, instead of holding
// every dispatch until it runs. Tasks are claimed from one 64-bit word holding the job's
// generation, its task count and the next index, with compare-and-swap, so a worker
// arriving late can never claim a task of a later job against an earlier job's count.
#pragma once

#include <atomic>
#include <cstdint>
#include <exception>
#include <mutex>
#include <thread>
#include <type_traits>
#include <vector>

namespace sluice::cpu {

class ThreadPool {
 public:
  explicit ThreadPool(int32_t n_threads);  // n_threads - 1 workers; the caller is the last
  ~ThreadPool();                           // joins every worker
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int32_t size() const { return static_cast<int32_t>(workers_.size()) + 1; }

  // Runs fn(i, thread) for i in [0, n_tasks), tasks handed out dynamically to the caller
  // (thread 0) and the workers (1 .. size() - 1); returns when all are done. The first exception a
  // task throws is rethrown here. One call at a time (calls are externally synchronized on the
  // owning context).
  template <class Fn>
  void run(int64_t n_tasks, Fn&& fn) {
    if (n_tasks <= 0) return;
    if (workers_.empty() || n_tasks == 1) {
      for (int64_t i = 0; i < n_tasks; ++i) fn(i, 0);
      return;
    }
    using F = std::remove_reference_t<Fn>;
    dispatch(
        n_tasks, [](void* f, int64_t i, int32_t thread) { (*static_cast<F*>(f))(i, thread); },
        const_cast<void*>(static_cast<const void*>(&fn)));
  }

 private:
  using Task = void (*)(void* ctx, int64_t i, int32_t thread);
  void dispatch(int64_t n_tasks, Task task, void* ctx);
  void worker_loop(int32_t thread);
  // Claims and runs tasks of the job `generation` until none is left.
  void work_on(uint32_t generation, int32_t thread);

  // The claim word: generation (20 bits) | task count (22 bits) | next index (22 bits).
  static constexpr int kIndexBits = 22;
  static constexpr uint64_t kIndexMask = (uint64_t{1} << kIndexBits) - 1;
  static constexpr uint32_t kGenerationMask = (1u << 20) - 1;
  static uint64_t claim_word(uint32_t generation, uint64_t n_tasks, uint64_t next) {
    return (uint64_t{generation & kGenerationMask} << (2 * kIndexBits)) | (n_tasks << kIndexBits) |
           next;
  }

  std::vector<std::thread> workers_;
  // Bumped once per job (and once to stop); workers wait for it to change.
  std::atomic<uint32_t> generation_{0};
  std::atomic<uint64_t> claim_{0};
  std::atomic<int64_t> done_{0};  // tasks of the current job finished
  std::atomic<bool> stopping_{false};
  Task task_ = nullptr;
  void* ctx_ = nullptr;
  std::mutex error_mutex_;
  std::exception_ptr error_;
};

}  // namespace sluice::cpu
