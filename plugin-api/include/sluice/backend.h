/*
 * sluice/backend.h - compute backends (SLUICE_KIND_BACKEND).
 *
 * A backend executes a model graph, built by the host from a small fixed op set, over
 * a ragged batch: several sequences of different lengths and positions in one call,
 * with their key/value rows in a paged cache addressed by per-sequence block tables.
 * It sees weights, buffers, graphs and block tables; never requests or policy.
 *
 * Object ladder: device (index) -> context -> model -> { kv cache, compiled graph }.
 * Children must be destroyed before their parent. Unless stated otherwise, calls on a
 * context and on every object made from it are externally synchronized on that
 * context; different contexts may be used from different threads at once.
 */
#ifndef SLUICE_BACKEND_H
#define SLUICE_BACKEND_H

#include "sluice/abi.h"
#include "sluice/host.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- tensor element types: the GGUF/ggml type ids -------------------------------- */
#define SLUICE_DTYPE_F32 0
#define SLUICE_DTYPE_F16 1
#define SLUICE_DTYPE_Q4_0 2
#define SLUICE_DTYPE_Q4_1 3
#define SLUICE_DTYPE_Q5_0 6
#define SLUICE_DTYPE_Q5_1 7
#define SLUICE_DTYPE_Q8_0 8
#define SLUICE_DTYPE_Q8_1 9
#define SLUICE_DTYPE_Q2_K 10
#define SLUICE_DTYPE_Q3_K 11
#define SLUICE_DTYPE_Q4_K 12
#define SLUICE_DTYPE_Q5_K 13
#define SLUICE_DTYPE_Q6_K 14
#define SLUICE_DTYPE_Q8_K 15
#define SLUICE_DTYPE_I32 26
#define SLUICE_DTYPE_BF16 30

/* ---- capability bits (sluice_plugin_desc.caps, sluice_device_info.caps) ---------- */
#define SLUICE_BACKEND_CAP_PAGED_KV (1ull << 16)        /* SLUICE_OP_ATTENTION over block tables */
#define SLUICE_BACKEND_CAP_DEVICE_SAMPLING (1ull << 17) /* honours sluice_batch.sampling */
#define SLUICE_BACKEND_CAP_ASYNC_DECODE (1ull << 18)    /* implements decode_async */
#define SLUICE_BACKEND_CAP_MAPPED_WEIGHTS (1ull << 19)  /* uses host weight pointers in place */
#define SLUICE_BACKEND_CAP_GRAPH_CAPTURE \
  (1ull << 20) /* compiled graphs are replayed (CUDA graphs, command buffers) */

/* ---- opaque plugin objects -------------------------------------------------------- */
typedef struct sluice_backend_context_s sluice_backend_context;
typedef struct sluice_backend_model_s sluice_backend_model;
typedef struct sluice_backend_kv_s sluice_backend_kv;
typedef struct sluice_backend_graph_s sluice_backend_graph;

/* Filled by the plugin. The caller sets struct_size; the plugin writes only the fields
 * that size covers. */
typedef struct sluice_device_info {
  uint32_t struct_size;        /* since 1.0 */
  uint32_t reserved0;          /* since 1.0 */
  char name[128];              /* since 1.0: NUL-terminated, e.g. "NVIDIA H100 80GB HBM3" */
  uint64_t caps;               /* since 1.0: SLUICE_BACKEND_CAP_* available on this device */
  uint64_t memory_total_bytes; /* since 1.0 */
  uint64_t memory_free_bytes;  /* since 1.0 */
  uint64_t
      weight_dtype_mask; /* since 1.0: bit N set = SLUICE_OP_MATMUL accepts weights of dtype N */
  uint32_t max_batch_tokens;  /* since 1.0: 0 = no limit of its own */
  uint32_t kv_block_multiple; /* since 1.0: kv block_size must be a multiple of this (>= 1) */
  int32_t compute_units;      /* since 1.0: threads, SMs or compute units */
  int32_t reserved1;          /* since 1.0 */
} sluice_device_info;

/* One weight tensor of the model, in place in host memory (normally the mapped GGUF). */
typedef struct sluice_tensor_desc {
  uint32_t struct_size; /* since 1.0 */
  int32_t dtype;        /* since 1.0: SLUICE_DTYPE_* */
  const char* name;     /* since 1.0: GGUF tensor name, borrowed for model_load */
  int32_t n_dims;       /* since 1.0: 1..4 */
  int32_t reserved0;    /* since 1.0 */
  int64_t dims[4];      /* since 1.0: GGUF order, fastest-varying first; unused dims are 1 */
  const void* data;     /* since 1.0: borrowed until model_destroy returns */
  size_t size_bytes;    /* since 1.0 */
} sluice_tensor_desc;

