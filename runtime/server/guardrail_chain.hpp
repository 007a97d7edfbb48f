// The guardrail chain around every generation request (plugin-api guardrail.h): the
// plugins named by [pipeline] guardrails, in that order. For one request, each guardrail
// sees the request (after the rewrites of those before it) and may allow, deny or rewrite
// it; then each output chunk passes through the chain in order (a guardrail's released
// text is the next one's input), so text one of them holds back or redacts never reaches
// the client; finally every opened stream hears how the request ended, with the decisions
// of the whole chain (ABI 1.1), which is what an audit guardrail records.
//
// A plugin call that fails is a failed check: the request is refused (500 naming the
// guardrail) or its output stopped, never let through unchecked.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "config/config.hpp"
#include "plugin_host/plugin_library.hpp"
#include "plugin_host/plugin_registry.hpp"
#include "sluice/guardrail.h"

namespace sluice::server {

struct GuardMessage {
  std::string role;
  std::string content;
};

// What the chain sees of a request; rewrites replace `messages` or `prompt`.
struct GuardInput {
  std::string request_id;
  std::string tenant;
  std::string model;
  std::string route;
  bool chat = true;  // messages (chat) or prompt (completion)
  std::vector<GuardMessage> messages;
  std::string prompt;
};

struct GuardDecision {
  std::string guardrail;
  int32_t stage = SLUICE_GUARD_STAGE_REQUEST;
  int32_t action = SLUICE_GUARD_ALLOW;
  std::string reason;
};

// How the request ended, for on_complete.
struct GuardCompletion {
  int32_t http_status = 200;
  std::string finish_reason;  // "stop", "length", "content_filter", "cancelled", "error", "denied"
  std::string response_text;  // what the client received
  int32_t prompt_tokens = 0;
  int32_t completion_tokens = 0;
  uint64_t queue_ns = 0;
  uint64_t prompt_ns = 0;
  uint64_t generation_ns = 0;
  uint64_t ttft_ns = 0;
};

// One chain entry: a guardrail plugin instance made from its [plugin.NAME] config.
class Guardrail {
 public:
  // Throws std::runtime_error when the plugin is not a guardrail or refuses the config.
  Guardrail(std::shared_ptr<plugin_host::PluginLibrary> library, const std::string& config_json);
  const std::string& name() const;
  const sluice_guardrail_vtable& vtable() const { return *vt_; }
  sluice_guardrail* handle() const { return instance_.get(); }
  bool filters_output() const { return filters_output_; }
  bool has_on_complete() const { return has_on_complete_; }
  const plugin_host::PluginLibrary& library() const { return *library_; }
  std::shared_ptr<plugin_host::PluginLibrary> library_ptr() const { return library_; }

 private:
  std::shared_ptr<plugin_host::PluginLibrary> library_;
  plugin_host::PluginObject<sluice_guardrail> instance_;
  const sluice_guardrail_vtable* vt_;
  bool filters_output_ = false;
  bool has_on_complete_ = false;
};

class GuardedRequest;
class GuardrailChain;

// The chain [pipeline] guardrails names, each made from its [plugin.NAME.config]. Throws
// std::runtime_error naming the entry that is not a loaded guardrail or refuses its config.
std::shared_ptr<GuardrailChain> make_guardrail_chain(const config::Config& config,
                                                     const plugin_host::PluginRegistry& plugins);

class GuardrailChain : public std::enable_shared_from_this<GuardrailChain> {
 public:
  explicit GuardrailChain(std::vector<std::shared_ptr<Guardrail>> entries = {});
  bool empty() const { return entries_.empty(); }
  // Whether any entry filters output (then logprobs and n > 1 are refused: the client
  // would otherwise see text the chain has not released).
  bool filters_output() const { return filters_output_; }
  const std::vector<std::shared_ptr<Guardrail>>& entries() const { return entries_; }

  // Runs the request checks: opens one stream per guardrail in order and asks each for
  // its verdict until one denies. The returned object carries the (possibly rewritten)
  // input, the verdict, and the streams for the output and completion stages. The chain
  // must be owned by a shared_ptr; the request keeps it alive.
  std::unique_ptr<GuardedRequest> check(GuardInput input) const;

 private:
  std::vector<std::shared_ptr<Guardrail>> entries_;
  bool filters_output_ = false;
};

// One request's passage through the chain. Not thread-safe: the request's connection
// strand drives it. complete() is called by the destructor when nobody did.
class GuardedRequest {
 public:
  ~GuardedRequest();
  GuardedRequest(const GuardedRequest&) = delete;
  GuardedRequest& operator=(const GuardedRequest&) = delete;

  bool denied() const { return denied_; }
  int32_t deny_status() const { return deny_status_; }
  const std::string& deny_reason() const { return deny_reason_; }  // "guardrail NAME: reason"
  bool rewritten() const { return rewritten_; }
  const GuardInput& input() const { return input_; }

  struct Released {
    std::string text;   // send this now
    bool stop = false;  // a guardrail stopped the output: end with "content_filter"
  };
  // One output chunk (complete code points; may be empty) and the tokens that made it.
  // `final`: the generation ended; everything still held is released (or redacted).
  // After a stop, further calls release nothing.
  Released filter(std::string_view text, std::span<const int32_t> tokens, bool final);
  bool stopped() const { return stopped_; }

  void complete(const GuardCompletion& done);
  const std::vector<GuardDecision>& decisions() const { return decisions_; }

 private:
  friend class GuardrailChain;
  struct Stream;
  GuardedRequest(std::shared_ptr<const GuardrailChain> chain, GuardInput input);
  void open_stream(size_t index);
  void run_checks();
  void apply_rewrite(const sluice_guard_verdict& verdict);

  std::shared_ptr<const GuardrailChain> chain_;
  GuardInput input_;
  std::vector<Stream> streams_;  // one per opened guardrail, chain order
  std::vector<GuardDecision> decisions_;
  bool denied_ = false;
  int32_t deny_status_ = 0;
  std::string deny_reason_;
  bool rewritten_ = false;
  bool stopped_ = false;
  bool completed_ = false;
};

}  // namespace sluice::server
