// Plugins used from several threads as their declared thread-safety allows, then
// unloaded; a library stays mapped while any object made from it lives.
#include <atomic>
#include <catch2/catch.hpp>
#include <thread>
#include <vector>

#include "plugin_host/guardrail_fixture.hpp"
#include "plugin_host/plugin_registry.hpp"
#include "sluice/scheduler.h"

using namespace sluice::test;
using sluice::plugin_host::PluginObject;

TEST_CASE("a free-threaded guardrail instance serves many threads, then unloads cleanly",
          "[lifetime]") {
  LogCapture log;
  sluice::plugin_host::PluginRegistry registry;
  sluice::plugin_host::LoadOptions options;
  options.path = test_plugin("test-guardrail");
  options.name = "test-guardrail";
  REQUIRE(registry.load_file(options).state == sluice::plugin_host::LoadState::loaded);

  auto guardrail = create_guardrail(registry.find("test-guardrail"));
  REQUIRE(guardrail);

  // stream_open is free-threaded on the instance; each stream is used by one thread.
  constexpr int kThreads = 8;
  constexpr int kIterations = 300;
  std::atomic<int> allowed{0};
  std::atomic<int> denied{0};
  std::atomic<int> failed{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kIterations; ++i) {
        const bool deny = (i + t) % 5 == 0;
        auto out =
            check_prompt(guardrail, deny ? "deny " + std::to_string(i) : "ok " + std::to_string(i));
        if (!out.result.ok()) {
          failed++;
        } else if (out.verdict.action == SLUICE_GUARD_DENY) {
          denied++;
        } else {
          allowed++;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failed == 0);
  CHECK(denied == kThreads * kIterations / 5);
  CHECK(allowed + denied == kThreads * kIterations);

  // Unloading from the registry while an instance lives keeps the code mapped...
  CHECK(registry.unload("test-guardrail"));
  CHECK_FALSE(registry.find("test-guardrail"));
  CHECK(library_is_loaded(test_plugin("test-guardrail")));
  CHECK(check_prompt(guardrail, "still here").result.ok());
  CHECK_FALSE(log.contains("test-guardrail finalize"));

  // ...until the last object goes: then finalize runs, with nothing left open, and the
  // library is unmapped.
  guardrail.reset();
  CHECK(log.contains("test-guardrail finalize: open_streams=0 live_instances=0"));
  CHECK_FALSE(library_is_loaded(test_plugin("test-guardrail")));
}

TEST_CASE("scheduler instances run in parallel, one per thread", "[lifetime]") {
  sluice::plugin_host::LoadOptions options;
  options.path = template_plugin("template-scheduler");
  options.name = "template-scheduler";
  auto lib = sluice::plugin_host::PluginLibrary::load(options).library;
  REQUIRE(lib);
  const auto& vt = lib->vtable<sluice_scheduler_vtable>();

  // One running decode, two waiting prompts; a 64-token budget and blocks of 16.
  std::vector<sluice_sched_seq> seqs(3);
  for (auto& s : seqs) SLUICE_INIT(sluice_sched_seq, &s);
  seqs[0].seq_id = 1;
  seqs[0].state = SLUICE_SEQ_RUNNING;
  seqs[0].n_computed_tokens = 20;
  seqs[0].n_pending_tokens = 1;
  seqs[0].n_blocks_held = 2;
  seqs[1].seq_id = 2;
  seqs[1].state = SLUICE_SEQ_WAITING;
  seqs[1].n_pending_tokens = 100;
  seqs[2].seq_id = 3;
  seqs[2].state = SLUICE_SEQ_WAITING;
  seqs[2].n_pending_tokens = 50;
  sluice_sched_view view;
  SLUICE_INIT(sluice_sched_view, &view);
  view.block_size = 16;
  view.n_free_blocks = 100;
  view.n_total_blocks = 102;
  view.max_batched_tokens = 64;
  view.max_seqs = 8;
  view.n_seqs = 3;
  view.seqs = seqs.data();

  std::atomic<int> wrong{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      sluice_scheduler* handle = nullptr;
      sluice_error* error = nullptr;
      if (vt.create("{}", 2, &handle, &error) != SLUICE_OK) {
        wrong++;
        return;
      }
      PluginObject<sluice_scheduler> scheduler(lib, handle, vt.destroy);
      for (int i = 0; i < 500; ++i) {
        std::vector<sluice_sched_item> items(3);
        for (auto& item : items) SLUICE_INIT(sluice_sched_item, &item);
        std::vector<uint64_t> preempt(3), abort(3);
        sluice_sched_plan plan;
        SLUICE_INIT(sluice_sched_plan, &plan);
        plan.items = items.data();
        plan.preempt = preempt.data();
        plan.abort = abort.data();
        if (vt.schedule(scheduler.get(), &view, &plan, &error) != SLUICE_OK) {
          wrong++;
          continue;
        }
        // Decode first, then the oldest prompt gets the rest of the budget.
        const bool ok = plan.n_items == 2 && items[0].seq_id == 1 && items[0].n_tokens == 1 &&
                        items[1].seq_id == 2 && items[1].n_tokens == 63;
        if (!ok) wrong++;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(wrong == 0);
}
