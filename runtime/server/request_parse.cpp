#include "server/request_parse.hpp"

#include "server/api_error.hpp"

namespace sluice::server {
namespace {

constexpr double kMaxPenalty = 2.0;
constexpr double kMaxRepeatPenalty = 10.0;
constexpr int64_t kMaxTopK = 1 << 20;
constexpr size_t kMaxRoleBytes = 64;

std::optional<std::string> read_model(const FieldReader& r, std::string_view key = "model") {
  return r.string(key, kMaxModelNameBytes);
}

// "stop": a string or an array of strings; empty strings are dropped.
std::vector<std::string> read_stop(const FieldReader& r, std::string_view key) {
  std::vector<std::string> stops;
  const Json& body = r.json();
  auto it = body.find(std::string(key));
  if (it == body.end() || it->is_null()) return stops;
  const std::string field = r.name(key);
  auto take = [&](const Json& v, const std::string& name) {
    if (!v.is_string())
      throw bad_field(name, std::string("expected a string, got ") + json_type_phrase(v));
    const auto& s = v.get_ref<const std::string&>();
    if (s.size() > kMaxStopBytes)
      throw bad_field(name, "longer than " + std::to_string(kMaxStopBytes) + " bytes");
    if (!s.empty()) stops.push_back(s);
  };
  if (it->is_string()) {
    take(*it, field);
  } else if (it->is_array()) {
    if (it->size() > kMaxStopStrings)
      throw bad_field(field, "at most " + std::to_string(kMaxStopStrings) + " stop strings");
    for (size_t i = 0; i < it->size(); ++i) take((*it)[i], field + "[" + std::to_string(i) + "]");
  } else {
    throw bad_field(field, std::string("expected a string or an array of strings, got ") +
                               json_type_phrase(*it));
  }
  return stops;
}

std::vector<int32_t> read_token_array(const Json& array, const std::string& field) {
  std::vector<int32_t> tokens;
  tokens.reserve(array.size());
  for (size_t i = 0; i < array.size(); ++i) {
    const Json& v = array[i];
    const std::string name = field + "[" + std::to_string(i) + "]";
    if (!v.is_number_integer())
      throw bad_field(name, std::string("expected a token id, got ") + json_type_phrase(v));
    const int64_t id =
        v.is_number_unsigned()
            ? static_cast<int64_t>(std::min<uint64_t>(v.get<uint64_t>(), uint64_t{1} << 40))
            : v.get<int64_t>();
    if (id < 0 || id > INT32_MAX) throw bad_field(name, "not a token id: " + v.dump());
    tokens.push_back(static_cast<int32_t>(id));
  }
  return tokens;
}

void read_seed(const FieldReader& r, std::string_view key, GenerationOptions& gen) {
  if (auto seed = r.seed(key)) {
    // -1 asks for a random seed (llama-server, Ollama).
    if (*seed != UINT64_MAX) gen.seed = *seed;
  }
}

// Sampling fields spelled the OpenAI way (plus the vLLM/llama-server extensions).
void read_openai_sampling(const FieldReader& r, GenerationOptions& gen) {
  auto& s = gen.sampling;
  if (auto v = r.number("temperature", 0.0, 2.0)) s.temperature = static_cast<float>(*v);
  if (auto v = r.number("top_p", 0.0, 1.0)) s.top_p = static_cast<float>(*v);
  if (auto v = r.integer("top_k", -1, kMaxTopK)) s.top_k = static_cast<int32_t>(*v);
  if (auto v = r.number("min_p", 0.0, 1.0)) s.min_p = static_cast<float>(*v);
  if (auto v = r.number("presence_penalty", -kMaxPenalty, kMaxPenalty))
    s.presence_penalty = static_cast<float>(*v);
  if (auto v = r.number("frequency_penalty", -kMaxPenalty, kMaxPenalty))
    s.frequency_penalty = static_cast<float>(*v);
  for (const char* key : {"repetition_penalty", "repeat_penalty"}) {
    if (auto v = r.number(key, 0.0, kMaxRepeatPenalty)) {
      if (*v <= 0.0) throw bad_field(r.name(key), "must be greater than 0");
      s.repeat_penalty = static_cast<float>(*v);
    }
  }
  if (auto v = r.integer("repeat_last_n", -1, kMaxTokensLimit))
    s.penalty_last_n = static_cast<int32_t>(*v);
  read_seed(r, "seed", gen);
}

void refuse_unsupported(const FieldReader& r) {
  if (const Json* bias = r.object("logit_bias"); bias && !bias->empty())
    throw bad_field("logit_bias", "not supported");
  if (const Json* format = r.object("response_format")) {
    auto type = format->find("type");
    if (type != format->end() && !(type->is_string() && *type == "text"))
      throw bad_field("response_format", "only {\"type\": \"text\"} is supported");
  }
}

// Fields /v1/chat/completions and /v1/completions share.
GenerationOptions read_openai_common(const FieldReader& r, const RequestLimits& limits) {
  GenerationOptions gen;
  gen.model = read_model(r);
  read_openai_sampling(r, gen);
  gen.stop = read_stop(r, "stop");
  if (auto n = r.integer("n", 1, limits.max_n)) gen.n = static_cast<uint32_t>(*n);
  if (auto p = r.integer("priority", -kMaxPriority, kMaxPriority))
    gen.priority = static_cast<int32_t>(*p);
  gen.stream = r.boolean("stream").value_or(false);
  if (const Json* options = r.object("stream_options")) {
    FieldReader so(*options, "stream_options.");
    gen.include_usage = so.boolean("include_usage").value_or(false);
  }
  gen.timings_per_token = r.boolean("timings_per_token").value_or(false);
  gen.ignore_eos = r.boolean("ignore_eos").value_or(false);
  r.string("user", 1 << 16);
  refuse_unsupported(r);
  return gen;
}

// Joins the text parts of an array content; other part types are refused.
std::string join_text_parts(const Json& parts, const std::string& field) {
  std::string text;
  for (size_t j = 0; j < parts.size(); ++j) {
    const std::string name = field + "[" + std::to_string(j) + "]";
    const Json& part = parts[j];
    if (part.is_string()) {  // some clients send bare strings
      text += part.get_ref<const std::string&>();
      continue;
    }
    if (!part.is_object())
      throw bad_field(name, std::string("expected an object, got ") + json_type_phrase(part));
    FieldReader pr(part, name + ".");
    const auto type = pr.string("type", 64);
    if (!type || *type != "text")
      throw bad_field(name + ".type", "only text content parts are supported");
    const auto part_text = pr.string("text", SIZE_MAX);
    if (!part_text) throw bad_field(name + ".text", "required");
    text += *part_text;
  }
  return text;
}

Json normalize_messages(const Json& messages, bool ollama) {
  Json out = Json::array();
  for (size_t i = 0; i < messages.size(); ++i) {
    const std::string field = "messages[" + std::to_string(i) + "]";
    const Json& m = messages[i];
    if (!m.is_object())
      throw bad_field(field, std::string("expected an object, got ") + json_type_phrase(m));
    FieldReader mr(m, field + ".");
    const auto role = mr.string("role", kMaxRoleBytes);
    if (!role || role->empty()) throw bad_field(field + ".role", "required");
    Json msg = Json::object();
    for (auto it = m.begin(); it != m.end(); ++it) msg[it.key()] = it.value();
    auto content = m.find("content");
    if (content == m.end() || content->is_null()) {
      msg["content"] = "";
    } else if (content->is_array()) {
      msg["content"] = join_text_parts(*content, field + ".content");
    } else if (!content->is_string()) {
      throw bad_field(field + ".content",
                      std::string("expected a string, got ") + json_type_phrase(*content));
    }
    if (ollama) {
      if (const Json* images = mr.array("images"); images && !images->empty())
        throw bad_field(field + ".images", "images are not supported");
      msg.erase("images");
    }
    if (const Json* calls = mr.array("tool_calls")) {
      Json fixed = *calls;
      for (size_t k = 0; k < fixed.size(); ++k) {
        Json& call = fixed[k];
        if (!call.is_object())
          throw bad_field(field + ".tool_calls[" + std::to_string(k) + "]", "expected an object");
        auto fn = call.find("function");
        if (fn == call.end() || !fn->is_object()) continue;
        auto args = fn->find("arguments");
        // Templates index the arguments as a mapping; OpenAI sends them as JSON text.
        if (args != fn->end() && args->is_string()) {
          Json parsed = Json::parse(args->get_ref<const std::string&>(), nullptr, false);
          if (!parsed.is_discarded() && parsed.is_object()) *args = std::move(parsed);
        }
      }
      msg["tool_calls"] = std::move(fixed);
    }
    out.push_back(std::move(msg));
  }
  return out;
}

Json read_tools(const FieldReader& r) {
  const Json* tools = r.array("tools");
  if (!tools || tools->empty()) return nullptr;
  for (size_t i = 0; i < tools->size(); ++i)
    if (!(*tools)[i].is_object())
      throw bad_field("tools[" + std::to_string(i) + "]", "expected an object");
  return *tools;
}

// Ollama's `options` object and the top-level fields it shares with it.
void read_ollama_options(const FieldReader& top, GenerationOptions& gen,
                         const RequestLimits& limits) {
  if (const Json* options = top.object("options")) {
    FieldReader o(*options, "options.");
    auto& s = gen.sampling;
    if (auto v = o.integer("num_predict", -2, kMaxTokensLimit))
      gen.max_tokens = *v < 0 ? -1 : static_cast<int32_t>(*v);
    if (auto v = o.number("temperature", 0.0, 2.0)) s.temperature = static_cast<float>(*v);
    if (auto v = o.integer("top_k", -1, kMaxTopK)) s.top_k = static_cast<int32_t>(*v);
    if (auto v = o.number("top_p", 0.0, 1.0)) s.top_p = static_cast<float>(*v);
    if (auto v = o.number("min_p", 0.0, 1.0)) s.min_p = static_cast<float>(*v);
    if (auto v = o.number("repeat_penalty", 0.0, kMaxRepeatPenalty)) {
      if (*v <= 0.0) throw bad_field(o.name("repeat_penalty"), "must be greater than 0");
      s.repeat_penalty = static_cast<float>(*v);
    }
    if (auto v = o.integer("repeat_last_n", -1, kMaxTokensLimit))
      s.penalty_last_n = static_cast<int32_t>(*v);
    if (auto v = o.number("presence_penalty", -kMaxPenalty, kMaxPenalty))
      s.presence_penalty = static_cast<float>(*v);
    if (auto v = o.number("frequency_penalty", -kMaxPenalty, kMaxPenalty))
      s.frequency_penalty = static_cast<float>(*v);
    read_seed(o, "seed", gen);
    gen.stop = read_stop(o, "stop");
    // Accepted and ignored: the context size is the server's.
    o.integer("num_ctx", 0, int64_t{1} << 24);
  }
  gen.stream = top.boolean("stream").value_or(true);
  if (auto p = top.integer("priority", -kMaxPriority, kMaxPriority))
    gen.priority = static_cast<int32_t>(*p);
  if (auto lp = top.boolean("logprobs"); lp && *lp) gen.logprobs = 0;
  if (auto k = top.integer("top_logprobs", 0, limits.max_top_logprobs); k && *k > 0)
    gen.logprobs = static_cast<int32_t>(*k);
  // Accepted and ignored: models stay loaded.
  if (top.has("keep_alive")) {
    const Json& ka = top.json().at("keep_alive");
    if (!ka.is_string() && !ka.is_number())
      throw bad_field("keep_alive", "expected a duration string or a number of seconds");
  }
  if (top.has("format")) throw bad_field("format", "structured output is not supported");
}

std::optional<std::string> read_ollama_model(const FieldReader& r) {
  auto model = read_model(r);
  if (!model) model = read_model(r, "name");  // the older spelling
  return model;
}

}  // namespace

Json normalize_openai_messages(const Json& messages) {
  return normalize_messages(messages, false);
}

Json normalize_ollama_messages(const Json& messages) {
  return normalize_messages(messages, true);
}

ChatCompletionRequest parse_chat_completion(const Json& body, const RequestLimits& limits) {
  FieldReader r(body);
  ChatCompletionRequest req;
  req.gen = read_openai_common(r, limits);
  // max_completion_tokens is the newer name; when both are given it wins.
  if (auto v = r.integer("max_tokens", 1, kMaxTokensLimit)) req.gen.max_tokens = *v;
  if (auto v = r.integer("max_completion_tokens", 1, kMaxTokensLimit)) req.gen.max_tokens = *v;
  const bool logprobs = r.boolean("logprobs").value_or(false);
  const auto top = r.integer("top_logprobs", 0, limits.max_top_logprobs);
  if (top && !logprobs) throw bad_field("top_logprobs", "requires \"logprobs\": true");
  if (logprobs) req.gen.logprobs = static_cast<int32_t>(top.value_or(0));
  const Json* messages = r.array("messages");
  if (!messages) throw bad_field("messages", "required");
  if (messages->empty()) throw bad_field("messages", "must not be empty");
  req.messages = normalize_openai_messages(*messages);
  req.tools = read_tools(r);
  if (auto choice = r.string("tool_choice", 64)) {
    if (*choice == "required") throw bad_field("tool_choice", "\"required\" is not supported");
    if (*choice == "none") req.tools = nullptr;  // no tools in the prompt, no calls parsed
  }
  return req;
}

CompletionRequest parse_completion(const Json& body, const RequestLimits& limits) {
  FieldReader r(body);
  CompletionRequest req;
  req.gen = read_openai_common(r, limits);
  req.gen.max_tokens = 16;  // OpenAI's default for completions
  if (auto v = r.integer("max_tokens", 1, kMaxTokensLimit)) req.gen.max_tokens = *v;
  if (auto v = r.integer("logprobs", 0, limits.max_top_logprobs))
    req.gen.logprobs = static_cast<int32_t>(*v);
  if (r.boolean("echo").value_or(false)) throw bad_field("echo", "not supported");
  if (auto v = r.integer("best_of", 1, limits.max_n); v && *v > 1)
    throw bad_field("best_of", "not supported");
  if (auto v = r.string("suffix", SIZE_MAX); v && !v->empty())
    throw bad_field("suffix", "not supported");

  auto it = body.find("prompt");
  if (it == body.end() || it->is_null()) throw bad_field("prompt", "required");
  const Json& p = *it;
  if (p.is_string()) {
    req.prompt = p.get<std::string>();
  } else if (p.is_array() && !p.empty() && p.size() == 1 && p[0].is_string()) {
    req.prompt = p[0].get<std::string>();
  } else if (p.is_array() && !p.empty() && p.size() == 1 && p[0].is_array()) {
    req.prompt = read_token_array(p[0], "prompt[0]");
  } else if (p.is_array() && !p.empty() && p[0].is_number()) {
    req.prompt = read_token_array(p, "prompt");
  } else if (p.is_array() && p.size() > 1) {
    throw bad_field("prompt", "one prompt per request is supported (use n for more choices)");
  } else {
    throw bad_field("prompt", std::string("expected a string or an array of token ids, got ") +
                                  (p.is_array() ? (p.empty() ? "an empty array" : "another array")
                                                : json_type_phrase(p)));
  }
  if (std::holds_alternative<std::vector<int32_t>>(req.prompt) &&
      std::get<std::vector<int32_t>>(req.prompt).empty())
    throw bad_field("prompt", "must not be empty");
  return req;
}

OllamaGenerateRequest parse_ollama_generate(const Json& body, const RequestLimits& limits) {
  FieldReader r(body);
  OllamaGenerateRequest req;
  req.gen.model = read_ollama_model(r);
  read_ollama_options(r, req.gen, limits);
  req.prompt = r.string("prompt", SIZE_MAX).value_or("");
  req.system = r.string("system", SIZE_MAX).value_or("");
  req.raw = r.boolean("raw").value_or(false);
  if (const Json* context = r.array("context")) req.context = read_token_array(*context, "context");
  if (const Json* images = r.array("images"); images && !images->empty())
    throw bad_field("images", "images are not supported");
  if (auto v = r.string("suffix", SIZE_MAX); v && !v->empty())
    throw bad_field("suffix", "not supported");
  if (auto v = r.string("template", SIZE_MAX); v && !v->empty())
    throw bad_field("template", "a per-request template is not supported");
  return req;
}

OllamaChatRequest parse_ollama_chat(const Json& body, const RequestLimits& limits) {
  FieldReader r(body);
  OllamaChatRequest req;
  req.gen.model = read_ollama_model(r);
  read_ollama_options(r, req.gen, limits);
  const Json* messages = r.array("messages");
  req.messages = messages ? normalize_ollama_messages(*messages) : Json::array();
  req.tools = read_tools(r);
  return req;
}

OllamaShowRequest parse_ollama_show(const Json& body) {
  FieldReader r(body);
  auto model = read_ollama_model(r);
  if (!model || model->empty()) throw bad_field("model", "required");
  return {*model};
}

TokenizeRequest parse_tokenize(const Json& body) {
  FieldReader r(body);
  TokenizeRequest req;
  req.model = read_model(r);
  auto content = r.string("content", SIZE_MAX);
  if (!content) throw bad_field("content", "required");
  req.content = std::move(*content);
  req.add_special = r.boolean("add_special").value_or(false);
  req.parse_special = r.boolean("parse_special").value_or(true);
  req.with_pieces = r.boolean("with_pieces").value_or(false);
  return req;
}

DetokenizeRequest parse_detokenize(const Json& body) {
  FieldReader r(body);
  DetokenizeRequest req;
  req.model = read_model(r);
  const Json* tokens = r.array("tokens");
  if (!tokens) throw bad_field("tokens", "required");
  req.tokens = read_token_array(*tokens, "tokens");
  return req;
}

}  // namespace sluice::server
