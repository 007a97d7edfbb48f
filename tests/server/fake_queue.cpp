#include "fake_queue.hpp"

namespace sluice::test {

FakeQueue::FakeQueue(std::shared_ptr<const tokenizer::Tokenizer> tokenizer)
    : tokenizer_(std::move(tokenizer)) {}

FakeQueue::~FakeQueue() {
  {
    std::lock_guard lock(mutex_);
    for (auto& [id, flag] : cancel_flags_) flag = true;
  }
  changed_.notify_all();
  for (auto& thread : threads_) thread.join();
}

void FakeQueue::set_behavior(FakeBehavior behavior) {
  std::lock_guard lock(mutex_);
  behavior_ = std::move(behavior);
}

engine::SubmitResult FakeQueue::submit(engine::Request request,
                                       std::shared_ptr<engine::RequestSink> sink) {
  std::lock_guard lock(mutex_);
  engine::SubmitResult result;
  if (!accepting_) {
    result.status = engine::SubmitStatus::shutting_down;
    return result;
  }
  if (behavior_.status != engine::SubmitStatus::accepted) {
    result.status = behavior_.status;
    result.message = "fake refusal";
    result.retry_after_s = behavior_.retry_after_s;
    return result;
  }
  result.seq_id = next_seq_++;
  submitted_.push_back(request);
  cancel_flags_[result.seq_id] = false;
  ++running_;
  threads_.emplace_back(&FakeQueue::play, this, result.seq_id, std::move(request), std::move(sink),
                        behavior_);
  return result;
}

bool FakeQueue::is_cancelled(uint64_t seq_id) const {
  auto it = cancel_flags_.find(seq_id);
  return it != cancel_flags_.end() && it->second;
}

void FakeQueue::play(uint64_t seq_id, engine::Request request,
                     std::shared_ptr<engine::RequestSink> sink, FakeBehavior behavior) {
  using clock = std::chrono::steady_clock;
  engine::Finish finish;
  finish.timings.arrival = clock::now();
  finish.timings.scheduled = finish.timings.arrival + std::chrono::microseconds(50);
  finish.timings.prompt_tokens = static_cast<int32_t>(request.prompt.size());
  size_t limit = behavior.tokens.size();
  if (request.max_tokens >= 0) limit = std::min(limit, static_cast<size_t>(request.max_tokens));
  size_t emitted = 0;
  bool cancelled = false;
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      if (behavior.hold) {
        changed_.wait(lock, [&] { return is_cancelled(seq_id); });
      } else if (behavior.delay.count() > 0 && emitted > 0) {
        changed_.wait_for(lock, behavior.delay, [&] { return is_cancelled(seq_id); });
      }
      cancelled = is_cancelled(seq_id);
    }
    if (cancelled) break;
    if (emitted == 0) std::this_thread::sleep_for(std::chrono::microseconds(200));  // "prefill"
    if (behavior.error_after >= 0 && emitted == static_cast<size_t>(behavior.error_after)) break;
    if (emitted >= limit) break;
    engine::TokenOutput out;
    out.token = behavior.tokens[emitted];
    out.text = tokenizer_->token_to_piece(out.token);
    out.time = clock::now();
    if (request.logprobs >= 0) {
      out.logprob = -0.25f;
      for (int32_t k = 0; k < request.logprobs; ++k)
        out.top.push_back({k == 0 ? out.token : (out.token + k) % tokenizer_->n_vocab(),
                           k == 0 ? -0.25f : -2.0f - static_cast<float>(k)});
    }
    if (emitted == 0) finish.timings.first_token = out.time;
    sink->on_token(out);
    ++emitted;
    std::this_thread::sleep_for(std::chrono::microseconds(100));  // measurable durations
  }
  finish.timings.finished = clock::now();
  finish.timings.generated_tokens = static_cast<int32_t>(emitted);
  if (cancelled) {
    finish.reason = engine::FinishReason::cancelled;
  } else if (behavior.error_after >= 0) {
    finish.reason = engine::FinishReason::error;
    finish.message = behavior.error_message;
  } else {
    finish.reason = emitted < behavior.tokens.size() ? engine::FinishReason::length
                                                     : engine::FinishReason::stop;
    finish.text = behavior.final_text;
  }
  --running_;
  sink->on_finish(finish);
}

void FakeQueue::cancel(uint64_t seq_id) {
  {
    std::lock_guard lock(mutex_);
    auto it = cancel_flags_.find(seq_id);
    if (it == cancel_flags_.end() || it->second) return;
    it->second = true;
    cancelled_.push_back(seq_id);
  }
  changed_.notify_all();
}

engine::EngineStats FakeQueue::stats() const {
  engine::EngineStats stats;
  stats.running = running_.load();
  return stats;
}

void FakeQueue::stop_accepting() {
  std::lock_guard lock(mutex_);
  accepting_ = false;
}

bool FakeQueue::wait_idle(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (running_.load() > 0) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

void FakeQueue::abort_all(const std::string&) {
  std::lock_guard lock(mutex_);
  for (auto& [id, flag] : cancel_flags_) flag = true;
  changed_.notify_all();
}

std::vector<engine::Request> FakeQueue::submitted() const {
  std::lock_guard lock(mutex_);
  return submitted_;
}

std::vector<uint64_t> FakeQueue::cancelled() const {
  std::lock_guard lock(mutex_);
  return cancelled_;
}

bool FakeQueue::wait_cancelled(size_t count, std::chrono::milliseconds timeout) const {
  std::unique_lock lock(mutex_);
  return changed_.wait_for(lock, timeout, [&] { return cancelled_.size() >= count; });
}

}  // namespace sluice::test
