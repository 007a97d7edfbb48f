// priority: the C ABI glue around PriorityPolicy (priority_policy.hpp).
#include <memory>
#include <string>

#include "priority_policy.hpp"
#include "sluice/cpp/edge.hpp"
#include "sluice/plugin.h"
#include "sluice/scheduler.h"

namespace {

const sluice_host_api* g_host = nullptr;

}  // namespace

struct sluice_scheduler_s {
  sluice_priority::PriorityPolicy policy;
};

namespace {

sluice_status SLUICE_CALL create(const char* config_json, size_t config_size,
                                 sluice_scheduler** out, sluice_error** out_err) {
  return sluice::edge::guard(g_host, out_err, [&] {
    sluice_priority::PolicyOptions options;
    try {
      options = sluice_priority::parse_options(
          config_json != nullptr ? std::string(config_json, config_size) : "{}");
    } catch (const std::exception& e) {
      return sluice::edge::fail(g_host, out_err, SLUICE_ERR_INVALID_ARG,
                                (std::string("scheduler_config: ") + e.what()).c_str());
    }
    *out = new sluice_scheduler_s{sluice_priority::PriorityPolicy(options)};
    return SLUICE_OK;
  });
}

void SLUICE_CALL destroy(sluice_scheduler* scheduler) {
  delete scheduler;
}

sluice_status SLUICE_CALL schedule(sluice_scheduler* scheduler, const sluice_sched_view* view,
                                   sluice_sched_plan* plan, sluice_error** out_err) {
  return sluice::edge::guard(g_host, out_err, [&] {
    const auto result = scheduler->policy.plan(*view);
    // Each list is bounded by view->n_seqs, the room the host gave every array.
    int32_t n = 0;
    for (const auto& item : result.items) {
      auto* out = SLUICE_ARRAY_ELEM_MUT(sluice_sched_item, plan->items, n++);
      out->seq_id = item.seq_id;
      out->n_tokens = item.n_tokens;
    }
    plan->n_items = n;
    plan->n_preempt = 0;
    for (uint64_t id : result.preempt) plan->preempt[plan->n_preempt++] = id;
    plan->n_abort = 0;
    for (uint64_t id : result.abort) plan->abort[plan->n_abort++] = id;
    return SLUICE_OK;
  });
}

const sluice_scheduler_vtable g_vtable = {
    sizeof(sluice_scheduler_vtable), 0, create, destroy, schedule, nullptr,
};

const sluice_plugin_desc g_desc = {
    sizeof(sluice_plugin_desc),
    SLUICE_ABI_VERSION,
    SLUICE_KIND_SCHEDULER,
    0,
    "priority",
    "1.0.0",
    "Apache-2.0",
    "request priority with fair sharing between tenants and aging",
    0,
    nullptr,
    nullptr,
    nullptr,
    &g_vtable,
};

}  // namespace

extern "C" SLUICE_EXPORT const sluice_plugin_desc* SLUICE_CALL
sluice_plugin_entry(const sluice_host_api* host, uint32_t host_abi_version) {
  if (SLUICE_VERSION_MAJOR(host_abi_version) != SLUICE_ABI_VERSION_MAJOR) return nullptr;
  g_host = host;
  return &g_desc;
}
