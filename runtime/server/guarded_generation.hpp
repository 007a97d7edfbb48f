// Between a parsed generation request and the engine: the model the caller's key may
// use, the guardrail chain's verdict on the request (a denial becomes the client's 4xx,
// a rewrite changes the request before it is templated and tokenized), and telling the
// chain how the request ended.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/served_model.hpp"
#include "server/api_error.hpp"
#include "server/generation_flow.hpp"
#include "server/guardrail_chain.hpp"
#include "server/request_parse.hpp"

namespace sluice::server {

class Exchange;

// The model a request asks for (ModelRegistry::resolve), or 403 when the caller's key
// is not allowed it.
std::shared_ptr<engine::ServedModel> resolve_model(Exchange& exchange,
                                                   const std::optional<std::string>& name);
// Whether the caller's key may use `model` (no key: yes).
bool key_allows_model(const Exchange& exchange, const std::string& model);

// Runs the chain on chat messages (normalised: string contents) and applies a rewrite to
// them. Null when the chain is empty. Throws ApiError with the guardrail's status and
// reason on a denial, 500 when a guardrail fails, 400 for options the chain cannot vet
// (n > 1 or logprobs while output is filtered).
std::unique_ptr<GuardedRequest> guard_messages(Exchange& exchange, const std::string& model,
                                               const GenerationOptions& gen, Json& messages);
// The same for a completion prompt.
std::unique_ptr<GuardedRequest> guard_prompt(Exchange& exchange, const std::string& model,
                                             const GenerationOptions& gen, std::string& prompt);
// Prompts given as token ids cannot be inspected: refused (400 naming `field`) while a
// chain is configured.
void refuse_unguardable_tokens(Exchange& exchange, const std::string& field);

// Tells the chain how the request ended (what the client received, counts, timings).
void complete_guard(Exchange& exchange, GuardedRequest& guard,
                    const std::vector<ChoiceState>& choices, int64_t prompt_tokens,
                    const std::optional<ApiError>& failure);

}  // namespace sluice::server
