// A RequestQueue that plays an engine: each accepted request gets a thread that emits a
// scripted list of tokens (with a delay between them), honours cancel(), and can be told
// to refuse requests, to fail mid-stream or to hold until cancelled.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/request.hpp"
#include "tokenizer/tokenizer.hpp"

namespace sluice::test {

struct FakeBehavior {
  std::vector<int32_t> tokens;         // emitted in order (up to max_tokens)
  std::chrono::milliseconds delay{0};  // between tokens
  engine::SubmitStatus status = engine::SubmitStatus::accepted;
  uint32_t retry_after_s = 3;  // for queue_full
  bool hold = false;           // emit nothing; finish only when cancelled
  int error_after = -1;        // >= 0: fail with FinishReason::error after N tokens
  std::string error_message = "backend failure";
  std::string final_text = {};  // Finish::text (held-back text released at the end)
};

class FakeQueue final : public engine::RequestQueue {
 public:
  explicit FakeQueue(std::shared_ptr<const tokenizer::Tokenizer> tokenizer);
  ~FakeQueue() override;

  void set_behavior(FakeBehavior behavior);

  engine::SubmitResult submit(engine::Request request,
                              std::shared_ptr<engine::RequestSink> sink) override;
  void cancel(uint64_t seq_id) override;
  engine::EngineStats stats() const override;
  void stop_accepting() override;
  bool wait_idle(std::chrono::milliseconds timeout) override;
  void abort_all(const std::string& message) override;

  std::vector<engine::Request> submitted() const;
  std::vector<uint64_t> cancelled() const;
  // Waits until `count` sequences were cancelled; false on timeout.
  bool wait_cancelled(size_t count, std::chrono::milliseconds timeout) const;
  int running() const { return running_.load(); }

 private:
  void play(uint64_t seq_id, engine::Request request, std::shared_ptr<engine::RequestSink> sink,
            FakeBehavior behavior);
  bool is_cancelled(uint64_t seq_id) const;

  std::shared_ptr<const tokenizer::Tokenizer> tokenizer_;
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  FakeBehavior behavior_;
  uint64_t next_seq_ = 1;
  bool accepting_ = true;
  std::vector<engine::Request> submitted_;
  std::vector<uint64_t> cancelled_;
  std::map<uint64_t, bool> cancel_flags_;
  std::vector<std::thread> threads_;
  std::atomic<int> running_{0};
};

}  // namespace sluice::test
