#include "engine/sampler.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <limits>
#include <unordered_map>

namespace sluice::engine {

Sampler::Sampler(const SamplingParams& params) : params_(params), rng_(params.seed) {}

int32_t Sampler::greedy_token(std::span<const float> logits) {
  // Straight from the logits, no copy of a 128k-entry vocabulary per token. Eight
  // independent running maxima: one chain of dependent compares is latency-bound.
  float m[8];
  std::fill(std::begin(m), std::end(m), -std::numeric_limits<float>::infinity());
  size_t i = 0;
  const float* x = logits.data();
  for (; i + 8 <= logits.size(); i += 8) {
    m[0] = std::max(m[0], x[i]);
    m[1] = std::max(m[1], x[i + 1]);
    m[2] = std::max(m[2], x[i + 2]);
    m[3] = std::max(m[3], x[i + 3]);
    m[4] = std::max(m[4], x[i + 4]);
    m[5] = std::max(m[5], x[i + 5]);
    m[6] = std::max(m[6], x[i + 6]);
    m[7] = std::max(m[7], x[i + 7]);
  }
  for (; i < logits.size(); ++i) m[0] = std::max(m[0], x[i]);
  const float best = *std::max_element(std::begin(m), std::end(m));
  // The first token reaching it: the lowest id wins ties.
  const auto it = std::find(logits.begin(), logits.end(), best);
  return it == logits.end() ? 0 : static_cast<int32_t>(it - logits.begin());
}

bool Sampler::penalties_apply(std::span<const int32_t> history) const {
  const bool any = params_.repeat_penalty != 1.0f || params_.presence_penalty != 0.0f ||
                   params_.frequency_penalty != 0.0f;
  return any && !history.empty() && params_.penalty_last_n != 0;
}

void Sampler::apply_penalties(std::span<const int32_t> history) {
  if (!penalties_apply(history)) return;
  const size_t n = params_.penalty_last_n < 0
                       ? history.size()
                       : std::min(history.size(), static_cast<size_t>(params_.penalty_last_n));
  std::unordered_map<int32_t, int32_t> counts;
  for (size_t i = history.size() - n; i < history.size(); ++i) counts[history[i]]++;
  for (auto& c : candidates_) {
    auto it = counts.find(c.token);
    if (it == counts.end()) continue;
    c.logit = c.logit > 0 ? c.logit / params_.repeat_penalty : c.logit * params_.repeat_penalty;
    c.logit -=
        static_cast<float>(it->second) * params_.frequency_penalty + params_.presence_penalty;
  }
}

int32_t Sampler::sample(std::span<const float> logits, std::span<const int32_t> history) {
  if (params_.temperature <= 0.0f && !penalties_apply(history)) {
    return greedy_token(logits);
  }
  candidates_.resize(logits.size());
  for (size_t i = 0; i < logits.size(); ++i) candidates_[i] = {static_cast<int32_t>(i), logits[i]};
  apply_penalties(history);
  auto by_logit = [](const Candidate& a, const Candidate& b) {
    return a.logit > b.logit || (a.logit == b.logit && a.token < b.token);
  };
  if (params_.temperature <= 0.0f) {
    return std::min_element(candidates_.begin(), candidates_.end(), by_logit)->token;
  }
  // Candidates [0, sorted) are the best ones in order, as a full sort would put them;
  // top-p and min-p sort a growing prefix only as far as they look (a nucleus is
  // usually a few dozen tokens of 100k+, and a full sort cost milliseconds per token).
  size_t keep = candidates_.size();
  size_t sorted = 0;
  auto sort_more = [&] {
    const size_t target = std::min(keep, std::max<size_t>(64, 4 * sorted));
    std::partial_sort(candidates_.begin() + static_cast<std::ptrdiff_t>(sorted),
                      candidates_.begin() + static_cast<std::ptrdiff_t>(target),
                      candidates_.begin() + static_cast<std::ptrdiff_t>(keep), by_logit);
    sorted = target;
  };
  if (params_.top_k > 0) {
    keep = std::min(keep, static_cast<size_t>(params_.top_k));
    std::partial_sort(candidates_.begin(), candidates_.begin() + static_cast<std::ptrdiff_t>(keep),
                      candidates_.end(), by_logit);
    sorted = keep;
  }

  // Probabilities at temperature 1 (as llama.cpp's top-p/min-p see them), relative to
  // the best candidate.
  const double max_logit =
      sorted > 0
          ? candidates_[0].logit
          : std::min_element(candidates_.begin(),
                             candidates_.begin() + static_cast<std::ptrdiff_t>(keep), by_logit)
                ->logit;
  auto prob = [&](size_t i) { return std::exp(candidates_[i].logit - max_logit); };
  if (params_.top_p < 1.0f) {
    double sum = 0;
    for (size_t i = 0; i < keep; ++i) sum += prob(i);
    double cumulative = 0;
    size_t i = 0;
    for (bool reached = false; i < keep && !reached;) {
      if (i == sorted) sort_more();
      while (i < sorted && !reached) reached = (cumulative += prob(i++) / sum) >= params_.top_p;
    }
    keep = i;  // the smallest prefix reaching top_p (all of them if none does)
  }
  if (params_.min_p > 0.0f) {
    const double threshold = params_.min_p;  // times the best candidate's probability, 1
    if (sorted == 0) sort_more();
    size_t cut = 1;
    for (;;) {
      while (cut < std::min(sorted, keep) && prob(cut) >= threshold) ++cut;
      if (cut < std::min(sorted, keep) || cut >= keep) break;
      sort_more();
    }
    keep = cut;
  }
  // Temperature, then a draw from the softmax of what survived (in sorted order where
  // a truncation sorted them, in token order otherwise).
  std::vector<double> weights(keep);
  for (size_t i = 0; i < keep; ++i) {
    weights[i] = std::exp((candidates_[i].logit - max_logit) / params_.temperature);
  }
  std::discrete_distribution<size_t> pick(weights.begin(), weights.end());
  return candidates_[pick(rng_)].token;
}

float Sampler::logprob_of(std::span<const float> logits, int32_t token) {
  const float max_logit = *std::max_element(logits.begin(), logits.end());
  double sum = 0;
  for (float l : logits) sum += std::exp(static_cast<double>(l) - max_logit);
  return static_cast<float>(logits[static_cast<size_t>(token)] - max_logit - std::log(sum));
}

std::vector<TokenLogprob> Sampler::top_logprobs(std::span<const float> logits, int32_t n) {
  const float max_logit = *std::max_element(logits.begin(), logits.end());
  double sum = 0;
  for (float l : logits) sum += std::exp(static_cast<double>(l) - max_logit);
  const float log_sum = static_cast<float>(std::log(sum));
  std::vector<int32_t> order(logits.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int32_t>(i);
  const size_t k = std::min(order.size(), static_cast<size_t>(std::max(n, 0)));
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                    [&](int32_t a, int32_t b) {
                      return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
                    });
  std::vector<TokenLogprob> out;
  for (size_t i = 0; i < k; ++i) out.push_back({order[i], logits[order[i]] - max_logit - log_sum});
  return out;
}

}  // namespace sluice::engine
