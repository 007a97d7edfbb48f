// libFuzzer target: the HTTP request-body parsers and validators on arbitrary bytes. The
// first byte picks the route (OpenAI chat/completions, Ollama generate/chat/show,
// tokenize/detokenize); the rest is the body. Parsing may only ever throw ApiError with a
// 4xx status: a crash, a sanitizer report, a hang, a 5xx or any other exception is a
// finding. Accepted requests are also checked against the documented bounds.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "server/api_error.hpp"
#include "server/json_util.hpp"
#include "server/request_parse.hpp"

namespace {

using namespace sluice::server;

void check_bounds(const GenerationOptions& gen, const RequestLimits& limits) {
  const auto& s = gen.sampling;
  const bool ok = gen.n >= 1 && gen.n <= limits.max_n &&
                  gen.logprobs <= static_cast<int32_t>(limits.max_top_logprobs) &&
                  gen.max_tokens >= -1 && gen.max_tokens <= kMaxTokensLimit &&
                  s.temperature >= 0.0f && s.temperature <= 2.0f && s.top_p >= 0.0f &&
                  s.top_p <= 1.0f && s.min_p >= 0.0f && s.min_p <= 1.0f &&
                  s.repeat_penalty > 0.0f && gen.stop.size() <= kMaxStopStrings;
  if (!ok) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::uint8_t route = data[0] % 7;
  const std::string_view body(reinterpret_cast<const char*>(data + 1), size - 1);
  const RequestLimits limits{4, 5};
  try {
    const Json json = parse_json_body(body);
    switch (route) {
      case 0: check_bounds(parse_chat_completion(json, limits).gen, limits); break;
      case 1: check_bounds(parse_completion(json, limits).gen, limits); break;
      case 2: check_bounds(parse_ollama_generate(json, limits).gen, limits); break;
      case 3: check_bounds(parse_ollama_chat(json, limits).gen, limits); break;
      case 4: parse_ollama_show(json); break;
      case 5: parse_tokenize(json); break;
      default: parse_detokenize(json); break;
    }
    // Whatever was accepted serialises back without throwing.
    (void)dump_json(json);
  } catch (const ApiError& e) {
    if (e.status() < 400 || e.status() >= 500) std::abort();
  }
  return 0;
}
