#include "engine/engine_metrics.hpp"

namespace sluice::engine {
namespace {

using telemetry::Labels;
using telemetry::MetricsRegistry;

Labels with(Labels labels, const std::string& key, const std::string& value) {
  labels.emplace_back(key, value);
  return labels;
}

double seconds(uint64_t ns) {
  return static_cast<double>(ns) / 1e9;
}

}  // namespace

EngineMetrics::EngineMetrics(MetricsRegistry& r, const std::string& model_name)
    : running(r.gauge("sluice:num_requests_running", "Requests in the running batch",
                      {{"model_name", model_name}})),
      waiting(r.gauge("sluice:num_requests_waiting", "Requests waiting to be scheduled",
                      {{"model_name", model_name}})),
      kv_usage(r.gauge("sluice:kv_cache_usage_perc",
                       "Fraction of KV cache blocks held by sequences (1 = full)",
                       {{"model_name", model_name}})),
      kv_blocks_used(r.gauge("sluice:kv_cache_blocks_used", "KV cache blocks held by sequences",
                             {{"model_name", model_name}})),
      kv_blocks_total(r.gauge("sluice:kv_cache_blocks_total", "KV cache blocks in the pool",
                              {{"model_name", model_name}})),
      registry_(r),
      labels_{{"model_name", model_name}},
      ttft_(r.histogram("sluice:time_to_first_token_seconds", "Time from arrival to first token",
                        MetricsRegistry::latency_buckets(), labels_)),
      inter_token_(r.histogram("sluice:inter_token_latency_seconds",
                               "Time between consecutive tokens of a request",
                               MetricsRegistry::latency_buckets(), labels_)),
      e2e_(r.histogram("sluice:e2e_request_latency_seconds", "Time from arrival to finish",
                       MetricsRegistry::latency_buckets(), labels_)),
      queue_(r.histogram("sluice:request_queue_time_seconds",
                         "Time from arrival to first scheduled", MetricsRegistry::latency_buckets(),
                         labels_)),
      prompt_tokens_hist_(r.histogram("sluice:request_prompt_tokens", "Prompt tokens per request",
                                      MetricsRegistry::token_buckets(), labels_)),
      generation_tokens_hist_(r.histogram("sluice:request_generation_tokens",
                                          "Generated tokens per request",
                                          MetricsRegistry::token_buckets(), labels_)),
      prompt_tokens_(r.counter("sluice:prompt_tokens_total",
                               "Prompt tokens computed (prefix cache hits excluded)", labels_)),
      generation_tokens_(r.counter("sluice:generation_tokens_total", "Tokens generated", labels_)),
      prefix_queries_(r.counter("sluice:prefix_cache_queries_total",
                                "Prompt tokens looked up in the prefix cache", labels_)),
      prefix_hits_(r.counter("sluice:prefix_cache_hits_total",
                             "Prompt tokens found in the prefix cache", labels_)),
      preemptions_(r.counter("sluice:num_preemptions_total",
                             "Sequences preempted (their KV freed, to be recomputed)", labels_)),
      step_schedule_(r.counter("sluice:engine_step_seconds_total", "Engine step time by phase",
                               with(labels_, "phase", "schedule"))),
      step_execute_(r.counter("sluice:engine_step_seconds_total", "Engine step time by phase",
                              with(labels_, "phase", "execute"))),
      step_sample_(r.counter("sluice:engine_step_seconds_total", "Engine step time by phase",
                             with(labels_, "phase", "sample"))),
      step_schedule_cpu_(r.counter("sluice:engine_step_cpu_seconds_total",
                                   "Engine thread CPU time in its own step phases",
                                   with(labels_, "phase", "schedule"))),
      step_sample_cpu_(r.counter("sluice:engine_step_cpu_seconds_total",
                                 "Engine thread CPU time in its own step phases",
                                 with(labels_, "phase", "sample"))),
      steps_(r.counter("sluice:engine_steps_total", "Engine steps run", labels_)) {}

void EngineMetrics::request_finished(const Finish& finish) {
  const RequestTimings& t = finish.timings;
  registry_
      .counter("sluice:request_success_total", "Finished requests by finish reason",
               with(labels_, "finished_reason", to_string(finish.reason)))
      .inc();
  if (t.ttft_ns() > 0) ttft_.observe(seconds(t.ttft_ns()));
  e2e_.observe(seconds(t.total_ns()));
  if (t.queue_ns() > 0) queue_.observe(seconds(t.queue_ns()));
  prompt_tokens_hist_.observe(t.prompt_tokens);
  generation_tokens_hist_.observe(t.generated_tokens);
}

void EngineMetrics::token_generated(double inter_token_seconds) {
  generation_tokens_.inc();
  if (inter_token_seconds >= 0) inter_token_.observe(inter_token_seconds);
}

void EngineMetrics::prompt_computed(int32_t n_tokens) {
  prompt_tokens_.inc(n_tokens);
}

void EngineMetrics::prefix_lookup(int32_t queried_tokens, int32_t hit_tokens) {
  prefix_queries_.inc(queried_tokens);
  prefix_hits_.inc(hit_tokens);
}

void EngineMetrics::preempted() {
  preemptions_.inc();
}

void EngineMetrics::step(const StepTimes& times) {
  steps_.inc();
  step_schedule_.inc(times.schedule);
  step_execute_.inc(times.execute);
  step_sample_.inc(times.sample);
  step_schedule_cpu_.inc(times.schedule_cpu);
  step_sample_cpu_.inc(times.sample_cpu);
}

}  // namespace sluice::engine