typedef struct sluice_model_desc {
  uint32_t struct_size;              /* since 1.0 */
  uint32_t reserved0;                /* since 1.0 */
  const sluice_ext_header* next;     /* since 1.0 */
  const char* arch;                  /* since 1.0: GGUF general.architecture */
  const sluice_tensor_desc* tensors; /* since 1.0: borrowed for the call */
  size_t n_tensors;                  /* since 1.0 */
  const sluice_cancel_token* cancel; /* since 1.0: poll while uploading */
} sluice_model_desc;

/* ---- the graph ----------------------------------------------------------------------
 * Nodes in topological order; src[] indexes earlier nodes, -1 = unused. Shapes are in
 * GGUF order (fastest first). A dim of SLUICE_DIM_TOKENS stands for the batch's
 * n_tokens and SLUICE_DIM_OUTPUTS for its n_outputs, so one compiled graph serves every
 * batch. Activations are F32 unless a node says otherwise. */
#define SLUICE_DIM_TOKENS (-1)
#define SLUICE_DIM_OUTPUTS (-2)

#define SLUICE_OP_INPUT_TOKENS 1    /* -> I32 [n_tokens]: sluice_batch.token_ids */
#define SLUICE_OP_INPUT_POSITIONS 2 /* -> I32 [n_tokens]: sluice_batch.positions */
#define SLUICE_OP_WEIGHT 3          /* -> model tensor iparams[0] (index into model_desc.tensors) */
#define SLUICE_OP_GET_ROWS 4        /* src0 table [d, rows] (any dtype), src1 I32 ids -> [d, n] */
#define SLUICE_OP_RMS_NORM 5        /* src0 [d, n]; fparams[0] = eps */
#define SLUICE_OP_MATMUL 6          /* src0 weight [k, m] (any dtype), src1 [k, n] -> [m, n] */
#define SLUICE_OP_ADD 7             /* src0 + src1, src1 broadcast along dims of size 1 */
#define SLUICE_OP_MUL 8             /* src0 * src1, broadcast likewise */
#define SLUICE_OP_ROPE                                                                    \
  9                           /* src0 [head_dim, heads, n], src1 positions, src2 optional \
                                 freq factors; iparams: 0 mode (SLUICE_ROPE_*), 1 n_rot,  \
                                 2 n_ctx_orig; fparams: 0 freq_base, 1 freq_scale,        \
                                 2 ext_factor, 3 attn_factor, 4 beta_fast, 5 beta_slow */
#define SLUICE_OP_SILU_MUL 10 /* silu(src0) * src1 */
#define SLUICE_OP_ATTENTION                                       \
  11 /* src0 q [hd, heads, n], src1 k [hd, kv_heads, n], src2 v:  \
        writes k, v into the cache at each row's position through \
        its sequence's block table, then attends causally over    \
        the sequence's cached rows -> [hd * heads, n].            \
        iparams: 0 layer; fparams: 0 scale, 1 logit softcap (0 = off) */
#define SLUICE_OP_OUTPUT_ROWS                                                     \
  12                         /* src0 [d, n_tokens] -> [d, n_outputs]: the rows in \
                                sluice_batch.output_rows */
#define SLUICE_OP_RESHAPE 13 /* src0 viewed with this node's dims (same element count) */
#define SLUICE_OP_SCALE 14   /* src0 * fparams[0] */

#define SLUICE_ROPE_NORMAL 0 /* adjacent pairs (llama) */
#define SLUICE_ROPE_NEOX 2   /* halves (qwen2, gpt-neox) */

typedef struct sluice_graph_node {
  uint32_t struct_size; /* since 1.0 */
  int32_t op;           /* since 1.0: SLUICE_OP_* */
  int32_t src[4];       /* since 1.0 */
  int32_t dtype;        /* since 1.0: result type */
  int32_t n_dims;       /* since 1.0 */
  int64_t dims[4];      /* since 1.0: result shape */
  int32_t iparams[8];   /* since 1.0 */
  float fparams[8];     /* since 1.0 */
} sluice_graph_node;

typedef struct sluice_graph {
  uint32_t struct_size;           /* since 1.0 */
  int32_t output_node;            /* since 1.0: node whose result is [n_vocab, n_outputs] logits */
  const sluice_ext_header* next;  /* since 1.0 */
  const sluice_graph_node* nodes; /* since 1.0: borrowed for graph_compile */
  size_t n_nodes;                 /* since 1.0 */
} sluice_graph;

