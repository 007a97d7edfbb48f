// test-guardrail: a guardrail whose behaviour the tests steer through the prompt, to
// check how the host sees failures, exceptions and concurrent use.
//   prompt "fail"         -> SLUICE_ERR_INVALID_ARG with a message
//   prompt "throw"        -> throws std::runtime_error (contained by sluice::edge::guard)
//   prompt "oom"          -> throws std::bad_alloc
//   prompt "bogus-status" -> returns 12345, outside the closed status set
//   prompt with "deny"    -> SLUICE_GUARD_DENY, status 403
//   anything else         -> SLUICE_GUARD_ALLOW
// init fails when the configuration JSON contains "fail_init". finalize logs how many
// streams were left open.
#include <atomic>
#include <new>
#include <stdexcept>
#include <string>
#include <string_view>

#include "sluice/cpp/edge.hpp"
#include "sluice/guardrail.h"
#include "sluice/plugin.h"

namespace {
const sluice_host_api* g_host = nullptr;
std::atomic<int64_t> g_open_streams{0};
std::atomic<int64_t> g_live_instances{0};
}  // namespace

struct sluice_guardrail_s {
  std::atomic<uint64_t> chunks{0};
};

struct sluice_guard_stream_s {
  sluice_guardrail* owner = nullptr;
  std::string prompt;
  std::string reason;
};

namespace {

sluice_status init(const char* config_json, size_t config_size, sluice_error** out_err) {
  return sluice::edge::guard(g_host, out_err, [&] {
    if (std::string_view(config_json, config_size).find("fail_init") != std::string_view::npos) {
      return sluice::edge::fail(g_host, out_err, SLUICE_ERR_INVALID_ARG,
                                "init refused by configuration");
    }
    return SLUICE_OK;
  });
}

void finalize() {
  const std::string line =
      "test-guardrail finalize: open_streams=" + std::to_string(g_open_streams.load()) +
      " live_instances=" + std::to_string(g_live_instances.load());
  g_host->log(g_host, SLUICE_LOG_INFO, line.c_str());
}

sluice_status create(const char*, size_t, sluice_guardrail** out, sluice_error** out_err) {
  return sluice::edge::guard(g_host, out_err, [&] {
    *out = new sluice_guardrail();
    g_live_instances++;
    return SLUICE_OK;
  });
}

void destroy(sluice_guardrail* guardrail) {
  if (guardrail == nullptr) return;
  delete guardrail;
  g_live_instances--;
}

sluice_status stream_open(sluice_guardrail* guardrail, const sluice_guard_request* request,
                          sluice_guard_stream** out, sluice_error** out_err) {
  return sluice::edge::guard(g_host, out_err, [&] {
    auto* stream = new sluice_guard_stream();
    stream->owner = guardrail;
    stream->prompt.assign(request->prompt.data, request->prompt.size);
    g_open_streams++;
    *out = stream;
    return SLUICE_OK;
  });
}

void stream_close(sluice_guard_stream* stream) {
  if (stream == nullptr) return;
  delete stream;
  g_open_streams--;
}

sluice_status check_request(sluice_guard_stream* stream, sluice_guard_verdict* out,
                            sluice_error** out_err) {
  return sluice::edge::guard(g_host, out_err, [&]() -> sluice_status {
    const std::string& p = stream->prompt;
    if (p == "fail")
      return sluice::edge::fail(g_host, out_err, SLUICE_ERR_INVALID_ARG,
                                "prompt 'fail' is refused");
    if (p == "throw") throw std::runtime_error("thrown inside the plugin");
    if (p == "oom") throw std::bad_alloc();
    if (p == "bogus-status") return 12345;
    if (p.find("deny") != std::string::npos) {
      stream->reason = "the word 'deny' is not allowed";
      out->action = SLUICE_GUARD_DENY;
      out->http_status = 403;
      out->reason = sluice_str{stream->reason.data(), stream->reason.size()};
      return SLUICE_OK;
    }
    out->action = SLUICE_GUARD_ALLOW;
    return SLUICE_OK;
  });
}

sluice_status filter_output(sluice_guard_stream* stream, const sluice_guard_chunk*,
                            sluice_guard_output* out, sluice_error** out_err) {
  return sluice::edge::guard(g_host, out_err, [&] {
    stream->owner->chunks.fetch_add(1, std::memory_order_relaxed);
    out->action = SLUICE_GUARD_PASS;
    return SLUICE_OK;
  });
}

const sluice_guardrail_vtable g_vtable = [] {
  sluice_guardrail_vtable v{};
  v.struct_size = sizeof v;
  v.create = create;
  v.destroy = destroy;
  v.stream_open = stream_open;
  v.stream_close = stream_close;
  v.check_request = check_request;
  v.filter_output = filter_output;
  return v;
}();

const sluice_plugin_desc g_desc = [] {
  sluice_plugin_desc d{};
  d.struct_size = sizeof d;
  d.abi_version = SLUICE_ABI_VERSION;
  d.kind = SLUICE_KIND_GUARDRAIL;
  d.name = "test-guardrail";
  d.version = "0.0.1";
  d.init = init;
  d.finalize = finalize;
  d.vtable = &g_vtable;
  return d;
}();

}  // namespace

extern "C" SLUICE_EXPORT const sluice_plugin_desc* SLUICE_CALL
sluice_plugin_entry(const sluice_host_api* host, uint32_t) {
  g_host = host;
  return &g_desc;
}
