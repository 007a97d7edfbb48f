// The engine against Python's jinja2 (configured as Hugging Face configures it): every
// shared model template over several conversations, and the small templates of
// jinja_cases.txt, must render byte for byte the same, or fail on both sides.
#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "chat/chat_template.hpp"
#include "python_reference.hpp"
#include "test_support.hpp"

namespace sluice::test {
namespace {

using nlohmann::ordered_json;

struct Conversation {
  std::string name;
  ordered_json messages;
  ordered_json tools = nullptr;
  ordered_json extra = ordered_json::object();
};

ordered_json weather_tool() {
  return ordered_json::parse(R"({
    "type": "function",
    "function": {
      "name": "get_weather",
      "description": "Get the current weather in a city.",
      "parameters": {
        "type": "object",
        "properties": {
          "location": {"type": "string", "description": "The city, e.g. Paris"},
          "unit": {"type": "string", "enum": ["celsius", "fahrenheit"], "description": "Temperature unit"},
          "days": {"type": "array", "items": {"type": "integer"}, "description": "Days ahead"}
        },
        "required": ["location"]
      }
    }
  })");
}

// A tool round trip: the assistant calls get_weather, the tool answers, the assistant
// uses the answer. `arguments` is a JSON object (Hugging Face's convention) or a string
// holding JSON (OpenAI's); the calling message's content is "" or null (OpenAI's).
ordered_json tool_conversation(const ordered_json& arguments, const ordered_json& call_content) {
  ordered_json messages = ordered_json::array();
  messages.push_back({{"role", "system"}, {"content", "You are a helpful assistant."}});
  messages.push_back({{"role", "user"}, {"content", "What's the weather in Paris?"}});
  ordered_json call = {{"id", "call12345"},
                       {"type", "function"},
                       {"function", {{"name", "get_weather"}, {"arguments", arguments}}}};
  messages.push_back({{"role", "assistant"},
                      {"content", call_content},
                      {"tool_calls", ordered_json::array({call})}});
  messages.push_back({{"role", "tool"},
                      {"tool_call_id", "call12345"},
                      {"name", "get_weather"},
                      {"content", R"({"temperature": 22, "unit": "celsius"})"}});
  messages.push_back({{"role", "assistant"}, {"content", "It is 22°C in Paris."}});
  messages.push_back({{"role", "user"}, {"content", "Thanks!"}});
  return messages;
}

std::vector<Conversation> conversations() {
  std::vector<Conversation> out;
  out.push_back(
      {"single user turn", ordered_json::parse(R"([{"role": "user", "content": "Hello!"}])")});
  out.push_back({"system, user, assistant, user", ordered_json::parse(R"([
      {"role": "system", "content": "You are a helpful assistant."},
      {"role": "user", "content": "Hi there"},
      {"role": "assistant", "content": "Hello! How can I help?"},
      {"role": "user", "content": "Tell me a joke."}])")});
  out.push_back({"unicode and reasoning", ordered_json::parse(R"([
      {"role": "user", "content": "  Grüße 👋 \"quoted\" \\ back\nnew line\t tab  "},
      {"role": "assistant", "content": "<think>\nI should greet.\n</think>\n\nHallo! ☀"},
      {"role": "user", "content": "再见"}])")});
  out.push_back({"tool call with object arguments",
                 tool_conversation({{"location", "Paris"}, {"unit", "celsius"}}, ""),
                 ordered_json::array({weather_tool()})});
  out.push_back({"tool call with string arguments",
                 tool_conversation(R"({"location": "Paris"})", nullptr),
                 ordered_json::array({weather_tool()})});
  return out;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Renders with the engine: the output, or nullopt (and the error in `error`) if it threw.
std::optional<std::string> render_with_engine(const std::string& source,
                                              const ordered_json& context, std::string& error) {
  try {
    const auto tpl = chat::ChatTemplate::parse(source);
    return tpl.render(context, [] { return reference_time; });
  } catch (const chat::TemplateError& e) {
    error = std::string(chat::to_string(e.kind())) + ": " + e.what();
    return std::nullopt;
  }
}

}  // namespace

TEST_CASE("every shared chat template renders like jinja2", "[chat][reference]") {
  const auto templates_dir = shared_file("templates");
  if (templates_dir.empty()) return;
  if (!python_reference_available()) return;

  std::vector<std::filesystem::path> templates;
  for (const auto& entry : std::filesystem::directory_iterator(templates_dir)) {
    if (entry.path().extension() == ".jinja") templates.push_back(entry.path());
  }
  std::sort(templates.begin(), templates.end());
  REQUIRE_FALSE(templates.empty());

  // Each conversation with and without the generation prompt, plus thinking switched off
  // where templates read enable_thinking; all rendered by jinja2 in one python3 run.
  struct Render {
    std::string template_name;
    chat::ChatTemplate tpl;
    ordered_json messages;
    chat::ChatRenderOptions options;
  };
  std::vector<ReferenceCase> cases;
  std::vector<Render> renders;
  for (const auto& path : templates) {
    const std::string source = read_file(path);
    const auto tpl = chat::ChatTemplate::parse(source);  // every shared template parses
    const auto add = [&](const std::string& name, const ordered_json& messages,
                         const chat::ChatRenderOptions& o) {
      cases.push_back({name, source, chat::build_chat_context(messages, o)});
      renders.push_back({path.filename().string(), tpl, messages, o});
    };
    chat::ChatRenderOptions base;
    base.bos_token = "<s>";
    base.eos_token = "</s>";
    base.now = [] { return reference_time; };
    for (const auto& conversation : conversations()) {
      for (const bool generation_prompt : {true, false}) {
        chat::ChatRenderOptions o = base;
        o.add_generation_prompt = generation_prompt;
        o.tools = conversation.tools;
        add(conversation.name +
                (generation_prompt ? ", with generation prompt" : ", without generation prompt"),
            conversation.messages, o);
      }
    }
    chat::ChatRenderOptions no_thinking = base;
    no_thinking.extra = {{"enable_thinking", false}};
    add("multi-turn, enable_thinking=false", conversations()[1].messages, no_thinking);
  }

  const auto expected = render_with_jinja2(cases);
  std::size_t identical = 0, raised_on_both = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Render& r = renders[i];
    INFO("template " << r.template_name << ", conversation: " << cases[i].name);
    std::string error;
    std::optional<std::string> actual;
    try {
      actual = chat::render_chat(r.tpl, r.messages, r.options);
    } catch (const chat::TemplateError& e) {
      error = std::string(chat::to_string(e.kind())) + ": " + e.what();
    }
    if (expected[i].ok) {
      INFO("engine error: " << error);
      REQUIRE(actual.has_value());
      CHECK(*actual == expected[i].output);
      if (*actual == expected[i].output) ++identical;
    } else {
      INFO("jinja2 raised " << expected[i].error);
      CHECK_FALSE(actual.has_value());
      if (!actual) ++raised_on_both;
    }
  }
  std::printf(
      "chat templates: %zu templates, %zu renders byte-identical to jinja2, %zu raised on both "
      "sides\n",
      templates.size(), identical, raised_on_both);
}

TEST_CASE("small templates render like jinja2 (jinja_cases.txt)", "[chat][reference]") {
  if (!python_reference_available()) return;
  const auto cases = read_case_file(std::string(SLUICE_CHAT_TEST_DIR) + "/jinja_cases.txt");
  REQUIRE(cases.size() > 100);
  const auto expected = render_with_jinja2(cases);
  std::size_t identical = 0, raised_on_both = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    INFO("case: " << cases[i].name << "\ntemplate:\n" << cases[i].source);
    std::string error;
    const auto actual = render_with_engine(cases[i].source, cases[i].context, error);
    if (expected[i].ok) {
      INFO("engine error: " << error);
      REQUIRE(actual.has_value());
      CHECK(*actual == expected[i].output);
      if (*actual == expected[i].output) ++identical;
    } else {
      INFO("jinja2 raised " << expected[i].error);
      CHECK_FALSE(actual.has_value());
      if (!actual) ++raised_on_both;
    }
  }
  std::printf("jinja cases: %zu byte-identical, %zu raised on both sides\n", identical,
              raised_on_both);
}

}  // namespace sluice::test