/* ---- the paged KV cache ----------------------------------------------------------- */
typedef struct sluice_kv_desc {
  uint32_t struct_size;          /* since 1.0 */
  int32_t dtype;                 /* since 1.0: F16 (default), BF16, F32 or Q8_0 if supported */
  const sluice_ext_header* next; /* since 1.0 */
  uint32_t n_layers;             /* since 1.0 */
  uint32_t n_kv_heads;           /* since 1.0 */
  uint32_t head_dim_k;           /* since 1.0 */
  uint32_t head_dim_v;           /* since 1.0 */
  uint32_t block_size;           /* since 1.0: tokens per block */
  uint32_t n_blocks;             /* since 1.0: blocks in the pool (kv_create) */
} sluice_kv_desc;

/* ---- a ragged batch ----------------------------------------------------------------- */

/* Sampling on the device, one per output row (needs SLUICE_BACKEND_CAP_DEVICE_SAMPLING). */
typedef struct sluice_sampling_params {
  uint32_t struct_size;    /* since 1.0 */
  int32_t top_k;           /* since 1.0: 0 = off */
  float temperature;       /* since 1.0: 0 = greedy */
  float top_p;             /* since 1.0: 1 = off */
  float min_p;             /* since 1.0: 0 = off */
  float repeat_penalty;    /* since 1.0: 1 = off */
  float presence_penalty;  /* since 1.0 */
  float frequency_penalty; /* since 1.0 */
  int32_t penalty_last_n;  /* since 1.0: tokens the penalties look back over */
  int32_t reserved0;       /* since 1.0 */
  uint64_t seed;           /* since 1.0: per-sequence RNG stream seed */
} sluice_sampling_params;

typedef struct sluice_batch_seq {
  uint32_t struct_size;      /* since 1.0 */
  uint32_t reserved0;        /* since 1.0 */
  uint64_t seq_id;           /* since 1.0: the host's id, echoed in token events */
  int32_t token_begin;       /* since 1.0: first row of this sequence in the token arrays */
  int32_t n_tokens;          /* since 1.0: rows this step (prefill chunk or 1 for decode) */
  int32_t n_past;            /* since 1.0: rows already in the cache before this step */
  int32_t block_table_begin; /* since 1.0: first entry in sluice_batch.block_table */
  int32_t n_blocks;          /* since 1.0: blocks covering n_past + n_tokens rows */
  int32_t reserved1;         /* since 1.0 */
} sluice_batch_seq;

typedef struct sluice_batch {
  uint32_t struct_size;                   /* since 1.0 */
  uint32_t flags;                         /* since 1.0: zero */
  const sluice_ext_header* next;          /* since 1.0 */
  int32_t n_tokens;                       /* since 1.0 */
  int32_t n_seqs;                         /* since 1.0 */
  const int32_t* token_ids;               /* since 1.0: [n_tokens] */
  const int32_t* positions;               /* since 1.0: [n_tokens] */
  const sluice_batch_seq* seqs;           /* since 1.0: [n_seqs], rows contiguous, ascending */
  const int32_t* block_table;             /* since 1.0: block ids, indexed through seqs */
  size_t n_block_table;                   /* since 1.0 */
  int32_t n_outputs;                      /* since 1.0 */
  int32_t reserved0;                      /* since 1.0 */
  const int32_t* output_rows;             /* since 1.0: [n_outputs], ascending row indices */
  const sluice_sampling_params* sampling; /* since 1.0: NULL, or [n_outputs] to sample on device */
  const sluice_cancel_token* cancel;      /* since 1.0 */
} sluice_batch;

/* Caller-allocated results of execute. */
typedef struct sluice_batch_output {
  uint32_t struct_size;    /* since 1.0 */
  uint32_t reserved0;      /* since 1.0 */
  float* logits;           /* since 1.0: [n_outputs * n_vocab] or NULL when only sampling */
  size_t logits_capacity;  /* since 1.0: floats available at logits */
  int32_t* sampled_tokens; /* since 1.0: [n_outputs]; written when batch.sampling != NULL */
  float* sampled_logprobs; /* since 1.0: [n_outputs] or NULL */
  uint64_t compute_ns;     /* since 1.0: out: device time spent, 0 if unknown */
} sluice_batch_output;

/* ---- the function table -------------------------------------------------------------
 * Every status-returning slot: on failure sets *out_err (may be NULL: then no detail is
 * wanted) and leaves out-parameters untouched. */
