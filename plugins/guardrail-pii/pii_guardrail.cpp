// pii: the C ABI glue of the guardrail that finds personal data and secrets (e-mail
// addresses, phone numbers, payment cards, IBANs, US SSNs, IP addresses, credentials) in
// requests and streamed output and redacts, masks or refuses them.
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "pii_output_filter.hpp"
#include "pii_policy.hpp"
#include "pii_redaction.hpp"
#include "pii_scanner.hpp"
#include "sluice/cpp/edge.hpp"
#include "sluice/guardrail.h"
#include "sluice/plugin.h"

namespace {

const sluice_host_api* g_host = nullptr;
// The configuration the plugin was loaded with ([plugin.pii.config] through init): the
// defaults each instance's own configuration overrides key by key. Written only by
// init and finalize, on the control thread, while no instance exists.
std::string g_defaults;

std::string_view view(const sluice_str& s) {
  return s.data != nullptr ? std::string_view(s.data, s.size) : std::string_view();
}

sluice_str str(std::string_view s) {
  return sluice_str{s.data(), s.size()};
}

}  // namespace

struct sluice_guardrail_s {
  explicit sluice_guardrail_s(const sluice_pii::Policy& p)
      : policy(p), scanner(p.enabled, p.detect) {}

  sluice_pii::Policy policy;
  sluice_pii::Scanner scanner;
};

struct sluice_guard_stream_s {
  explicit sluice_guard_stream_s(const sluice_guardrail_s& g)
      : owner(&g), filter(g.scanner, g.policy) {}

  struct Turn {
    std::string role;
    std::string content;
  };

  const sluice_guardrail_s* owner;
  // The request, copied at stream_open: it is borrowed only for that call.
  std::vector<Turn> turns;
  std::string prompt;
  // What check_request returned; kept until the next call on the stream or its close.
  std::vector<std::string> rewritten;
  std::vector<sluice_guard_message> rewritten_turns;
  std::string rewritten_prompt;
  std::string reason;
  sluice_pii::OutputFilter filter;
};

