/* fcfs: first come, first served, the way vLLM's default scheduler works.
 *
 * Each step: running sequences first (decodes, and prefills already under way), in arrival
 * order; then preempted ones, then waiting ones, strictly in arrival order (a waiting
 * request that does not fit stops the queue, so a large one is never starved by small ones
 * behind it). Prefills are chunked to the step's token budget (max_batched_tokens) and to
 * the free KV blocks. When a running sequence cannot get the block it needs, the most
 * recently arrived running sequences are preempted (their KV is freed and recomputed
 * later), so the oldest requests keep making progress. A sequence that could not fit even
 * in an empty pool is aborted instead of waiting forever. Takes no options. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "sluice/plugin.h"
#include "sluice/scheduler.h"

static const sluice_host_api* g_host;

struct sluice_scheduler_s {
  bool* placed; /* per view index, reused between steps */
  int32_t capacity;
};

static sluice_status fail(sluice_status status, const char* message, sluice_error** out_err) {
  if (out_err) *out_err = g_host->error_new(g_host, status, message);
  return status;
}

static bool is_empty_object(const char* json, size_t size) {
  size_t i = 0;
  while (i < size && strchr(" \t\r\n", json[i]) != NULL) ++i;
  if (i >= size || json[i] != '{') return false;
  ++i;
  while (i < size && strchr(" \t\r\n", json[i]) != NULL) ++i;
  if (i >= size || json[i] != '}') return false;
  ++i;
  while (i < size && strchr(" \t\r\n", json[i]) != NULL) ++i;
  return i == size;
}

static sluice_status create(const char* config_json, size_t config_size, sluice_scheduler** out,
                            sluice_error** out_err) {
  if (config_json != NULL && !is_empty_object(config_json, config_size))
    return fail(SLUICE_ERR_INVALID_ARG, "fcfs takes no options (scheduler_config must be empty)",
                out_err);
  sluice_scheduler* s = calloc(1, sizeof *s);
  if (!s) return fail(SLUICE_ERR_OUT_OF_MEMORY, "out of memory", out_err);
  *out = s;
  return SLUICE_OK;
}

static void destroy(sluice_scheduler* s) {
  if (!s) return;
  free(s->placed);
  free(s);
}

static int32_t blocks_for(int64_t tokens, int32_t block_size) {
  return (int32_t)((tokens + block_size - 1) / block_size);
}

static const sluice_sched_seq* seq_at(const sluice_sched_view* view, int32_t i) {
  return SLUICE_ARRAY_ELEM(sluice_sched_seq, view->seqs, i);
}

typedef struct budget {
  int32_t tokens;
  int32_t blocks;
} budget;

/* The largest chunk of `seq`'s pending tokens that fits the budget (0: none). */
static int32_t fitting_chunk(const sluice_sched_seq* seq, const budget* b, int32_t block_size) {
  int32_t n = seq->n_pending_tokens < b->tokens ? seq->n_pending_tokens : b->tokens;
  while (n > 0) {
    const int32_t need =
        blocks_for((int64_t)seq->n_computed_tokens + n, block_size) - seq->n_blocks_held;
    if (need <= b->blocks) return n;
    /* Shrink to the end of the last block that could still fit. */
    const int32_t room = (seq->n_blocks_held + b->blocks) * block_size - seq->n_computed_tokens;
    n = room < n ? room : n - 1;
  }
  return 0;
}

static void add_item(sluice_sched_plan* plan, const sluice_sched_seq* seq, int32_t n, budget* b,
                     int32_t block_size) {
  sluice_sched_item* item = SLUICE_ARRAY_ELEM_MUT(sluice_sched_item, plan->items, plan->n_items);
  item->seq_id = seq->seq_id;
  item->n_tokens = n;
  plan->n_items++;
  const int32_t need =
      blocks_for((int64_t)seq->n_computed_tokens + n, block_size) - seq->n_blocks_held;
  b->tokens -= n;
  if (need > 0) b->blocks -= need;
}

/* Preempts the latest-arrived running sequence not yet placed, other than `keep`.
 * Returns false when there is none. */
