// test-filter-guardrail: a guardrail with simple, predictable policies, so the host's
// chain (runtime/server/guardrail_chain) can be tested through the real C ABI. Config:
//   "deny":   requests containing this word are denied with 403
//   "from"/"to": requests containing `from` are rewritten with `to` in its place
//   "word":   output containing this word is redacted to "[X]" ("mode": "redact") or
//             stopped before it ("mode": "stop"); a suffix that may start it is held back
// Every on_complete writes one log line: "complete status=S finish=F decisions=N
// response=TEXT", so tests can see what the host told the chain.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "sluice/cpp/edge.hpp"
#include "sluice/guardrail.h"
#include "sluice/plugin.h"

namespace {
const sluice_host_api* g_host = nullptr;

std::string str(const sluice_str& s) {
  return s.data ? std::string(s.data, s.size) : std::string();
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  if (from.empty()) return text;
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size()))
    text.replace(at, from.size(), to);
  return text;
}
}  // namespace

struct sluice_guardrail_s {
  std::string deny, from, to, word, mode = "redact";
};

struct sluice_guard_stream_s {
  const sluice_guardrail* policy = nullptr;
  std::vector<std::string> roles, contents;
  std::string prompt;
  bool chat = false;
  std::vector<sluice_guard_message> out_messages;  // a rewrite, alive until the next call
  std::string out_prompt, pending, released, reason;
};

