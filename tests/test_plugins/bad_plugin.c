/* One small scheduler plugin, compiled once per variant (tests/CMakeLists.txt) to
 * produce each kind of broken plugin the host must refuse. PLUGIN_NAME is the file's
 * name; VARIANT_* picks what is wrong with it. */
#include <stddef.h>

#include "sluice/plugin.h"
#include "sluice/scheduler.h"

/* Some variants leave a piece unused on purpose. */
#define MAYBE_UNUSED __attribute__((unused))

static const sluice_host_api* g_host;

struct sluice_scheduler_s {
  int unused;
};
static struct sluice_scheduler_s g_scheduler;

static sluice_status create(const char* config_json, size_t config_size, sluice_scheduler** out,
                            sluice_error** out_err) {
  (void)config_json;
  (void)config_size;
  (void)out_err;
  *out = &g_scheduler;
  return SLUICE_OK;
}

static void destroy(sluice_scheduler* s) {
  (void)s;
}

MAYBE_UNUSED static sluice_status schedule(sluice_scheduler* s, const sluice_sched_view* view,
                                           sluice_sched_plan* plan, sluice_error** out_err) {
  (void)s;
  (void)view;
  (void)out_err;
  plan->n_items = 0;
  plan->n_preempt = 0;
  plan->n_abort = 0;
  return SLUICE_OK;
}

MAYBE_UNUSED static const sluice_scheduler_vtable g_vtable = {
    .struct_size = sizeof(sluice_scheduler_vtable),
    .create = create,
    .destroy = destroy,
#ifndef VARIANT_NULL_SLOT
    .schedule = schedule,
#endif
};

#ifdef VARIANT_SHORT_VTABLE
/* A vtable whose struct_size stops before the required `schedule` slot. */
static const sluice_scheduler_vtable g_short_vtable = {
    .struct_size = offsetof(sluice_scheduler_vtable, schedule),
    .create = create,
    .destroy = destroy,
    .schedule = schedule,
};
#endif

static int32_t probe(const sluice_host_api* host) {
  (void)host;
#ifdef VARIANT_PROBE_ZERO
  return 0;
#else
  return 1;
#endif
}

static sluice_status init(const char* config_json, size_t config_size, sluice_error** out_err) {
  (void)config_json;
  (void)config_size;
#ifdef VARIANT_INIT_FAILS
  if (out_err)
    *out_err = g_host->error_new(g_host, SLUICE_ERR_UNAVAILABLE, "no device for this test");
  return SLUICE_ERR_UNAVAILABLE;
#else
  (void)out_err;
  return SLUICE_OK;
#endif
}

#if defined(VARIANT_MAJOR2)
#define DESC_VERSION SLUICE_MAKE_VERSION(SLUICE_ABI_VERSION_MAJOR + 1, 0)
#elif defined(VARIANT_MINOR_HIGH)
#define DESC_VERSION SLUICE_MAKE_VERSION(SLUICE_ABI_VERSION_MAJOR, SLUICE_ABI_VERSION_MINOR + 1)
#else
#define DESC_VERSION SLUICE_ABI_VERSION
#endif

MAYBE_UNUSED static const sluice_plugin_desc g_desc = {
#ifdef VARIANT_SMALL_STRUCT
    .struct_size = offsetof(sluice_plugin_desc, vtable),
#else
    .struct_size = sizeof(sluice_plugin_desc),
#endif
    .abi_version = DESC_VERSION,
#ifdef VARIANT_BAD_KIND
    .kind = 7,
#else
    .kind = SLUICE_KIND_SCHEDULER,
#endif
#ifdef VARIANT_NAME_MISMATCH
    .name = "someone-else",
#else
    .name = PLUGIN_NAME,
#endif
    .version = "0.0.1",
    .license = "Apache-2.0",
    .description = "test plugin: " PLUGIN_NAME,
    .probe = probe,
    .init = init,
#ifdef VARIANT_SHORT_VTABLE
    .vtable = &g_short_vtable,
#else
    .vtable = &g_vtable,
#endif
};

#ifdef VARIANT_NO_ENTRY
SLUICE_EXPORT const sluice_plugin_desc* SLUICE_CALL not_the_entry(const sluice_host_api* host,
                                                                  uint32_t host_abi_version) {
  (void)host_abi_version;
  g_host = host;
  return &g_desc;
}
#else
SLUICE_EXPORT const sluice_plugin_desc* SLUICE_CALL sluice_plugin_entry(const sluice_host_api* host,
                                                                        uint32_t host_abi_version) {
  (void)host_abi_version;
  g_host = host;
#ifdef VARIANT_NULL_DESC
  return NULL;
#else
  return &g_desc;
#endif
}
#endif
