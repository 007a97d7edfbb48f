/* template-scheduler: first come, first served. Running sequences first (in arrival
 * order), then waiting ones, each given as many pending tokens as the step's token
 * budget and the free KV blocks allow (chunked prefill). It never preempts: a real
 * scheduler would, when a running sequence cannot get a block. */
#include <stdlib.h>

#include "sluice/plugin.h"
#include "sluice/scheduler.h"

static const sluice_host_api* g_host;

struct sluice_scheduler_s {
  uint64_t steps;
};

static sluice_status create(const char* config_json, size_t config_size, sluice_scheduler** out,
                            sluice_error** out_err) {
  (void)config_json;
  (void)config_size;
  sluice_scheduler* s = calloc(1, sizeof *s);
  if (!s) {
    if (out_err) *out_err = g_host->error_new(g_host, SLUICE_ERR_OUT_OF_MEMORY, "out of memory");
    return SLUICE_ERR_OUT_OF_MEMORY;
  }
  *out = s;
  return SLUICE_OK;
}

static void destroy(sluice_scheduler* s) {
  free(s);
}

static int32_t blocks_for(int32_t tokens, int32_t block_size) {
  return (tokens + block_size - 1) / block_size;
}

/* Adds sequences in `state` to the plan while budgets last. */
static void place(const sluice_sched_view* view, int32_t state, sluice_sched_plan* plan,
                  int32_t* tokens_left, int32_t* blocks_left) {
  for (int32_t i = 0; i < view->n_seqs; ++i) {
    const sluice_sched_seq* seq = SLUICE_ARRAY_ELEM(sluice_sched_seq, view->seqs, i);
    if (seq->state != state || seq->n_pending_tokens <= 0) continue;
    if (plan->n_items >= view->max_seqs || *tokens_left <= 0) return;
    int32_t n = seq->n_pending_tokens < *tokens_left ? seq->n_pending_tokens : *tokens_left;
    /* Shrink the chunk until its KV rows fit in the free blocks. */
    while (n > 0) {
      int32_t need = blocks_for(seq->n_computed_tokens + n, view->block_size) - seq->n_blocks_held;
      if (need <= *blocks_left) {
        *blocks_left -= need > 0 ? need : 0;
        break;
      }
      n = (blocks_for(seq->n_computed_tokens + n, view->block_size) - 1) * view->block_size -
          seq->n_computed_tokens;
    }
    if (n <= 0) continue;
    sluice_sched_item* item = SLUICE_ARRAY_ELEM_MUT(sluice_sched_item, plan->items, plan->n_items);
    item->seq_id = seq->seq_id;
    item->n_tokens = n;
    plan->n_items++;
    *tokens_left -= n;
  }
}

static sluice_status schedule(sluice_scheduler* s, const sluice_sched_view* view,
                              sluice_sched_plan* plan, sluice_error** out_err) {
  if (view->block_size <= 0) {
    if (out_err) *out_err = g_host->error_new(g_host, SLUICE_ERR_INVALID_ARG, "block_size <= 0");
    return SLUICE_ERR_INVALID_ARG;
  }
  int32_t tokens_left = view->max_batched_tokens;
  int32_t blocks_left = view->n_free_blocks;
  plan->n_items = 0;
  plan->n_preempt = 0;
  plan->n_abort = 0;
  place(view, SLUICE_SEQ_RUNNING, plan, &tokens_left, &blocks_left);
  place(view, SLUICE_SEQ_PREEMPTED, plan, &tokens_left, &blocks_left);
  place(view, SLUICE_SEQ_WAITING, plan, &tokens_left, &blocks_left);
  s->steps++;
  return SLUICE_OK;
}

static const sluice_scheduler_vtable g_vtable = {
    .struct_size = sizeof(sluice_scheduler_vtable),
    .create = create,
    .destroy = destroy,
    .schedule = schedule,
};

static const sluice_plugin_desc g_desc = {
    .struct_size = sizeof(sluice_plugin_desc),
    .abi_version = SLUICE_ABI_VERSION,
    .kind = SLUICE_KIND_SCHEDULER,
    .name = "template-scheduler",
    .version = "1.0.0",
    .license = "Apache-2.0",
    .description = "template: first come, first served with chunked prefill",
    .vtable = &g_vtable,
};

SLUICE_EXPORT const sluice_plugin_desc* SLUICE_CALL sluice_plugin_entry(const sluice_host_api* host,
                                                                        uint32_t host_abi_version) {
  if (SLUICE_VERSION_MAJOR(host_abi_version) != SLUICE_ABI_VERSION_MAJOR) return NULL;
  g_host = host;
  return &g_desc;
}
