/*
 * sluice/scheduler.h - batch schedulers (SLUICE_KIND_SCHEDULER).
 *
 * Each engine step the host shows the scheduler a read-only view of the sequences of
 * one model (ids and counts, never tensors or block ids) and the KV and token budget;
 * the scheduler answers with a plan: how many tokens each chosen sequence computes this
 * step (a decode is 1, a prefill chunk is more) and which running sequences to preempt.
 * The host validates the plan and never trusts it blindly: unknown ids, budgets
 * exceeded or duplicates fail the step's plan, not the process.
 */
#ifndef SLUICE_SCHEDULER_H
#define SLUICE_SCHEDULER_H

#include "sluice/abi.h"
#include "sluice/host.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sluice_scheduler_s sluice_scheduler;

/* Sequence states. */
#define SLUICE_SEQ_WAITING 0   /* admitted, no KV yet */
#define SLUICE_SEQ_RUNNING 1   /* holds KV blocks */
#define SLUICE_SEQ_PREEMPTED 2 /* lost its blocks; will recompute */

/* Why a sequence left (on_finished). */
#define SLUICE_FINISH_STOP 0      /* EOS or a stop string */
#define SLUICE_FINISH_LENGTH 1    /* max tokens or context */
#define SLUICE_FINISH_CANCELLED 2 /* client went away */
#define SLUICE_FINISH_ERROR 3
#define SLUICE_FINISH_CONTENT_FILTER 4

typedef struct sluice_sched_seq {
  uint32_t struct_size;       /* since 1.0 */
  int32_t state;              /* since 1.0: SLUICE_SEQ_* */
  uint64_t seq_id;            /* since 1.0 */
  uint64_t tenant_id;         /* since 1.0: stable id of the tenant (API key owner); 0 = none */
  int32_t priority;           /* since 1.0: request priority; lower is more urgent */
  int32_t n_preemptions;      /* since 1.0: times this sequence was preempted */
  uint64_t arrival_ns;        /* since 1.0: host->now_ns() clock */
  int32_t n_prompt_tokens;    /* since 1.0 */
  int32_t n_computed_tokens;  /* since 1.0: tokens whose KV is present */
  int32_t n_cached_tokens;    /* since 1.0: of those, found in the prefix cache */
  int32_t n_pending_tokens;   /* since 1.0: tokens to compute before the next sample */
  int32_t n_generated_tokens; /* since 1.0 */
  int32_t max_new_tokens;     /* since 1.0 */
  int32_t n_blocks_held;      /* since 1.0 */
  int32_t n_blocks_needed;    /* since 1.0: extra blocks to compute all pending tokens */
} sluice_sched_seq;

typedef struct sluice_sched_view {
  uint32_t struct_size;         /* since 1.0 */
  uint32_t reserved0;           /* since 1.0 */
  uint64_t step;                /* since 1.0: engine step counter */
  uint64_t now_ns;              /* since 1.0 */
  int32_t block_size;           /* since 1.0: tokens per KV block */
  int32_t n_free_blocks;        /* since 1.0 */
  int32_t n_total_blocks;       /* since 1.0 */
  int32_t max_batched_tokens;   /* since 1.0: token budget of one step */
  int32_t max_seqs;             /* since 1.0: sequences in one step at most */
  int32_t n_seqs;               /* since 1.0 */
  const sluice_sched_seq* seqs; /* since 1.0: [n_seqs], borrowed for the call, arrival order */
} sluice_sched_view;

typedef struct sluice_sched_item {
  uint32_t struct_size; /* since 1.0 */
  int32_t n_tokens;     /* since 1.0: >= 1 and <= the sequence's n_pending_tokens */
  uint64_t seq_id;      /* since 1.0 */
} sluice_sched_item;

/* Caller-allocated: every array has room for view.n_seqs entries, and the host sets
 * each item's struct_size before the call. The scheduler writes the counts. Items run in the order
 * given; preempted sequences free their blocks before the items are placed; aborted ones fail with
 * an explicit error (a scheduler that cannot ever place a sequence says so instead of starving it).
 */
typedef struct sluice_sched_plan {
  uint32_t struct_size;     /* since 1.0 */
  uint32_t reserved0;       /* since 1.0 */
  sluice_sched_item* items; /* since 1.0 */
  int32_t n_items;          /* since 1.0: out */
  int32_t n_preempt;        /* since 1.0: out */
  uint64_t* preempt;        /* since 1.0: seq ids to preempt */
  uint64_t* abort;          /* since 1.0: seq ids to fail */
  int32_t n_abort;          /* since 1.0: out */
  int32_t reserved1;        /* since 1.0 */
} sluice_sched_plan;

typedef struct sluice_scheduler_vtable {
  uint32_t struct_size; /* since 1.0 */
  uint32_t reserved0;   /* since 1.0 */

  /* Required. One scheduler per served model. `config_json` is the model's scheduler
   * options (borrowed); "{}" when none. Control thread only. */
  SLUICE_NODISCARD sluice_status(SLUICE_CALL* create)(const char* config_json, size_t config_size,
                                                      sluice_scheduler** out,
                                                      sluice_error** out_err);
  /* Required. Accepts NULL. Control thread only. */
  void(SLUICE_CALL* destroy)(sluice_scheduler* scheduler);

  /* Required. Fills `plan` from `view`. Must not block. Externally synchronized on
   * `scheduler`. */
  SLUICE_NODISCARD sluice_status(SLUICE_CALL* schedule)(sluice_scheduler* scheduler,
                                                        const sluice_sched_view* view,
                                                        sluice_sched_plan* plan,
                                                        sluice_error** out_err);

  /* Optional. A sequence left the engine (SLUICE_FINISH_*), with the tokens it used;
   * for fairness accounting. Externally synchronized on `scheduler`. */
  void(SLUICE_CALL* on_finished)(sluice_scheduler* scheduler, uint64_t seq_id,
                                 int32_t finish_reason, int32_t n_prompt_tokens,
                                 int32_t n_generated_tokens);
} sluice_scheduler_vtable;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SLUICE_SCHEDULER_H */
