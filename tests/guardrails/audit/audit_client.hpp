// Drives the audit guardrail through the C ABI as the host's guardrail chain does:
// stream_open, check_request (unless an earlier guardrail denied), on_complete with the
// chain's decisions, stream_close. Shared by the Catch tests and audit_writer.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "plugin_host/plugin_error.hpp"
#include "plugin_host/plugin_library.hpp"
#include "sluice/guardrail.h"

namespace sluice::test::audit {

struct TestDecision {
  std::string guardrail;
  int32_t stage = SLUICE_GUARD_STAGE_REQUEST;
  int32_t action = SLUICE_GUARD_DENY;
  std::string reason;
};

struct TestRequest {
  std::string request_id = "req-1";
  std::string tenant = "acme";
  std::string model = "stories260K";
  std::string route = "/v1/chat/completions";
  std::vector<std::pair<std::string, std::string>> messages;  // a chat when not empty
  std::string prompt;                                         // else a completion
  bool denied_earlier = false;  // an earlier guardrail denied: no check_request
  std::vector<TestDecision> decisions;
  int32_t http_status = 200;
  std::string finish_reason = "stop";
  std::string response;
  int32_t prompt_tokens = 0;
  int32_t completion_tokens = 0;
  uint64_t queue_ns = 0, prompt_ns = 0, generation_ns = 0, ttft_ns = 0;
  bool complete = true;             // false: the stream is closed without on_complete
  bool abi_1_0_completion = false;  // a 1.0 host's completion: no decisions field
};

inline sluice_str str(const std::string& s) {
  return sluice_str{s.data(), s.size()};
}

// One audit instance (create ... destroy).
class AuditInstance {
 public:
  AuditInstance() = default;

  // Creates an instance from `config`; check result().ok().
  AuditInstance(std::shared_ptr<plugin_host::PluginLibrary> library, const std::string& config)
      : library_(std::move(library)) {
    const auto& vt = library_->vtable<sluice_guardrail_vtable>();
    sluice_guardrail* handle = nullptr;
    sluice_error* error = nullptr;
    const sluice_status status = vt.create(config.data(), config.size(), &handle, &error);
    created_ = plugin_host::take_error(status, error);
    if (created_.ok())
      object_ = plugin_host::PluginObject<sluice_guardrail>(library_, handle, vt.destroy);
  }

  const plugin_host::CallResult& result() const { return created_; }
  explicit operator bool() const { return static_cast<bool>(object_); }
  void destroy() { object_.reset(); }

  // Runs one request through the stream; the first failing call's result, else OK.
  plugin_host::CallResult run(const TestRequest& r) const {
    const auto& vt = library_->vtable<sluice_guardrail_vtable>();
    std::vector<sluice_guard_message> messages(r.messages.size());
    for (size_t i = 0; i < messages.size(); ++i) {
      SLUICE_INIT(sluice_guard_message, &messages[i]);
      messages[i].role = str(r.messages[i].first);
      messages[i].content = str(r.messages[i].second);
    }
    sluice_guard_request request;
    SLUICE_INIT(sluice_guard_request, &request);
    request.request_id = str(r.request_id);
    request.tenant = str(r.tenant);
    request.model = str(r.model);
    request.route = str(r.route);
    const bool chat = !r.messages.empty();
    request.messages = chat ? messages.data() : nullptr;
    request.n_messages = messages.size();
    request.prompt = chat ? sluice_str{"", 0} : str(r.prompt);

    sluice_guard_stream* stream = nullptr;
    sluice_error* error = nullptr;
    sluice_status status = vt.stream_open(object_.get(), &request, &stream, &error);
    plugin_host::CallResult result = plugin_host::take_error(status, error);
    if (!result.ok()) return result;

    if (!r.denied_earlier) {
      sluice_guard_verdict verdict;
      SLUICE_INIT(sluice_guard_verdict, &verdict);
      verdict.action = -1;  // must be set by the plugin
      error = nullptr;
      status = vt.check_request(stream, &verdict, &error);
      result = plugin_host::take_error(status, error);
      if (result.ok() && verdict.action != SLUICE_GUARD_ALLOW) {
        result = plugin_host::CallResult{SLUICE_ERR_INTERNAL, "the audit did not allow"};
      }
      if (!result.ok()) {
        vt.stream_close(stream);
        return result;
      }
    }
    if (r.complete) {
      std::vector<sluice_guard_decision> decisions(r.decisions.size());
      for (size_t i = 0; i < decisions.size(); ++i) {
        SLUICE_INIT(sluice_guard_decision, &decisions[i]);
        decisions[i].stage = r.decisions[i].stage;
        decisions[i].action = r.decisions[i].action;
        decisions[i].guardrail = str(r.decisions[i].guardrail);
        decisions[i].reason = str(r.decisions[i].reason);
      }
      sluice_guard_completion done;
      SLUICE_INIT(sluice_guard_completion, &done);
      done.http_status = r.http_status;
      done.finish_reason = str(r.finish_reason);
      done.response_text = str(r.response);
      done.n_prompt_tokens = r.prompt_tokens;
      done.n_completion_tokens = r.completion_tokens;
      done.queue_ns = r.queue_ns;
      done.prompt_ns = r.prompt_ns;
      done.generation_ns = r.generation_ns;
      done.time_to_first_token_ns = r.ttft_ns;
      done.decisions = decisions.data();
      done.n_decisions = decisions.size();
      if (r.abi_1_0_completion)
        done.struct_size = static_cast<uint32_t>(offsetof(sluice_guard_completion, decisions));
      error = nullptr;
      status = vt.on_complete(stream, &done, &error);
      result = plugin_host::take_error(status, error);
    }
    vt.stream_close(stream);
    return result;
  }

 private:
  std::shared_ptr<plugin_host::PluginLibrary> library_;
  plugin_host::CallResult created_;
  plugin_host::PluginObject<sluice_guardrail> object_;
};

}  // namespace sluice::test::audit
