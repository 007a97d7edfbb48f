#include "server/prompt_builder.hpp"

#include "chat/chat_template.hpp"
#include "server/api_error.hpp"
#include "tokenizer/tokenizer_error.hpp"

namespace sluice::server {
namespace {

std::string special_text(const tokenizer::Tokenizer& tok, int32_t id) {
  if (id < 0 || id >= tok.n_vocab()) return {};
  return tok.token_to_piece(id, /*render_special=*/true);
}

std::vector<int32_t> encode(const tokenizer::Tokenizer& tok, std::string_view text,
                            bool add_special, bool parse_special) {
  try {
    return tok.encode(text, add_special, parse_special);
  } catch (const tokenizer::TokenizerError& e) {
    throw ApiError(400, std::string("prompt: cannot tokenize: ") + e.what(), "prompt");
  }
}

}  // namespace

std::string render_chatml(const Json& messages) {
  std::string out;
  for (const auto& m : messages) {
    out += "<|im_start|>";
    out += m.value("role", "");
    out += "\n";
    out += m.contains("content") && m["content"].is_string()
               ? m["content"].get_ref<const std::string&>()
               : std::string();
    out += "<|im_end|>\n";
  }
  out += "<|im_start|>assistant\n";
  return out;
}

std::string render_chat_prompt(const engine::ServedModel& model, const Json& messages,
                               const Json& tools) {
  if (!model.chat_template) return render_chatml(messages);
  chat::ChatRenderOptions options;
  options.add_generation_prompt = true;
  if (model.tokenizer) {
    options.bos_token = special_text(*model.tokenizer, model.tokenizer->bos());
    options.eos_token = special_text(*model.tokenizer, model.tokenizer->eos());
  }
  options.tools = tools;
  try {
    return chat::render_chat(*model.chat_template, messages, options);
  } catch (const chat::TemplateError& e) {
    // The conversation is the caller's: a template refusing it (roles must alternate,
    // an unsupported role) or failing on it is a bad request.
    throw ApiError(400,
                   std::string("messages: the chat template failed (") + chat::to_string(e.kind()) +
                       "): " + e.message(),
                   "messages");
  }
}

std::vector<int32_t> tokenize_chat_prompt(const engine::ServedModel& model, std::string_view text) {
  const auto& tok = *model.tokenizer;
  std::vector<int32_t> tokens = encode(tok, text, /*add_special=*/false, /*parse_special=*/true);
  // Templates usually write BOS themselves; add it only when they did not.
  if (tok.add_bos() && tok.bos() >= 0 && (tokens.empty() || tokens.front() != tok.bos()))
    tokens.insert(tokens.begin(), tok.bos());
  return tokens;
}

std::vector<int32_t> tokenize_raw_prompt(const engine::ServedModel& model, std::string_view text) {
  return encode(*model.tokenizer, text, /*add_special=*/true, /*parse_special=*/true);
}

void check_token_ids(const engine::ServedModel& model, const std::vector<int32_t>& tokens,
                     const std::string& field) {
  const int32_t n_vocab = model.tokenizer->n_vocab();
  for (size_t i = 0; i < tokens.size(); ++i)
    if (tokens[i] < 0 || tokens[i] >= n_vocab)
      throw bad_field(field + "[" + std::to_string(i) + "]",
                      "token " + std::to_string(tokens[i]) + " is outside the vocabulary (" +
                          std::to_string(n_vocab) + " tokens)");
}

}  // namespace sluice::server
