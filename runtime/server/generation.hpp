// The bridge between one HTTP request and the engine: submits one engine request per
// choice, and hands the handler the tokens and finishes the engine streams from its
// step thread, on the connection's strand. A client that goes away (or a stopping
// server) cancels every choice promptly.
#pragma once

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>.
#include <utility>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

#include "engine/request.hpp"
#include "engine/served_model.hpp"

namespace sluice::server {

class Exchange;

// One thing the engine reported for one choice.
struct ChoiceEvent {
  uint32_t choice = 0;
  std::optional<engine::TokenOutput> token;  // set for a token,
  std::optional<engine::Finish> finish;      // or for the end
};

class Mailbox;

class GenerationRun {
 public:
  GenerationRun(Exchange& exchange, std::shared_ptr<engine::ServedModel> model);
  // Cancels the choices still running and stops listening to the engine.
  ~GenerationRun();
  GenerationRun(const GenerationRun&) = delete;
  GenerationRun& operator=(const GenerationRun&) = delete;

  // Submits one engine request per choice (choice i = requests[i]). When the engine
  // refuses one, cancels those already accepted and throws ApiError: 503 with
  // Retry-After (queue full), 503 (shutting down) or 400 (invalid).
  void submit(std::vector<engine::Request> requests);

  // Waits for what the engine reported since the last call. Empty when nothing more
  // will come: every choice has finished, or the run was interrupted.
  boost::asio::awaitable<std::vector<ChoiceEvent>> next();

  void cancel_all();
  // The client went away or the server is stopping.
  bool interrupted() const { return interrupted_; }
  bool finished() const { return unfinished_ == 0; }
  size_t choices() const { return seq_ids_.size(); }

 private:
  void on_interrupt();

  Exchange& exchange_;
  std::shared_ptr<engine::ServedModel> model_;
  std::shared_ptr<Mailbox> mailbox_;
  std::shared_ptr<boost::asio::steady_timer> wake_;
  std::vector<uint64_t> seq_ids_;
  std::vector<uint64_t> active_keys_;  // ServerState::active registrations, per choice
  std::vector<bool> done_;
  size_t unfinished_ = 0;
  bool interrupted_ = false;
};

}  // namespace sluice::server
