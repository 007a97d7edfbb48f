/*
 * sluice/host.h - the services the host lends a plugin, as a versioned function table.
 * A plugin links against nothing of Sluice's: everything it needs from the host comes
 * through this table, received by sluice_plugin_entry.
 *
 * The table passed to a plugin identifies that plugin (log lines carry its name), so
 * every function takes the table itself as its first argument. The table and every
 * slot in it stay valid until the plugin's finalize returns.
 */
#ifndef SLUICE_HOST_H
#define SLUICE_HOST_H

#include "sluice/abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A token produced by a backend that decodes ahead on its own (device-side sampling,
 * multi-step decode). Fixed by ABI 1.0; new data goes into a newer event struct. */
typedef struct sluice_token_event {
  uint32_t struct_size;
  uint32_t flags;   /* SLUICE_EMIT_* */
  uint64_t seq_id;  /* the sequence the token belongs to (sluice_batch_seq.seq_id) */
  int32_t token;    /* the sampled token id */
  float logprob;    /* log-probability of `token`; 0 when not computed */
  uint64_t time_ns; /* host->now_ns() when the token became available */
} sluice_token_event;

#define SLUICE_EMIT_FINAL 0x1u /* no more events follow on this sink */

typedef struct sluice_host_api sluice_host_api;

struct sluice_host_api {
  uint32_t struct_size; /* since 1.0 */
  uint32_t abi_version; /* since 1.0: the host's SLUICE_ABI_VERSION */

  /* since 1.0: write one log line attributed to this plugin. `level` is SLUICE_LOG_*;
   * `message` is borrowed UTF-8, copied before return.
   * Free-threaded. */
  void(SLUICE_CALL* log)(const sluice_host_api* host, int32_t level, const char* message);

  /* since 1.0: true when a line at `level` would be written, so a plugin can skip
   * formatting it. Free-threaded. */
  bool(SLUICE_CALL* log_enabled)(const sluice_host_api* host, int32_t level);

  /* since 1.0: make an error object. `message` is borrowed and copied. Returns NULL
   * only if memory is exhausted; passing NULL where an error is expected is then
   * reported by the host as SLUICE_ERR_OUT_OF_MEMORY. The caller owns the result
   * until it hands it over through an out_err parameter. Free-threaded. */
  sluice_error*(SLUICE_CALL* error_new)(const sluice_host_api* host, sluice_status code,
                                        const char* message);

  /* since 1.0: free an error object; NULL is accepted. Free-threaded. */
  void(SLUICE_CALL* error_free)(const sluice_host_api* host, sluice_error* error);

  /* since 1.0: read an error's code and message. The message is borrowed, valid until
   * the error is freed. Free-threaded; `error` must not be freed concurrently. */
  sluice_status(SLUICE_CALL* error_code)(const sluice_host_api* host, const sluice_error* error);
  const char*(SLUICE_CALL* error_message)(const sluice_host_api* host, const sluice_error* error);

  /* since 1.0: host memory for buffers the host will read or free, e.g. logits
   * staging. `alignment` is a power of two (0 means 16). Returns NULL on failure or a
   * bad alignment. Free with host->free; free(NULL) is a no-op. Free-threaded. */
  void*(SLUICE_CALL* alloc)(const sluice_host_api* host, size_t size, size_t alignment);
  void(SLUICE_CALL* free)(const sluice_host_api* host, void* ptr);

  /* since 1.0: hand tokens to the host as they are produced, in order per seq_id.
   * `events` is borrowed (copied before return). Returns SLUICE_ERR_CANCELLED when the
   * host no longer wants tokens for this sink; the plugin then stops and emits a
   * final event. Externally synchronized on `sink`. */
  SLUICE_NODISCARD sluice_status(SLUICE_CALL* emit_tokens)(const sluice_host_api* host,
                                                           sluice_token_sink* sink,
                                                           const sluice_token_event* events,
                                                           size_t n_events);

  /* since 1.0: true once the operation the token belongs to has been cancelled (client
   * gone, shutdown, deadline). Cheap: poll it between units of work. NULL token means
   * "never cancelled". Free-threaded. */
  bool(SLUICE_CALL* is_cancelled)(const sluice_host_api* host, const sluice_cancel_token* token);

  /* since 1.0: the host's monotonic clock in nanoseconds, the clock every Sluice timing
   * uses. Free-threaded. */
  uint64_t(SLUICE_CALL* now_ns)(const sluice_host_api* host);
};

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SLUICE_HOST_H */
