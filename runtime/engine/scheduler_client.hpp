// One scheduler plugin instance serving one model, and the host's check of every plan it
// returns: the engine never trusts a plugin, so unknown or duplicate ids, token counts out
// of range and exceeded budgets make the plan invalid (PlanError) instead of reaching the
// batch.
#pragma once

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "plugin_host/plugin_library.hpp"
#include "sluice/scheduler.h"

namespace sluice::engine {

class PlanError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct PlanItem {
  uint64_t seq_id = 0;
  int32_t n_tokens = 0;
};

struct Plan {
  std::vector<PlanItem> items;  // in batch order
  std::vector<uint64_t> preempt;
  std::vector<uint64_t> abort;
};

struct ScheduleBudget {
  uint64_t step = 0;
  uint64_t now_ns = 0;
  int32_t block_size = 16;
  int32_t n_free_blocks = 0;
  int32_t n_total_blocks = 0;
  int32_t max_batched_tokens = 0;
  int32_t max_seqs = 0;
};

class SchedulerClient {
 public:
  // Throws std::runtime_error when the plugin is not a scheduler or refuses the config.
  SchedulerClient(std::shared_ptr<plugin_host::PluginLibrary> library,
                  const std::string& config_json);

  // Asks for a plan and validates it against `seqs` (arrival order; struct_size set by
  // this call). Throws PlanError for a failed call or an invalid plan.
  Plan schedule(const ScheduleBudget& budget, std::vector<sluice_sched_seq>& seqs);

  void on_finished(uint64_t seq_id, int32_t finish_reason, int32_t n_prompt_tokens,
                   int32_t n_generated_tokens);

  const std::string& name() const;

 private:
  plugin_host::PluginObject<sluice_scheduler> scheduler_;
  const sluice_scheduler_vtable* vt_;
};

// The validation on its own (tests feed it hand-made plans).
void validate_plan(const Plan& plan, const ScheduleBudget& budget,
                   const std::vector<sluice_sched_seq>& seqs);

}  // namespace sluice::engine
