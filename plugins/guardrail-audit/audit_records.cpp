#include "audit_records.hpp"

#include <chrono>
#include <ctime>
#include <string_view>

#include "json_text.hpp"
#include "sha256_hex.hpp"

namespace sluice_audit {
namespace {

std::string_view view(const sluice_str& s) {
  return s.data != nullptr ? std::string_view(s.data, s.size) : std::string_view();
}

// Chats are rendered (and hashed) as the compact JSON array text mode writes.
std::string messages_json(const sluice_guard_request& request) {
  std::string out = "[";
  for (size_t i = 0; i < request.n_messages; ++i) {
    const auto* m = SLUICE_ARRAY_ELEM(sluice_guard_message, request.messages, i);
    if (i != 0) out += ',';
    out += '{';
    append_string_field(out, "role", view(m->role));
    out += ',';
    append_string_field(out, "content", view(m->content));
    out += '}';
  }
  out += ']';
  return out;
}

const char* stage_name(int32_t stage) {
  switch (stage) {
    case SLUICE_GUARD_STAGE_REQUEST: return "request";
    case SLUICE_GUARD_STAGE_OUTPUT: return "output";
    default: return "unknown";
  }
}

std::string action_name(int32_t stage, int32_t action) {
  if (stage == SLUICE_GUARD_STAGE_REQUEST) {
    switch (action) {
      case SLUICE_GUARD_ALLOW: return "allow";
      case SLUICE_GUARD_DENY: return "deny";
      case SLUICE_GUARD_REWRITE: return "rewrite";
    }
  } else if (stage == SLUICE_GUARD_STAGE_OUTPUT) {
    switch (action) {
      case SLUICE_GUARD_PASS: return "pass";
      case SLUICE_GUARD_HOLD: return "hold";
      case SLUICE_GUARD_REDACT: return "redact";
      case SLUICE_GUARD_STOP: return "stop";
    }
  }
  return "unknown(" + std::to_string(action) + ")";
}

// The request's outcome in one word: the most severe decision taken on it.
const char* request_outcome(const sluice_guard_completion& done,
                            const std::vector<const sluice_guard_decision*>& decisions) {
  bool denied = view(done.finish_reason) == "denied";
  bool stopped = false, redacted = false, rewritten = false;
  for (const auto* d : decisions) {
    if (d->stage == SLUICE_GUARD_STAGE_REQUEST) {
      denied = denied || d->action == SLUICE_GUARD_DENY;
      rewritten = rewritten || d->action == SLUICE_GUARD_REWRITE;
    } else if (d->stage == SLUICE_GUARD_STAGE_OUTPUT) {
      stopped = stopped || d->action == SLUICE_GUARD_STOP;
      redacted = redacted || d->action == SLUICE_GUARD_REDACT;
    }
  }
  if (denied) return "denied";
  if (stopped) return "stopped";
  if (redacted) return "redacted";
  if (rewritten) return "rewritten";
  return "allowed";
}

void append_common(std::string& out, const char* type, const std::string& time,
                   const RequestRecord& request) {
  append_string_field(out, "time", time);
  out += ',';
  append_string_field(out, "type", type);
  out += ',';
  out += request.identity;
}

void append_int_field(std::string& out, const char* key, long long value) {
  out += ",\"";
  out += key;
  out += "\":";
  out += std::to_string(value);
}

void append_ms_field(std::string& out, const char* key, uint64_t ns) {
  out += ",\"";
  out += key;
  out += "\":";
  append_ms(out, ns);
}

void append_content(std::string& out, const RequestRecord& request, ContentMode content,
                    std::string_view response) {
  if (content == ContentMode::none) return;
  out += ',';
  out += request.prompt;
  out += ',';
  if (content == ContentMode::hash) {
    append_string_field(out, "response_sha256", sha256_hex(response));
  } else {
    append_string_field(out, "response", response);
  }
}

}  // namespace

RequestRecord record_request(const sluice_guard_request& request, ContentMode content) {
  RequestRecord record;
  std::string& id = record.identity;
  append_string_field(id, "request_id", view(request.request_id));
  id += ',';
  append_string_field(id, "tenant", view(request.tenant));
  id += ',';
  append_string_field(id, "model", view(request.model));
  id += ',';
  append_string_field(id, "route", view(request.route));

  const bool chat = request.messages != nullptr;
  if (content == ContentMode::hash) {
    const std::string digest =
        chat ? sha256_hex(messages_json(request)) : sha256_hex(view(request.prompt));
    append_string_field(record.prompt, "prompt_sha256", digest);
  } else if (content == ContentMode::text) {
    if (chat) {
      record.prompt = "\"messages\":" + messages_json(request);
    } else {
      append_string_field(record.prompt, "prompt", view(request.prompt));
    }
  }
  return record;
}

std::string utc_timestamp() {
  const auto now = std::chrono::system_clock::now();
  const auto ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  const std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buffer[40];
  const size_t n = std::strftime(buffer, sizeof buffer, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(buffer + n, sizeof buffer - n, ".%03dZ", static_cast<int>(ms % 1000));
  return buffer;
}

std::vector<std::string> completion_bodies(const RequestRecord& request,
                                           const sluice_guard_completion& done, ContentMode content,
                                           const std::string& time) {
  std::vector<const sluice_guard_decision*> decisions;
  if (SLUICE_HAS_FIELD(sluice_guard_completion, n_decisions, done.struct_size) &&
      done.decisions != nullptr) {
    for (size_t i = 0; i < done.n_decisions; ++i) {
      const auto* d = SLUICE_ARRAY_ELEM(sluice_guard_decision, done.decisions, i);
      if (SLUICE_HAS_FIELD(sluice_guard_decision, reason, d->struct_size)) decisions.push_back(d);
    }
  }
  std::vector<std::string> bodies;
  bodies.reserve(decisions.size() + 1);
  for (const auto* d : decisions) {
    std::string body;
    append_common(body, "decision", time, request);
    body += ',';
    append_string_field(body, "guardrail", view(d->guardrail));
    body += ',';
    append_string_field(body, "stage", stage_name(d->stage));
    body += ',';
    append_string_field(body, "decision", action_name(d->stage, d->action));
    body += ',';
    append_string_field(body, "reason", view(d->reason));
    bodies.push_back(std::move(body));
  }

  std::string body;
  body.reserve(512 + request.prompt.size() +
               (content == ContentMode::text ? done.response_text.size : 0));
  append_common(body, "request", time, request);
  append_int_field(body, "http_status", done.http_status);
  body += ',';
  append_string_field(body, "decision", request_outcome(done, decisions));
  body += ',';
  append_string_field(body, "finish_reason", view(done.finish_reason));
  append_int_field(body, "prompt_tokens", done.n_prompt_tokens);
  append_int_field(body, "completion_tokens", done.n_completion_tokens);
  append_ms_field(body, "queue_ms", done.queue_ns);
  append_ms_field(body, "prompt_ms", done.prompt_ns);
  append_ms_field(body, "generation_ms", done.generation_ns);
  append_ms_field(body, "ttft_ms", done.time_to_first_token_ns);
  append_content(body, request, content, view(done.response_text));
  bodies.push_back(std::move(body));
  return bodies;
}

std::string unfinished_request_body(const RequestRecord& request, ContentMode content,
                                    const std::string& time) {
  std::string body;
  append_common(body, "request", time, request);
  append_int_field(body, "http_status", 0);
  body += ",\"decision\":\"unknown\",\"finish_reason\":\"incomplete\"";
  if (content != ContentMode::none) {  // the response is unknown: only the prompt
    body += ',';
    body += request.prompt;
  }
  return body;
}

std::string recovery_body(const std::string& time, uint64_t truncated_bytes,
                          const std::string& truncated_sha256) {
  std::string body;
  append_string_field(body, "time", time);
  body += ",\"type\":\"recovery\"";
  append_int_field(body, "truncated_bytes", static_cast<long long>(truncated_bytes));
  body += ',';
  append_string_field(body, "truncated_sha256", truncated_sha256);
  return body;
}

}  // namespace sluice_audit
