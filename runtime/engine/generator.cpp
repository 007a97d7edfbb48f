#include "engine/generator.hpp"

#include <chrono>

#include "engine/stop_condition.hpp"
#include "tokenizer/streaming_detokenizer.hpp"

namespace sluice::engine {

GenerateResult generate(ModelRunner& runner, const tokenizer::Tokenizer& tokenizer,
                        const GenerateRequest& request,
                        const std::function<void(std::string_view)>& on_text) {
  using clock = std::chrono::steady_clock;
  const auto ns_since = [](clock::time_point t) {
    return static_cast<uint64_t>(
        std::chrono::duration_cast<std::chrono::nanoseconds>(clock::now() - t).count());
  };
  if (request.prompt.empty()) throw RunnerError(SLUICE_ERR_INVALID_ARG, "the prompt has no tokens");
  if (request.prompt.size() >= runner.n_ctx()) {
    throw RunnerError(SLUICE_ERR_INVALID_ARG,
                      "the prompt has " + std::to_string(request.prompt.size()) +
                          " tokens; the context holds " + std::to_string(runner.n_ctx()));
  }
  GenerateResult result;
  Sampler sampler(request.sampling);
  StopCondition stop(request.stop);
  tokenizer::StreamingDetokenizer detok(tokenizer);
  auto emit = [&](const std::string& text) {
    if (text.empty()) return;
    result.text += text;
    on_text(text);
  };

  // A single sequence owns blocks 0.. in order.
  SeqSlice seq;
  seq.tokens = request.prompt;
  const size_t budget =
      std::min<size_t>(runner.n_ctx(), request.prompt.size() + request.max_tokens);
  for (size_t i = 0; i * runner.block_size() < budget; ++i)
    seq.blocks.push_back(static_cast<int32_t>(i));
  std::vector<int32_t> history = request.prompt;

  const auto start = clock::now();
  result.finish_reason = "length";
  bool stopped_by_string = false;
  for (int32_t step = 0; step < request.max_tokens; ++step) {
    if (seq.n_past + seq.tokens.size() > budget) break;  // context full
    const auto logits = runner.run({seq});
    if (step == 0) result.prompt_ns = ns_since(start);
    const int32_t token = sampler.sample(logits, history);
    result.token_ns.push_back(ns_since(start));
    if (!request.ignore_eos && tokenizer.is_eog(token)) {
      result.finish_reason = "stop";
      break;
    }
    result.tokens.push_back(token);
    history.push_back(token);
    const auto step_text = stop.push(detok.push(token));
    emit(step_text.text);
    if (step_text.stopped) {
      result.finish_reason = "stop";
      stopped_by_string = true;
      break;
    }
    seq.n_past += static_cast<int32_t>(seq.tokens.size());
    seq.tokens = {token};
  }
  // Release what was held back: an incomplete character, a possible stop-string prefix.
  if (!stopped_by_string) emit(stop.push(detok.flush()).text + stop.flush());
  result.eval_ns = ns_since(start) - result.prompt_ns;
  return result;
}

}  // namespace sluice::engine
