// Chat templates: the Jinja2 subset that models' tokenizer.chat_template uses, rendered the
// way Hugging Face transformers renders them (ImmutableSandboxedEnvironment, trim_blocks,
// lstrip_blocks, loop controls, tojson/raise_exception/strftime_now). docs/chat-templates.md
// lists what is supported. Templates are data: they reach nothing outside the context they
// are given, and every render runs within TemplateLimits.
#pragma once

#include <cstddef>
#include <ctime>
#include <functional>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <string_view>

namespace sluice::chat {

namespace detail {
struct ParsedTemplate;
}

// Bounds on what one template may cost. Exceeding any of them throws
// TemplateError(Kind::budget).
struct TemplateLimits {
  // Evaluation steps per render: one per expression, statement and loop iteration, plus
  // one per element or 64 bytes a filter or operator produces.
  std::size_t max_steps = 5'000'000;
  // Nesting of blocks and expressions in the source (checked while parsing) and of macro
  // calls while rendering.
  std::size_t max_depth = 64;
  // Size of the rendered text, and of any single string made while rendering.
  std::size_t max_output_bytes = 4 << 20;
  // Nesting of lists and dicts, in the context and in values the template builds.
  std::size_t max_data_depth = 256;
};

class TemplateError : public std::runtime_error {
 public:
  enum class Kind {
    syntax,       // the source is not valid Jinja
    unsupported,  // valid Jinja that this engine does not implement
    render,       // failed while rendering (a type error, an undefined value used, ...)
    budget,       // a TemplateLimits bound was reached
    raised,       // the template called raise_exception(message)
  };

  TemplateError(Kind kind, std::string message, int line = 0);

  Kind kind() const { return kind_; }
  // 1-based line of the template the error belongs to; 0 when it belongs to no line.
  int line() const { return line_; }
  // The message without the "line N: " prefix what() carries.
  const std::string& message() const { return message_; }

 private:
  Kind kind_;
  int line_;
  std::string message_;
};

// "syntax", "unsupported", "render", "budget", "raised".
const char* to_string(TemplateError::Kind kind);

// A parsed template. Immutable and cheap to copy; render() may run on many threads at once.
class ChatTemplate {
 public:
  // Throws TemplateError (syntax, unsupported, budget) naming the line.
  static ChatTemplate parse(std::string_view source, TemplateLimits limits = {});

  // Renders with `context` (a JSON object) as the template's variables. ordered_json keeps
  // the key order of objects, which tojson and dict iteration show. strftime_now reads
  // `now` (or the clock when empty) as local time. Throws TemplateError (render, budget,
  // raised, unsupported).
  std::string render(const nlohmann::ordered_json& context,
                     const std::function<std::time_t()>& now = {}) const;

  const TemplateLimits& limits() const;

 private:
  explicit ChatTemplate(std::shared_ptr<const detail::ParsedTemplate> parsed);
  std::shared_ptr<const detail::ParsedTemplate> parsed_;
};

struct ChatRenderOptions {
  bool add_generation_prompt = true;
  std::string bos_token;
  std::string eos_token;
  nlohmann::ordered_json tools = nullptr;  // omitted from the context when null
  nlohmann::ordered_json extra = nlohmann::ordered_json::object();  // more variables, set last
  std::function<std::time_t()> now;  // for strftime_now; the clock if empty
};

// The context Hugging Face passes to a chat template: messages, add_generation_prompt,
// bos_token, eos_token, tools (when not null), then the keys of options.extra.
nlohmann::ordered_json build_chat_context(const nlohmann::ordered_json& messages,
                                          const ChatRenderOptions& options);

// Renders `messages` (an array of {"role", "content", ...}) through the template.
std::string render_chat(const ChatTemplate& tpl, const nlohmann::ordered_json& messages,
                        const ChatRenderOptions& options);

}  // namespace sluice::chat
