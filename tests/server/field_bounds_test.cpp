// Every numeric request field at, just inside and just outside its bounds, and with the
// wrong type: the value inside is accepted, everything else is a 400 naming the field
// (never another status, never an escaping exception). docs/api.md lists the bounds.
#include <catch2/catch.hpp>
#include <functional>
#include <string>
#include <vector>

#include "server/api_error.hpp"
#include "server/request_parse.hpp"

using namespace sluice::server;

namespace {

const RequestLimits kLimits{4, 5};

struct Bound {
  std::string field;  // as the error names it
  std::string min;    // the smallest valid value, as JSON
  std::string max;    // the largest
  std::string below;  // just outside
  std::string above;
};

// Parses `json` with `parse`; returns "" when accepted, else the 400's message.
using Parser = std::function<void(const Json&)>;
std::string outcome(const Parser& parse, const std::string& json) {
  try {
    parse(parse_json_body(json));
  } catch (const ApiError& e) {
    if (e.status() != 400) return "status " + std::to_string(e.status()) + ": " + e.what();
    return e.what();
  } catch (const std::exception& e) {
    return std::string("escaped: ") + e.what();
  }
  return {};
}

// `make(field_json)` builds a body with the field set to the given JSON value.
void check_bounds(const Parser& parse,
                  const std::function<std::string(const Bound&, const std::string&)>& make,
                  const std::vector<Bound>& bounds) {
  for (const auto& b : bounds) {
    INFO(b.field);
    CHECK(outcome(parse, make(b, b.min)).empty());
    CHECK(outcome(parse, make(b, b.max)).empty());
    // null is "not given" (OpenAI's nullable fields): the default applies.
    CHECK(outcome(parse, make(b, "null")).empty());
    for (const std::string& bad : {b.below, b.above, std::string("\"7\""), std::string("[1]"),
                                   std::string("true"), std::string("{}")}) {
      INFO("value " << bad);
      CHECK_THAT(outcome(parse, make(b, bad)), Catch::StartsWith(b.field + ":"));
    }
    // Beyond a double: refused as invalid JSON, still a 400.
    CHECK_THAT(outcome(parse, make(b, "1e400")), Catch::StartsWith("invalid JSON"));
  }
}

const std::string kMaxTokens = std::to_string(kMaxTokensLimit);
const std::string kAboveTokens = std::to_string(kMaxTokensLimit + 1);

}  // namespace

TEST_CASE("every numeric field of /v1/chat/completions is bounded", "[parse][bounds]") {
  const Parser parse = [](const Json& j) { parse_chat_completion(j, kLimits); };
  const auto make = [](const Bound& b, const std::string& value) {
    std::string extra = b.field == "top_logprobs" ? R"("logprobs":true,)" : "";
    return R"({"messages":[{"role":"user","content":"Hi"}],)" + extra + "\"" + b.field +
           "\":" + value + "}";
  };
  check_bounds(parse, make,
               {{"temperature", "0", "2", "-0.01", "2.01"},
                {"top_p", "0", "1", "-0.01", "1.01"},
                {"top_k", "-1", "1048576", "-2", "1048577"},
                {"min_p", "0", "1", "-0.01", "1.01"},
                {"presence_penalty", "-2", "2", "-2.01", "2.01"},
                {"frequency_penalty", "-2", "2", "-2.01", "2.01"},
                {"repetition_penalty", "0.01", "10", "0", "10.01"},
                {"repeat_penalty", "0.01", "10", "0", "10.01"},
                {"repeat_last_n", "-1", kMaxTokens, "-2", kAboveTokens},
                {"n", "1", "4", "0", "5"},
                {"priority", "-1000000", "1000000", "-1000001", "1000001"},
                {"max_tokens", "1", kMaxTokens, "0", kAboveTokens},
                {"max_completion_tokens", "1", kMaxTokens, "0", kAboveTokens},
                {"top_logprobs", "0", "5", "-1", "6"},
                {"seed", "-1", "18446744073709551615", "-2", "18446744073709551616"}});
}

TEST_CASE("every numeric field of /v1/completions is bounded", "[parse][bounds]") {
  const Parser parse = [](const Json& j) { parse_completion(j, kLimits); };
  const auto make = [](const Bound& b, const std::string& value) {
    return R"({"prompt":"Hi",")" + b.field + "\":" + value + "}";
  };
  check_bounds(parse, make,
               {{"temperature", "0", "2", "-0.01", "2.01"},
                {"top_k", "-1", "1048576", "-2", "1048577"},
                {"n", "1", "4", "0", "5"},
                {"max_tokens", "1", kMaxTokens, "0", kAboveTokens},
                {"logprobs", "0", "5", "-1", "6"},
                {"best_of", "1", "1", "0", "5"},
                {"priority", "-1000000", "1000000", "-1000001", "1000001"}});
}

TEST_CASE("every numeric option of the Ollama routes is bounded", "[parse][bounds]") {
  const auto make = [](const Bound& b, const std::string& value) {
    const std::string name = b.field.substr(b.field.find('.') + 1);
    if (b.field.rfind("options.", 0) == 0)
      return R"({"model":"m","prompt":"Hi","options":{")" + name + "\":" + value + "}}";
    return R"({"model":"m","prompt":"Hi",")" + name + "\":" + value + "}";
  };
  const std::vector<Bound> bounds = {
      {"options.num_predict", "-2", kMaxTokens, "-3", kAboveTokens},
      {"options.temperature", "0", "2", "-0.01", "2.01"},
      {"options.top_k", "-1", "1048576", "-2", "1048577"},
      {"options.top_p", "0", "1", "-0.01", "1.01"},
      {"options.min_p", "0", "1", "-0.01", "1.01"},
      {"options.repeat_penalty", "0.01", "10", "0", "10.01"},
      {"options.repeat_last_n", "-1", kMaxTokens, "-2", kAboveTokens},
      {"options.presence_penalty", "-2", "2", "-2.01", "2.01"},
      {"options.frequency_penalty", "-2", "2", "-2.01", "2.01"},
      {"options.num_ctx", "0", "16777216", "-1", "16777217"},
      {"options.seed", "-1", "18446744073709551615", "-2", "18446744073709551616"},
      {"priority", "-1000000", "1000000", "-1000001", "1000001"},
      {"top_logprobs", "0", "5", "-1", "6"}};
  check_bounds([](const Json& j) { parse_ollama_generate(j, kLimits); }, make, bounds);
  const auto make_chat = [&](const Bound& b, const std::string& value) {
    std::string body = make(b, value);
    const std::string prompt = R"("prompt":"Hi")";
    body.replace(body.find(prompt), prompt.size(),
                 R"("messages":[{"role":"user","content":"Hi"}])");
    return body;
  };
  check_bounds([](const Json& j) { parse_ollama_chat(j, kLimits); }, make_chat, bounds);
}
