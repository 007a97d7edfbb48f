/*
 * sluice/guardrail.h - guardrails (SLUICE_KIND_GUARDRAIL).
 *
 * The host runs a chain of guardrails (order from the configuration) around every
 * request. For each request it opens one stream per guardrail, and through it the
 * guardrail sees:
 *   1. the request (messages, prompt, model, tenant) and may allow, deny or rewrite it;
 *   2. the output text as it is generated, chunk by chunk in order, and may pass it,
 *      hold part of it back (a half-finished match), redact it, or stop the stream;
 *   3. the completed request (finish reason, token counts, timings).
 * Guardrails see text, tokens and request metadata; never tensors.
 *
 * Strings a guardrail returns are plugin-owned and stay valid until the next call on
 * the same stream or its close; the host copies what it keeps.
 */
#ifndef SLUICE_GUARDRAIL_H
#define SLUICE_GUARDRAIL_H

#include "sluice/abi.h"
#include "sluice/host.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sluice_guardrail_s sluice_guardrail;
typedef struct sluice_guard_stream_s sluice_guard_stream;

typedef struct sluice_guard_message {
  uint32_t struct_size; /* since 1.0 */
  uint32_t reserved0;   /* since 1.0 */
  sluice_str role;      /* since 1.0: "system", "user", "assistant", "tool" */
  sluice_str content;   /* since 1.0 */
} sluice_guard_message;

typedef struct sluice_guard_request {
  uint32_t struct_size;                 /* since 1.0 */
  uint32_t reserved0;                   /* since 1.0 */
  sluice_str request_id;                /* since 1.0 */
  sluice_str tenant;                    /* since 1.0: "" when unauthenticated */
  sluice_str model;                     /* since 1.0 */
  sluice_str route;                     /* since 1.0: e.g. "/v1/chat/completions" */
  const sluice_guard_message* messages; /* since 1.0: chat turns; NULL for completions */
  size_t n_messages;                    /* since 1.0 */
  sluice_str prompt;                    /* since 1.0: completions prompt; empty for chat */
} sluice_guard_request;

/* Request decisions. */
#define SLUICE_GUARD_ALLOW 0
#define SLUICE_GUARD_DENY 1    /* refuse with http_status and reason */
#define SLUICE_GUARD_REWRITE 2 /* continue with messages / prompt replaced */

typedef struct sluice_guard_verdict {
  uint32_t struct_size;                 /* since 1.0 */
  int32_t action;                       /* since 1.0: SLUICE_GUARD_ALLOW/DENY/REWRITE */
  int32_t http_status;                  /* since 1.0: for DENY, 400-499; 0 means 400 */
  int32_t reserved0;                    /* since 1.0 */
  sluice_str reason;                    /* since 1.0: shown to the client and audited */
  const sluice_guard_message* messages; /* since 1.0: REWRITE of a chat: the new turns */
  size_t n_messages;                    /* since 1.0 */
  sluice_str prompt;                    /* since 1.0: REWRITE of a completion */
} sluice_guard_verdict;

#define SLUICE_GUARD_CHUNK_FINAL 0x1u /* the last chunk: everything held must be released */

typedef struct sluice_guard_chunk {
  uint32_t struct_size;  /* since 1.0 */
  uint32_t flags;        /* since 1.0: SLUICE_GUARD_CHUNK_* */
  sluice_str text;       /* since 1.0: new UTF-8 text, complete code points; may be empty */
  const int32_t* tokens; /* since 1.0: the token ids that produced it */
  size_t n_tokens;       /* since 1.0 */
} sluice_guard_chunk;

/* Output decisions. `text` in sluice_guard_output is what the host may send now. */
#define SLUICE_GUARD_PASS 0   /* send the chunk as given; the guardrail holds nothing */
#define SLUICE_GUARD_HOLD 1   /* send `text` (often empty), the guardrail keeps the rest */
#define SLUICE_GUARD_REDACT 2 /* send `text`, which replaces what was held plus the chunk */
#define SLUICE_GUARD_STOP 3   /* send `text`, then end with finish reason "content_filter" */

typedef struct sluice_guard_output {
  uint32_t struct_size; /* since 1.0 */
  int32_t action;       /* since 1.0: SLUICE_GUARD_PASS/HOLD/REDACT/STOP */
  sluice_str text;      /* since 1.0: ignored for PASS */
  sluice_str reason;    /* since 1.0: for REDACT and STOP, audited (e.g. "email") */
} sluice_guard_output;

