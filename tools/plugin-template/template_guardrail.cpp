// template-guardrail: allows every request and passes every chunk, counting what it saw.
// Written in C++: every slot body runs inside sluice::edge::guard, so no exception ever
// crosses the C ABI. Replace check_request and filter_output with your policy.
#include <atomic>
#include <new>
#include <string>

#include "sluice/cpp/edge.hpp"
#include "sluice/guardrail.h"
#include "sluice/plugin.h"

namespace {

const sluice_host_api* g_host = nullptr;

}  // namespace

struct sluice_guardrail_s {
  std::atomic<uint64_t> requests{0};
};

struct sluice_guard_stream_s {
  sluice_guardrail* owner = nullptr;
  std::string model;
  size_t output_bytes = 0;
};

namespace {

sluice_status create(const char*, size_t, sluice_guardrail** out, sluice_error** out_err) {
  return sluice::edge::guard(g_host, out_err, [&] {
    *out = new sluice_guardrail();
    return SLUICE_OK;
  });
}

void destroy(sluice_guardrail* guardrail) {
  delete guardrail;
}

sluice_status stream_open(sluice_guardrail* guardrail, const sluice_guard_request* request,
                          sluice_guard_stream** out, sluice_error** out_err) {
  return sluice::edge::guard(g_host, out_err, [&] {
    auto* stream = new sluice_guard_stream();
    stream->owner = guardrail;
    stream->model.assign(request->model.data, request->model.size);
    guardrail->requests.fetch_add(1, std::memory_order_relaxed);
    *out = stream;
    return SLUICE_OK;
  });
}

void stream_close(sluice_guard_stream* stream) {
  delete stream;
}

sluice_status check_request(sluice_guard_stream*, sluice_guard_verdict* out,
                            sluice_error** out_err) {
  return sluice::edge::guard(g_host, out_err, [&] {
    out->action = SLUICE_GUARD_ALLOW;
    return SLUICE_OK;
  });
}

sluice_status filter_output(sluice_guard_stream* stream, const sluice_guard_chunk* chunk,
                            sluice_guard_output* out, sluice_error** out_err) {
  return sluice::edge::guard(g_host, out_err, [&] {
    stream->output_bytes += chunk->text.size;
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
  d.name = "template-guardrail";
  d.version = "1.0.0";
  d.license = "Apache-2.0";
  d.description = "template: allows everything, passes every chunk";
  d.vtable = &g_vtable;
  return d;
}();

}  // namespace

extern "C" SLUICE_EXPORT const sluice_plugin_desc* SLUICE_CALL
sluice_plugin_entry(const sluice_host_api* host, uint32_t host_abi_version) {
  if (SLUICE_VERSION_MAJOR(host_abi_version) != SLUICE_ABI_VERSION_MAJOR) return nullptr;
  g_host = host;
  return &g_desc;
}
