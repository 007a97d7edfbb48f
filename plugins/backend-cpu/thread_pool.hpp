// A fork-join pool owned by a backend context. Not OpenMP: libgomp's worker threads
// cannot be joined, so a plugin using them could never be unloaded safely (its threads
// would outlive its code); these are joined when the context is destroyed.
//
// A graph dispatches work to the pool tens of times per token, each piece often only
// microseconds long, so waking workers through a condition variable each time would
// cost more than the work. Workers instead spin on a generation counter for a while
// after each job (a few hundred microseconds) and only then park on it (a futex through
// std::atomic::wait); the caller spins for the stragglers in the same way.
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
  void drain(int32_t thread);

  std::vector<std::thread> workers_;
  // Bumped once per job (and once to stop); workers wait for it to change.
  std::atomic<uint32_t> generation_{0};
  std::atomic<int32_t> unfinished_{0};  // workers still inside the current job
  std::atomic<int64_t> next_{0};        // next task index to hand out
  std::atomic<bool> stopping_{false};
  Task task_ = nullptr;
  void* ctx_ = nullptr;
  int64_t n_tasks_ = 0;
  std::mutex error_mutex_;
  std::exception_ptr error_;
};

}  // namespace sluice::cpu
