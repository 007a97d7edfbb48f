// Tokens -> statement tree, following jinja2's grammar (jinja2/parser.py) for the
// statements chat templates use. Nesting deeper than TemplateLimits::max_depth is refused.
#pragma once

#include <string_view>

#include "chat/ast.hpp"
#include "chat/chat_template.hpp"

namespace sluice::chat::detail {

struct ParsedTemplate {
  Body body;
  TemplateLimits limits;
};

// Throws TemplateError (syntax, unsupported, budget) naming the line.
ParsedTemplate parse_template(std::string_view source, const TemplateLimits& limits);

}  // namespace sluice::chat::detail