static bool preempt_latest(const sluice_sched_view* view, sluice_scheduler* s,
                           sluice_sched_plan* plan, int32_t keep, budget* b) {
  for (int32_t i = view->n_seqs - 1; i >= 0; --i) {
    const sluice_sched_seq* seq = seq_at(view, i);
    if (i == keep || s->placed[i] || seq->n_blocks_held == 0) continue;
    if (seq->state != SLUICE_SEQ_RUNNING) continue;
    plan->preempt[plan->n_preempt++] = seq->seq_id;
    s->placed[i] = true; /* taken out of this step */
    b->blocks += seq->n_blocks_held;
    return true;
  }
  return false;
}

static sluice_status schedule(sluice_scheduler* s, const sluice_sched_view* view,
                              sluice_sched_plan* plan, sluice_error** out_err) {
  if (view->block_size <= 0) return fail(SLUICE_ERR_INVALID_ARG, "block_size <= 0", out_err);
  plan->n_items = 0;
  plan->n_preempt = 0;
  plan->n_abort = 0;
  if (view->n_seqs > s->capacity) {
    bool* grown = realloc(s->placed, (size_t)view->n_seqs * sizeof *grown);
    if (!grown) return fail(SLUICE_ERR_OUT_OF_MEMORY, "out of memory", out_err);
    s->placed = grown;
    s->capacity = view->n_seqs;
  }
  memset(s->placed, 0, (size_t)view->n_seqs * sizeof *s->placed);
  budget b = {view->max_batched_tokens, view->n_free_blocks};

  /* Requests that could never fit are aborted, not left waiting. */
  for (int32_t i = 0; i < view->n_seqs; ++i) {
    const sluice_sched_seq* seq = seq_at(view, i);
    const int64_t tokens = (int64_t)seq->n_computed_tokens + seq->n_pending_tokens;
    if (blocks_for(tokens, view->block_size) > view->n_total_blocks) {
      plan->abort[plan->n_abort++] = seq->seq_id;
      s->placed[i] = true;
      b.blocks += seq->n_blocks_held;
    }
  }

  /* Running sequences, oldest first; preempt the newest to make room. */
  for (int32_t i = 0; i < view->n_seqs; ++i) {
    const sluice_sched_seq* seq = seq_at(view, i);
    if (s->placed[i] || seq->state != SLUICE_SEQ_RUNNING || seq->n_pending_tokens <= 0) continue;
    if (plan->n_items >= view->max_seqs || b.tokens <= 0) break;
    int32_t n = fitting_chunk(seq, &b, view->block_size);
    while (n == 0 && preempt_latest(view, s, plan, i, &b))
      n = fitting_chunk(seq, &b, view->block_size);
    if (n == 0) {
      /* Nothing left to preempt but itself: free its blocks for the others. */
      plan->preempt[plan->n_preempt++] = seq->seq_id;
      s->placed[i] = true;
      b.blocks += seq->n_blocks_held;
      continue;
    }
    add_item(plan, seq, n, &b, view->block_size);
    s->placed[i] = true;
  }

  /* Then preempted and waiting ones in arrival order (preempted first: they are older in
   * spirit, having run before); the first that does not fit stops the queue. */
  for (int pass = 0; pass < 2; ++pass) {
    const int32_t state = pass == 0 ? SLUICE_SEQ_PREEMPTED : SLUICE_SEQ_WAITING;
    for (int32_t i = 0; i < view->n_seqs; ++i) {
      const sluice_sched_seq* seq = seq_at(view, i);
      if (s->placed[i] || seq->state != state || seq->n_pending_tokens <= 0) continue;
      if (plan->n_items >= view->max_seqs || b.tokens <= 0) return SLUICE_OK;
      const int32_t n = fitting_chunk(seq, &b, view->block_size);
      if (n == 0) return SLUICE_OK;
      add_item(plan, seq, n, &b, view->block_size);
      s->placed[i] = true;
    }
  }
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
    .name = "fcfs",
    .version = "1.0.0",
    .license = "Apache-2.0",
    .description = "first come, first served: decode first, chunked prefill, preempt newest",
    .vtable = &g_vtable,
};

SLUICE_EXPORT const sluice_plugin_desc* SLUICE_CALL sluice_plugin_entry(const sluice_host_api* host,
                                                                        uint32_t host_abi_version) {
  if (SLUICE_VERSION_MAJOR(host_abi_version) != SLUICE_ABI_VERSION_MAJOR) return NULL;
  g_host = host;
  return &g_desc;
}
