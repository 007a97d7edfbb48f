/* template-backend: the smallest backend plugin. It reports one device and declines to
 * load models (SLUICE_ERR_UNSUPPORTED with a message): replace the model, KV and graph
 * slots with real work. Written in C to show that C is enough. */
#include <string.h>

#include "sluice/backend.h"
#include "sluice/plugin.h"

static const sluice_host_api* g_host; /* set once by sluice_plugin_entry */

static sluice_status fail(sluice_error** out_err, sluice_status code, const char* message) {
  if (out_err) *out_err = g_host->error_new(g_host, code, message);
  return code;
}

static sluice_status device_count(uint32_t* out_count, sluice_error** out_err) {
  (void)out_err;
  *out_count = 1;
  return SLUICE_OK;
}

static sluice_status device_info(uint32_t index, sluice_device_info* out, sluice_error** out_err) {
  if (index != 0) return fail(out_err, SLUICE_ERR_NOT_FOUND, "template-backend has one device");
  sluice_device_info info;
  SLUICE_INIT(sluice_device_info, &info);
  strncpy(info.name, "template device", sizeof info.name - 1);
  info.kv_block_multiple = 1;
  info.compute_units = 1;
  /* Copy only what the caller's struct holds: it may be older than ours. */
  uint32_t size = out->struct_size < sizeof info ? out->struct_size : (uint32_t)sizeof info;
  memcpy(out, &info, size);
  out->struct_size = size;
  return SLUICE_OK;
}

struct sluice_backend_context_s {
  int unused;
};
static struct sluice_backend_context_s g_context;

static sluice_status context_create(uint32_t index, const char* config_json, size_t config_size,
                                    sluice_backend_context** out, sluice_error** out_err) {
  (void)config_json;
  (void)config_size;
  if (index != 0) return fail(out_err, SLUICE_ERR_NOT_FOUND, "template-backend has one device");
  *out = &g_context;
  return SLUICE_OK;
}

static void context_destroy(sluice_backend_context* ctx) {
  (void)ctx;
}

static sluice_status model_load(sluice_backend_context* ctx, const sluice_model_desc* desc,
                                sluice_backend_model** out, sluice_error** out_err) {
  (void)ctx;
  (void)desc;
  (void)out;
  return fail(out_err, SLUICE_ERR_UNSUPPORTED, "template-backend runs no models");
}

static void model_destroy(sluice_backend_model* model) {
  (void)model;
}

static sluice_status kv_block_bytes(sluice_backend_model* model, const sluice_kv_desc* desc,
                                    size_t* out_bytes, sluice_error** out_err) {
  (void)model;
  (void)desc;
  (void)out_bytes;
  return fail(out_err, SLUICE_ERR_UNSUPPORTED, "template-backend has no KV cache");
}

static sluice_status kv_create(sluice_backend_model* model, const sluice_kv_desc* desc,
                               sluice_backend_kv** out, sluice_error** out_err) {
  (void)model;
  (void)desc;
  (void)out;
  return fail(out_err, SLUICE_ERR_UNSUPPORTED, "template-backend has no KV cache");
}

static void kv_destroy(sluice_backend_kv* kv) {
  (void)kv;
}

static sluice_status kv_copy_blocks(sluice_backend_kv* kv, const int32_t* src, const int32_t* dst,
                                    size_t n, sluice_error** out_err) {
  (void)kv;
  (void)src;
  (void)dst;
  (void)n;
  return fail(out_err, SLUICE_ERR_UNSUPPORTED, "template-backend has no KV cache");
}

static sluice_status graph_compile(sluice_backend_model* model, const sluice_graph* graph,
                                   sluice_backend_graph** out, sluice_error** out_err) {
  (void)model;
  (void)graph;
  (void)out;
  return fail(out_err, SLUICE_ERR_UNSUPPORTED, "template-backend runs no graphs");
}

static void graph_destroy(sluice_backend_graph* graph) {
  (void)graph;
}

static sluice_status execute(sluice_backend_graph* graph, sluice_backend_kv* kv,
                             const sluice_batch* batch, sluice_batch_output* out,
                             sluice_error** out_err) {
  (void)graph;
  (void)kv;
  (void)batch;
  (void)out;
  return fail(out_err, SLUICE_ERR_UNSUPPORTED, "template-backend runs no graphs");
}

static const sluice_backend_vtable g_vtable = {
    .struct_size = sizeof(sluice_backend_vtable),
    .device_count = device_count,
    .device_info = device_info,
    .context_create = context_create,
    .context_destroy = context_destroy,
    .model_load = model_load,
    .model_destroy = model_destroy,
    .kv_block_bytes = kv_block_bytes,
    .kv_create = kv_create,
    .kv_destroy = kv_destroy,
    .kv_copy_blocks = kv_copy_blocks,
    .graph_compile = graph_compile,
    .graph_destroy = graph_destroy,
    .execute = execute,
};

static const sluice_plugin_desc g_desc = {
    .struct_size = sizeof(sluice_plugin_desc),
    .abi_version = SLUICE_ABI_VERSION,
    .kind = SLUICE_KIND_BACKEND,
    .name = "template-backend",
    .version = "1.0.0",
    .license = "Apache-2.0",
    .description = "template: one device, runs no models",
    .vtable = &g_vtable,
};

SLUICE_EXPORT const sluice_plugin_desc* SLUICE_CALL sluice_plugin_entry(const sluice_host_api* host,
                                                                        uint32_t host_abi_version) {
  if (SLUICE_VERSION_MAJOR(host_abi_version) != SLUICE_ABI_VERSION_MAJOR) return NULL;
  g_host = host;
  return &g_desc;
}
