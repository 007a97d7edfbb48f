#include "engine/engine.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <ctime>

#include "telemetry/logging.hpp"
#include "tokenizer/tokenizer_error.hpp"

namespace sluice::engine {
namespace {

uint64_t ns_of(std::chrono::steady_clock::time_point t) {
  return static_cast<uint64_t>(
      std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count());
}

double seconds_between(std::chrono::steady_clock::time_point a,
                       std::chrono::steady_clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// CPU time of the calling thread: what the engine itself spends, whether or not the OS
// lets other processes (a load generator on the same cores) run in between. Read only
// when there are metrics to report it (a system call each).
double thread_cpu_seconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

int32_t finish_code(FinishReason reason) {
  switch (reason) {
    case FinishReason::stop: return SLUICE_FINISH_STOP;
    case FinishReason::length: return SLUICE_FINISH_LENGTH;
    case FinishReason::cancelled: return SLUICE_FINISH_CANCELLED;
    case FinishReason::error: return SLUICE_FINISH_ERROR;
    case FinishReason::content_filter: return SLUICE_FINISH_CANCELLED;
  }
  return SLUICE_FINISH_ERROR;
}

// How long an empty plan may repeat, with work waiting, before the waiting requests fail
// rather than hang.
constexpr auto kNoProgressLimit = std::chrono::seconds(10);
constexpr auto kEmptyPlanPause = std::chrono::milliseconds(2);

}  // namespace

Engine::Engine(std::unique_ptr<ModelRunner> runner,
               std::shared_ptr<const tokenizer::Tokenizer> tokenizer,
               std::unique_ptr<SchedulerClient> scheduler, EngineOptions options,
               telemetry::MetricsRegistry* metrics)
    : runner_(std::move(runner)),
      tokenizer_(std::move(tokenizer)),
      scheduler_(std::move(scheduler)),
      options_(std::move(options)),
      blocks_(static_cast<int32_t>(runner_->n_blocks()),
              static_cast<int32_t>(runner_->block_size()), options_.prefix_cache),
      log_(telemetry::component_logger("engine")) {
  if (metrics != nullptr) metrics_ = std::make_unique<EngineMetrics>(*metrics, options_.model_name);
  publish_stats();
  thread_ = std::thread([this] { loop(); });
}

Engine::~Engine() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    abort_requested_ = true;
    if (abort_message_.empty()) abort_message_ = "the engine is shutting down";
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

int32_t Engine::max_new_tokens(const Sequence& seq) const {
  const int32_t room = static_cast<int32_t>(runner_->n_ctx()) - seq.n_prompt;
  return seq.request.max_tokens < 0 ? room : std::min(seq.request.max_tokens, room);
}

SubmitResult Engine::submit(Request request, std::shared_ptr<RequestSink> sink) {
  SubmitResult result;
  const auto invalid = [&](std::string message) {
    result.status = SubmitStatus::invalid;
    result.message = std::move(message);
    return result;
  };
  const size_t n_prompt = request.prompt.size();
  const uint32_t n_ctx = runner_->n_ctx();
  if (n_prompt == 0) return invalid("the prompt has no tokens");
  if (n_prompt >= n_ctx) {
    return invalid("the prompt has " + std::to_string(n_prompt) + " tokens; the context holds " +
                   std::to_string(n_ctx) + " (prompt and generated tokens together)");
  }
  for (int32_t token : request.prompt) {
    if (token < 0 || token >= runner_->n_vocab())
      return invalid("token id " + std::to_string(token) + " is outside the vocabulary");
  }
  if (request.max_tokens == 0 || request.max_tokens < -1)
    return invalid("max_tokens must be at least 1");
  const size_t blocks_needed = (n_prompt + 1 + blocks_.block_size() - 1) / blocks_.block_size();
  if (blocks_needed > static_cast<size_t>(blocks_.n_blocks())) {
    return invalid("the prompt needs " + std::to_string(blocks_needed) +
                   " KV blocks; the pool has " + std::to_string(blocks_.n_blocks()));
  }
  if (n_prompt > options_.max_waiting_tokens) {
    return invalid("the prompt has " + std::to_string(n_prompt) +
                   " tokens; at most max_waiting_tokens = " +
                   std::to_string(options_.max_waiting_tokens) + " can wait");
  }
  auto seq = std::make_unique<Sequence>(0, std::move(request), std::move(sink), *tokenizer_);
  seq->timings.arrival = clock::now();
  {
    std::lock_guard lock(mutex_);
    if (!accepting_ || stopping_) {
      result.status = SubmitStatus::shutting_down;
      result.message = "the server is shutting down";
      return result;
    }
    if (waiting_requests_ + 1 > options_.max_waiting_requests ||
        waiting_tokens_ + n_prompt > options_.max_waiting_tokens) {
      result.status = SubmitStatus::queue_full;
      result.message = "model '" + options_.model_name + "' has " +
                       std::to_string(waiting_requests_) + " requests (" +
                       std::to_string(waiting_tokens_) + " prompt tokens) waiting; try again later";
      // About the time the queue ahead takes to start, at one batch per second.
      result.retry_after_s = std::clamp<uint32_t>(
          waiting_requests_ / static_cast<uint32_t>(std::max(options_.max_seqs, 1)) + 1, 1, 60);
      return result;
    }
    seq->id = next_id_++;
    result.seq_id = seq->id;
    ++waiting_requests_;
    waiting_tokens_ += n_prompt;
    ++in_flight_;
    inbox_.push_back(std::move(seq));
  }
  wake_.notify_all();
  return result;
}

void Engine::cancel(uint64_t seq_id) {
  {
    std::lock_guard lock(mutex_);
    cancelled_.insert(seq_id);
  }
  wake_.notify_all();
}

EngineStats Engine::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

void Engine::stop_accepting() {
  std::lock_guard lock(mutex_);
  accepting_ = false;
}

bool Engine::wait_idle(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  return idle_.wait_for(lock, timeout, [&] { return in_flight_ == 0; });
}

void Engine::abort_all(const std::string& message) {
  std::unique_lock lock(mutex_);
  abort_requested_ = true;
  abort_message_ = message;
  wake_.notify_all();
  // The step thread fails everything after its current step; wait for that, boundedly.
  idle_.wait_for(lock, std::chrono::seconds(30), [&] { return in_flight_ == 0; });
}

void Engine::loop() {
  while (true) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait(lock, [&] {
        return stopping_ || abort_requested_ || !inbox_.empty() || !cancelled_.empty() ||
               !seqs_.empty();
      });
    }
    try {
      take_inbox();
      if (!seqs_.empty()) step();
    } catch (const std::exception& e) {
      // Never let one bad step take the process down: fail what was in flight, explicitly.
      log_->error("model '{}': engine step failed: {}", options_.model_name, e.what());
      std::vector<uint64_t> ids;
      for (const auto& [id, seq] : seqs_) ids.push_back(id);
      for (uint64_t id : ids)
        finish(id, FinishReason::error, std::string("engine error: ") + e.what());
    }
    publish_stats();
    std::lock_guard lock(mutex_);
    if (stopping_ && seqs_.empty() && inbox_.empty()) break;
  }
}

