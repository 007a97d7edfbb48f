// The host's definitions of the opaque objects it lends plugins through calls
// (sluice/abi.h): cancellation tokens and token sinks.
#pragma once

#include <atomic>

#include "sluice/host.h"

// Shared by the party that cancels (a connection, shutdown) and the plugin that polls.
struct sluice_cancel_token_s {
  std::atomic<bool> cancelled{false};
  void cancel() { cancelled.store(true, std::memory_order_release); }
};

// Receives tokens a backend produces on its own (decode_async). Implementations decide
// where they go; returning SLUICE_ERR_CANCELLED tells the backend to stop.
struct sluice_token_sink_s {
  virtual ~sluice_token_sink_s() = default;
  virtual sluice_status on_tokens(const sluice_token_event* events, size_t n_events) = 0;
};
