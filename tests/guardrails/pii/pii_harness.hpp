// Drives the pii plugin the way the host does: create an instance from a configuration,
// open a stream per request, ask for a verdict, feed output chunks and collect what the
// host would send to the client.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "plugin_host/plugin_error.hpp"
#include "plugin_host/plugin_library.hpp"
#include "sluice/guardrail.h"

namespace pii_test {

// pii.so, loaded once for the test binary.
const std::shared_ptr<sluice::plugin_host::PluginLibrary>& plugin();
const sluice_guardrail_vtable& vtable();

// create() with `config_json`; the status and the plugin's message.
sluice::plugin_host::CallResult try_create(const std::string& config_json);

// An instance of the guardrail; fails the test when create() fails.
class Guardrail {
 public:
  explicit Guardrail(const std::string& config_json = "{}");
  ~Guardrail();
  Guardrail(const Guardrail&) = delete;
  Guardrail& operator=(const Guardrail&) = delete;
  sluice_guardrail* get() const { return handle_; }

 private:
  sluice_guardrail* handle_ = nullptr;
};

using Turns = std::vector<std::pair<std::string, std::string>>;  // role, content

struct Verdict {
  int32_t action = -1;
  int32_t http_status = 0;
  std::string reason;
  std::string prompt;  // the rewritten prompt (REWRITE of a completion)
  Turns turns;         // the rewritten turns (REWRITE of a chat)
};

Verdict check_prompt(const Guardrail& guardrail, const std::string& prompt);
Verdict check_chat(const Guardrail& guardrail, const Turns& turns);
// The prompt as the model would see it: rewritten on REWRITE, unchanged otherwise.
std::string redacted_prompt(const Guardrail& guardrail, const std::string& prompt);

// One request's output stream.
class OutputStream {
 public:
  explicit OutputStream(const Guardrail& guardrail);
  ~OutputStream();
  OutputStream(const OutputStream&) = delete;
  OutputStream& operator=(const OutputStream&) = delete;

  struct Step {
    int32_t action = -1;
    std::string sent;  // what the host sends for this chunk
    std::string reason;
  };
  Step feed(std::string_view chunk, bool final = false);
  // Everything sent so far.
  const std::string& released() const { return released_; }
  bool stopped() const { return stopped_; }

 private:
  sluice_guard_stream* stream_ = nullptr;
  std::string released_;
  bool stopped_ = false;
};

// Feeds `chunks` in order, the last one flagged FINAL, and returns what was sent.
std::string stream_chunks(const Guardrail& guardrail, const std::vector<std::string>& chunks);

// True when `text` is valid UTF-8 made of complete code points.
bool complete_utf8(std::string_view text);
// True when `i` does not fall inside a UTF-8 code point of `text`.
bool utf8_boundary(std::string_view text, size_t i);

}  // namespace pii_test
