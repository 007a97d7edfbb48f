// Continuous batching for one model: requests queue as sequences; each step the scheduler
// plugin plans which sequences compute how many tokens (decodes and prefill chunks
// together), the engine validates the plan, places KV blocks (reusing cached prefixes),
// runs one ragged batch through the ModelRunner, samples, and streams tokens to each
// request's sink. One thread runs the steps; submit/cancel/stats are free-threaded.
#pragma once

#include <spdlog/logger.h>

#include <atomic>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "engine/engine_metrics.hpp"
#include "engine/kv_block_manager.hpp"
#include "engine/model_runner.hpp"
#include "engine/request.hpp"
#include "engine/scheduler_client.hpp"
#include "engine/sequence.hpp"
#include "tokenizer/tokenizer.hpp"

namespace sluice::engine {

struct EngineOptions {
  std::string model_name;
  int32_t max_batched_tokens = 512;
  int32_t max_seqs = 32;
  int32_t max_preemptions = 8;  // a sequence preempted more often fails with an error
  uint32_t max_waiting_requests = 256;
  uint64_t max_waiting_tokens = 1u << 20;
  bool prefix_cache = true;
  int32_t max_invalid_plans = 3;  // consecutive invalid plans before waiting requests fail
};

class Engine final : public RequestQueue {
 public:
  // `metrics` may be null. Starts the step thread.
  Engine(std::unique_ptr<ModelRunner> runner, std::shared_ptr<const tokenizer::Tokenizer> tokenizer,
         std::unique_ptr<SchedulerClient> scheduler, EngineOptions options,
         telemetry::MetricsRegistry* metrics);
  // Fails whatever is still queued or running, then joins the step thread.
  ~Engine() override;

  SubmitResult submit(Request request, std::shared_ptr<RequestSink> sink) override;
  void cancel(uint64_t seq_id) override;
  EngineStats stats() const override;
  void stop_accepting() override;
  bool wait_idle(std::chrono::milliseconds timeout) override;
  void abort_all(const std::string& message) override;

  const ModelRunner& runner() const { return *runner_; }

 private:
  using clock = std::chrono::steady_clock;

  void loop();
  void step();
  void take_inbox();
  void acquire_cached_prefixes();
  std::vector<sluice_sched_seq> view_of_sequences() const;
  void apply_plan(const Plan& plan, std::vector<Sequence*>& placed, std::vector<int32_t>& counts);
  bool ensure_blocks(Sequence& seq, int32_t positions);
  void register_full_blocks(Sequence& seq, int32_t computed_before);
  void after_compute(Sequence& seq, std::span<const float> logits);
  void preempt(Sequence& seq);
  void finish(uint64_t id, FinishReason reason, const std::string& message = {});
  void left_waiting(Sequence& seq);
  void publish_stats();
  int32_t max_new_tokens(const Sequence& seq) const;

  std::unique_ptr<ModelRunner> runner_;
  std::shared_ptr<const tokenizer::Tokenizer> tokenizer_;
  std::unique_ptr<SchedulerClient> scheduler_;
  EngineOptions options_;
  std::unique_ptr<EngineMetrics> metrics_;
  KvBlockManager blocks_;

  // Shared with submitting threads.
  mutable std::mutex mutex_;
  std::condition_variable wake_;
  std::condition_variable idle_;
  std::vector<std::unique_ptr<Sequence>> inbox_;
  std::unordered_set<uint64_t> cancelled_;
  std::string abort_message_;
  bool abort_requested_ = false;
  bool accepting_ = true;
  bool stopping_ = false;
  uint64_t next_id_ = 1;
  uint32_t waiting_requests_ = 0;  // submitted, not yet scheduled
  uint64_t waiting_tokens_ = 0;
  int64_t in_flight_ = 0;  // accepted, not finished
  EngineStats stats_;

  // Step thread only.
  std::map<uint64_t, std::unique_ptr<Sequence>> seqs_;  // by id = arrival order
  uint64_t step_ = 0;
  int32_t invalid_plans_ = 0;
  clock::time_point no_progress_since_{};
  std::shared_ptr<spdlog::logger> log_;

  std::thread thread_;
};

}  // namespace sluice::engine