void Engine::take_inbox() {
  std::vector<std::unique_ptr<Sequence>> arrived;
  std::unordered_set<uint64_t> cancelled;
  bool abort = false;
  std::string abort_message;
  {
    std::lock_guard lock(mutex_);
    arrived.swap(inbox_);
    cancelled.swap(cancelled_);
    abort = abort_requested_;
    abort_message = abort_message_;
    abort_requested_ = false;
  }
  for (auto& seq : arrived) {
    const uint64_t id = seq->id;
    seqs_.emplace(id, std::move(seq));
  }
  for (uint64_t id : cancelled) finish(id, FinishReason::cancelled);
  if (abort) {
    std::vector<uint64_t> ids;
    for (const auto& [id, seq] : seqs_) ids.push_back(id);
    for (uint64_t id : ids) finish(id, FinishReason::error, abort_message);
  }
}

void Engine::acquire_cached_prefixes() {
  for (auto& [id, seq] : seqs_) {
    if (!seq->blocks.empty() || seq->n_computed != 0) continue;
    std::vector<int32_t> hit = blocks_.acquire_prefix(seq->tokens);
    if (hit.empty()) continue;
    const int32_t n_tokens = static_cast<int32_t>(hit.size()) * blocks_.block_size();
    seq->full_hashes = blocks_.chain_hashes(std::span(seq->tokens).first(n_tokens));
    seq->blocks = std::move(hit);
    seq->n_computed = n_tokens;
  }
}