namespace {

sluice_status create(const char* json, size_t size, sluice_guardrail** out, sluice_error** err) {
  return sluice::edge::guard(g_host, err, [&] {
    const auto config = nlohmann::json::parse(std::string(json, size));
    auto* g = new sluice_guardrail();
    g->deny = config.value("deny", "");
    g->from = config.value("from", "");
    g->to = config.value("to", "");
    g->word = config.value("word", "");
    g->mode = config.value("mode", "redact");
    *out = g;
    return SLUICE_OK;
  });
}

void destroy(sluice_guardrail* g) {
  delete g;
}

sluice_status stream_open(sluice_guardrail* g, const sluice_guard_request* r,
                          sluice_guard_stream** out, sluice_error** err) {
  return sluice::edge::guard(g_host, err, [&] {
    auto* s = new sluice_guard_stream();
    s->policy = g;
    s->chat = r->messages != nullptr;
    for (size_t i = 0; i < r->n_messages; ++i) {
      const auto* m = SLUICE_ARRAY_ELEM(sluice_guard_message, r->messages, i);
      s->roles.push_back(str(m->role));
      s->contents.push_back(str(m->content));
    }
    s->prompt = str(r->prompt);
    *out = s;
    return SLUICE_OK;
  });
}

void stream_close(sluice_guard_stream* s) {
  delete s;
}

sluice_status check_request(sluice_guard_stream* s, sluice_guard_verdict* out, sluice_error** err) {
  return sluice::edge::guard(g_host, err, [&] {
    const sluice_guardrail& p = *s->policy;
    std::vector<std::string*> texts;
    for (auto& c : s->contents) texts.push_back(&c);
    if (!s->chat) texts.push_back(&s->prompt);
    bool rewrite = false;
    for (auto* t : texts) {
      if (!p.deny.empty() && t->find(p.deny) != std::string::npos) {
        out->action = SLUICE_GUARD_DENY;
        out->http_status = 403;
        s->reason = "found " + p.deny;
        out->reason = {s->reason.data(), s->reason.size()};
        return SLUICE_OK;
      }
      if (!p.from.empty() && t->find(p.from) != std::string::npos) {
        *t = replace_all(*t, p.from, p.to);
        rewrite = true;
      }
    }
    out->action = rewrite ? SLUICE_GUARD_REWRITE : SLUICE_GUARD_ALLOW;
    if (rewrite) {
      s->reason = "rewrote " + p.from;
      out->reason = {s->reason.data(), s->reason.size()};
      s->out_messages.resize(s->contents.size());
      for (size_t i = 0; i < s->contents.size(); ++i) {
        SLUICE_INIT(sluice_guard_message, &s->out_messages[i]);
        s->out_messages[i].role = {s->roles[i].data(), s->roles[i].size()};
        s->out_messages[i].content = {s->contents[i].data(), s->contents[i].size()};
      }
      out->messages = s->out_messages.data();
      out->n_messages = s->out_messages.size();
      out->prompt = {s->prompt.data(), s->prompt.size()};
    }
    return SLUICE_OK;
  });
}

sluice_status filter_output(sluice_guard_stream* s, const sluice_guard_chunk* chunk,
                            sluice_guard_output* out, sluice_error** err) {
  return sluice::edge::guard(g_host, err, [&] {
    const std::string& word = s->policy->word;
    const bool final = (chunk->flags & SLUICE_GUARD_CHUNK_FINAL) != 0;
    if (word.empty()) {
      out->action = SLUICE_GUARD_PASS;
      return SLUICE_OK;
    }
    std::string text = s->pending + str(chunk->text);
    s->pending.clear();
    const size_t at = text.find(word);
    if (at != std::string::npos) {
      if (s->policy->mode == "stop") {
        s->released = text.substr(0, at);
        out->action = SLUICE_GUARD_STOP;
      } else {
        s->released = text.substr(0, at) + "[X]";
        s->pending = text.substr(at + word.size());
        out->action = SLUICE_GUARD_REDACT;
      }
      s->reason = "word";
      out->reason = {s->reason.data(), s->reason.size()};
      out->text = {s->released.data(), s->released.size()};
      if (final && out->action == SLUICE_GUARD_REDACT) {
        s->released += replace_all(s->pending, word, "[X]");
        s->pending.clear();
        out->text = {s->released.data(), s->released.size()};
      }
      return SLUICE_OK;
    }
    // Hold back the longest suffix that could still become `word`.
    size_t hold = 0;
    if (!final) {
      for (size_t n = std::min(word.size() - 1, text.size()); n > 0; --n) {
        if (text.compare(text.size() - n, n, word, 0, n) == 0) {
          hold = n;
          break;
        }
      }
    }
    s->pending = text.substr(text.size() - hold);
    s->released = text.substr(0, text.size() - hold);
    out->action = SLUICE_GUARD_HOLD;
    out->text = {s->released.data(), s->released.size()};
    return SLUICE_OK;
  });
}

sluice_status on_complete(sluice_guard_stream* s, const sluice_guard_completion* done,
                          sluice_error** err) {
  (void)s;
  return sluice::edge::guard(g_host, err, [&] {
    size_t decisions = 0;
    if (SLUICE_HAS_FIELD(sluice_guard_completion, n_decisions, done->struct_size))
      decisions = done->n_decisions;
    const std::string line = "complete status=" + std::to_string(done->http_status) +
                             " finish=" + str(done->finish_reason) +
                             " decisions=" + std::to_string(decisions) +
                             " response=" + str(done->response_text);
    g_host->log(g_host, SLUICE_LOG_INFO, line.c_str());
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
  v.on_complete = on_complete;
  return v;
}();

const sluice_plugin_desc g_desc = [] {
  sluice_plugin_desc d{};
  d.struct_size = sizeof d;
  d.abi_version = SLUICE_ABI_VERSION;
  d.kind = SLUICE_KIND_GUARDRAIL;
  d.name = "test-filter-guardrail";
  d.version = "0.0.1";
  d.license = "Apache-2.0";
  d.description = "policies steered by configuration, for the guardrail chain tests";
  d.vtable = &g_vtable;
  return d;
}();

}  // namespace

extern "C" SLUICE_EXPORT const sluice_plugin_desc* SLUICE_CALL
sluice_plugin_entry(const sluice_host_api* host, uint32_t) {
  g_host = host;
  return &g_desc;
}
