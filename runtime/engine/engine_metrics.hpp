// The engine's Prometheus instruments for one model, named like vLLM's (docs/api.md maps
// each to its vLLM equivalent).
#pragma once

#include <string>

#include "engine/request.hpp"
#include "telemetry/metrics.hpp"

namespace sluice::engine {

class EngineMetrics {
 public:
  EngineMetrics(telemetry::MetricsRegistry& registry, const std::string& model_name);

  void request_finished(const Finish& finish);
  void token_generated(double inter_token_seconds);  // < 0: the first token
  void prompt_computed(int32_t n_tokens);
  void prefix_lookup(int32_t queried_tokens, int32_t hit_tokens);
  void preempted();
  // One engine step: wall-clock seconds per phase, and the engine thread's own CPU seconds
  // in the two phases that are its overhead (not counting time it was preempted).
  struct StepTimes {
    double schedule = 0, execute = 0, sample = 0;
    double schedule_cpu = 0, sample_cpu = 0;
  };
  void step(const StepTimes& times);

  telemetry::Gauge& running;
  telemetry::Gauge& waiting;
  telemetry::Gauge& kv_usage;  // 0..1
  telemetry::Gauge& kv_blocks_used;
  telemetry::Gauge& kv_blocks_total;

 private:
  telemetry::MetricsRegistry& registry_;
  telemetry::Labels labels_;
  telemetry::Histogram& ttft_;
  telemetry::Histogram& inter_token_;
  telemetry::Histogram& e2e_;
  telemetry::Histogram& queue_;
  telemetry::Histogram& prompt_tokens_hist_;
  telemetry::Histogram& generation_tokens_hist_;
  telemetry::Counter& prompt_tokens_;
  telemetry::Counter& generation_tokens_;
  telemetry::Counter& prefix_queries_;
  telemetry::Counter& prefix_hits_;
  telemetry::Counter& preemptions_;
  telemetry::Counter& step_schedule_;
  telemetry::Counter& step_execute_;
  telemetry::Counter& step_sample_;
  telemetry::Counter& step_schedule_cpu_;
  telemetry::Counter& step_sample_cpu_;
  telemetry::Counter& steps_;
};

}  // namespace sluice::engine
