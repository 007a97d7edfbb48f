// A fork-join pool owned by a backend context. Not OpenMP: libgomp's worker threads
// cannot be joined, so a plugin using them could never be unloaded safely (its threads
// would outlive its code); these are joined when the context is destroyed.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace sluice::cpu {

class ThreadPool {
 public:
  explicit ThreadPool(int32_t n_threads);  // n_threads - 1 workers; the caller is the last
  ~ThreadPool();                           // joins every worker
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int32_t size() const { return static_cast<int32_t>(workers_.size()) + 1; }

  // Runs fn(i) for i in [0, n_tasks), tasks handed out dynamically; returns when all
  // are done. The first exception a task throws is rethrown here. One call at a time
  // (calls are externally synchronized on the owning context).
  void run(int64_t n_tasks, const std::function<void(int64_t)>& fn);

 private:
  void worker_loop();
  void drain();

  std::vector<std::thread> workers_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable done_;
  uint64_t generation_ = 0;
  bool stopping_ = false;
  int32_t busy_ = 0;
  const std::function<void(int64_t)>* job_ = nullptr;
  int64_t n_tasks_ = 0;
  std::atomic<int64_t> next_{0};
  std::exception_ptr error_;
};

}  // namespace sluice::cpu