/* One decision a guardrail of the chain took on this request (since 1.1), so that an
 * audit guardrail can record every other guardrail's decisions. */
/* Stages: check_request (action ALLOW/DENY/REWRITE) and filter_output (REDACT/STOP). */
#define SLUICE_GUARD_STAGE_REQUEST 0
#define SLUICE_GUARD_STAGE_OUTPUT 1

typedef struct sluice_guard_decision {
  uint32_t struct_size; /* since 1.1 */
  int32_t stage;        /* since 1.1: SLUICE_GUARD_STAGE_* */
  int32_t action;       /* since 1.1: as the guardrail returned it */
  int32_t reserved0;    /* since 1.1 */
  sluice_str guardrail; /* since 1.1: the chain entry's name */
  sluice_str reason;    /* since 1.1: the guardrail's reason; may be empty */
} sluice_guard_decision;

typedef struct sluice_guard_completion {
  uint32_t struct_size; /* since 1.0 */
  int32_t http_status;  /* since 1.0 */
  sluice_str
      finish_reason; /* since 1.0: "stop", "length", "content_filter", "cancelled", "error" */
  sluice_str response_text;        /* since 1.0: the text the client received */
  int32_t n_prompt_tokens;         /* since 1.0 */
  int32_t n_completion_tokens;     /* since 1.0 */
  uint64_t queue_ns;               /* since 1.0 */
  uint64_t prompt_ns;              /* since 1.0 */
  uint64_t generation_ns;          /* since 1.0 */
  uint64_t time_to_first_token_ns; /* since 1.0 */
  /* since 1.1: the chain's decisions, in the order taken: request verdicts that denied,
   * rewrote, or allowed with a reason (a flag), and output redactions and stops.
   * Borrowed for the call; elements strided by their struct_size (SLUICE_ARRAY_ELEM). */
  const sluice_guard_decision* decisions; /* since 1.1 */
  size_t n_decisions;                     /* since 1.1 */
} sluice_guard_completion;

typedef struct sluice_guardrail_vtable {
  uint32_t struct_size; /* since 1.0 */
  uint32_t reserved0;   /* since 1.0 */

  /* Required. One instance per chain entry. `config_json` borrowed; "{}" when none.
   * Control thread only. */
  SLUICE_NODISCARD sluice_status(SLUICE_CALL* create)(const char* config_json, size_t config_size,
                                                      sluice_guardrail** out,
                                                      sluice_error** out_err);
  /* Required. Accepts NULL. Called after every stream is closed. Control thread only. */
  void(SLUICE_CALL* destroy)(sluice_guardrail* guardrail);

  /* Required. One stream per request. Free-threaded on `guardrail`. The request is
   * borrowed for the call (copy what the stream needs later). */
  SLUICE_NODISCARD sluice_status(SLUICE_CALL* stream_open)(sluice_guardrail* guardrail,
                                                           const sluice_guard_request* request,
                                                           sluice_guard_stream** out,
                                                           sluice_error** out_err);
  /* Required. Accepts NULL. Externally synchronized on `stream`. */
  void(SLUICE_CALL* stream_close)(sluice_guard_stream* stream);

  /* Required. Decide on the request. Called once, before generation. The caller sets
   * out->struct_size. Externally synchronized on `stream`. */
  SLUICE_NODISCARD sluice_status(SLUICE_CALL* check_request)(sluice_guard_stream* stream,
                                                             sluice_guard_verdict* out,
                                                             sluice_error** out_err);
  /* Optional (NULL: every chunk passes). Decide on the next output chunk. On a chunk
   * flagged FINAL, HOLD is treated as REDACT: nothing may stay held. Externally
   * synchronized on `stream`. */
  SLUICE_NODISCARD sluice_status(SLUICE_CALL* filter_output)(sluice_guard_stream* stream,
                                                             const sluice_guard_chunk* chunk,
                                                             sluice_guard_output* out,
                                                             sluice_error** out_err);
  /* Optional. The request is done (success, failure, denial or cancellation). Called
   * on every opened stream, also when a guardrail earlier in the chain denied the request
   * (then check_request was not called on this stream and http_status is the denial's).
   * Externally synchronized on `stream`. */
  SLUICE_NODISCARD sluice_status(SLUICE_CALL* on_complete)(sluice_guard_stream* stream,
                                                           const sluice_guard_completion* done,
                                                           sluice_error** out_err);
} sluice_guardrail_vtable;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SLUICE_GUARDRAIL_H */
