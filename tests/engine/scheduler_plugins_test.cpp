// The fcfs and priority scheduler plugins through the C ABI, and the host's validation of
// the plans any scheduler returns.
#include <catch2/catch.hpp>

#include "engine/scheduler_client.hpp"
#include "plugin_host/plugin_library.hpp"
#include "test_support.hpp"

using namespace sluice;
using engine::Plan;
using engine::PlanError;
using engine::ScheduleBudget;
using engine::SchedulerClient;

namespace {

sluice_sched_seq seq(uint64_t id, int32_t state, int32_t computed, int32_t pending,
                     int32_t blocks_held, int32_t priority = 0, uint64_t tenant = 0,
                     uint64_t arrival_ns = 0) {
  sluice_sched_seq s{};
  s.struct_size = sizeof(s);
  s.seq_id = id;
  s.state = state;
  s.n_computed_tokens = computed;
  s.n_pending_tokens = pending;
  s.n_prompt_tokens = computed + pending;
  s.n_blocks_held = blocks_held;
  s.priority = priority;
  s.tenant_id = tenant;
  s.arrival_ns = arrival_ns;
  return s;
}

ScheduleBudget budget(int32_t free_blocks, int32_t total_blocks, int32_t max_tokens,
                      int32_t max_seqs = 16) {
  ScheduleBudget b;
  b.block_size = 4;
  b.n_free_blocks = free_blocks;
  b.n_total_blocks = total_blocks;
  b.max_batched_tokens = max_tokens;
  b.max_seqs = max_seqs;
  b.now_ns = 1'000'000'000;
  return b;
}

int32_t tokens_for(const Plan& plan, uint64_t id) {
  for (const auto& item : plan.items)
    if (item.seq_id == id) return item.n_tokens;
  return 0;
}

}  // namespace

TEST_CASE("fcfs: decodes first, then prefills chunked to the token budget", "[scheduler]") {
  SchedulerClient fcfs(test::load_plugin(SLUICE_FCFS_PLUGIN, "fcfs"), "{}");
  std::vector<sluice_sched_seq> seqs = {
      seq(1, SLUICE_SEQ_RUNNING, 8, 1, 3),  // decode
      seq(2, SLUICE_SEQ_WAITING, 0, 30, 0),
      seq(3, SLUICE_SEQ_WAITING, 0, 5, 0),
  };
  const Plan plan = fcfs.schedule(budget(100, 100, 16), seqs);
  REQUIRE(plan.items.size() == 2);
  CHECK(plan.items[0].seq_id == 1);
  CHECK(plan.items[0].n_tokens == 1);
  CHECK(plan.items[1].seq_id == 2);
  CHECK(plan.items[1].n_tokens == 15);  // the rest of the 16-token budget
  CHECK(tokens_for(plan, 3) == 0);      // budget spent
}

TEST_CASE("fcfs: a prefill is chunked to the free blocks and later requests wait", "[scheduler]") {
  SchedulerClient fcfs(test::load_plugin(SLUICE_FCFS_PLUGIN, "fcfs"), "{}");
  std::vector<sluice_sched_seq> seqs = {
      seq(1, SLUICE_SEQ_RUNNING, 4, 1, 2),
      seq(2, SLUICE_SEQ_WAITING, 0, 40, 0),  // 10 blocks; only 2 are free
      seq(3, SLUICE_SEQ_WAITING, 0, 3, 0),
  };
  const Plan plan = fcfs.schedule(budget(2, 20, 64), seqs);
  CHECK(tokens_for(plan, 1) == 1);
  CHECK(tokens_for(plan, 2) == 8);  // a chunk filling the 2 blocks left
  CHECK(tokens_for(plan, 3) == 0);
}

TEST_CASE("fcfs: preempts the newest running sequence when an older one needs a block",
          "[scheduler]") {
  SchedulerClient fcfs(test::load_plugin(SLUICE_FCFS_PLUGIN, "fcfs"), "{}");
  std::vector<sluice_sched_seq> seqs = {
      seq(1, SLUICE_SEQ_RUNNING, 8, 1, 2),  // needs a third block
      seq(2, SLUICE_SEQ_RUNNING, 7, 1, 2),
      seq(3, SLUICE_SEQ_RUNNING, 7, 1, 2),
  };
  const Plan plan = fcfs.schedule(budget(0, 6, 64), seqs);
  REQUIRE(plan.preempt == std::vector<uint64_t>{3});
  CHECK(tokens_for(plan, 1) == 1);
  CHECK(tokens_for(plan, 2) == 1);
}

TEST_CASE("fcfs: a request larger than the whole pool is aborted, not starved", "[scheduler]") {
  SchedulerClient fcfs(test::load_plugin(SLUICE_FCFS_PLUGIN, "fcfs"), "{}");
  std::vector<sluice_sched_seq> seqs = {seq(1, SLUICE_SEQ_WAITING, 0, 100, 0),
                                        seq(2, SLUICE_SEQ_WAITING, 0, 4, 0)};
  const Plan plan = fcfs.schedule(budget(10, 10, 64), seqs);
  CHECK(plan.abort == std::vector<uint64_t>{1});
  CHECK(tokens_for(plan, 2) == 4);
}

