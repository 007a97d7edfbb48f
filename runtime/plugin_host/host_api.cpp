#include "plugin_host/host_api.hpp"

#include <chrono>
#include <cstdlib>
#include <new>
#include <type_traits>

#include "plugin_host/host_objects.hpp"
#include "plugin_host/plugin_error.hpp"
#include "telemetry/logging.hpp"

namespace sluice::plugin_host {
namespace {

spdlog::level::level_enum to_spdlog(int32_t level) {
  switch (level) {
    case SLUICE_LOG_TRACE: return spdlog::level::trace;
    case SLUICE_LOG_DEBUG: return spdlog::level::debug;
    case SLUICE_LOG_INFO: return spdlog::level::info;
    case SLUICE_LOG_WARN: return spdlog::level::warn;
    case SLUICE_LOG_ERROR: return spdlog::level::err;
    default: return spdlog::level::critical;
  }
}

}  // namespace

HostApi::HostApi(std::string plugin_name) : state_(std::make_unique<State>()), block_{} {
  static_assert(std::is_standard_layout_v<Block>);
  state_->name = std::move(plugin_name);
  state_->logger = telemetry::component_logger(state_->name);
  block_.state = state_.get();
  sluice_host_api& t = block_.table;
  t.struct_size = sizeof(sluice_host_api);
  t.abi_version = SLUICE_ABI_VERSION;
  t.log = &HostApi::log;
  t.log_enabled = &HostApi::log_enabled;
  t.error_new = &HostApi::error_new;
  t.error_free = &HostApi::error_free;
  t.error_code = &HostApi::error_code;
  t.error_message = &HostApi::error_message;
  t.alloc = &HostApi::alloc;
  t.free = &HostApi::free;
  t.emit_tokens = &HostApi::emit_tokens;
  t.is_cancelled = &HostApi::is_cancelled;
  t.now_ns = &HostApi::now_ns;
}

const HostApi::State& HostApi::state_of(const sluice_host_api* host) {
  return *reinterpret_cast<const Block*>(host)->state;
}

void HostApi::log(const sluice_host_api* host, int32_t level, const char* message) {
  if (host == nullptr || message == nullptr) return;
  try {
    state_of(host).logger->log(to_spdlog(level), "{}", message);
  } catch (...) {
    // Logging must never take the plugin down; a lost line is the lesser harm.
  }
}

bool HostApi::log_enabled(const sluice_host_api* host, int32_t level) {
  return host != nullptr && state_of(host).logger->should_log(to_spdlog(level));
}

sluice_error* HostApi::error_new(const sluice_host_api*, sluice_status code, const char* message) {
  return new (std::nothrow) sluice_error_s{code, message != nullptr ? message : ""};
}

void HostApi::error_free(const sluice_host_api*, sluice_error* error) {
  delete error;
}

sluice_status HostApi::error_code(const sluice_host_api*, const sluice_error* error) {
  return error != nullptr ? error->code : SLUICE_OK;
}

const char* HostApi::error_message(const sluice_host_api*, const sluice_error* error) {
  return error != nullptr ? error->message.c_str() : "";
}

void* HostApi::alloc(const sluice_host_api*, size_t size, size_t alignment) {
  if (alignment == 0) alignment = 16;
  if ((alignment & (alignment - 1)) != 0) return nullptr;
  if (alignment < sizeof(void*)) alignment = sizeof(void*);
  void* ptr = nullptr;
  if (posix_memalign(&ptr, alignment, size == 0 ? 1 : size) != 0) return nullptr;
  return ptr;
}

void HostApi::free(const sluice_host_api*, void* ptr) {
  std::free(ptr);
}

sluice_status HostApi::emit_tokens(const sluice_host_api*, sluice_token_sink* sink,
                                   const sluice_token_event* events, size_t n_events) {
  if (sink == nullptr || (events == nullptr && n_events > 0)) return SLUICE_ERR_INVALID_ARG;
  try {
    return sink->on_tokens(events, n_events);
  } catch (const std::bad_alloc&) {
    return SLUICE_ERR_OUT_OF_MEMORY;
  } catch (...) {
    return SLUICE_ERR_INTERNAL;
  }
}

bool HostApi::is_cancelled(const sluice_host_api*, const sluice_cancel_token* token) {
  return token != nullptr && token->cancelled.load(std::memory_order_acquire);
}

uint64_t HostApi::now_ns(const sluice_host_api*) {
  return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::nanoseconds>(
                                   std::chrono::steady_clock::now().time_since_epoch())
                                   .count());
}

}  // namespace sluice::plugin_host
