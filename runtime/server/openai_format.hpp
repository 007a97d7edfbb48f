// The OpenAI response shapes of /v1/chat/completions and /v1/completions, whole and as
// SSE chunks: choices, usage, logprobs, and llama-server's `timings`.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "server/generation_flow.hpp"
#include "server/tool_calls.hpp"
#include "tokenizer/tokenizer.hpp"

namespace sluice::server {

struct OpenAiResponseInfo {
  std::string id;  // "chatcmpl-..." / "cmpl-..."
  std::string model;
  int64_t created = 0;
  std::string system_fingerprint;
  int64_t prompt_tokens = 0;
  bool include_usage = false;
  int32_t logprobs = -1;  // engine::Request::logprobs
  bool timings_per_token = false;
  std::chrono::steady_clock::time_point request_start;
  std::shared_ptr<const tokenizer::Tokenizer> tokenizer;
  bool tool_calls = false;  // the request offered tools: read calls out of replies
};

class OpenAiFormatterBase : public GenerationFormatter {
 public:
  explicit OpenAiFormatterBase(OpenAiResponseInfo info) : info_(std::move(info)) {}
  std::string content_type() const override;
  std::string stream_error(const ApiError& error) override;

 protected:
  Json usage(const std::vector<ChoiceState>& choices) const;
  Json chunk_head(const char* object) const;
  // The end of a stream: the usage chunk (when asked for) and `data: [DONE]`.
  std::string stream_end_of(const char* chunk_object, const std::vector<ChoiceState>& choices);
  std::string token_piece(int32_t token) const;
  OpenAiResponseInfo info_;
};

class ChatCompletionFormatter final : public OpenAiFormatterBase {
 public:
  ChatCompletionFormatter(OpenAiResponseInfo info, size_t choices);
  std::string stream_begin() override;
  std::string stream_token(uint32_t choice, const ChoiceState& state,
                           const engine::TokenOutput& token) override;
  std::string stream_finish(uint32_t choice, const ChoiceState& state,
                            const std::string& released_text) override;
  std::string stream_end(const std::vector<ChoiceState>& choices) override;
  Json whole(const std::vector<ChoiceState>& choices) override;

 private:
  Json chunk(uint32_t choice, Json delta, Json logprobs, Json finish_reason) const;
  Json logprob_entry(const engine::TokenOutput& token) const;
  // OpenAI's tool_calls array (streamed: each with its index).
  Json tool_calls_json(uint32_t choice, const std::vector<ToolCall>& calls, bool streamed) const;
  // The content chunk for `text` with the logprobs still pending for this choice.
  std::string content_chunk(uint32_t choice, const std::string& text);
  // Logprob entries of tokens whose text has not been sent yet, per choice.
  std::vector<Json> pending_logprobs_;
  size_t n_choices_;
  // With tools, each choice's reply: text that is or may be a tool call is held back.
  std::vector<ToolCallStream> tool_streams_;
};

class CompletionFormatter final : public OpenAiFormatterBase {
 public:
  CompletionFormatter(OpenAiResponseInfo info, size_t choices);
  std::string stream_token(uint32_t choice, const ChoiceState& state,
                           const engine::TokenOutput& token) override;
  std::string stream_finish(uint32_t choice, const ChoiceState& state,
                            const std::string& released_text) override;
  std::string stream_end(const std::vector<ChoiceState>& choices) override;
  Json whole(const std::vector<ChoiceState>& choices) override;

 private:
  Json chunk(uint32_t choice, const std::string& text, Json logprobs, Json finish_reason) const;
  // {"tokens", "token_logprobs", "top_logprobs", "text_offset"} for `tokens`, the first
  // at byte offset `offset` of the choice's text.
  Json logprobs_block(const std::vector<engine::TokenOutput>& tokens, size_t offset) const;
  std::vector<std::vector<engine::TokenOutput>> pending_;  // tokens not yet sent, per choice
  std::vector<size_t> sent_bytes_;                         // text sent so far, per choice
};

}  // namespace sluice::server