TEST_CASE("fcfs refuses options it does not have", "[scheduler]") {
  CHECK_THROWS_WITH(SchedulerClient(test::load_plugin(SLUICE_FCFS_PLUGIN, "fcfs"), "{\"x\": 1}"),
                    Catch::Contains("takes no options"));
}

TEST_CASE("priority: urgent requests first, aging lifts old ones", "[scheduler]") {
  SchedulerClient prio(test::load_plugin(SLUICE_PRIORITY_PLUGIN, "priority"), "{\"aging_s\": 10}");
  // now = 1 s; seq 1 arrived at 0 with priority 5, seq 2 arrived at 0.5 s with priority 0.
  std::vector<sluice_sched_seq> seqs = {seq(1, SLUICE_SEQ_WAITING, 0, 8, 0, 5, 0, 0),
                                        seq(2, SLUICE_SEQ_WAITING, 0, 8, 0, 0, 0, 500'000'000)};
  const Plan plan = prio.schedule(budget(100, 100, 8), seqs);
  REQUIRE(plan.items.size() == 1);
  CHECK(plan.items[0].seq_id == 2);

  // 60 s on, the old low-priority request has aged past a just-arrived urgent one.
  auto later = budget(100, 100, 8);
  later.now_ns = 60'000'000'000;
  seqs[1].arrival_ns = 59'500'000'000;
  const Plan aged = prio.schedule(later, seqs);
  REQUIRE(aged.items.size() == 1);
  CHECK(aged.items[0].seq_id == 1);
}

TEST_CASE("priority: tenants share fairly at equal priority", "[scheduler]") {
  SchedulerClient prio(test::load_plugin(SLUICE_PRIORITY_PLUGIN, "priority"), "{}");
  // Tenant 1 floods with three requests ahead of tenant 2's one; the budget takes two.
  std::vector<sluice_sched_seq> seqs = {
      seq(1, SLUICE_SEQ_WAITING, 0, 4, 0, 0, 1), seq(2, SLUICE_SEQ_WAITING, 0, 4, 0, 0, 1),
      seq(3, SLUICE_SEQ_WAITING, 0, 4, 0, 0, 1), seq(4, SLUICE_SEQ_WAITING, 0, 4, 0, 0, 2)};
  const Plan first = prio.schedule(budget(100, 100, 4), seqs);
  REQUIRE(first.items.size() == 1);
  CHECK(first.items[0].seq_id == 1);  // no usage yet: arrival order
  seqs.erase(seqs.begin());
  const Plan second = prio.schedule(budget(100, 100, 4), seqs);
  REQUIRE(second.items.size() == 1);
  CHECK(second.items[0].seq_id == 4);  // tenant 1 was just served; tenant 2's turn
}

TEST_CASE("priority: preempts a lower-priority running sequence for an urgent one", "[scheduler]") {
  SchedulerClient prio(test::load_plugin(SLUICE_PRIORITY_PLUGIN, "priority"), "{}");
  std::vector<sluice_sched_seq> seqs = {seq(1, SLUICE_SEQ_RUNNING, 8, 1, 2, 9),
                                        seq(2, SLUICE_SEQ_WAITING, 0, 8, 0, 0)};
  const Plan plan = prio.schedule(budget(0, 4, 64), seqs);
  CHECK(plan.preempt == std::vector<uint64_t>{1});
  CHECK(tokens_for(plan, 2) == 8);
}

TEST_CASE("priority: unknown options are refused by name", "[scheduler]") {
  CHECK_THROWS_WITH(
      SchedulerClient(test::load_plugin(SLUICE_PRIORITY_PLUGIN, "priority"), "{\"agin_s\": 3}"),
      Catch::Contains("unknown key 'agin_s'"));
}

TEST_CASE("the host refuses invalid plans", "[scheduler]") {
  std::vector<sluice_sched_seq> seqs = {seq(1, SLUICE_SEQ_RUNNING, 8, 1, 2),
                                        seq(2, SLUICE_SEQ_WAITING, 0, 10, 0)};
  const auto b = budget(2, 10, 8, 2);
  const auto refuse = [&](Plan p, const char* why) {
    CHECK_THROWS_WITH(engine::validate_plan(p, b, seqs), Catch::Contains(why));
  };
  refuse(Plan{{{9, 1}}, {}, {}}, "unknown sequence 9");
  refuse(Plan{{{1, 1}, {1, 1}}, {}, {}}, "appears twice");
  refuse(Plan{{{1, 2}}, {}, {}}, "1 pending");
  refuse(Plan{{{1, 0}}, {}, {}}, "gives sequence 1 0 tokens");
  refuse(Plan{{{2, 9}}, {}, {}}, "max_batched_tokens");
  refuse(Plan{{{1, 1}}, {2}, {}}, "holds no KV");
  refuse(Plan{{{1, 1}}, {1}, {}}, "appears twice");
  auto tight = budget(0, 10, 64);
  CHECK_THROWS_WITH(engine::validate_plan(Plan{{{2, 8}}, {}, {}}, tight, seqs),
                    Catch::Contains("KV blocks"));
  CHECK_NOTHROW(engine::validate_plan(Plan{{{1, 1}, {2, 4}}, {}, {}}, b, seqs));
}
