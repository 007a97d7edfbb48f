// Picks the next token from logits: greedy, or penalties -> top-k -> top-p -> min-p ->
// temperature -> a draw, in llama.cpp's default order. The same seed and inputs give
// the same tokens.
#pragma once

#include <cstdint>
#include <random>
#include <span>
#include <vector>

namespace sluice::engine {

struct SamplingParams {
  float temperature = 0.8f;     // <= 0: greedy
  int32_t top_k = 40;           // <= 0: off
  float top_p = 0.95f;          // >= 1: off
  float min_p = 0.05f;          // <= 0: off
  float repeat_penalty = 1.0f;  // 1: off; divides positive logits, multiplies negative ones
  float presence_penalty = 0.0f;
  float frequency_penalty = 0.0f;
  int32_t penalty_last_n = 64;  // tokens of history the penalties see; -1: all
  uint64_t seed = 0;
};

// The top candidates after sampling, for logprobs.
struct TokenLogprob {
  int32_t token;
  float logprob;  // log-softmax of the raw logits (before penalties and temperature)
};

class Sampler {
 public:
  explicit Sampler(const SamplingParams& params);

  // `history` is every token so far (prompt and generated), for the penalties.
  int32_t sample(std::span<const float> logits, std::span<const int32_t> history);

  // The log-probability of `token` and the `n` most likely tokens, from raw logits.
  static std::vector<TokenLogprob> top_logprobs(std::span<const float> logits, int32_t n);
  static float logprob_of(std::span<const float> logits, int32_t token);

  const SamplingParams& params() const { return params_; }

 private:
  struct Candidate {
    int32_t token;
    float logit;
  };
  static int32_t greedy_token(std::span<const float> logits);
  bool penalties_apply(std::span<const int32_t> history) const;
  void apply_penalties(std::span<const int32_t> history);

  SamplingParams params_;
  std::mt19937_64 rng_;
  std::vector<Candidate> candidates_;  // reused between calls
};

}  // namespace sluice::engine
