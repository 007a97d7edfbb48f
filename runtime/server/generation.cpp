#include "server/generation.hpp"

#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <functional>
#include <mutex>

#include "server/api_error.hpp"
#include "server/exchange.hpp"
#include "server/server_state.hpp"

namespace sluice::server {

namespace asio = boost::asio;

// Where the engine thread leaves events for the connection. Owns no I/O object, so an
// engine that outlives the server touches nothing freed: detach() drops the waker (and
// with it the strand) under the same lock push() uses.
class Mailbox {
 public:
  void push(ChoiceEvent event) {
    std::lock_guard lock(mutex_);
    events_.push_back(std::move(event));
    if (waker_ && !wake_pending_) {
      wake_pending_ = true;
      waker_();  // only posts; never runs the handler here
    }
  }

  std::vector<ChoiceEvent> take() {
    std::lock_guard lock(mutex_);
    wake_pending_ = false;
    std::vector<ChoiceEvent> out;
    out.swap(events_);
    return out;
  }

  void set_waker(std::function<void()> waker) {
    std::lock_guard lock(mutex_);
    waker_ = std::move(waker);
  }

  void detach() {
    std::lock_guard lock(mutex_);
    waker_ = nullptr;
    events_.clear();
  }

 private:
  std::mutex mutex_;
  std::vector<ChoiceEvent> events_;
  std::function<void()> waker_;
  bool wake_pending_ = false;
};

namespace {

class ChoiceSink final : public engine::RequestSink {
 public:
  ChoiceSink(std::shared_ptr<Mailbox> mailbox, uint32_t choice)
      : mailbox_(std::move(mailbox)), choice_(choice) {}
  void on_token(const engine::TokenOutput& token) override {
    mailbox_->push(ChoiceEvent{choice_, token, std::nullopt});
  }
  void on_finish(const engine::Finish& finish) override {
    mailbox_->push(ChoiceEvent{choice_, std::nullopt, finish});
  }

 private:
  std::shared_ptr<Mailbox> mailbox_;
  uint32_t choice_;
};

}  // namespace

GenerationRun::GenerationRun(Exchange& exchange, std::shared_ptr<engine::ServedModel> model)
    : exchange_(exchange),
      model_(std::move(model)),
      mailbox_(std::make_shared<Mailbox>()),
      wake_(std::make_shared<asio::steady_timer>(exchange.executor())) {
  std::weak_ptr<asio::steady_timer> weak_wake = wake_;
  mailbox_->set_waker([executor = exchange.executor(), weak_wake] {
    asio::post(executor, [weak_wake] {
      if (auto timer = weak_wake.lock()) timer->cancel();
    });
  });
  exchange_.watch_disconnect([this] { on_interrupt(); });
}

GenerationRun::~GenerationRun() {
  exchange_.stop_watching();
  cancel_all();
  mailbox_->detach();
  for (uint64_t key : active_keys_)
    if (key != 0) exchange_.state().active.remove(key);
}

void GenerationRun::submit(std::vector<engine::Request> requests) {
  auto& queue = model_->engine;
  for (uint32_t i = 0; i < requests.size(); ++i) {
    auto sink = std::make_shared<ChoiceSink>(mailbox_, i);
    engine::SubmitResult result = queue->submit(std::move(requests[i]), sink);
    if (result.status != engine::SubmitStatus::accepted) {
      cancel_all();
      switch (result.status) {
        case engine::SubmitStatus::queue_full:
          throw ApiError(503, "the server is busy: " + result.message)
              .with_retry_after(std::max<uint32_t>(1, result.retry_after_s));
        case engine::SubmitStatus::shutting_down:
          throw ApiError(503, "the server is shutting down");
        default:
          throw ApiError(400, result.message.empty() ? "the request cannot run" : result.message);
      }
    }
    seq_ids_.push_back(result.seq_id);
    done_.push_back(false);
    active_keys_.push_back(exchange_.state().active.add(queue, result.seq_id));
    ++unfinished_;
  }
}

void GenerationRun::cancel_all() {
  for (size_t i = 0; i < seq_ids_.size(); ++i)
    if (!done_[i]) model_->engine->cancel(seq_ids_[i]);
}

void GenerationRun::on_interrupt() {
  interrupted_ = true;
  cancel_all();
  wake_->cancel();
}

asio::awaitable<std::vector<ChoiceEvent>> GenerationRun::next() {
  for (;;) {
    if (interrupted_ || unfinished_ == 0) co_return std::vector<ChoiceEvent>{};
    std::vector<ChoiceEvent> events = mailbox_->take();
    if (!events.empty()) {
      for (const auto& event : events) {
        if (event.finish && event.choice < done_.size() && !done_[event.choice]) {
          done_[event.choice] = true;
          --unfinished_;
          exchange_.state().active.remove(active_keys_[event.choice]);
          active_keys_[event.choice] = 0;
        }
      }
      co_return events;
    }
    // take() and this wait run without yielding the strand, and the waker posts to the
    // strand, so an event pushed in between wakes this wait.
    wake_->expires_at(asio::steady_timer::time_point::max());
    boost::system::error_code ec;
    co_await wake_->async_wait(asio::redirect_error(asio::use_awaitable, ec));
  }
}

}  // namespace sluice::server
