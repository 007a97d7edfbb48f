// Loads test-guardrail and opens streams on one instance of it, for the call and
// lifetime tests.
#pragma once

#include <memory>
#include <string>

#include "plugin_host/plugin_error.hpp"
#include "plugin_host/plugin_library.hpp"
#include "sluice/guardrail.h"
#include "test_support.hpp"

namespace sluice::test {

using GuardrailObject = plugin_host::PluginObject<sluice_guardrail>;

inline std::shared_ptr<plugin_host::PluginLibrary> load_test_guardrail(std::string config = "{}") {
  plugin_host::LoadOptions options;
  options.path = test_plugin("test-guardrail");
  options.name = "test-guardrail";
  options.config_json = std::move(config);
  return plugin_host::PluginLibrary::load(options).library;
}

// An instance of the guardrail in `lib`; empty when `lib` is null or create fails.
inline GuardrailObject create_guardrail(const std::shared_ptr<plugin_host::PluginLibrary>& lib) {
  if (!lib) return {};
  const auto& vt = lib->vtable<sluice_guardrail_vtable>();
  sluice_guardrail* handle = nullptr;
  sluice_error* error = nullptr;
  const sluice_status status = vt.create("{}", 2, &handle, &error);
  auto result = plugin_host::take_error(status, error);
  if (!result.ok()) return {};
  return GuardrailObject(lib, handle, vt.destroy);
}

struct CheckOutcome {
  plugin_host::CallResult result;
  sluice_guard_verdict verdict;
  std::string reason;
};

// Opens a stream for `prompt`, asks for a verdict, closes the stream.
inline CheckOutcome check_prompt(const GuardrailObject& guardrail, const std::string& prompt) {
  const auto& vt = guardrail.library().vtable<sluice_guardrail_vtable>();
  sluice_guard_request request;
  SLUICE_INIT(sluice_guard_request, &request);
  request.prompt = sluice_str{prompt.data(), prompt.size()};
  request.model = sluice_str{"m", 1};
  sluice_guard_stream* stream = nullptr;
  sluice_error* error = nullptr;
  CheckOutcome out{};
  sluice_status status = vt.stream_open(guardrail.get(), &request, &stream, &error);
  out.result = plugin_host::take_error(status, error);
  if (!out.result.ok()) return out;
  SLUICE_INIT(sluice_guard_verdict, &out.verdict);
  error = nullptr;
  status = vt.check_request(stream, &out.verdict, &error);
  out.result = plugin_host::take_error(status, error);
  if (out.result.ok()) out.reason.assign(out.verdict.reason.data, out.verdict.reason.size);
  vt.stream_close(stream);
  return out;
}

}  // namespace sluice::test
