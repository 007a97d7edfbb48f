// Drives the injection guardrail through its C ABI exactly as the host does: load the
// plugin, create an instance from a JSON config, open a stream per request, ask for a
// verdict, copy what the verdict points at, close the stream.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "plugin_host/plugin_error.hpp"
#include "plugin_host/plugin_library.hpp"
#include "sluice/guardrail.h"
#include "test_support.hpp"

namespace sluice::test::injection {

struct Message {
  std::string role;
  std::string content;
};

// A verdict with everything it points at copied out.
struct Verdict {
  plugin_host::CallResult result;
  int32_t action = -1;
  int32_t http_status = 0;
  std::string reason;
  std::vector<Message> messages;  // REWRITE of a chat
  bool has_messages = false;
  std::string prompt;  // REWRITE of a completion
};

class Guardrail {
 public:
  // Loads injection.so once per process.
  static std::shared_ptr<plugin_host::PluginLibrary> library();
  // What the plugin logged since it was loaded.
  static const LogCapture& log();

  // create() with `config`; result() says whether it succeeded.
  explicit Guardrail(const std::string& config = "{}");
  ~Guardrail();
  Guardrail(const Guardrail&) = delete;
  Guardrail& operator=(const Guardrail&) = delete;

  const plugin_host::CallResult& result() const { return created_; }
  bool ok() const { return handle_ != nullptr; }

  Verdict chat(const std::vector<Message>& messages) const;
  Verdict completion(const std::string& prompt) const;
  // One user turn after a fixed system prompt.
  Verdict user(const std::string& text) const;

 private:
  Verdict check(const sluice_guard_request& request) const;

  std::shared_ptr<plugin_host::PluginLibrary> library_;
  sluice_guardrail* handle_ = nullptr;
  plugin_host::CallResult created_;
};

// "prompt injection: a, b" -> {"a", "b"}; empty for any other reason.
std::vector<std::string> fired_rules(const std::string& reason);

// The built-in rule and heuristic names (the configuration's vocabulary).
const std::vector<std::string>& builtin_names();

}  // namespace sluice::test::injection
