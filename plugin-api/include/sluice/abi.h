/*
 * sluice/abi.h - versions, status codes and the building blocks every Sluice plugin
 * ABI struct uses. Pure C11; includes only <stdint.h>, <stddef.h> and <stdbool.h>.
 *
 * Rules that hold for every header in plugin-api/ (see docs/plugins.md):
 *  - Every struct that crosses the boundary starts with `uint32_t struct_size`,
 *    set by whoever fills it (SLUICE_INIT). Fields and function slots are only ever
 *    appended, each tagged with the minor version that added it. A reader touches a
 *    field or calls a slot only if struct_size covers it (SLUICE_HAS_FIELD) and, for
 *    slots, the pointer is non-NULL.
 *  - Fallible calls return sluice_status; details travel in a sluice_error made with
 *    the host table. On failure, out-parameters are left untouched.
 *  - All strings are UTF-8. Sizes are size_t; token ids int32_t; positions int32_t.
 *    No `long` and no `enum` fields: int32_t with #defined constants.
 */
#ifndef SLUICE_ABI_H
#define SLUICE_ABI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- versions ------------------------------------------------------------------ */

/* The ABI this header describes. A host accepts a plugin iff the plugin's major equals
 * the host's and the plugin's minor is not above the host's. Adding a field, a slot or
 * a constant raises the minor; removing or changing anything raises the major. */
#define SLUICE_ABI_VERSION_MAJOR 1
#define SLUICE_ABI_VERSION_MINOR 1

#define SLUICE_MAKE_VERSION(major, minor) \
  ((((uint32_t)(major)) << 16) | ((uint32_t)(minor)&0xFFFFu))
#define SLUICE_VERSION_MAJOR(v) (((uint32_t)(v)) >> 16)
#define SLUICE_VERSION_MINOR(v) (((uint32_t)(v)) & 0xFFFFu)
#define SLUICE_ABI_VERSION SLUICE_MAKE_VERSION(SLUICE_ABI_VERSION_MAJOR, SLUICE_ABI_VERSION_MINOR)

/* ---- toolchain macros ------------------------------------------------------------ */

#if defined(_WIN32)
#define SLUICE_CALL __cdecl
#define SLUICE_EXPORT __declspec(dllexport)
#else
#define SLUICE_CALL
#define SLUICE_EXPORT __attribute__((visibility("default")))
#endif

#if defined(__GNUC__) || defined(__clang__)
#define SLUICE_NODISCARD __attribute__((warn_unused_result))
#else
#define SLUICE_NODISCARD
#endif

/* Zero a struct and set its struct_size: SLUICE_INIT(sluice_batch, &batch); */
#define SLUICE_INIT(type, ptr)                                                       \
  do {                                                                               \
    unsigned char* sluice_init_bytes_ = (unsigned char*)(ptr);                       \
    for (size_t sluice_init_i_ = 0; sluice_init_i_ < sizeof(type); ++sluice_init_i_) \
      sluice_init_bytes_[sluice_init_i_] = 0;                                        \
    (ptr)->struct_size = (uint32_t)sizeof(type);                                     \
  } while (0)

/* True when a struct of the given struct_size contains `field` of `type`. */
#define SLUICE_HAS_FIELD(type, field, struct_size_value) \
  ((size_t)(struct_size_value) >= offsetof(type, field) + sizeof(((type*)0)->field))

/* Arrays of ABI structs are strided by their elements' struct_size, which the filler
 * sets to the same value in every element, so either side can be newer:
 * const sluice_batch_seq* s = SLUICE_ARRAY_ELEM(sluice_batch_seq, batch->seqs, i); */
#define SLUICE_ARRAY_ELEM(type, base, index)                     \
  ((const type*)(const void*)((const char*)(const void*)(base) + \
                              (size_t)(index) * (size_t)(base)->struct_size))
/* The same for arrays the callee writes (the caller has set every struct_size). */
#define SLUICE_ARRAY_ELEM_MUT(type, base, index) \
  ((type*)(void*)((char*)(void*)(base) + (size_t)(index) * (size_t)(base)->struct_size))

/* ---- status codes ---------------------------------------------------------------- */

/* A closed set: a plugin returns only these, and the host maps any other value to
 * SLUICE_ERR_INTERNAL. Zero is success, negative values are errors, positive values
 * are successes that carry information. */
typedef int32_t sluice_status;
#define SLUICE_OK 0
#define SLUICE_INCOMPLETE 1            /* success, but a caller-sized array was too small */
#define SLUICE_ERR_INVALID_ARG (-1)    /* the caller passed something malformed */
#define SLUICE_ERR_UNSUPPORTED (-2)    /* never: this plugin or device cannot do this */
#define SLUICE_ERR_UNAVAILABLE (-3)    /* not now: out of capacity, retry later */
#define SLUICE_ERR_OUT_OF_MEMORY (-4)  /* an allocation failed */
#define SLUICE_ERR_CANCELLED (-5)      /* the call observed cancellation and stopped */
#define SLUICE_ERR_INTERNAL (-6)       /* a bug or unexpected failure inside the plugin */
#define SLUICE_ERR_NOT_FOUND (-7)      /* a named thing does not exist */
#define SLUICE_ERR_ALREADY_EXISTS (-8) /* a thing to be created exists already */
#define SLUICE_ERR_ABI_MISMATCH (-9)   /* a struct or version the callee cannot accept */
#define SLUICE_STATUS_MIN_ (-9)        /* lowest defined value; informational */

/* ---- plugin kinds ---------------------------------------------------------------- */

#define SLUICE_KIND_BACKEND 1
#define SLUICE_KIND_SCHEDULER 2
#define SLUICE_KIND_GUARDRAIL 3

/* ---- log levels ------------------------------------------------------------------ */

#define SLUICE_LOG_TRACE 0
#define SLUICE_LOG_DEBUG 1
#define SLUICE_LOG_INFO 2
#define SLUICE_LOG_WARN 3
#define SLUICE_LOG_ERROR 4
#define SLUICE_LOG_CRITICAL 5

/* ---- opaque host objects --------------------------------------------------------- */

/* An error: a status code plus a UTF-8 message. Made only by host->error_new, which
 * copies the message. Ownership passes to whoever receives it through an out_err
 * parameter; that receiver frees it with host->error_free. */
typedef struct sluice_error_s sluice_error;

/* A host-owned cancellation token handed to long-running calls; poll it with
 * host->is_cancelled. Borrowed: valid for the duration of the call it was passed to. */
typedef struct sluice_cancel_token_s sluice_cancel_token;

/* A host-owned sink for tokens produced asynchronously by a backend (host->emit_tokens).
 * Borrowed: valid until the backend emits an event with SLUICE_EMIT_FINAL on it. */
typedef struct sluice_token_sink_s sluice_token_sink;

/* ---- extension chains (since 1.0) ------------------------------------------------ */

/* Optional per-call extensions, Vulkan pNext style. A callee skips types it does not
 * know. Type ids: 0x0001-0x0FFF Sluice core, 0x1000-0x1FFF backend-cuda,
 * 0x2000-0x2FFF backend-vulkan, 0x3000-0x3FFF backend-cpu, 0x10000 and up: third
 * parties (see docs/plugins.md). */
typedef struct sluice_ext_header {
  uint32_t type;
  uint32_t struct_size;
  const struct sluice_ext_header* next;
} sluice_ext_header;

/* A borrowed UTF-8 string with explicit length (not necessarily NUL-terminated). Its
 * layout is frozen: it never grows, so it carries no struct_size. */
typedef struct sluice_str {
  const char* data;
  size_t size;
} sluice_str;

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SLUICE_ABI_H */
