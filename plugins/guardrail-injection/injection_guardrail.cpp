// injection: the C ABI glue around Detector (rules and heuristics) and
// ControlTokenNeutralizer. check_request denies a request whose injection score reaches the
// threshold, and rewrites one whose non-system text holds chat-template control tokens.
#include <algorithm>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "control_tokens.hpp"
#include "injection_config.hpp"
#include "injection_detector.hpp"
#include "sluice/cpp/edge.hpp"
#include "sluice/guardrail.h"
#include "sluice/plugin.h"

namespace {

const sluice_host_api* g_host = nullptr;

std::string to_string(sluice_str s) {
  return s.data != nullptr ? std::string(s.data, s.size) : std::string();
}

sluice_str view(const std::string& s) {
  return sluice_str{s.data(), s.size()};
}

void log_line(int32_t level, const std::string& message) {
  if (g_host == nullptr || g_host->log == nullptr) return;
  if (g_host->log_enabled != nullptr && !g_host->log_enabled(g_host, level)) return;
  g_host->log(g_host, level, message.c_str());
}

}  // namespace

struct sluice_guardrail_s {
  explicit sluice_guardrail_s(sluice_injection::Config c)
      : config(std::move(c)), detector(config.signals), neutralizer(config.extra_control_tokens) {}

  bool scans(const std::string& role) const {
    return std::find(config.roles.begin(), config.roles.end(), role) != config.roles.end();
  }

  sluice_injection::Config config;
  sluice_injection::Detector detector;
  sluice_injection::ControlTokenNeutralizer neutralizer;
};

// The request as copied at stream_open, and what check_request hands back (kept alive here
// until the next call on the stream or its close, as guardrail.h requires).
struct sluice_guard_stream_s {
  const sluice_guardrail* owner = nullptr;
  std::string request_id;
  bool chat = false;
  std::vector<std::string> roles;
  std::vector<std::string> contents;
  std::string prompt;

  std::vector<std::string> rewritten;  // per message, then the prompt; empty: unchanged
  std::vector<sluice_guard_message> out_messages;
  std::string reason;
};

