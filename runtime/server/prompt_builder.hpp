// From a request to prompt token ids: chat messages through the model's chat template
// (or the documented ChatML default when the model has none), text through the tokenizer.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "engine/served_model.hpp"
#include "server/json_util.hpp"

namespace sluice::server {

// The prompt text for normalised `messages` (request_parse.hpp), ending with the
// assistant's turn opened. Throws ApiError(400) when the template refuses the
// conversation (raise_exception) or fails on it.
std::string render_chat_prompt(const engine::ServedModel& model, const Json& messages,
                               const Json& tools);

// ChatML, llama.cpp's fallback for models without a template:
// "<|im_start|>ROLE\nCONTENT<|im_end|>\n" per message, then "<|im_start|>assistant\n".
std::string render_chatml(const Json& messages);

// Token ids of a rendered chat prompt: special tokens written by the template are
// parsed, and BOS is added once when the vocabulary asks for it and the template did not.
std::vector<int32_t> tokenize_chat_prompt(const engine::ServedModel& model, std::string_view text);

// Token ids of a raw prompt (completions, Ollama raw): BOS/EOS as the vocabulary asks,
// special tokens written in the text parsed (llama-server's behaviour).
std::vector<int32_t> tokenize_raw_prompt(const engine::ServedModel& model, std::string_view text);

// Throws ApiError(400) naming `field` when a token id is outside the vocabulary.
void check_token_ids(const engine::ServedModel& model, const std::vector<int32_t>& tokens,
                     const std::string& field);

}  // namespace sluice::server
