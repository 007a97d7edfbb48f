#include "priority_policy.hpp"

#include <algorithm>
#include <cmath>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace sluice_priority {
namespace {

int32_t blocks_for(int64_t tokens, int32_t block_size) {
  return static_cast<int32_t>((tokens + block_size - 1) / block_size);
}

struct Ranked {
  const sluice_sched_seq* seq;
  double rank;   // effective priority: lower runs first
  double usage;  // tenant's recent usage: lower runs first among equals
};

}  // namespace

PolicyOptions parse_options(const std::string& text) {
  PolicyOptions options;
  const nlohmann::json j = nlohmann::json::parse(text.empty() ? "{}" : text);
  if (!j.is_object()) throw std::invalid_argument("scheduler_config must be a table");
  for (const auto& [key, value] : j.items()) {
    if (key == "aging_s" || key == "half_life_s") {
      if (!value.is_number() || value.get<double>() <= 0)
        throw std::invalid_argument(key + " must be a positive number");
      (key == "aging_s" ? options.aging_s : options.half_life_s) = value.get<double>();
    } else if (key == "preempt") {
      if (!value.is_boolean()) throw std::invalid_argument("preempt must be true or false");
      options.preempt = value.get<bool>();
    } else {
      throw std::invalid_argument("unknown key '" + key +
                                  "' (known: aging_s, half_life_s, preempt)");
    }
  }
  return options;
}

double PriorityPolicy::tenant_usage(uint64_t tenant, uint64_t now_ns) const {
  const auto it = usage_.find(tenant);
  if (it == usage_.end()) return 0.0;
  const double age_s = now_ns > it->second.at_ns ? (now_ns - it->second.at_ns) / 1e9 : 0.0;
  return it->second.tokens * std::exp2(-age_s / options_.half_life_s);
}

void PriorityPolicy::charge(uint64_t tenant, int32_t tokens, uint64_t now_ns) {
  const double current = tenant_usage(tenant, now_ns);
  usage_[tenant] = Usage{current + tokens, now_ns};
}

PolicyPlan PriorityPolicy::plan(const sluice_sched_view& view) {
  PolicyPlan plan;
  const int32_t bs = view.block_size;
  std::vector<Ranked> ranked;
  for (int32_t i = 0; i < view.n_seqs; ++i) {
    const auto* seq = SLUICE_ARRAY_ELEM(sluice_sched_seq, view.seqs, i);
    const int64_t tokens = static_cast<int64_t>(seq->n_computed_tokens) + seq->n_pending_tokens;
    if (blocks_for(tokens, bs) > view.n_total_blocks) {
      plan.abort.push_back(seq->seq_id);  // could never fit: fail it rather than starve it
      continue;
    }
    const double waited_s =
        view.now_ns > seq->arrival_ns ? (view.now_ns - seq->arrival_ns) / 1e9 : 0.0;
    ranked.push_back(Ranked{seq, seq->priority - std::floor(waited_s / options_.aging_s),
                            tenant_usage(seq->tenant_id, view.now_ns)});
  }
  // Arrival order (the view's) breaks remaining ties: stable sort.
  std::stable_sort(ranked.begin(), ranked.end(), [](const Ranked& a, const Ranked& b) {
    if (a.rank != b.rank) return a.rank < b.rank;
    return a.usage < b.usage;
  });

  int32_t tokens_left = view.max_batched_tokens;
  int32_t blocks_left = view.n_free_blocks;
  for (const auto& id : plan.abort) {
    for (int32_t i = 0; i < view.n_seqs; ++i) {
      const auto* seq = SLUICE_ARRAY_ELEM(sluice_sched_seq, view.seqs, i);
      if (seq->seq_id == id) blocks_left += seq->n_blocks_held;
    }
  }
  std::vector<bool> gone(ranked.size(), false);  // placed or preempted
  const auto fitting = [&](const sluice_sched_seq* seq) {
    int32_t n = std::min(seq->n_pending_tokens, tokens_left);
    const int32_t room = (seq->n_blocks_held + blocks_left) * bs - seq->n_computed_tokens;
    return std::max(0, std::min(n, room));
  };
  for (size_t i = 0; i < ranked.size(); ++i) {
    if (gone[i]) continue;
    const sluice_sched_seq* seq = ranked[i].seq;
    if (seq->n_pending_tokens <= 0) continue;
    if (static_cast<int32_t>(plan.items.size()) >= view.max_seqs || tokens_left <= 0) break;
    int32_t n = fitting(seq);
    // Make room by preempting the lowest-ranked running sequences below this one.
    for (size_t j = ranked.size(); n == 0 && options_.preempt && j-- > i + 1;) {
      if (gone[j] || ranked[j].seq->state != SLUICE_SEQ_RUNNING ||
          ranked[j].seq->n_blocks_held == 0)
        continue;
      plan.preempt.push_back(ranked[j].seq->seq_id);
      blocks_left += ranked[j].seq->n_blocks_held;
      gone[j] = true;
      n = fitting(seq);
    }
    if (n == 0) {
      // Lower-ranked sequences must not overtake one that waits for blocks.
      if (seq->state != SLUICE_SEQ_RUNNING) break;
      continue;
    }
    plan.items.push_back(PlannedItem{seq->seq_id, n});
    gone[i] = true;
    tokens_left -= n;
    blocks_left -= std::max(
        0, blocks_for(static_cast<int64_t>(seq->n_computed_tokens) + n, bs) - seq->n_blocks_held);
    charge(seq->tenant_id, n, view.now_ns);
  }
  return plan;
}

}  // namespace sluice_priority
