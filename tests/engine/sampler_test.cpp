// The sampler: greedy, truncations, temperature, penalties, and seeded determinism.
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "engine/sampler.hpp"

using sluice::engine::Sampler;
using sluice::engine::SamplingParams;

namespace {

SamplingParams greedy() {
  SamplingParams p;
  p.temperature = 0;
  return p;
}

SamplingParams plain(uint64_t seed) {  // temperature 1, no truncation
  SamplingParams p;
  p.temperature = 1;
  p.top_k = 0;
  p.top_p = 1;
  p.min_p = 0;
  p.seed = seed;
  return p;
}

}  // namespace

TEST_CASE("greedy picks the largest logit, the lowest id on ties", "[sampler]") {
  Sampler s(greedy());
  CHECK(s.sample(std::vector<float>{0.1f, 3.0f, -2.0f, 2.9f}, {}) == 1);
  CHECK(s.sample(std::vector<float>{5.0f, 1.0f, 5.0f}, {}) == 0);
}

TEST_CASE("the same seed gives the same tokens; another seed differs", "[sampler]") {
  std::vector<float> logits(100);
  for (size_t i = 0; i < logits.size(); ++i) logits[i] = static_cast<float>(std::sin(i * 1.7));
  auto draw = [&](uint64_t seed) {
    Sampler s(plain(seed));
    std::vector<int32_t> out;
    for (int i = 0; i < 50; ++i) out.push_back(s.sample(logits, {}));
    return out;
  };
  CHECK(draw(7) == draw(7));
  CHECK(draw(7) != draw(8));
}

TEST_CASE("temperature 1 draws in proportion to the softmax", "[sampler]") {
  Sampler s(plain(1));
  const std::vector<float> logits{0.0f, std::log(3.0f)};  // probabilities 0.25, 0.75
  int ones = 0;
  const int n = 4000;
  for (int i = 0; i < n; ++i) ones += s.sample(logits, {}) == 1;
  // Binomial(4000, 0.75): standard deviation ~27, so +-5 sigma is ~0.034.
  CHECK(std::abs(ones / double(n) - 0.75) < 0.034);
}

TEST_CASE("top-k, top-p and min-p cut the tail", "[sampler]") {
  const std::vector<float> logits{4.0f, 3.9f, 0.0f, -1.0f};
  SECTION("top-k 1 is greedy at any temperature") {
    auto p = plain(3);
    p.top_k = 1;
    p.temperature = 5;
    Sampler s(p);
    for (int i = 0; i < 200; ++i) CHECK(s.sample(logits, {}) == 0);
  }
  SECTION("top-p keeps the smallest set reaching p") {
    auto p = plain(4);
    p.top_p = 0.5f;  // token 0 alone has ~0.51
    Sampler s(p);
    for (int i = 0; i < 200; ++i) CHECK(s.sample(logits, {}) == 0);
  }
  SECTION("min-p drops tokens below min_p times the best") {
    auto p = plain(5);
    p.min_p = 0.1f;  // tokens 2 and 3 are below e^-3.9 ~ 0.02 of the best
    Sampler s(p);
    bool saw_second = false;
    for (int i = 0; i < 400; ++i) {
      const int32_t t = s.sample(logits, {});
      CHECK(t <= 1);
      saw_second = saw_second || t == 1;
    }
    CHECK(saw_second);
  }
}

TEST_CASE("penalties push repeated tokens down", "[sampler]") {
  const std::vector<float> logits{2.0f, 1.9f, -1.0f};
  const std::vector<int32_t> history{0, 0, 2};
  SECTION("repetition") {
    auto p = greedy();
    p.repeat_penalty = 1.1f;  // 2.0 / 1.1 < 1.9
    CHECK(Sampler(p).sample(logits, history) == 1);
  }
  SECTION("frequency counts occurrences") {
    auto p = greedy();
    p.frequency_penalty = 0.06f;  // token 0: 2.0 - 2*0.06 = 1.88 < 1.9
    CHECK(Sampler(p).sample(logits, history) == 1);
    p.frequency_penalty = 0.04f;  // 1.92 > 1.9
    CHECK(Sampler(p).sample(logits, history) == 0);
  }
  SECTION("presence counts once") {
    auto p = greedy();
    p.presence_penalty = 0.11f;
    CHECK(Sampler(p).sample(logits, history) == 1);
  }
  SECTION("only the last n tokens count") {
    auto p = greedy();
    p.repeat_penalty = 1.1f;
    p.penalty_last_n = 1;  // sees only token 2
    CHECK(Sampler(p).sample(logits, history) == 0);
  }
}

TEST_CASE("log-probabilities", "[sampler]") {
  const std::vector<float> logits{1.0f, 2.0f, 3.0f};
  const auto top = Sampler::top_logprobs(logits, 2);
  REQUIRE(top.size() == 2);
  CHECK(top[0].token == 2);
  CHECK(top[1].token == 1);
  double total = 0;
  for (int32_t t = 0; t < 3; ++t) total += std::exp(Sampler::logprob_of(logits, t));
  CHECK(total == Approx(1.0).epsilon(1e-6));
  CHECK(top[0].logprob == Approx(Sampler::logprob_of(logits, 2)));
}
