/*
 * sluice/plugin.h - the one symbol a plugin exports and the descriptor it returns.
 *
 * A plugin is a shared object exporting exactly one function:
 *
 *   SLUICE_EXPORT const sluice_plugin_desc* SLUICE_CALL
 *   sluice_plugin_entry(const sluice_host_api* host, uint32_t host_abi_version);
 *
 * It returns a pointer to static, plugin-owned data (valid until the library is
 * unloaded) and has no side effects beyond remembering `host`. It may return NULL if it
 * cannot work with `host_abi_version`; the host then refuses the file. The host checks
 * the descriptor (struct_size, ABI version, kind, name, vtable) before calling anything
 * else, then calls init, and calls finalize before unloading.
 */
#ifndef SLUICE_PLUGIN_H
#define SLUICE_PLUGIN_H

#include "sluice/abi.h"
#include "sluice/host.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SLUICE_PLUGIN_ENTRY_SYMBOL "sluice_plugin_entry"

/* Capability bits common to every kind (bits 0-15); kind headers define bits 16-63. */
#define SLUICE_CAP_THREAD_SAFE_INIT 0x1ull /* init/finalize may run off the control thread */

typedef struct sluice_plugin_desc {
  uint32_t struct_size;    /* since 1.0 */
  uint32_t abi_version;    /* since 1.0: SLUICE_ABI_VERSION the plugin was built against */
  int32_t kind;            /* since 1.0: SLUICE_KIND_* */
  uint32_t reserved0;      /* since 1.0: zero */
  const char* name;        /* since 1.0: [a-z0-9][a-z0-9_-]*, at most 64 bytes; must equal the
                              file name without "lib" and ".so" */
  const char* version;     /* since 1.0: the plugin's own semantic version, e.g. "1.2.0" */
  const char* license;     /* since 1.0: SPDX identifier, e.g. "Apache-2.0"; may be NULL */
  const char* description; /* since 1.0: one line for `sluice plugins`; may be NULL */
  uint64_t caps;           /* since 1.0: SLUICE_CAP_* bits */

  /* since 1.0, optional: side-effect-free check of whether this plugin can run on this
   * machine, before init (e.g. is there a GPU, does the CPU have AVX2). 0 means not
   * supported here; higher is better (the host prefers the highest score when several
   * plugins could serve). Control thread only. */
  int32_t(SLUICE_CALL* probe)(const sluice_host_api* host);

  /* since 1.0, optional: set the plugin up. `config_json` is the plugin's own table from
   * the configuration file ([plugin.NAME.config]) as UTF-8 JSON, `config_size` bytes,
   * borrowed for the call; "{}" when absent. On failure the plugin frees what it made,
   * sets *out_err (owned by the host from then on) and the host unloads it without
   * calling finalize. Control thread only. */
  SLUICE_NODISCARD sluice_status(SLUICE_CALL* init)(const char* config_json, size_t config_size,
                                                    sluice_error** out_err);

  /* since 1.0, optional: called once, after every object the plugin created has been
   * destroyed and before the library is unloaded. Must join every thread the plugin
   * started and free all memory and devices it holds; no plugin code may run after it
   * returns. Control thread only. */
  void(SLUICE_CALL* finalize)(void);

  /* since 1.0: the kind's function table, which starts with uint32_t struct_size:
   * sluice_backend_vtable, sluice_scheduler_vtable or sluice_guardrail_vtable.
   * Plugin-owned static data. */
  const void* vtable;
} sluice_plugin_desc;

typedef const sluice_plugin_desc*(SLUICE_CALL* sluice_plugin_entry_fn)(const sluice_host_api* host,
                                                                       uint32_t host_abi_version);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* SLUICE_PLUGIN_H */
