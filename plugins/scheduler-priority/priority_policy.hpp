// The priority scheduler's policy, apart from the C ABI glue: rank every sequence by
// (request priority minus aging credit, its tenant's recent usage, arrival), place them in
// that order within the step's token and block budgets, and preempt the lowest-ranked
// running sequences when a higher-ranked one cannot fit.
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "sluice/scheduler.h"

namespace sluice_priority {

struct PolicyOptions {
  double aging_s = 30.0;      // each this long spent waiting counts as one priority level
  double half_life_s = 60.0;  // tenant usage halves in this time (fair-share memory)
  bool preempt = true;        // preempt lower-ranked running sequences for higher ones
};

// Parses {"aging_s": .., "half_life_s": .., "preempt": ..}; throws std::invalid_argument
// naming an unknown key or a bad value.
PolicyOptions parse_options(const std::string& json);

struct PlannedItem {
  uint64_t seq_id;
  int32_t n_tokens;
};

struct PolicyPlan {
  std::vector<PlannedItem> items;
  std::vector<uint64_t> preempt;
  std::vector<uint64_t> abort;
};

class PriorityPolicy {
 public:
  explicit PriorityPolicy(PolicyOptions options) : options_(options) {}

  PolicyPlan plan(const sluice_sched_view& view);

  // Decayed tokens a tenant was served (for tests).
  double tenant_usage(uint64_t tenant, uint64_t now_ns) const;

 private:
  struct Usage {
    double tokens = 0.0;
    uint64_t at_ns = 0;
  };
  void charge(uint64_t tenant, int32_t tokens, uint64_t now_ns);

  PolicyOptions options_;
  std::unordered_map<uint64_t, Usage> usage_;
};

}  // namespace sluice_priority
