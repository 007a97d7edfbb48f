// audit: the C ABI glue around AuditLogWriter (audit_log_writer.hpp). Allows every
// request; on completion appends one "decision" line per decision of the chain and one
// "request" line, hash-chained, with one write().
#include <memory>
#include <string>

#include "audit_config.hpp"
#include "audit_log_writer.hpp"
#include "audit_records.hpp"
#include "sluice/cpp/edge.hpp"
#include "sluice/guardrail.h"
#include "sluice/plugin.h"

namespace {

const sluice_host_api* g_host = nullptr;

void host_log(int32_t level, const std::string& message) {
  if (g_host != nullptr && g_host->log != nullptr) g_host->log(g_host, level, message.c_str());
}

}  // namespace

struct sluice_guardrail_s {
  sluice_audit::AuditConfig config;
  std::shared_ptr<sluice_audit::AuditLogWriter> writer;
};

struct sluice_guard_stream_s {
  sluice_guardrail* owner = nullptr;
  sluice_audit::RequestRecord request;
  bool completed = false;
};

namespace {

// Appends a request's lines, then syncs when the policy asks for it per line.
void record(sluice_guardrail& audit, const std::vector<std::string>& bodies) {
  audit.writer->append(bodies);
  if (audit.config.fsync == sluice_audit::FsyncPolicy::every_line) audit.writer->sync();
}

sluice_status SLUICE_CALL create(const char* config_json, size_t config_size,
                                 sluice_guardrail** out, sluice_error** out_err) {
  return sluice::edge::guard(g_host, out_err, [&] {
    auto audit = std::make_unique<sluice_guardrail>();
    try {
      audit->config = sluice_audit::parse_config(
          config_json != nullptr ? std::string(config_json, config_size) : "{}");
      audit->writer = sluice_audit::AuditLogWriter::open(audit->config.path, host_log);
    } catch (const sluice_audit::ConfigError& e) {
      return sluice::edge::fail(g_host, out_err, SLUICE_ERR_INVALID_ARG,
                                (std::string("audit config: ") + e.what()).c_str());
    } catch (const sluice_audit::OpenError& e) {
      return sluice::edge::fail(g_host, out_err, e.status,
                                (std::string("audit config: ") + e.what()).c_str());
    }
    if (audit->config.fsync == sluice_audit::FsyncPolicy::interval) {
      audit->writer->sync_every(audit->config.fsync_interval_ms);
    }
    *out = audit.release();
    return SLUICE_OK;
  });
}

void SLUICE_CALL destroy(sluice_guardrail* guardrail) {
  sluice::edge::guard_void(g_host, [&] { delete guardrail; });
}

sluice_status SLUICE_CALL stream_open(sluice_guardrail* guardrail,
                                      const sluice_guard_request* request,
                                      sluice_guard_stream** out, sluice_error** out_err) {
  return sluice::edge::guard(g_host, out_err, [&] {
    auto stream = std::make_unique<sluice_guard_stream>();
    stream->owner = guardrail;
    stream->request = sluice_audit::record_request(*request, guardrail->config.content);
    *out = stream.release();
    return SLUICE_OK;
  });
}

// A stream that never heard on_complete still leaves its request in the log.
void SLUICE_CALL stream_close(sluice_guard_stream* stream) {
  if (stream == nullptr) return;
  sluice::edge::guard_void(g_host, [&] {
    if (!stream->completed) {
      sluice_guardrail& audit = *stream->owner;
      record(audit, {sluice_audit::unfinished_request_body(stream->request, audit.config.content,
                                                           sluice_audit::utc_timestamp())});
    }
  });
  delete stream;
}

sluice_status SLUICE_CALL check_request(sluice_guard_stream*, sluice_guard_verdict* out,
                                        sluice_error** out_err) {
  return sluice::edge::guard(g_host, out_err, [&] {
    out->action = SLUICE_GUARD_ALLOW;
    return SLUICE_OK;
  });
}

sluice_status SLUICE_CALL on_complete(sluice_guard_stream* stream,
                                      const sluice_guard_completion* done, sluice_error** out_err) {
  return sluice::edge::guard(g_host, out_err, [&] {
    if (stream->completed) return SLUICE_OK;
    sluice_guardrail& audit = *stream->owner;
    const auto bodies = sluice_audit::completion_bodies(
        stream->request, *done, audit.config.content, sluice_audit::utc_timestamp());
    stream->completed = true;  // a failed write is reported here, not retried at close
    try {
      record(audit, bodies);
    } catch (const sluice_audit::WriteError& e) {
      return sluice::edge::fail(g_host, out_err, SLUICE_ERR_UNAVAILABLE,
                                (std::string("audit: ") + e.what()).c_str());
    }
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
  v.filter_output = nullptr;  // every chunk passes: the audit only records the outcome
  v.on_complete = on_complete;
  return v;
}();

const sluice_plugin_desc g_desc = [] {
  sluice_plugin_desc d{};
  d.struct_size = sizeof d;
  d.abi_version = SLUICE_ABI_VERSION;
  d.kind = SLUICE_KIND_GUARDRAIL;
  d.name = "audit";
  d.version = "1.0.0";
  d.license = "Apache-2.0";
  d.description = "hash-chained JSON-lines audit log of every request and guardrail decision";
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