std::vector<sluice_sched_seq> Engine::view_of_sequences() const {
  std::vector<sluice_sched_seq> view;
  view.reserve(seqs_.size());
  const int32_t bs = blocks_.block_size();
  for (const auto& [id, seq] : seqs_) {
    sluice_sched_seq s{};
    s.struct_size = sizeof(s);
    s.state = seq->state;
    s.seq_id = id;
    s.tenant_id = seq->request.tenant_id;
    s.priority = seq->request.priority;
    s.n_preemptions = seq->timings.preemptions;
    s.arrival_ns = ns_of(seq->timings.arrival);
    s.n_prompt_tokens = seq->n_prompt;
    s.n_computed_tokens = seq->n_computed;
    s.n_cached_tokens =
        seq->ever_scheduled ? seq->n_cached : std::min(seq->n_computed, seq->n_prompt);
    s.n_pending_tokens = seq->n_pending();
    s.n_generated_tokens = seq->n_generated();
    s.max_new_tokens = max_new_tokens(*seq);
    s.n_blocks_held = static_cast<int32_t>(seq->blocks.size());
    const int32_t blocks_for_all = (static_cast<int32_t>(seq->tokens.size()) + bs - 1) / bs;
    s.n_blocks_needed = std::max(0, blocks_for_all - s.n_blocks_held);
    view.push_back(s);
  }
  return view;
}

void Engine::step() {
  const auto t_begin = clock::now();
  const double cpu_begin = metrics_ ? thread_cpu_seconds() : 0;
  acquire_cached_prefixes();
  std::vector<sluice_sched_seq> view = view_of_sequences();
  ScheduleBudget budget;
  budget.step = step_;
  budget.now_ns = ns_of(t_begin);
  budget.block_size = blocks_.block_size();
  budget.n_free_blocks = blocks_.n_free();
  budget.n_total_blocks = blocks_.n_blocks();
  budget.max_batched_tokens = options_.max_batched_tokens;
  budget.max_seqs = options_.max_seqs;

  Plan plan;
  try {
    plan = scheduler_->schedule(budget, view);
    invalid_plans_ = 0;
  } catch (const PlanError& e) {
    log_->error("model '{}': step {}: invalid plan: {}", options_.model_name, step_, e.what());
    if (++invalid_plans_ >= options_.max_invalid_plans) {
      invalid_plans_ = 0;
      std::vector<uint64_t> ids;
      for (const auto& [id, seq] : seqs_) ids.push_back(id);
      for (uint64_t id : ids) {
        finish(id, FinishReason::error,
               std::string("the scheduler produced no valid plan: ") + e.what());
      }
    }
    return;
  }
  ++step_;

  std::vector<Sequence*> placed;
  std::vector<int32_t> counts;
  apply_plan(plan, placed, counts);
  if (placed.empty()) {
    // Nothing runnable this step (all waiting on blocks, or the scheduler is holding back).
    if (plan.preempt.empty() && plan.abort.empty() && !seqs_.empty()) {
      if (no_progress_since_ == clock::time_point{}) no_progress_since_ = t_begin;
      if (t_begin - no_progress_since_ > kNoProgressLimit) {
        no_progress_since_ = {};
        std::vector<uint64_t> ids;
        for (const auto& [id, seq] : seqs_) ids.push_back(id);
        for (uint64_t id : ids) {
          finish(id, FinishReason::error,
                 "the scheduler '" + scheduler_->name() + "' placed no work for 10 s");
        }
        return;
      }
      std::unique_lock lock(mutex_);
      wake_.wait_for(lock, kEmptyPlanPause, [&] {
        return stopping_ || abort_requested_ || !inbox_.empty() || !cancelled_.empty();
      });
    }
    return;
  }
  no_progress_since_ = {};

  std::vector<SeqSlice> batch;
  batch.reserve(placed.size());
  const auto t_scheduled = clock::now();
  const double cpu_scheduled = metrics_ ? thread_cpu_seconds() : 0;
  for (size_t i = 0; i < placed.size(); ++i) {
    Sequence& seq = *placed[i];
    if (!seq.ever_scheduled) {
      seq.ever_scheduled = true;
      seq.timings.scheduled = t_scheduled;
      seq.n_cached = std::min(seq.n_computed, seq.n_prompt);
      left_waiting(seq);
      if (metrics_) {
        const int32_t queried =
            options_.prefix_cache ? (seq.n_prompt - 1) / blocks_.block_size() * blocks_.block_size()
                                  : 0;
        metrics_->prefix_lookup(queried, seq.n_cached);
      }
    }
    seq.state = SLUICE_SEQ_RUNNING;
    SeqSlice slice;
    slice.seq_id = seq.id;
    slice.tokens.assign(seq.tokens.begin() + seq.n_computed,
                        seq.tokens.begin() + seq.n_computed + counts[i]);
    slice.n_past = seq.n_computed;
    slice.blocks = seq.blocks;
    slice.last_logits = seq.n_computed + counts[i] == static_cast<int32_t>(seq.tokens.size());
    batch.push_back(std::move(slice));
  }

  std::span<const float> logits;
  try {
    logits = runner_->run(batch);
  } catch (const RunnerError& e) {
    log_->error("model '{}': batch of {} sequences failed: {}", options_.model_name, batch.size(),
                e.what());
    for (Sequence* seq : placed) finish(seq->id, FinishReason::error, e.what());
    return;
  }
  const auto t_executed = clock::now();
  const double cpu_executed = metrics_ ? thread_cpu_seconds() : 0;

  const size_t n_vocab = static_cast<size_t>(runner_->n_vocab());
  size_t row = 0;
  for (size_t i = 0; i < placed.size(); ++i) {
    Sequence& seq = *placed[i];
    const int32_t before = seq.n_computed;
    seq.n_computed += counts[i];
    if (metrics_ && before < seq.n_prompt)
      metrics_->prompt_computed(std::min(seq.n_computed, seq.n_prompt) - before);
    register_full_blocks(seq, before);
    if (batch[i].last_logits) {
      after_compute(seq, logits.subspan(row * n_vocab, n_vocab));
      ++row;
    }
  }
  const auto t_end = clock::now();
  if (metrics_) {
    EngineMetrics::StepTimes times;
    times.schedule = seconds_between(t_begin, t_scheduled);
    times.execute = seconds_between(t_scheduled, t_executed);
    times.sample = seconds_between(t_executed, t_end);
    times.schedule_cpu = cpu_scheduled - cpu_begin;
    times.sample_cpu = thread_cpu_seconds() - cpu_executed;
    metrics_->step(times);
  }
}

