// Ollama's response shapes for /api/generate and /api/chat: NDJSON objects while
// streaming, the final one with done: true, done_reason, the token counts and the
// durations in nanoseconds.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "server/generation_flow.hpp"
#include "server/tool_calls.hpp"
#include "tokenizer/tokenizer.hpp"

namespace sluice::server {

struct OllamaResponseInfo {
  std::string model;
  bool chat = false;               // /api/chat (message) or /api/generate (response)
  std::vector<int32_t> context;    // /api/generate: the prompt ids, for `context`
  bool context_from_text = false;  // `context` ends with the tokenized text sent, not the
                                   // ids generated (output guardrails may have changed it)
  int32_t logprobs = -1;           // engine::Request::logprobs
  std::chrono::steady_clock::time_point request_start;
  std::shared_ptr<const tokenizer::Tokenizer> tokenizer;
  bool tool_calls = false;  // /api/chat offered tools: read calls out of the reply
};

class OllamaFormatter final : public GenerationFormatter {
 public:
  explicit OllamaFormatter(OllamaResponseInfo info) : info_(std::move(info)) {}
  std::string content_type() const override;
  std::string stream_token(uint32_t choice, const ChoiceState& state,
                           const engine::TokenOutput& token) override;
  std::string stream_finish(uint32_t choice, const ChoiceState& state,
                            const std::string& released_text) override;
  std::string stream_end(const std::vector<ChoiceState>& choices) override;
  std::string stream_error(const ApiError& error) override;
  Json whole(const std::vector<ChoiceState>& choices) override;

  // The answer to a request with nothing to generate (Ollama's "load" reply).
  static Json load_reply(const std::string& model, bool chat);

 private:
  Json part(const std::string& text, bool done) const;
  // Ollama's message.tool_calls: arguments as an object.
  static Json tool_calls_json(const std::vector<ToolCall>& calls);
  Json final_object(const ChoiceState& state, const std::string& text) const;
  Json logprob_entries(const std::vector<engine::TokenOutput>& tokens) const;
  OllamaResponseInfo info_;
  std::vector<engine::TokenOutput> pending_;  // logprobs of tokens whose text is not sent yet
  ToolCallStream tool_stream_;                // with tools: holds what may be a call
};

}  // namespace sluice::server