namespace {

sluice_status SLUICE_CALL create(const char* config_json, size_t config_size,
                                 sluice_guardrail** out, sluice_error** out_err) {
  return sluice::edge::guard(g_host, out_err, [&] {
    try {
      auto config = sluice_injection::parse_config(
          config_json != nullptr ? std::string_view(config_json, config_size) : "{}");
      *out = new sluice_guardrail(std::move(config));
    } catch (const sluice_injection::ConfigError& e) {
      return sluice::edge::fail(g_host, out_err, SLUICE_ERR_INVALID_ARG,
                                (std::string("injection: ") + e.what()).c_str());
    }
    return SLUICE_OK;
  });
}

void SLUICE_CALL destroy(sluice_guardrail* guardrail) {
  delete guardrail;
}

sluice_status SLUICE_CALL stream_open(sluice_guardrail* guardrail,
                                      const sluice_guard_request* request,
                                      sluice_guard_stream** out, sluice_error** out_err) {
  return sluice::edge::guard(g_host, out_err, [&] {
    if (request == nullptr || !SLUICE_HAS_FIELD(sluice_guard_request, prompt, request->struct_size))
      return sluice::edge::fail(g_host, out_err, SLUICE_ERR_ABI_MISMATCH,
                                "injection: sluice_guard_request is too small");
    if (request->messages == nullptr && request->n_messages > 0)
      return sluice::edge::fail(g_host, out_err, SLUICE_ERR_INVALID_ARG,
                                "injection: n_messages > 0 but messages is NULL");
    auto stream = std::make_unique<sluice_guard_stream>();
    stream->owner = guardrail;
    stream->request_id = to_string(request->request_id);
    stream->chat = request->messages != nullptr;
    for (size_t i = 0; i < request->n_messages; ++i) {
      const auto* message = SLUICE_ARRAY_ELEM(sluice_guard_message, request->messages, i);
      if (!SLUICE_HAS_FIELD(sluice_guard_message, content, message->struct_size))
        return sluice::edge::fail(g_host, out_err, SLUICE_ERR_ABI_MISMATCH,
                                  "injection: sluice_guard_message is too small");
      stream->roles.push_back(to_string(message->role));
      stream->contents.push_back(to_string(message->content));
    }
    stream->prompt = to_string(request->prompt);
    *out = stream.release();
    return SLUICE_OK;
  });
}

void SLUICE_CALL stream_close(sluice_guard_stream* stream) {
  delete stream;
}

sluice_status SLUICE_CALL check_request(sluice_guard_stream* stream, sluice_guard_verdict* out,
                                        sluice_error** out_err) {
  return sluice::edge::guard(g_host, out_err, [&] {
    if (!SLUICE_HAS_FIELD(sluice_guard_verdict, prompt, out->struct_size))
      return sluice::edge::fail(g_host, out_err, SLUICE_ERR_ABI_MISMATCH,
                                "injection: sluice_guard_verdict is too small");
    const sluice_guardrail& guardrail = *stream->owner;
    const size_t n = stream->contents.size();
    stream->rewritten.assign(n + 1, std::string());
    stream->out_messages.clear();
    stream->reason.clear();

    sluice_injection::Detector::Scan scan(guardrail.detector);
    int neutralised = 0;
    for (size_t i = 0; i < n; ++i) {
      if (guardrail.scans(stream->roles[i])) scan.add(stream->contents[i]);
      // System text comes from the operator's side; everything else may come from a user.
      if (stream->roles[i] != "system")
        neutralised += guardrail.neutralizer.neutralize(stream->contents[i], stream->rewritten[i]);
    }
    if (!stream->prompt.empty()) {
      if (guardrail.scans("user")) scan.add(stream->prompt);
      neutralised += guardrail.neutralizer.neutralize(stream->prompt, stream->rewritten[n]);
    }

    const double score = scan.score();
    std::string injection;
    if (scan.any() && score >= guardrail.config.threshold)
      injection = "prompt injection: " + scan.fired_names();
    if (!injection.empty() && guardrail.config.deny) {
      stream->reason = injection;
      out->action = SLUICE_GUARD_DENY;
      out->http_status = guardrail.config.deny_status;
      out->reason = view(stream->reason);
      return SLUICE_OK;
    }
    if (!injection.empty()) {
      char score_text[32];
      std::snprintf(score_text, sizeof score_text, "%.2f", score);
      log_line(SLUICE_LOG_WARN, "request " + stream->request_id + ": " + injection + " (score " +
                                    score_text + ", action log: allowed)");
    }
    if (neutralised == 0) {
      stream->reason = injection.empty() ? "" : injection + " (logged)";
      out->action = SLUICE_GUARD_ALLOW;
      out->reason = view(stream->reason);
      return SLUICE_OK;
    }

    stream->reason = "neutralised " + std::to_string(neutralised) + " chat-template control token" +
                     (neutralised == 1 ? "" : "s");
    if (!injection.empty()) stream->reason += "; " + injection + " (logged)";
    out->action = SLUICE_GUARD_REWRITE;
    out->reason = view(stream->reason);
    if (stream->chat) {
      stream->out_messages.resize(n);
      for (size_t i = 0; i < n; ++i) {
        sluice_guard_message& message = stream->out_messages[i];
        SLUICE_INIT(sluice_guard_message, &message);
        message.role = view(stream->roles[i]);
        message.content =
            view(stream->rewritten[i].empty() ? stream->contents[i] : stream->rewritten[i]);
      }
      out->messages = stream->out_messages.data();
      out->n_messages = n;
    }
    if (!stream->prompt.empty())
      out->prompt = view(stream->rewritten[n].empty() ? stream->prompt : stream->rewritten[n]);
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
  v.filter_output = nullptr;  // injection looks at prompts only
  v.on_complete = nullptr;
  return v;
}();

const sluice_plugin_desc g_desc = [] {
  sluice_plugin_desc d{};
  d.struct_size = sizeof d;
  d.abi_version = SLUICE_ABI_VERSION;
  d.kind = SLUICE_KIND_GUARDRAIL;
  d.name = "injection";
  d.version = "1.0.0";
  d.license = "Apache-2.0";
  d.description = "blocks prompt injection and jailbreaks; neutralises chat-template tokens";
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