void Engine::apply_plan(const Plan& plan, std::vector<Sequence*>& placed,
                        std::vector<int32_t>& counts) {
  for (uint64_t id : plan.abort) {
    const auto it = seqs_.find(id);
    if (it == seqs_.end()) continue;
    finish(id, FinishReason::error,
           "the scheduler '" + scheduler_->name() + "' cannot place this request (it needs " +
               std::to_string((it->second->tokens.size() + blocks_.block_size() - 1) /
                              blocks_.block_size()) +
               " KV blocks; the pool has " + std::to_string(blocks_.n_blocks()) + ")");
  }
  for (uint64_t id : plan.preempt) {
    const auto it = seqs_.find(id);
    if (it != seqs_.end()) preempt(*it->second);
  }
  for (const PlanItem& item : plan.items) {
    const auto it = seqs_.find(item.seq_id);
    if (it == seqs_.end()) continue;
    Sequence& seq = *it->second;
    // Shared prefix blocks make the plan's block arithmetic an upper bound; a sequence that
    // still does not fit waits for the next step.
    if (!ensure_blocks(seq, seq.n_computed + item.n_tokens)) continue;
    placed.push_back(&seq);
    counts.push_back(item.n_tokens);
  }
}

bool Engine::ensure_blocks(Sequence& seq, int32_t positions) {
  const int32_t bs = blocks_.block_size();
  const int32_t needed = (positions + bs - 1) / bs - static_cast<int32_t>(seq.blocks.size());
  if (needed <= 0) return true;
  return blocks_.allocate(needed, seq.blocks);
}

void Engine::register_full_blocks(Sequence& seq, int32_t computed_before) {
  const int32_t bs = blocks_.block_size();
  for (int32_t i = computed_before / bs; i < seq.n_computed / bs; ++i) {
    if (i < static_cast<int32_t>(seq.full_hashes.size())) continue;
    const uint64_t parent = i == 0 ? KvBlockManager::kRootHash : seq.full_hashes[i - 1];
    seq.full_hashes.push_back(blocks_.register_full_block(
        seq.blocks[i], parent, std::span(seq.tokens).subspan(static_cast<size_t>(i) * bs, bs)));
  }
}

