#include "engine/scheduler_client.hpp"

#include <algorithm>
#include <cstddef>
#include <unordered_map>
#include <unordered_set>

#include "plugin_host/plugin_error.hpp"

namespace sluice::engine {
namespace {

std::string id_text(uint64_t id) {
  return "sequence " + std::to_string(id);
}

}  // namespace

SchedulerClient::SchedulerClient(std::shared_ptr<plugin_host::PluginLibrary> library,
                                 const std::string& config_json) {
  if (library->kind() != SLUICE_KIND_SCHEDULER)
    throw std::runtime_error("plugin '" + library->name() + "' is not a scheduler");
  vt_ = &library->vtable<sluice_scheduler_vtable>();
  sluice_scheduler* handle = nullptr;
  sluice_error* error = nullptr;
  const sluice_status status =
      vt_->create(config_json.c_str(), config_json.size(), &handle, &error);  // before `error`
  const plugin_host::CallResult r = plugin_host::take_error(status, error);
  if (!r.ok()) {
    throw std::runtime_error("scheduler '" + library->name() +
                             "' create: " + plugin_host::status_name(r.status) + ": " + r.message);
  }
  scheduler_ =
      plugin_host::PluginObject<sluice_scheduler>(std::move(library), handle, vt_->destroy);
}

const std::string& SchedulerClient::name() const {
  return scheduler_.library().name();
}

Plan SchedulerClient::schedule(const ScheduleBudget& budget, std::vector<sluice_sched_seq>& seqs) {
  for (auto& s : seqs) s.struct_size = sizeof(sluice_sched_seq);
  sluice_sched_view view;
  SLUICE_INIT(sluice_sched_view, &view);
  view.step = budget.step;
  view.now_ns = budget.now_ns;
  view.block_size = budget.block_size;
  view.n_free_blocks = budget.n_free_blocks;
  view.n_total_blocks = budget.n_total_blocks;
  view.max_batched_tokens = budget.max_batched_tokens;
  view.max_seqs = budget.max_seqs;
  view.n_seqs = static_cast<int32_t>(seqs.size());
  view.seqs = seqs.data();

  const size_t room = std::max<size_t>(seqs.size(), 1);
  std::vector<sluice_sched_item> items(room);
  for (auto& item : items) item.struct_size = sizeof(sluice_sched_item);
  std::vector<uint64_t> preempt(room), abort(room);
  sluice_sched_plan raw;
  SLUICE_INIT(sluice_sched_plan, &raw);
  raw.items = items.data();
  raw.preempt = preempt.data();
  raw.abort = abort.data();

  sluice_error* error = nullptr;
  const sluice_status status =
      vt_->schedule(scheduler_.get(), &view, &raw, &error);  // before reading `error`
  const plugin_host::CallResult r = plugin_host::take_error(status, error);
  if (!r.ok()) {
    throw PlanError("scheduler '" + name() + "' failed: " + plugin_host::status_name(r.status) +
                    ": " + r.message);
  }
  const auto count_ok = [&](int32_t n) { return n >= 0 && static_cast<size_t>(n) <= seqs.size(); };
  if (!count_ok(raw.n_items) || !count_ok(raw.n_preempt) || !count_ok(raw.n_abort)) {
    throw PlanError("scheduler '" + name() + "' returned counts outside 0.." +
                    std::to_string(seqs.size()));
  }
  Plan plan;
  for (int32_t i = 0; i < raw.n_items; ++i)
    plan.items.push_back(PlanItem{items[i].seq_id, items[i].n_tokens});
  plan.preempt.assign(preempt.begin(), preempt.begin() + raw.n_preempt);
  plan.abort.assign(abort.begin(), abort.begin() + raw.n_abort);
  try {
    validate_plan(plan, budget, seqs);
  } catch (const PlanError& e) {
    throw PlanError("scheduler '" + name() + "': " + e.what());
  }
  return plan;
}

void SchedulerClient::on_finished(uint64_t seq_id, int32_t finish_reason, int32_t n_prompt_tokens,
                                  int32_t n_generated_tokens) {
  if (vt_->on_finished == nullptr) return;
  vt_->on_finished(scheduler_.get(), seq_id, finish_reason, n_prompt_tokens, n_generated_tokens);
}

void validate_plan(const Plan& plan, const ScheduleBudget& budget,
                   const std::vector<sluice_sched_seq>& seqs) {
  std::unordered_map<uint64_t, const sluice_sched_seq*> by_id;
  for (const auto& s : seqs) by_id.emplace(s.seq_id, &s);
  std::unordered_set<uint64_t> seen;
  const auto lookup = [&](uint64_t id, const char* role) {
    const auto it = by_id.find(id);
    if (it == by_id.end()) throw PlanError(std::string(role) + " names unknown " + id_text(id));
    if (!seen.insert(id).second) throw PlanError(id_text(id) + " appears twice in the plan");
    return it->second;
  };
  int64_t freed = 0;
  for (uint64_t id : plan.preempt) {
    const auto* s = lookup(id, "preempt");
    if (s->n_blocks_held == 0) throw PlanError("preempts " + id_text(id) + ", which holds no KV");
    freed += s->n_blocks_held;
  }
  for (uint64_t id : plan.abort) {
    const auto* s = lookup(id, "abort");
    freed += s->n_blocks_held;
  }
  if (static_cast<int32_t>(plan.items.size()) > budget.max_seqs) {
    throw PlanError("places " + std::to_string(plan.items.size()) + " sequences, max_seqs is " +
                    std::to_string(budget.max_seqs));
  }
  int64_t tokens = 0;
  int64_t blocks = 0;
  for (const PlanItem& item : plan.items) {
    const auto* s = lookup(item.seq_id, "item");
    if (item.n_tokens < 1 || item.n_tokens > s->n_pending_tokens) {
      throw PlanError("gives " + id_text(item.seq_id) + " " + std::to_string(item.n_tokens) +
                      " tokens; it has " + std::to_string(s->n_pending_tokens) + " pending");
    }
    tokens += item.n_tokens;
    // Blocks this item needs beyond what the sequence holds.
    const int64_t positions = static_cast<int64_t>(s->n_computed_tokens) + item.n_tokens;
    const int64_t needed = (positions + budget.block_size - 1) / budget.block_size;
    blocks += std::max<int64_t>(0, needed - s->n_blocks_held);
  }
  if (tokens > budget.max_batched_tokens) {
    throw PlanError("places " + std::to_string(tokens) + " tokens, max_batched_tokens is " +
                    std::to_string(budget.max_batched_tokens));
  }
  if (blocks > budget.n_free_blocks + freed) {
    throw PlanError("needs " + std::to_string(blocks) + " KV blocks, " +
                    std::to_string(budget.n_free_blocks + freed) + " are free");
  }
}

}  // namespace sluice::engine
