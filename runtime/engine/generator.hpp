// One sequence from prompt to finish through the same ModelRunner the server's engine
// drives: prefill, then one token per step, sampling, end-of-generation tokens, stop
// strings, streaming UTF-8-safe text, and per-token timings. Used by `sluice run`.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/model_runner.hpp"
#include "engine/sampler.hpp"
#include "tokenizer/tokenizer.hpp"

namespace sluice::engine {

struct GenerateRequest {
  std::vector<int32_t> prompt;  // BOS included when the model wants it
  int32_t max_tokens = 128;
  SamplingParams sampling;
  std::vector<std::string> stop;  // stop strings
  bool ignore_eos = false;
};

struct GenerateResult {
  std::vector<int32_t> tokens;     // generated, in order (the end-of-generation token excluded)
  std::string text;                // what was streamed
  std::string finish_reason;       // "stop" (EOS/EOT or a stop string) or "length"
  uint64_t prompt_ns = 0;          // prefill
  uint64_t eval_ns = 0;            // every decode step
  std::vector<uint64_t> token_ns;  // per generated token: time since generation began
};

// Throws RunnerError for a prompt that does not fit the context (or other backend
// failures) and tokenizer::TokenizerError for ids outside the vocabulary.
GenerateResult generate(ModelRunner& runner, const tokenizer::Tokenizer& tokenizer,
                        const GenerateRequest& request,
                        const std::function<void(std::string_view)>& on_text);

}  // namespace sluice::engine
