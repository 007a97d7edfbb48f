#include "server/guardrail_chain.hpp"

#include <stdexcept>

#include "plugin_host/plugin_error.hpp"

namespace sluice::server {
namespace {

sluice_str view_of(const std::string& s) {
  return sluice_str{s.data(), s.size()};
}

std::string text_of(const sluice_str& s) {
  return s.data != nullptr ? std::string(s.data, s.size) : std::string();
}

// The host reads a plugin-filled struct's fields only where the plugin's struct_size
// covers them; anything shorter than 1.0's layout is a broken plugin.
template <class T>
bool covers_v1_0(const T& value) {
  return value.struct_size >= sizeof(uint32_t) && value.struct_size <= sizeof(T) * 4;
}

}  // namespace

// ---------------------------------------------------------------------------------------
Guardrail::Guardrail(std::shared_ptr<plugin_host::PluginLibrary> library,
                     const std::string& config_json) {
  if (library->kind() != SLUICE_KIND_GUARDRAIL)
    throw std::runtime_error("plugin '" + library->name() + "' is not a guardrail");
  vt_ = &library->vtable<sluice_guardrail_vtable>();
  filters_output_ = library->has_slot(offsetof(sluice_guardrail_vtable, filter_output));
  has_on_complete_ = library->has_slot(offsetof(sluice_guardrail_vtable, on_complete));
  sluice_guardrail* handle = nullptr;
  sluice_error* error = nullptr;
  const sluice_status status =
      vt_->create(config_json.c_str(), config_json.size(), &handle, &error);  // before `error`
  const plugin_host::CallResult r = plugin_host::take_error(status, error);
  if (!r.ok()) {
    throw std::runtime_error("guardrail '" + library->name() + "' refused its configuration: " +
                             plugin_host::status_name(r.status) + ": " + r.message);
  }
  library_ = library;
  instance_ = plugin_host::PluginObject<sluice_guardrail>(std::move(library), handle, vt_->destroy);
}

const std::string& Guardrail::name() const {
  return instance_.library().name();
}

std::shared_ptr<GuardrailChain> make_guardrail_chain(const config::Config& config,
                                                     const plugin_host::PluginRegistry& plugins) {
  std::vector<std::shared_ptr<Guardrail>> entries;
  for (const auto& name : config.pipeline.guardrails) {
    auto library = plugins.find(name);
    if (!library)
      throw std::runtime_error("pipeline.guardrails: no plugin named '" + name + "' is loaded");
    const auto entry = config.plugin.find(name);
    const std::string config_json = entry != config.plugin.end() ? entry->second.config_json : "{}";
    try {
      entries.push_back(std::make_shared<Guardrail>(std::move(library), config_json));
    } catch (const std::exception& e) {
      throw std::runtime_error("pipeline.guardrails: " + std::string(e.what()));
    }
  }
  return std::make_shared<GuardrailChain>(std::move(entries));
}

// ---------------------------------------------------------------------------------------
GuardrailChain::GuardrailChain(std::vector<std::shared_ptr<Guardrail>> entries)
    : entries_(std::move(entries)) {
  for (const auto& g : entries_) filters_output_ = filters_output_ || g->filters_output();
}

std::unique_ptr<GuardedRequest> GuardrailChain::check(GuardInput input) const {
  std::unique_ptr<GuardedRequest> request(new GuardedRequest(shared_from_this(), std::move(input)));
  request->run_checks();
  return request;
}

// ---------------------------------------------------------------------------------------
struct GuardedRequest::Stream {
  const Guardrail* guardrail = nullptr;
  plugin_host::PluginObject<sluice_guard_stream> handle;
};

GuardedRequest::GuardedRequest(std::shared_ptr<const GuardrailChain> chain, GuardInput input)
    : chain_(std::move(chain)), input_(std::move(input)) {}

GuardedRequest::~GuardedRequest() {
  if (!completed_) {
    GuardCompletion done;
    done.http_status = denied_ ? deny_status_ : 499;
    done.finish_reason = denied_ ? "denied" : "cancelled";
    complete(done);
  }
}

void GuardedRequest::open_stream(size_t index) {
  const Guardrail& g = *chain_->entries()[index];
  std::vector<sluice_guard_message> messages(input_.messages.size());
  for (size_t i = 0; i < messages.size(); ++i) {
    SLUICE_INIT(sluice_guard_message, &messages[i]);
    messages[i].role = view_of(input_.messages[i].role);
    messages[i].content = view_of(input_.messages[i].content);
  }
  sluice_guard_request request;
  SLUICE_INIT(sluice_guard_request, &request);
  request.request_id = view_of(input_.request_id);
  request.tenant = view_of(input_.tenant);
  request.model = view_of(input_.model);
  request.route = view_of(input_.route);
  request.messages = input_.chat ? messages.data() : nullptr;
  request.n_messages = input_.chat ? messages.size() : 0;
  request.prompt = input_.chat ? sluice_str{"", 0} : view_of(input_.prompt);

  sluice_guard_stream* handle = nullptr;
  sluice_error* error = nullptr;
  const sluice_status status =
      g.vtable().stream_open(g.handle(), &request, &handle, &error);  // before `error`
  const plugin_host::CallResult r = plugin_host::take_error(status, error);
  if (!r.ok() || handle == nullptr) {
    throw std::runtime_error(
        "guardrail '" + g.name() + "' could not open a stream: " +
        (r.ok() ? std::string("no stream returned")
                : std::string(plugin_host::status_name(r.status)) + ": " + r.message));
  }
  Stream stream;
  stream.guardrail = &g;
  stream.handle = plugin_host::PluginObject<sluice_guard_stream>(g.library_ptr(), handle,
                                                                 g.vtable().stream_close);
  streams_.push_back(std::move(stream));
}

void GuardedRequest::apply_rewrite(const sluice_guard_verdict& verdict) {
  if (input_.chat) {
    if (!SLUICE_HAS_FIELD(sluice_guard_verdict, n_messages, verdict.struct_size) ||
        (verdict.messages == nullptr && verdict.n_messages != 0))
      throw std::runtime_error("rewrote a chat request without messages");
    if (verdict.n_messages == 0) throw std::runtime_error("rewrote a chat to no messages");
    std::vector<GuardMessage> messages;
    for (size_t i = 0; i < verdict.n_messages; ++i) {
      const auto* m = SLUICE_ARRAY_ELEM(sluice_guard_message, verdict.messages, i);
      if (!SLUICE_HAS_FIELD(sluice_guard_message, content, m->struct_size))
        throw std::runtime_error("rewrote a message with a short struct_size");
      messages.push_back(GuardMessage{text_of(m->role), text_of(m->content)});
    }
    input_.messages = std::move(messages);
  } else {
    if (!SLUICE_HAS_FIELD(sluice_guard_verdict, prompt, verdict.struct_size))
      throw std::runtime_error("rewrote a prompt with a short struct_size");
    input_.prompt = text_of(verdict.prompt);
  }
  rewritten_ = true;
}

void GuardedRequest::run_checks() {
  const auto& entries = chain_->entries();
  for (size_t i = 0; i < entries.size(); ++i) {
    open_stream(i);
    if (denied_) continue;  // later guardrails only hear the outcome (on_complete)
    const Guardrail& g = *entries[i];
    sluice_guard_verdict verdict;
    SLUICE_INIT(sluice_guard_verdict, &verdict);
    sluice_error* error = nullptr;
    const sluice_status status =
        g.vtable().check_request(streams_.back().handle.get(), &verdict, &error);
    const plugin_host::CallResult r = plugin_host::take_error(status, error);
    if (!r.ok()) {
      throw std::runtime_error("guardrail '" + g.name() + "' failed to check the request: " +
                               plugin_host::status_name(r.status) + ": " + r.message);
    }
    if (!covers_v1_0(verdict))
      throw std::runtime_error("guardrail '" + g.name() + "': bad verdict");
    const std::string reason = text_of(verdict.reason);
    switch (verdict.action) {
      case SLUICE_GUARD_ALLOW:
        // An allow with a reason is a flag (e.g. an injection guardrail in "log" mode):
        // recorded, so the audit sees it too.
        if (!reason.empty())
          decisions_.push_back(
              GuardDecision{g.name(), SLUICE_GUARD_STAGE_REQUEST, verdict.action, reason});
        break;
      case SLUICE_GUARD_DENY:
        denied_ = true;
        deny_status_ = verdict.http_status == 0 ? 400 : verdict.http_status;
        if (deny_status_ < 400 || deny_status_ > 499) deny_status_ = 400;
        deny_reason_ = "guardrail " + g.name() + ": " + (reason.empty() ? "denied" : reason);
        decisions_.push_back(
            GuardDecision{g.name(), SLUICE_GUARD_STAGE_REQUEST, verdict.action, reason});
        break;
      case SLUICE_GUARD_REWRITE: try { apply_rewrite(verdict);
        } catch (const std::exception& e) {
          throw std::runtime_error("guardrail '" + g.name() + "': " + e.what());
        }
        decisions_.push_back(
            GuardDecision{g.name(), SLUICE_GUARD_STAGE_REQUEST, verdict.action, reason});
        break;
      default:
        throw std::runtime_error("guardrail '" + g.name() + "' returned request action " +
                                 std::to_string(verdict.action));
    }
  }
}

GuardedRequest::Released GuardedRequest::filter(std::string_view text,
                                                std::span<const int32_t> tokens, bool final) {
  Released out;
  if (stopped_) return out;
  std::string current(text);
  for (auto& stream : streams_) {
    const Guardrail& g = *stream.guardrail;
    if (!g.filters_output()) continue;
    if (current.empty() && !final) return out;  // nothing new reaches the rest of the chain
    sluice_guard_chunk chunk;
    SLUICE_INIT(sluice_guard_chunk, &chunk);
    chunk.flags = final ? SLUICE_GUARD_CHUNK_FINAL : 0u;
    chunk.text = view_of(current);
    chunk.tokens = tokens.data();
    chunk.n_tokens = tokens.size();
    sluice_guard_output result;
    SLUICE_INIT(sluice_guard_output, &result);
    sluice_error* error = nullptr;
    const sluice_status status =
        g.vtable().filter_output(stream.handle.get(), &chunk, &result, &error);
    const plugin_host::CallResult r = plugin_host::take_error(status, error);
    if (!r.ok() || !covers_v1_0(result)) {
      // A filter that fails cannot vouch for the text: stop rather than leak it.
      stopped_ = true;
      decisions_.push_back(GuardDecision{g.name(), SLUICE_GUARD_STAGE_OUTPUT, SLUICE_GUARD_STOP,
                                         r.ok() ? std::string("bad output struct")
                                                : std::string("filter failed: ") +
                                                      plugin_host::status_name(r.status) + ": " +
                                                      r.message});
      out.stop = true;
      return out;
    }
    switch (result.action) {
      case SLUICE_GUARD_PASS: break;
      case SLUICE_GUARD_HOLD:
      case SLUICE_GUARD_REDACT:
        current = text_of(result.text);
        if (result.action == SLUICE_GUARD_REDACT)
          decisions_.push_back(GuardDecision{g.name(), SLUICE_GUARD_STAGE_OUTPUT, result.action,
                                             text_of(result.reason)});
        break;
      case SLUICE_GUARD_STOP:
        current = text_of(result.text);
        decisions_.push_back(GuardDecision{g.name(), SLUICE_GUARD_STAGE_OUTPUT, result.action,
                                           text_of(result.reason)});
        stopped_ = true;
        out.stop = true;
        // The guardrails after this one still vet the last text it released.
        final = true;
        break;
      default:
        stopped_ = true;
        decisions_.push_back(
            GuardDecision{g.name(), SLUICE_GUARD_STAGE_OUTPUT, SLUICE_GUARD_STOP,
                          "unknown output action " + std::to_string(result.action)});
        out.stop = true;
        return out;
    }
  }
  out.text = std::move(current);
  return out;
}

void GuardedRequest::complete(const GuardCompletion& done) {
  if (completed_) return;
  completed_ = true;
  std::vector<sluice_guard_decision> decisions(decisions_.size());
  for (size_t i = 0; i < decisions.size(); ++i) {
    SLUICE_INIT(sluice_guard_decision, &decisions[i]);
    decisions[i].stage = decisions_[i].stage;
    decisions[i].action = decisions_[i].action;
    decisions[i].guardrail = view_of(decisions_[i].guardrail);
    decisions[i].reason = view_of(decisions_[i].reason);
  }
  sluice_guard_completion c;
  SLUICE_INIT(sluice_guard_completion, &c);
  c.http_status = done.http_status;
  c.finish_reason = view_of(done.finish_reason);
  c.response_text = view_of(done.response_text);
  c.n_prompt_tokens = done.prompt_tokens;
  c.n_completion_tokens = done.completion_tokens;
  c.queue_ns = done.queue_ns;
  c.prompt_ns = done.prompt_ns;
  c.generation_ns = done.generation_ns;
  c.time_to_first_token_ns = done.ttft_ns;
  c.decisions = decisions.data();
  c.n_decisions = decisions.size();
  for (auto& stream : streams_) {
    const Guardrail& g = *stream.guardrail;
    if (!g.has_on_complete()) continue;
    sluice_error* error = nullptr;
    const sluice_status status = g.vtable().on_complete(stream.handle.get(), &c, &error);
    const plugin_host::CallResult r = plugin_host::take_error(status, error);
    if (!r.ok()) {
      g.library().host()->log(g.library().host(), SLUICE_LOG_ERROR,
                              ("on_complete failed: " + r.message).c_str());
    }
  }
  streams_.clear();  // closes them, in chain order
}

}  // namespace sluice::server
