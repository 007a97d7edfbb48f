// backend-cpu's fork-join pool (plugins/backend-cpu/thread_pool.cpp, compiled in here):
// every task of every job runs exactly once, with more threads than cores (workers
// arrive late and must not claim a later job's tasks), and a task's exception reaches
// the caller.
#include <catch2/catch.hpp>
#include <stdexcept>
#include <vector>

#include "thread_pool.hpp"

using sluice::cpu::ThreadPool;

TEST_CASE("every task of every job runs once, with workers arriving late", "[thread_pool]") {
  for (int32_t threads : {1, 2, 8}) {
    ThreadPool pool(threads);
    std::vector<std::atomic<int32_t>> runs(4096);
    for (int job = 0; job < 2000; ++job) {
      const int64_t n = 1 + (job * 37) % 300;  // sizes vary, small and large
      for (int64_t i = 0; i < n; ++i) runs[i].store(0);
      std::atomic<int32_t> bad_thread{0};
      pool.run(n, [&](int64_t i, int32_t thread) {
        if (thread < 0 || thread >= pool.size()) bad_thread.fetch_add(1);
        runs[i].fetch_add(1);
      });
      int64_t wrong = 0;
      for (int64_t i = 0; i < n; ++i) wrong += runs[i].load() != 1;
      INFO("threads " << threads << ", job " << job << ", tasks " << n);
      REQUIRE(wrong == 0);
      REQUIRE(bad_thread.load() == 0);
    }
  }
}

TEST_CASE("a task's exception is rethrown to the caller and the pool goes on", "[thread_pool]") {
  ThreadPool pool(4);
  CHECK_THROWS_WITH(pool.run(100,
                             [](int64_t i, int32_t) {
                               if (i == 57) throw std::runtime_error("task 57 failed");
                             }),
                    "task 57 failed");
  std::atomic<int64_t> sum{0};
  pool.run(100, [&](int64_t i, int32_t) { sum.fetch_add(i); });
  CHECK(sum.load() == 4950);
}