void Engine::after_compute(Sequence& seq, std::span<const float> logits) {
  const auto now = clock::now();
  const int32_t token = seq.sampler.sample(logits, seq.tokens);
  const bool first = seq.timings.first_token == clock::time_point{};
  if (first) seq.timings.first_token = now;
  if (metrics_) metrics_->token_generated(first ? -1.0 : seconds_between(seq.last_token, now));
  seq.last_token = now;

  if (!seq.request.ignore_eos && tokenizer_->is_eog(token)) {
    finish(seq.id, FinishReason::stop);
    return;
  }
  TokenOutput out;
  out.token = token;
  out.time = now;
  if (seq.request.logprobs >= 0) {
    out.logprob = Sampler::logprob_of(logits, token);
    if (seq.request.logprobs > 0) out.top = Sampler::top_logprobs(logits, seq.request.logprobs);
  }
  StopCondition::Step released;
  try {
    released = seq.stop.push(seq.detokenizer.push(token));
  } catch (const tokenizer::TokenizerError& e) {
    finish(seq.id, FinishReason::error, std::string("detokenizing: ") + e.what());
    return;
  }
  seq.tokens.push_back(token);
  out.text = std::move(released.text);
  seq.sink->on_token(out);
  if (released.stopped) {
    finish(seq.id, FinishReason::stop);
  } else if (seq.n_generated() >= max_new_tokens(seq) ||
             seq.tokens.size() >= static_cast<size_t>(runner_->n_ctx())) {
    finish(seq.id, FinishReason::length);
  }
}

void Engine::preempt(Sequence& seq) {
  blocks_.release(seq.blocks);
  seq.blocks.clear();
  seq.full_hashes.clear();
  seq.n_computed = 0;
  seq.state = SLUICE_SEQ_PREEMPTED;
  ++seq.timings.preemptions;
  if (metrics_) metrics_->preempted();
  if (seq.timings.preemptions > options_.max_preemptions) {
    finish(seq.id, FinishReason::error,
           "preempted " + std::to_string(seq.timings.preemptions) +
               " times for lack of KV blocks; the KV pool is too small for this load");
  }
}

void Engine::left_waiting(Sequence& seq) {
  std::lock_guard lock(mutex_);
  --waiting_requests_;
  waiting_tokens_ -= static_cast<uint64_t>(seq.n_prompt);
}

void Engine::finish(uint64_t id, FinishReason reason, const std::string& message) {
  const auto it = seqs_.find(id);
  if (it == seqs_.end()) return;
  std::unique_ptr<Sequence> seq = std::move(it->second);
  seqs_.erase(it);
  Finish f;
  f.reason = reason;
  f.message = message;
  if (reason == FinishReason::stop || reason == FinishReason::length) {
    // Release what was held back; after a stop string StopCondition returns nothing.
    f.text = seq->stop.push(seq->detokenizer.flush()).text + seq->stop.flush();
  }
  seq->timings.finished = clock::now();
  seq->timings.prompt_tokens = seq->n_prompt;
  seq->timings.cached_tokens = seq->n_cached;
  seq->timings.generated_tokens = seq->n_generated();
  f.timings = seq->timings;
  if (!seq->ever_scheduled) left_waiting(*seq);
  blocks_.release(seq->blocks);
  publish_stats();  // before the sink hears of it: whoever waits on it sees the freed blocks
  scheduler_->on_finished(id, finish_code(reason), seq->n_prompt, seq->n_generated());
  if (metrics_) metrics_->request_finished(f);
  if (reason == FinishReason::error) {
    log_->warn("model '{}': request {} failed: {}", options_.model_name, seq->request.id, message);
  }
  try {
    seq->sink->on_finish(f);
  } catch (const std::exception& e) {
    log_->error("model '{}': request {}: sink failed: {}", options_.model_name, seq->request.id,
                e.what());
  }
  {
    std::lock_guard lock(mutex_);
    --in_flight_;
  }
  idle_.notify_all();
}

void Engine::publish_stats() {
  EngineStats s;
  for (const auto& [id, seq] : seqs_) {
    if (seq->state == SLUICE_SEQ_RUNNING) {
      ++s.running;
    } else {
      ++s.waiting;
    }
  }
  s.kv_blocks_total = blocks_.n_blocks();
  s.kv_blocks_used = blocks_.n_used();
  s.kv_blocks_cached = blocks_.n_cached_free();
  s.steps = step_;
  if (metrics_) {
    metrics_->running.set(s.running);
    metrics_->waiting.set(s.waiting);
    metrics_->kv_blocks_used.set(s.kv_blocks_used);
    metrics_->kv_blocks_total.set(s.kv_blocks_total);
    metrics_->kv_usage.set(
        s.kv_blocks_total > 0 ? static_cast<double>(s.kv_blocks_used) / s.kv_blocks_total : 0.0);
  }
  std::lock_guard lock(mutex_);
  s.waiting += static_cast<int32_t>(inbox_.size());
  stats_ = s;
}

}  // namespace sluice::engine
