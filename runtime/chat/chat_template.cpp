#include "chat/chat_template.hpp"

#include "chat/interpreter.hpp"
#include "chat/parser.hpp"

namespace sluice::chat {
namespace {

std::string with_line(int line, const std::string& message) {
  return line > 0 ? "line " + std::to_string(line) + ": " + message : message;
}

}  // namespace

TemplateError::TemplateError(Kind kind, std::string message, int line)
    : std::runtime_error(with_line(line, message)),
      kind_(kind),
      line_(line),
      message_(std::move(message)) {}

const char* to_string(TemplateError::Kind kind) {
  switch (kind) {
    case TemplateError::Kind::syntax: return "syntax";
    case TemplateError::Kind::unsupported: return "unsupported";
    case TemplateError::Kind::render: return "render";
    case TemplateError::Kind::budget: return "budget";
    case TemplateError::Kind::raised: return "raised";
  }
  return "unknown";
}

ChatTemplate::ChatTemplate(std::shared_ptr<const detail::ParsedTemplate> parsed)
    : parsed_(std::move(parsed)) {}

ChatTemplate ChatTemplate::parse(std::string_view source, TemplateLimits limits) {
  return ChatTemplate(
      std::make_shared<const detail::ParsedTemplate>(detail::parse_template(source, limits)));
}

std::string ChatTemplate::render(const nlohmann::ordered_json& context,
                                 const std::function<std::time_t()>& now) const {
  detail::Interpreter interpreter(*parsed_, now);
  return interpreter.render(context);
}

const TemplateLimits& ChatTemplate::limits() const {
  return parsed_->limits;
}

nlohmann::ordered_json build_chat_context(const nlohmann::ordered_json& messages,
                                          const ChatRenderOptions& options) {
  nlohmann::ordered_json context = nlohmann::ordered_json::object();
  context["messages"] = messages;
  context["add_generation_prompt"] = options.add_generation_prompt;
  context["bos_token"] = options.bos_token;
  context["eos_token"] = options.eos_token;
  if (!options.tools.is_null()) context["tools"] = options.tools;
  if (options.extra.is_object()) {
    for (const auto& [key, value] : options.extra.items()) context[key] = value;
  }
  return context;
}

std::string render_chat(const ChatTemplate& tpl, const nlohmann::ordered_json& messages,
                        const ChatRenderOptions& options) {
  return tpl.render(build_chat_context(messages, options), options.now);
}

}  // namespace sluice::chat

namespace sluice::chat::detail {

void Budget::fail_steps() const {
  throw TemplateError(
      TemplateError::Kind::budget,
      "evaluation step budget exhausted (max_steps = " + std::to_string(limits_.max_steps) + ")");
}

void Budget::fail_string_size(std::size_t bytes) const {
  throw TemplateError(TemplateError::Kind::budget,
                      "a string of " + std::to_string(bytes) + " bytes exceeds max_output_bytes (" +
                          std::to_string(limits_.max_output_bytes) + ")");
}

void Budget::fail_data_depth() const {
  throw TemplateError(
      TemplateError::Kind::budget,
      "values nest deeper than max_data_depth (" + std::to_string(limits_.max_data_depth) + ")");
}

}  // namespace sluice::chat::detail
