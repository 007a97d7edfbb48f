#include "injection_harness.hpp"

#include <catch2/catch.hpp>

#include "test_support.hpp"

namespace sluice::test::injection {

namespace {

sluice_str view(const std::string& s) {
  return sluice_str{s.data(), s.size()};
}

std::string copy(sluice_str s) {
  return s.data != nullptr ? std::string(s.data, s.size) : std::string();
}

}  // namespace

namespace {

// The plugin's logger is made when it loads, so the capture must exist first.
struct Loaded {
  LogCapture log;
  std::shared_ptr<plugin_host::PluginLibrary> library =
      load_plugin(SLUICE_INJECTION_PLUGIN, "injection");
};

Loaded& loaded() {
  static Loaded instance;
  return instance;
}

}  // namespace

std::shared_ptr<plugin_host::PluginLibrary> Guardrail::library() {
  return loaded().library;
}

const LogCapture& Guardrail::log() {
  return loaded().log;
}

Guardrail::Guardrail(const std::string& config) : library_(library()) {
  const auto& vt = library_->vtable<sluice_guardrail_vtable>();
  sluice_error* error = nullptr;
  sluice_guardrail* handle = nullptr;
  // The call first: argument evaluation order would let take_error read `error` early.
  const sluice_status status = vt.create(config.data(), config.size(), &handle, &error);
  created_ = plugin_host::take_error(status, error);
  if (created_.ok()) handle_ = handle;
}

Guardrail::~Guardrail() {
  if (handle_ != nullptr) library_->vtable<sluice_guardrail_vtable>().destroy(handle_);
}

Verdict Guardrail::check(const sluice_guard_request& request) const {
  const auto& vt = library_->vtable<sluice_guardrail_vtable>();
  Verdict out;
  sluice_guard_stream* stream = nullptr;
  sluice_error* error = nullptr;
  sluice_status status = vt.stream_open(handle_, &request, &stream, &error);
  out.result = plugin_host::take_error(status, error);
  if (!out.result.ok()) return out;
  sluice_guard_verdict verdict;
  SLUICE_INIT(sluice_guard_verdict, &verdict);
  error = nullptr;
  status = vt.check_request(stream, &verdict, &error);
  out.result = plugin_host::take_error(status, error);
  if (out.result.ok()) {
    out.action = verdict.action;
    out.http_status = verdict.http_status;
    out.reason = copy(verdict.reason);
    if (verdict.messages != nullptr) {
      out.has_messages = true;
      for (size_t i = 0; i < verdict.n_messages; ++i) {
        const auto* m = SLUICE_ARRAY_ELEM(sluice_guard_message, verdict.messages, i);
        out.messages.push_back({copy(m->role), copy(m->content)});
      }
    }
    out.prompt = copy(verdict.prompt);
  }
  vt.stream_close(stream);
  return out;
}

Verdict Guardrail::chat(const std::vector<Message>& messages) const {
  std::vector<sluice_guard_message> turns(messages.size());
  for (size_t i = 0; i < messages.size(); ++i) {
    SLUICE_INIT(sluice_guard_message, &turns[i]);
    turns[i].role = view(messages[i].role);
    turns[i].content = view(messages[i].content);
  }
  sluice_guard_request request;
  SLUICE_INIT(sluice_guard_request, &request);
  request.request_id = sluice_str{"req-1", 5};
  request.model = sluice_str{"m", 1};
  request.route = sluice_str{"/v1/chat/completions", 20};
  request.messages = turns.data();
  request.n_messages = turns.size();
  return check(request);
}

Verdict Guardrail::completion(const std::string& prompt) const {
  sluice_guard_request request;
  SLUICE_INIT(sluice_guard_request, &request);
  request.request_id = sluice_str{"req-2", 5};
  request.model = sluice_str{"m", 1};
  request.route = sluice_str{"/v1/completions", 15};
  request.prompt = view(prompt);
  return check(request);
}

Verdict Guardrail::user(const std::string& text) const {
  return chat({{"system", "You are a helpful assistant."}, {"user", text}});
}

std::vector<std::string> fired_rules(const std::string& reason) {
  static const std::string prefix = "prompt injection: ";
  std::vector<std::string> names;
  const size_t at = reason.find(prefix);
  if (at == std::string::npos) return names;
  std::string rest = reason.substr(at + prefix.size());
  rest = rest.substr(0, rest.find(" ("));  // "(logged)" suffix in log mode
  size_t start = 0;
  while (start <= rest.size()) {
    const size_t comma = rest.find(", ", start);
    names.push_back(rest.substr(start, comma - start));
    if (comma == std::string::npos) break;
    start = comma + 2;
  }
  return names;
}

const std::vector<std::string>& builtin_names() {
  static const std::vector<std::string> names = {
      "instruction_override",
      "system_prompt_extraction",
      "role_jailbreak",
      "fake_role_header",
      "safety_bypass_framing",
      "encoded_payload",
      "multilingual_override",
      "refusal_suppression",
      "chat_template_markers",
      "override_verbs",
      "invisible_chars",
      "base64_blob",
      "leetspeak",
  };
  return names;
}

}  // namespace sluice::test::injection
