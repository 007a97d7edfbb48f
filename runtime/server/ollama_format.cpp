#include "server/ollama_format.hpp"

#include <optional>

#include "server/stream_format.hpp"
#include "server/timings.hpp"

namespace sluice::server {
namespace {

const char* done_reason(const ChoiceState& state) {
  if (!state.finish) return "stop";
  if (state.finish->reason == engine::FinishReason::content_filter) return "content_filter";
  return state.finish->reason == engine::FinishReason::length ? "length" : "stop";
}

}  // namespace

std::string OllamaFormatter::content_type() const {
  return kNdjsonContentType;
}

Json OllamaFormatter::part(const std::string& text, bool done) const {
  Json out = {{"model", info_.model}, {"created_at", rfc3339(std::chrono::system_clock::now())}};
  if (info_.chat) {
    out["message"] = Json{{"role", "assistant"}, {"content", text}};
  } else {
    out["response"] = text;
  }
  out["done"] = done;
  return out;
}

Json OllamaFormatter::tool_calls_json(const std::vector<ToolCall>& calls) {
  Json out = Json::array();
  for (const ToolCall& call : calls) {
    Json arguments = Json::parse(call.arguments, nullptr, /*allow_exceptions=*/false);
    if (arguments.is_discarded()) arguments = call.arguments;  // a string that is not JSON
    out.push_back(Json{{"function", {{"name", call.name}, {"arguments", std::move(arguments)}}}});
  }
  return out;
}

Json OllamaFormatter::logprob_entries(const std::vector<engine::TokenOutput>& tokens) const {
  Json out = Json::array();
  auto piece = [&](int32_t id) {
    return info_.tokenizer && id >= 0 && id < info_.tokenizer->n_vocab()
               ? info_.tokenizer->token_to_piece(id)
               : std::string();
  };
  for (const auto& token : tokens) {
    Json top = Json::array();
    for (const auto& alt : token.top)
      top.push_back(Json{{"token", piece(alt.token)}, {"logprob", alt.logprob}});
    Json entry = {{"token", piece(token.token)}, {"logprob", token.logprob}};
    if (!top.empty()) entry["top_logprobs"] = std::move(top);
    out.push_back(std::move(entry));
  }
  return out;
}

Json OllamaFormatter::final_object(const ChoiceState& state, const std::string& text) const {
  Json out = part(text, true);
  out["done_reason"] = done_reason(state);
  if (!info_.chat) {
    Json context = Json::array();
    for (int32_t id : info_.context) context.push_back(id);
    if (info_.context_from_text) {
      for (int32_t id : info_.tokenizer->encode(state.text, false, false)) context.push_back(id);
    } else {
      for (const auto& token : state.tokens) context.push_back(token.token);
    }
    out["context"] = std::move(context);
  }
  add_ollama_durations(out, state, info_.request_start);
  return out;
}

std::string OllamaFormatter::stream_token(uint32_t, const ChoiceState&,
                                          const engine::TokenOutput& token) {
  if (info_.logprobs >= 0) pending_.push_back(token);
  if (token.text.empty()) return {};
  const std::string text = info_.tool_calls ? tool_stream_.feed(token.text) : token.text;
  if (text.empty()) return {};  // a tool call, or maybe one: held to the end
  Json out = part(text, false);
  if (info_.logprobs >= 0) {
    out["logprobs"] = logprob_entries(pending_);
    pending_.clear();
  }
  return ndjson_line(out);
}

std::string OllamaFormatter::stream_finish(uint32_t, const ChoiceState&,
                                           const std::string& released_text) {
  ToolCallReply end{released_text, {}};
  if (info_.tool_calls) end = tool_stream_.finish(released_text);
  if (end.content.empty() && end.calls.empty() && pending_.empty()) return {};
  Json out = part(end.content, false);
  if (!end.calls.empty()) out["message"]["tool_calls"] = tool_calls_json(end.calls);
  if (info_.logprobs >= 0) {
    out["logprobs"] = logprob_entries(pending_);
    pending_.clear();
  }
  return ndjson_line(out);
}

std::string OllamaFormatter::stream_end(const std::vector<ChoiceState>& choices) {
  return ndjson_line(final_object(choices.at(0), ""));
}

std::string OllamaFormatter::stream_error(const ApiError& error) {
  return ndjson_line(ollama_error_body(error));
}

Json OllamaFormatter::whole(const std::vector<ChoiceState>& choices) {
  const ChoiceState& state = choices.at(0);
  std::optional<ToolCallReply> called;
  if (info_.tool_calls) called = parse_tool_calls(state.text);
  Json out = final_object(state, called ? called->content : state.text);
  if (called) out["message"]["tool_calls"] = tool_calls_json(called->calls);
  if (info_.logprobs >= 0) out["logprobs"] = logprob_entries(state.tokens);
  return out;
}

Json OllamaFormatter::load_reply(const std::string& model, bool chat) {
  Json out = {{"model", model}, {"created_at", rfc3339(std::chrono::system_clock::now())}};
  if (chat) {
    out["message"] = Json{{"role", "assistant"}, {"content", ""}};
  } else {
    out["response"] = "";
  }
  out["done"] = true;
  out["done_reason"] = "load";
  return out;
}

}  // namespace sluice::server