typedef struct sluice_backend_vtable {
  uint32_t struct_size; /* since 1.0 */
  uint32_t reserved0;   /* since 1.0 */

  /* Required. Number of devices this backend can drive here. Free-threaded. */
  SLUICE_NODISCARD sluice_status(SLUICE_CALL* device_count)(uint32_t* out_count,
                                                            sluice_error** out_err);
  /* Required. The caller sets out->struct_size. Free-threaded. */
  SLUICE_NODISCARD sluice_status(SLUICE_CALL* device_info)(uint32_t device_index,
                                                           sluice_device_info* out,
                                                           sluice_error** out_err);
  /* Required. `config_json` (borrowed) is the model's backend options as JSON; "{}" when
   * none. The context owns device queues and threads. Control thread only. */
  SLUICE_NODISCARD sluice_status(SLUICE_CALL* context_create)(uint32_t device_index,
                                                              const char* config_json,
                                                              size_t config_size,
                                                              sluice_backend_context** out,
                                                              sluice_error** out_err);
  /* Required. Accepts NULL. Joins the context's threads. Control thread only. */
  void(SLUICE_CALL* context_destroy)(sluice_backend_context* ctx);

  /* Required. Uploads or adopts the weights. Tensor data stays borrowed until
   * model_destroy returns (mapped weights are used in place where possible). */
  SLUICE_NODISCARD sluice_status(SLUICE_CALL* model_load)(sluice_backend_context* ctx,
                                                          const sluice_model_desc* desc,
                                                          sluice_backend_model** out,
                                                          sluice_error** out_err);
  void(SLUICE_CALL* model_destroy)(sluice_backend_model* model); /* Required; accepts NULL. */

  /* Required. Bytes one KV block takes for this geometry, so the host can size the pool
   * from a memory budget. n_blocks is ignored. */
  SLUICE_NODISCARD sluice_status(SLUICE_CALL* kv_block_bytes)(sluice_backend_model* model,
                                                              const sluice_kv_desc* desc,
                                                              size_t* out_bytes,
                                                              sluice_error** out_err);
  /* Required. Allocates desc->n_blocks blocks in device memory. */
  SLUICE_NODISCARD sluice_status(SLUICE_CALL* kv_create)(sluice_backend_model* model,
                                                         const sluice_kv_desc* desc,
                                                         sluice_backend_kv** out,
                                                         sluice_error** out_err);
  void(SLUICE_CALL* kv_destroy)(sluice_backend_kv* kv); /* Required; accepts NULL. */
  /* Required. Copies whole blocks src[i] -> dst[i] in every layer (copy-on-write when a
   * shared prefix block is about to be written). Arrays borrowed for the call. */
  SLUICE_NODISCARD sluice_status(SLUICE_CALL* kv_copy_blocks)(sluice_backend_kv* kv,
                                                              const int32_t* src_blocks,
                                                              const int32_t* dst_blocks,
                                                              size_t n_blocks,
                                                              sluice_error** out_err);

  /* Required. Validates and prepares a graph (fusion, capture). The graph is borrowed for
   * the call; SLUICE_ERR_UNSUPPORTED names the first op or dtype it cannot run. */
  SLUICE_NODISCARD sluice_status(SLUICE_CALL* graph_compile)(sluice_backend_model* model,
                                                             const sluice_graph* graph,
                                                             sluice_backend_graph** out,
                                                             sluice_error** out_err);
  void(SLUICE_CALL* graph_destroy)(sluice_backend_graph* graph); /* Required; accepts NULL. */

  /* Required. Runs the graph on one batch: writes the batch's K/V rows into `kv`, fills
   * `out`. Polls batch->cancel between layers; returns SLUICE_ERR_CANCELLED if set.
   * Everything in `batch` is borrowed for the call. */
  SLUICE_NODISCARD sluice_status(SLUICE_CALL* execute)(sluice_backend_graph* graph,
                                                       sluice_backend_kv* kv,
                                                       const sluice_batch* batch,
                                                       sluice_batch_output* out,
                                                       sluice_error** out_err);

  /* Optional. Whether `op` with weights of `weight_dtype` (-1: any) runs here. */
  bool(SLUICE_CALL* supports_op)(sluice_backend_context* ctx, int32_t op, int32_t weight_dtype);

  /* Optional. Waits for all queued device work of the context. */
  SLUICE_NODISCARD sluice_status(SLUICE_CALL* synchronize)(sluice_backend_context* ctx,
                                                           sluice_error** out_err);

  /* Optional (SLUICE_BACKEND_CAP_ASYNC_DECODE). Decodes up to n_steps tokens per sequence
   * of a decode-only batch with on-device sampling, handing each token to
   * host->emit_tokens(sink) as it is produced, and a final event when done. Returns once
   * the work is queued; `batch` is copied before return. */
  SLUICE_NODISCARD sluice_status(SLUICE_CALL* decode_async)(
      sluice_backend_graph* graph, sluice_backend_kv* kv, const sluice_batch* batch,
      int32_t n_steps, sluice_token_sink* sink, sluice_error** out_err);

  /* Optional. Vendor extension entry points by name, NULL if unknown. Free-threaded. */
  void*(SLUICE_CALL* get_proc)(const char* name);
} sluice_backend_vtable;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SLUICE_BACKEND_H */
