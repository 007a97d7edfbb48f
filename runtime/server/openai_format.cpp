#include "server/openai_format.hpp"

#include <optional>

#include "server/stream_format.hpp"
#include "server/timings.hpp"

namespace sluice::server {
namespace {

const char* finish_reason_name(const ChoiceState& state, bool called_tools = false) {
  if (!state.finish) return called_tools ? "tool_calls" : "stop";
  if (state.finish->reason == engine::FinishReason::content_filter) return "content_filter";
  if (state.finish->reason == engine::FinishReason::length) return "length";
  return called_tools ? "tool_calls" : "stop";
}

Json bytes_of(const std::string& piece) {
  Json bytes = Json::array();
  for (unsigned char c : piece) bytes.push_back(static_cast<int>(c));
  return bytes;
}

}  // namespace

// ---- shared

std::string OpenAiFormatterBase::content_type() const {
  return kSseContentType;
}

std::string OpenAiFormatterBase::stream_error(const ApiError& error) {
  return sse_data(openai_error_body(error));
}

std::string OpenAiFormatterBase::stream_end_of(const char* chunk_object,
                                               const std::vector<ChoiceState>& choices) {
  std::string out;
  if (info_.include_usage) {
    Json last = chunk_head(chunk_object);
    last["choices"] = Json::array();
    last["usage"] = usage(choices);
    out += sse_data(last);
  }
  out += sse_done();
  return out;
}

Json OpenAiFormatterBase::usage(const std::vector<ChoiceState>& choices) const {
  int64_t completion = 0;
  for (const auto& c : choices) completion += static_cast<int64_t>(c.tokens.size());
  // The prompt is counted once; its cached part is known only when a choice has finished.
  int64_t cached = 0;
  if (!choices.empty() && choices.front().finish)
    cached = choices.front().finish->timings.cached_tokens;
  return Json{{"prompt_tokens", info_.prompt_tokens},
              {"completion_tokens", completion},
              {"total_tokens", info_.prompt_tokens + completion},
              {"prompt_tokens_details", {{"cached_tokens", cached}}}};
}

Json OpenAiFormatterBase::chunk_head(const char* object) const {
  return Json{{"id", info_.id},
              {"object", object},
              {"created", info_.created},
              {"model", info_.model},
              {"system_fingerprint", info_.system_fingerprint}};
}

std::string OpenAiFormatterBase::token_piece(int32_t token) const {
  if (!info_.tokenizer || token < 0 || token >= info_.tokenizer->n_vocab()) return {};
  return info_.tokenizer->token_to_piece(token);
}

// ---- chat

ChatCompletionFormatter::ChatCompletionFormatter(OpenAiResponseInfo info, size_t choices)
    : OpenAiFormatterBase(std::move(info)),
      pending_logprobs_(choices),
      n_choices_(choices),
      tool_streams_(choices) {}

Json ChatCompletionFormatter::tool_calls_json(uint32_t choice, const std::vector<ToolCall>& calls,
                                              bool streamed) const {
  // "call_" + the response id's suffix + the choice and call numbers: unique per response.
  const std::string suffix = info_.id.substr(info_.id.find('-') + 1);
  Json out = Json::array();
  for (size_t k = 0; k < calls.size(); ++k) {
    Json call = Json::object();
    if (streamed) call["index"] = k;
    call["id"] = "call_" + suffix + "_" + std::to_string(choice) + "_" + std::to_string(k);
    call["type"] = "function";
    call["function"] = Json{{"name", calls[k].name}, {"arguments", calls[k].arguments}};
    out.push_back(std::move(call));
  }
  return out;
}

std::string ChatCompletionFormatter::content_chunk(uint32_t choice, const std::string& text) {
  auto& pending = pending_logprobs_[choice];
  Json logprobs = nullptr;
  if (info_.logprobs >= 0) {
    logprobs = Json{{"content", pending.is_null() ? Json::array() : std::move(pending)}};
    pending = nullptr;
  }
  return sse_data(chunk(choice, Json{{"content", text}}, std::move(logprobs), nullptr));
}

Json ChatCompletionFormatter::logprob_entry(const engine::TokenOutput& token) const {
  const std::string piece = token_piece(token.token);
  Json top = Json::array();
  for (const auto& alt : token.top) {
    const std::string alt_piece = token_piece(alt.token);
    top.push_back(
        Json{{"token", alt_piece}, {"logprob", alt.logprob}, {"bytes", bytes_of(alt_piece)}});
  }
  return Json{{"token", piece},
              {"logprob", token.logprob},
              {"bytes", bytes_of(piece)},
              {"top_logprobs", std::move(top)}};
}

Json ChatCompletionFormatter::chunk(uint32_t choice, Json delta, Json logprobs,
                                    Json finish_reason) const {
  Json out = chunk_head("chat.completion.chunk");
  out["choices"] = Json::array({Json{{"index", choice},
                                     {"delta", std::move(delta)},
                                     {"logprobs", std::move(logprobs)},
                                     {"finish_reason", std::move(finish_reason)}}});
  if (info_.include_usage) out["usage"] = nullptr;
  return out;
}

std::string ChatCompletionFormatter::stream_begin() {
  std::string out;
  for (uint32_t i = 0; i < n_choices_; ++i)
    out += sse_data(chunk(i, Json{{"role", "assistant"}, {"content", ""}}, nullptr, nullptr));
  return out;
}

std::string ChatCompletionFormatter::stream_token(uint32_t choice, const ChoiceState&,
                                                  const engine::TokenOutput& token) {
  auto& pending = pending_logprobs_[choice];
  if (info_.logprobs >= 0) {
    if (pending.is_null()) pending = Json::array();
    pending.push_back(logprob_entry(token));
  }
  if (token.text.empty()) return {};  // held back; its logprobs go with the next text
  if (!info_.tool_calls) return content_chunk(choice, token.text);
  const std::string text = tool_streams_[choice].feed(token.text);
  if (text.empty()) return {};  // a tool call, or maybe one: held to the end
  return content_chunk(choice, text);
}

std::string ChatCompletionFormatter::stream_finish(uint32_t choice, const ChoiceState& state,
                                                   const std::string& released_text) {
  auto& pending = pending_logprobs_[choice];
  Json logprobs = nullptr;
  if (!pending.is_null()) {
    logprobs = Json{{"content", std::move(pending)}};
    pending = nullptr;
  }
  std::string out;
  // The content not sent yet, and with tools the calls in the reply.
  ToolCallReply end{released_text, {}};
  if (info_.tool_calls) end = tool_streams_[choice].finish(released_text);
  if (!end.content.empty()) {
    out += sse_data(chunk(choice, Json{{"content", end.content}}, std::move(logprobs), nullptr));
    logprobs = nullptr;
  }
  if (!end.calls.empty()) {
    out += sse_data(chunk(choice, Json{{"tool_calls", tool_calls_json(choice, end.calls, true)}},
                          std::move(logprobs), nullptr));
    logprobs = nullptr;
  }
  Json last = chunk(choice, Json::object(), std::move(logprobs),
                    finish_reason_name(state, !end.calls.empty()));
  last["timings"] = llama_timings(state, info_.timings_per_token, info_.request_start);
  out += sse_data(last);
  return out;
}

std::string ChatCompletionFormatter::stream_end(const std::vector<ChoiceState>& choices) {
  return stream_end_of("chat.completion.chunk", choices);
}

Json ChatCompletionFormatter::whole(const std::vector<ChoiceState>& choices) {
  Json out = chunk_head("chat.completion");
  Json list = Json::array();
  for (uint32_t i = 0; i < choices.size(); ++i) {
    const auto& c = choices[i];
    Json logprobs = nullptr;
    if (info_.logprobs >= 0) {
      Json content = Json::array();
      for (const auto& token : c.tokens) content.push_back(logprob_entry(token));
      logprobs = Json{{"content", std::move(content)}};
    }
    Json message = Json{{"role", "assistant"}, {"content", c.text}};
    std::optional<ToolCallReply> called;
    if (info_.tool_calls) called = parse_tool_calls(c.text);
    if (called) {
      // OpenAI's shape: content null when the reply is only calls.
      message["content"] = called->content.empty() ? Json(nullptr) : Json(called->content);
      message["tool_calls"] = tool_calls_json(i, called->calls, false);
    }
    list.push_back(Json{{"index", i},
                        {"message", std::move(message)},
                        {"logprobs", std::move(logprobs)},
                        {"finish_reason", finish_reason_name(c, called.has_value())}});
  }
  out["choices"] = std::move(list);
  out["usage"] = usage(choices);
  if (!choices.empty())
    out["timings"] = llama_timings(choices[0], info_.timings_per_token, info_.request_start);
  return out;
}

// ---- completions

CompletionFormatter::CompletionFormatter(OpenAiResponseInfo info, size_t choices)
    : OpenAiFormatterBase(std::move(info)), pending_(choices), sent_bytes_(choices, 0) {}

Json CompletionFormatter::logprobs_block(const std::vector<engine::TokenOutput>& tokens,
                                         size_t offset) const {
  Json pieces = Json::array(), logprobs = Json::array(), tops = Json::array(),
       offsets = Json::array();
  for (const auto& token : tokens) {
    const std::string piece = token_piece(token.token);
    pieces.push_back(piece);
    logprobs.push_back(token.logprob);
    Json top = Json::object();
    for (const auto& alt : token.top) top[token_piece(alt.token)] = alt.logprob;
    tops.push_back(std::move(top));
    offsets.push_back(offset);
    offset += piece.size();
  }
  return Json{{"tokens", std::move(pieces)},
              {"token_logprobs", std::move(logprobs)},
              {"top_logprobs", std::move(tops)},
              {"text_offset", std::move(offsets)}};
}

Json CompletionFormatter::chunk(uint32_t choice, const std::string& text, Json logprobs,
                                Json finish_reason) const {
  Json out = chunk_head("text_completion");
  out["choices"] = Json::array({Json{{"index", choice},
                                     {"text", text},
                                     {"logprobs", std::move(logprobs)},
                                     {"finish_reason", std::move(finish_reason)}}});
  if (info_.include_usage) out["usage"] = nullptr;
  return out;
}

std::string CompletionFormatter::stream_token(uint32_t choice, const ChoiceState&,
                                              const engine::TokenOutput& token) {
  auto& pending = pending_[choice];
  if (info_.logprobs >= 0) pending.push_back(token);
  if (token.text.empty()) return {};
  Json logprobs = nullptr;
  if (info_.logprobs >= 0) {
    logprobs = logprobs_block(pending, sent_bytes_[choice]);
    pending.clear();
  }
  sent_bytes_[choice] += token.text.size();
  return sse_data(chunk(choice, token.text, std::move(logprobs), nullptr));
}

std::string CompletionFormatter::stream_finish(uint32_t choice, const ChoiceState& state,
                                               const std::string& released_text) {
  auto& pending = pending_[choice];
  Json logprobs = nullptr;
  if (!pending.empty()) {
    logprobs = logprobs_block(pending, sent_bytes_[choice]);
    pending.clear();
  }
  sent_bytes_[choice] += released_text.size();
  Json last = chunk(choice, released_text, std::move(logprobs), finish_reason_name(state));
  last["timings"] = llama_timings(state, info_.timings_per_token, info_.request_start);
  return sse_data(last);
}

std::string CompletionFormatter::stream_end(const std::vector<ChoiceState>& choices) {
  return stream_end_of("text_completion", choices);
}

Json CompletionFormatter::whole(const std::vector<ChoiceState>& choices) {
  Json out = chunk_head("text_completion");
  Json list = Json::array();
  for (uint32_t i = 0; i < choices.size(); ++i) {
    const auto& c = choices[i];
    list.push_back(Json{{"index", i},
                        {"text", c.text},
                        {"logprobs", info_.logprobs >= 0 ? logprobs_block(c.tokens, 0) : Json()},
                        {"finish_reason", finish_reason_name(c)}});
  }
  out["choices"] = std::move(list);
  out["usage"] = usage(choices);
  if (!choices.empty())
    out["timings"] = llama_timings(choices[0], info_.timings_per_token, info_.request_start);
  return out;
}

}  // namespace sluice::server
