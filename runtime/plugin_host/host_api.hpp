// The host function table lent to one plugin (sluice/host.h). Each loaded plugin gets
// its own table, so log lines name the plugin that wrote them.
#pragma once

#include <spdlog/logger.h>
#include <memory>
#include <string>

#include "sluice/host.h"

namespace sluice::plugin_host {

class HostApi {
 public:
  explicit HostApi(std::string plugin_name);
  HostApi(const HostApi&) = delete;
  HostApi& operator=(const HostApi&) = delete;

  // The table to hand to sluice_plugin_entry; valid while this object lives.
  const sluice_host_api* table() const { return &block_.table; }
  const std::string& plugin_name() const { return state_->name; }

 private:
  struct State {
    std::string name;
    std::shared_ptr<spdlog::logger> logger;
  };
  // Standard layout with the table first, so a table pointer converts back to its block.
  struct Block {
    sluice_host_api table;
    State* state;
  };
  static const State& state_of(const sluice_host_api* host);

  static void SLUICE_CALL log(const sluice_host_api*, int32_t, const char*);
  static bool SLUICE_CALL log_enabled(const sluice_host_api*, int32_t);
  static sluice_error* SLUICE_CALL error_new(const sluice_host_api*, sluice_status, const char*);
  static void SLUICE_CALL error_free(const sluice_host_api*, sluice_error*);
  static sluice_status SLUICE_CALL error_code(const sluice_host_api*, const sluice_error*);
  static const char* SLUICE_CALL error_message(const sluice_host_api*, const sluice_error*);
  static void* SLUICE_CALL alloc(const sluice_host_api*, size_t, size_t);
  static void SLUICE_CALL free(const sluice_host_api*, void*);
  static sluice_status SLUICE_CALL emit_tokens(const sluice_host_api*, sluice_token_sink*,
                                               const sluice_token_event*, size_t);
  static bool SLUICE_CALL is_cancelled(const sluice_host_api*, const sluice_cancel_token*);
  static uint64_t SLUICE_CALL now_ns(const sluice_host_api*);

  std::unique_ptr<State> state_;
  Block block_;
};

}  // namespace sluice::plugin_host