namespace {

using sluice::edge::fail;
using sluice::edge::guard;

sluice_status SLUICE_CALL init(const char* config_json, size_t config_size,
                               sluice_error** out_err) {
  return guard(g_host, out_err, [&] {
    std::string defaults = config_json != nullptr ? std::string(config_json, config_size) : "";
    try {
      (void)sluice_pii::parse_policy(defaults);  // refuse a bad configuration at load time
    } catch (const sluice_pii::ConfigError& e) {
      return fail(g_host, out_err, SLUICE_ERR_INVALID_ARG, e.what());
    }
    g_defaults = std::move(defaults);
    return SLUICE_OK;
  });
}

void SLUICE_CALL finalize() {
  g_defaults.clear();
  g_defaults.shrink_to_fit();
}

sluice_status SLUICE_CALL create(const char* config_json, size_t config_size,
                                 sluice_guardrail** out, sluice_error** out_err) {
  return guard(g_host, out_err, [&] {
    if (out == nullptr) return fail(g_host, out_err, SLUICE_ERR_INVALID_ARG, "pii: out is NULL");
    sluice_pii::Policy policy;
    try {
      policy = sluice_pii::parse_policy(
          config_json != nullptr ? std::string_view(config_json, config_size) : std::string_view(),
          g_defaults);
    } catch (const sluice_pii::ConfigError& e) {
      return fail(g_host, out_err, SLUICE_ERR_INVALID_ARG, e.what());
    }
    *out = new sluice_guardrail_s(policy);
    return SLUICE_OK;
  });
}

void SLUICE_CALL destroy(sluice_guardrail* guardrail) {
  delete guardrail;
}

sluice_status SLUICE_CALL stream_open(sluice_guardrail* guardrail,
                                      const sluice_guard_request* request,
                                      sluice_guard_stream** out, sluice_error** out_err) {
  return guard(g_host, out_err, [&] {
    if (guardrail == nullptr || request == nullptr || out == nullptr) {
      return fail(g_host, out_err, SLUICE_ERR_INVALID_ARG,
                  "pii: stream_open needs a guardrail, a request and an out pointer");
    }
    auto stream = std::make_unique<sluice_guard_stream_s>(*guardrail);
    if (guardrail->policy.scan_prompt) {
      const uint32_t size = request->struct_size;
      if (SLUICE_HAS_FIELD(sluice_guard_request, n_messages, size) &&
          request->messages != nullptr) {
        stream->turns.reserve(request->n_messages);
        for (size_t i = 0; i < request->n_messages; ++i) {
          const auto* message = SLUICE_ARRAY_ELEM(sluice_guard_message, request->messages, i);
          sluice_guard_stream_s::Turn turn;
          if (SLUICE_HAS_FIELD(sluice_guard_message, role, message->struct_size)) {
            turn.role = view(message->role);
          }
          if (SLUICE_HAS_FIELD(sluice_guard_message, content, message->struct_size)) {
            turn.content = view(message->content);
          }
          stream->turns.push_back(std::move(turn));
        }
      }
      if (SLUICE_HAS_FIELD(sluice_guard_request, prompt, size)) {
        stream->prompt = view(request->prompt);
      }
    }
    *out = stream.release();
    return SLUICE_OK;
  });
}

void SLUICE_CALL stream_close(sluice_guard_stream* stream) {
  delete stream;
}

// Writes the fields of the verdict that the caller's struct_size covers.
void write_verdict(sluice_guard_verdict* out, int32_t action, int32_t http_status,
                   std::string_view reason, const sluice_guard_message* messages, size_t n_messages,
                   std::string_view prompt) {
  const uint32_t size = out->struct_size;
  if (SLUICE_HAS_FIELD(sluice_guard_verdict, action, size)) out->action = action;
  if (SLUICE_HAS_FIELD(sluice_guard_verdict, http_status, size)) out->http_status = http_status;
  if (SLUICE_HAS_FIELD(sluice_guard_verdict, reason, size)) out->reason = str(reason);
  if (SLUICE_HAS_FIELD(sluice_guard_verdict, messages, size)) out->messages = messages;
  if (SLUICE_HAS_FIELD(sluice_guard_verdict, n_messages, size)) out->n_messages = n_messages;
  if (SLUICE_HAS_FIELD(sluice_guard_verdict, prompt, size)) out->prompt = str(prompt);
}

sluice_status SLUICE_CALL check_request(sluice_guard_stream* stream, sluice_guard_verdict* out,
                                        sluice_error** out_err) {
  return guard(g_host, out_err, [&] {
    if (stream == nullptr || out == nullptr ||
        !SLUICE_HAS_FIELD(sluice_guard_verdict, action, out->struct_size)) {
      return fail(g_host, out_err, SLUICE_ERR_INVALID_ARG,
                  "pii: check_request needs a stream and a verdict");
    }
    const sluice_guardrail_s& g = *stream->owner;
    stream->rewritten.resize(stream->turns.size());
    stream->rewritten_turns.clear();
    stream->rewritten_prompt.clear();
    stream->reason.clear();

    sluice_pii::KindSet found;
    sluice_pii::KindSet denied;
    bool changed = false;
    const auto merge = [&](const sluice_pii::TextFindings& f) {
      for (sluice_pii::Kind kind : sluice_pii::kReportOrder) {
        if (f.found.contains(kind)) found.add(kind);
        if (f.denied.contains(kind)) denied.add(kind);
      }
      changed = changed || f.changed;
    };
    for (size_t i = 0; i < stream->turns.size(); ++i) {
      merge(sluice_pii::redact_text(g.scanner, g.policy, stream->turns[i].content,
                                    stream->rewritten[i]));
    }
    const bool has_prompt = !stream->prompt.empty();
    if (has_prompt) {
      merge(sluice_pii::redact_text(g.scanner, g.policy, stream->prompt, stream->rewritten_prompt));
    }

    if (!denied.empty()) {
      stream->reason = "pii: " + denied.describe();
      write_verdict(out, SLUICE_GUARD_DENY, 400, stream->reason, nullptr, 0, {});
    } else if (changed) {
      stream->reason = "pii: " + found.describe();
      for (size_t i = 0; i < stream->turns.size(); ++i) {
        sluice_guard_message message;
        SLUICE_INIT(sluice_guard_message, &message);
        message.role = str(stream->turns[i].role);
        message.content = str(stream->rewritten[i]);
        stream->rewritten_turns.push_back(message);
      }
      write_verdict(out, SLUICE_GUARD_REWRITE, 0, stream->reason,
                    stream->rewritten_turns.empty() ? nullptr : stream->rewritten_turns.data(),
                    stream->rewritten_turns.size(),
                    has_prompt ? std::string_view(stream->rewritten_prompt) : std::string_view());
    } else {
      write_verdict(out, SLUICE_GUARD_ALLOW, 0, {}, nullptr, 0, {});
    }
    return SLUICE_OK;
  });
}

int32_t to_abi(sluice_pii::OutputFilter::Action action) {
  switch (action) {
    case sluice_pii::OutputFilter::Action::pass: return SLUICE_GUARD_PASS;
    case sluice_pii::OutputFilter::Action::hold: return SLUICE_GUARD_HOLD;
    case sluice_pii::OutputFilter::Action::redact: return SLUICE_GUARD_REDACT;
    case sluice_pii::OutputFilter::Action::stop: return SLUICE_GUARD_STOP;
  }
  return SLUICE_GUARD_STOP;
}

sluice_status SLUICE_CALL filter_output(sluice_guard_stream* stream,
                                        const sluice_guard_chunk* chunk, sluice_guard_output* out,
                                        sluice_error** out_err) {
  return guard(g_host, out_err, [&] {
    if (stream == nullptr || chunk == nullptr || out == nullptr ||
        !SLUICE_HAS_FIELD(sluice_guard_chunk, text, chunk->struct_size) ||
        !SLUICE_HAS_FIELD(sluice_guard_output, text, out->struct_size)) {
      return fail(g_host, out_err, SLUICE_ERR_INVALID_ARG,
                  "pii: filter_output needs a stream, a chunk and an output");
    }
    if (!stream->owner->policy.scan_output) {
      out->action = SLUICE_GUARD_PASS;
      return SLUICE_OK;
    }
    const bool final = (chunk->flags & SLUICE_GUARD_CHUNK_FINAL) != 0;
    const auto step = stream->filter.feed(view(chunk->text), final);
    out->action = to_abi(step.action);
    out->text = str(step.text);
    if (SLUICE_HAS_FIELD(sluice_guard_output, reason, out->struct_size)) {
      out->reason = str(step.reason);
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
  v.filter_output = filter_output;
  return v;
}();

const sluice_plugin_desc g_desc = [] {
  sluice_plugin_desc d{};
  d.struct_size = sizeof d;
  d.abi_version = SLUICE_ABI_VERSION;
  d.kind = SLUICE_KIND_GUARDRAIL;
  d.name = "pii";
  d.version = "1.0.0";
  d.license = "Apache-2.0";
  d.description =
      "finds e-mails, phones, cards, IBANs, SSNs, IPs and secrets; redacts, masks or denies";
  d.init = init;
  d.finalize = finalize;
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
