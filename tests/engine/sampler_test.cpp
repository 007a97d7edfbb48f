// The sampler: greedy, truncations, temperature, penalties, and seeded determinism.
#include <algorithm>
#include <catch2/catch.hpp>
#include <cmath>
#include <random>
#include <utility>
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

// Draws n tokens: every one is token 0 or 1, and token 1 comes up at least once.
void check_draws_only_first_two(Sampler& s, const std::vector<float>& logits, int n) {
  bool saw_second = false;
  for (int i = 0; i < n; ++i) {
    const int32_t t = s.sample(logits, {});
    CHECK(t <= 1);
    saw_second = saw_second || t == 1;
  }
  CHECK(saw_second);
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
  SECTION("top-p reached only by the last candidate keeps them all") {
    auto p = plain(6);
    p.top_k = 2;
    p.top_p = 0.9f;  // tokens 0 and 1 have ~0.52 and ~0.48 of the two
    Sampler s(p);
    check_draws_only_first_two(s, logits, 200);
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
    check_draws_only_first_two(s, logits, 400);
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

namespace {

// The sampler's truncations as first written: a full sort, then the same cuts and the
// same draw. The sampler sorts only the prefix it needs; it must pick the same tokens.
int32_t full_sort_sample(const SamplingParams& p, std::vector<float> logits, std::mt19937_64& rng) {
  std::vector<std::pair<float, int32_t>> c;
  for (size_t i = 0; i < logits.size(); ++i) c.push_back({logits[i], static_cast<int32_t>(i)});
  std::sort(c.begin(), c.end(), [](const auto& a, const auto& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  });
  size_t keep = c.size();
  if (p.top_k > 0) keep = std::min(keep, static_cast<size_t>(p.top_k));
  const double max_logit = c[0].first;
  double sum = 0;
  for (size_t i = 0; i < keep; ++i) sum += std::exp(c[i].first - max_logit);
  if (p.top_p < 1.0f) {
    double cumulative = 0;
    for (size_t i = 0; i < keep; ++i) {
      cumulative += std::exp(c[i].first - max_logit) / sum;
      if (cumulative >= p.top_p) {
        keep = i + 1;
        break;
      }
    }
  }
  if (p.min_p > 0.0f) {
    size_t cut = 1;
    while (cut < keep && std::exp(c[cut].first - max_logit) >= p.min_p) ++cut;
    keep = cut;
  }
  std::vector<double> weights(keep);
  for (size_t i = 0; i < keep; ++i) weights[i] = std::exp((c[i].first - max_logit) / p.temperature);
  std::discrete_distribution<size_t> pick(weights.begin(), weights.end());
  return c[pick(rng)].second;
}

}  // namespace

TEST_CASE("top-p and min-p over a large vocabulary pick what a full sort picks", "[sampler]") {
  std::mt19937 gen(11);
  std::normal_distribution<float> normal(0.0f, 3.0f);
  std::vector<float> logits(50000);
  for (float& l : logits) l = normal(gen);
  struct Cut {
    int32_t top_k;
    float top_p, min_p;
  };
  // Nuclei from a handful of tokens to thousands (the sorted prefix grows several times).
  for (const Cut cut : {Cut{0, 0.5f, 0}, Cut{0, 0.95f, 0}, Cut{0, 1, 0.05f}, Cut{0, 1, 0.0005f},
                        Cut{0, 0.9f, 0.01f}, Cut{300, 0.99f, 0}, Cut{40, 0.95f, 0.05f}}) {
    SamplingParams p = plain(21);
    p.top_k = cut.top_k;
    p.top_p = cut.top_p;
    p.min_p = cut.min_p;
    p.temperature = 0.8f;
    Sampler s(p);
    std::mt19937_64 reference_rng(p.seed);
    for (int i = 0; i < 40; ++i) {
      CAPTURE(cut.top_k, cut.top_p, cut.min_p, i);
      REQUIRE(s.sample(logits, {}) == full_sort_sample(p, logits, reference_rng));
    }
  }
}

TEST_CASE("greedy with penalties still sees the penalised logits", "[sampler]") {
  std::vector<float> logits(1000, 0.0f);
  logits[7] = 5.0f;
  logits[9] = 4.9f;
  auto p = greedy();
  CHECK(Sampler(p).sample(logits, std::vector<int32_t>{7}) == 7);  // no penalty set
  p.repeat_penalty = 1.1f;
  CHECK(Sampler(p).sample(logits, std::vector<int32_t>{7}) == 9);
}
