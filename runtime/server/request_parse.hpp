// Request bodies of every route, validated into typed requests. Each numeric field is
// bounded and a wrong type or value is ApiError(400) naming the field; nothing here
// touches a model, so the parsers are fuzzed on their own (tests/fuzz/fuzz_request.cpp).
// docs/api.md lists the fields and their bounds.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "engine/sampler.hpp"
#include "server/json_util.hpp"

namespace sluice::server {

// Bounds that come from the configuration.
struct RequestLimits {
  uint32_t max_n = 8;
  uint32_t max_top_logprobs = 20;
};

// Bounds fixed by the API (docs/api.md).
inline constexpr int64_t kMaxTokensLimit = 1 << 20;
inline constexpr size_t kMaxStopStrings = 16;
inline constexpr size_t kMaxStopBytes = 1024;
inline constexpr size_t kMaxModelNameBytes = 256;
inline constexpr int64_t kMaxPriority = 1'000'000;

// What every generation route asks of the engine, whatever the API spelled it as.
struct GenerationOptions {
  std::optional<std::string> model;
  int32_t max_tokens = -1;  // -1: until the context is full
  engine::SamplingParams sampling;
  std::optional<uint64_t> seed;  // none: a random seed
  std::vector<std::string> stop;
  uint32_t n = 1;
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
  int32_t logprobs = -1;       // engine::Request::logprobs
  bool timings_per_token = false;
  bool ignore_eos = false;
  int32_t priority = 0;  // vLLM's `priority`: lower runs first (scheduler `priority`)
};

struct ChatCompletionRequest {
  GenerationOptions gen;
  Json messages;  // normalised (normalize_openai_messages)
  Json tools;     // null when absent or tool_choice is "none"
};

struct CompletionRequest {
  GenerationOptions gen;
  std::variant<std::string, std::vector<int32_t>> prompt;  // text or token ids
};

struct OllamaGenerateRequest {
  GenerationOptions gen;
  std::string prompt;
  std::string system;
  bool raw = false;
  std::vector<int32_t> context;  // tokens of an earlier exchange, prepended
};

struct OllamaChatRequest {
  GenerationOptions gen;
  Json messages;  // normalised (normalize_ollama_messages)
  Json tools;
};

struct OllamaShowRequest {
  std::string model;
};

struct TokenizeRequest {
  std::optional<std::string> model;
  std::string content;
  bool add_special = false;
  bool parse_special = true;
  bool with_pieces = false;
};

struct DetokenizeRequest {
  std::optional<std::string> model;
  std::vector<int32_t> tokens;
};

ChatCompletionRequest parse_chat_completion(const Json& body, const RequestLimits& limits);
CompletionRequest parse_completion(const Json& body, const RequestLimits& limits);
OllamaGenerateRequest parse_ollama_generate(const Json& body, const RequestLimits& limits);
OllamaChatRequest parse_ollama_chat(const Json& body, const RequestLimits& limits);
OllamaShowRequest parse_ollama_show(const Json& body);
TokenizeRequest parse_tokenize(const Json& body);
DetokenizeRequest parse_detokenize(const Json& body);

// OpenAI messages as chat templates expect them: each an object with a string role;
// content null -> "" (templates break on null), an array of text parts -> their text
// joined; tool_calls[].function.arguments given as a JSON string -> the object it holds.
// Other keys are kept in order. Throws ApiError(400) naming messages[i].field.
Json normalize_openai_messages(const Json& messages);
// Ollama messages: the same, and images are refused.
Json normalize_ollama_messages(const Json& messages);

}  // namespace sluice::server
