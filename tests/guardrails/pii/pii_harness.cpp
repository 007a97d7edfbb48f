#include "pii_harness.hpp"

#include <catch2/catch.hpp>

#include "test_support.hpp"

namespace pii_test {

namespace {

sluice_str str(std::string_view s) {
  return sluice_str{s.data(), s.size()};
}

std::string text(const sluice_str& s) {
  return s.data != nullptr ? std::string(s.data, s.size) : std::string();
}

Verdict check(const Guardrail& guardrail, const sluice_guard_request& request) {
  const auto& vt = vtable();
  sluice_guard_stream* stream = nullptr;
  sluice_error* error = nullptr;
  const auto opened = sluice::plugin_host::take_error(
      vt.stream_open(guardrail.get(), &request, &stream, &error), error);
  REQUIRE(opened.ok());
  sluice_guard_verdict out;
  SLUICE_INIT(sluice_guard_verdict, &out);
  error = nullptr;
  auto checked = sluice::plugin_host::take_error(vt.check_request(stream, &out, &error), error);
  Verdict verdict;
  if (checked.ok()) {
    verdict.action = out.action;
    verdict.http_status = out.http_status;
    verdict.reason = text(out.reason);
    verdict.prompt = text(out.prompt);
    for (size_t i = 0; out.messages != nullptr && i < out.n_messages; ++i) {
      const auto* m = SLUICE_ARRAY_ELEM(sluice_guard_message, out.messages, i);
      verdict.turns.emplace_back(text(m->role), text(m->content));
    }
  }
  vt.stream_close(stream);  // the verdict's strings die here: copied above
  REQUIRE(checked.ok());
  return verdict;
}

}  // namespace

const std::shared_ptr<sluice::plugin_host::PluginLibrary>& plugin() {
  static const auto library = sluice::test::load_plugin(SLUICE_PII_PLUGIN, "pii");
  return library;
}

const sluice_guardrail_vtable& vtable() {
  REQUIRE(plugin());
  REQUIRE(plugin()->kind() == SLUICE_KIND_GUARDRAIL);
  return plugin()->vtable<sluice_guardrail_vtable>();
}

sluice::plugin_host::CallResult try_create(const std::string& config_json) {
  const auto& vt = vtable();
  sluice_guardrail* handle = nullptr;
  sluice_error* error = nullptr;
  const sluice_status status = vt.create(config_json.data(), config_json.size(), &handle, &error);
  auto result = sluice::plugin_host::take_error(status, error);
  if (handle != nullptr) vt.destroy(handle);
  return result;
}

Guardrail::Guardrail(const std::string& config_json) {
  const auto& vt = vtable();
  sluice_error* error = nullptr;
  const sluice_status status = vt.create(config_json.data(), config_json.size(), &handle_, &error);
  const auto result = sluice::plugin_host::take_error(status, error);
  INFO("config " << config_json << ": " << result.message);
  REQUIRE(result.ok());
  REQUIRE(handle_ != nullptr);
}

Guardrail::~Guardrail() {
  vtable().destroy(handle_);
}

Verdict check_prompt(const Guardrail& guardrail, const std::string& prompt) {
  sluice_guard_request request;
  SLUICE_INIT(sluice_guard_request, &request);
  request.request_id = str("req-1");
  request.model = str("m");
  request.route = str("/v1/completions");
  request.prompt = str(prompt);
  return check(guardrail, request);
}

Verdict check_chat(const Guardrail& guardrail, const Turns& turns) {
  std::vector<sluice_guard_message> messages(turns.size());
  for (size_t i = 0; i < turns.size(); ++i) {
    SLUICE_INIT(sluice_guard_message, &messages[i]);
    messages[i].role = str(turns[i].first);
    messages[i].content = str(turns[i].second);
  }
  sluice_guard_request request;
  SLUICE_INIT(sluice_guard_request, &request);
  request.request_id = str("req-2");
  request.model = str("m");
  request.route = str("/v1/chat/completions");
  request.messages = messages.data();
  request.n_messages = messages.size();
  return check(guardrail, request);
}

std::string redacted_prompt(const Guardrail& guardrail, const std::string& prompt) {
  const Verdict verdict = check_prompt(guardrail, prompt);
  REQUIRE(verdict.action != SLUICE_GUARD_DENY);
  return verdict.action == SLUICE_GUARD_REWRITE ? verdict.prompt : prompt;
}

OutputStream::OutputStream(const Guardrail& guardrail) {
  sluice_guard_request request;
  SLUICE_INIT(sluice_guard_request, &request);
  request.model = str("m");
  sluice_error* error = nullptr;
  const auto opened = sluice::plugin_host::take_error(
      vtable().stream_open(guardrail.get(), &request, &stream_, &error), error);
  REQUIRE(opened.ok());
}

OutputStream::~OutputStream() {
  vtable().stream_close(stream_);
}

OutputStream::Step OutputStream::feed(std::string_view chunk, bool final) {
  sluice_guard_chunk in;
  SLUICE_INIT(sluice_guard_chunk, &in);
  in.flags = final ? SLUICE_GUARD_CHUNK_FINAL : 0u;
  in.text = str(chunk);
  sluice_guard_output out;
  SLUICE_INIT(sluice_guard_output, &out);
  sluice_error* error = nullptr;
  const sluice_status status = vtable().filter_output(stream_, &in, &out, &error);
  const auto result = sluice::plugin_host::take_error(status, error);
  Step step;
  if (!result.ok()) {
    FAIL("filter_output failed: " << result.message);
    return step;
  }
  step.action = out.action;
  step.sent = out.action == SLUICE_GUARD_PASS ? std::string(chunk) : text(out.text);
  step.reason = text(out.reason);
  released_ += step.sent;
  if (out.action == SLUICE_GUARD_STOP) stopped_ = true;
  return step;
}

std::string stream_chunks(const Guardrail& guardrail, const std::vector<std::string>& chunks) {
  OutputStream stream(guardrail);
  for (size_t i = 0; i < chunks.size(); ++i) stream.feed(chunks[i], i + 1 == chunks.size());
  return stream.released();
}

bool utf8_boundary(std::string_view text, size_t i) {
  return i >= text.size() || (static_cast<unsigned char>(text[i]) & 0xC0) != 0x80;
}

bool complete_utf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    const size_t n = c < 0x80           ? 1
                     : (c >> 5) == 0x6  ? 2
                     : (c >> 4) == 0xE  ? 3
                     : (c >> 3) == 0x1E ? 4
                                        : 0;
    if (n == 0 || i + n > text.size()) return false;
    for (size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    }
    i += n;
  }
  return true;
}

}  // namespace pii_test
