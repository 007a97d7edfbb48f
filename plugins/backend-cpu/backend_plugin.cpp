// backend-cpu: the CPU backend plugin. Weights are used in place from the host's mapped
// GGUF; the KV cache is a pool of fixed-size blocks addressed by block tables; graphs
// run node by node on the context's thread pool over SIMD kernels (kernels/cpu).
#include <algorithm>
#include <cstring>
#include <new>
#include <string>
#include <thread>

#include "cpu_executor.hpp"
#include "cpu_ops.hpp"
#include "kernels/cpu/quant.hpp"
#include "sluice/backend.h"
#include "sluice/cpp/edge.hpp"
#include "sluice/plugin.h"

using sluice::edge::fail;
using sluice::edge::guard;

namespace {

const sluice_host_api* g_host = nullptr;

int32_t default_threads() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int32_t>(n);
}

// {"threads": N} from the backend's options; anything else is ignored here.
int32_t threads_from_config(const char* json, size_t size) {
  const std::string text(json == nullptr ? "" : std::string(json, size));
  const size_t key = text.find("\"threads\"");
  if (key == std::string::npos) return default_threads();
  const size_t colon = text.find(':', key);
  if (colon == std::string::npos) return default_threads();
  const long n = std::strtol(text.c_str() + colon + 1, nullptr, 10);
  return n > 0 && n <= 1024 ? static_cast<int32_t>(n) : default_threads();
}

sluice_status device_count(uint32_t* out_count, sluice_error**) {
  *out_count = 1;
  return SLUICE_OK;
}

sluice_status device_info(uint32_t index, sluice_device_info* out, sluice_error** err) {
  return guard(g_host, err, [&] {
    if (index != 0) return fail(g_host, err, SLUICE_ERR_NOT_FOUND, "backend-cpu has one device");
    sluice_device_info info;
    SLUICE_INIT(sluice_device_info, &info);
    std::strncpy(info.name, "CPU", sizeof info.name - 1);
    info.caps = SLUICE_BACKEND_CAP_PAGED_KV | SLUICE_BACKEND_CAP_MAPPED_WEIGHTS;
    for (int32_t t = 0; t < 64; ++t) {
      if (sluice::cpu::supports_weight_type(t)) info.weight_dtype_mask |= 1ull << t;
    }
    info.kv_block_multiple = 1;
    info.compute_units = default_threads();
    const uint32_t size = std::min<uint32_t>(out->struct_size, sizeof info);
    std::memcpy(out, &info, size);
    out->struct_size = size;
    return SLUICE_OK;
  });
}

sluice_status context_create(uint32_t index, const char* config_json, size_t config_size,
                             sluice_backend_context** out, sluice_error** err) {
  return guard(g_host, err, [&] {
    if (index != 0) return fail(g_host, err, SLUICE_ERR_NOT_FOUND, "backend-cpu has one device");
    *out = new sluice_backend_context(threads_from_config(config_json, config_size));
    return SLUICE_OK;
  });
}

void context_destroy(sluice_backend_context* ctx) {
  delete ctx;
}

sluice_status model_load(sluice_backend_context* ctx, const sluice_model_desc* desc,
                         sluice_backend_model** out, sluice_error** err) {
  return guard(g_host, err, [&] {
    auto model = std::make_unique<sluice_backend_model>();
    model->ctx = ctx;
    for (size_t i = 0; i < desc->n_tensors; ++i) {
      const sluice_tensor_desc& t = *SLUICE_ARRAY_ELEM(sluice_tensor_desc, desc->tensors, i);
      if (!sluice::cpu::supports_weight_type(t.dtype)) {
        return fail(g_host, err, SLUICE_ERR_UNSUPPORTED,
                    ("tensor '" + std::string(t.name ? t.name : "?") + "' has weight type " +
                     std::to_string(t.dtype) + ", which backend-cpu does not run")
                        .c_str());
      }
      sluice::cpu::Weight w{
          t.dtype, {t.dims[0], t.dims[1], t.dims[2], t.dims[3]}, t.data, t.size_bytes};
      model->weights.push_back(w);
    }
    *out = model.release();
    return SLUICE_OK;
  });
}

void model_destroy(sluice_backend_model* model) {
  delete model;
}

sluice::cpu::KvGeometry geometry_of(const sluice_kv_desc& d) {
  sluice::cpu::KvGeometry g;
  g.dtype = d.dtype;
  g.n_layers = d.n_layers;
  g.n_kv_heads = d.n_kv_heads;
  g.head_dim_k = d.head_dim_k;
  g.head_dim_v = d.head_dim_v;
  g.block_size = d.block_size;
  g.n_blocks = d.n_blocks;
  return g;
}

sluice_status check_kv(const sluice_kv_desc* d, sluice_error** err) {
  if (d->dtype != SLUICE_DTYPE_F16 && d->dtype != SLUICE_DTYPE_F32) {
    return fail(g_host, err, SLUICE_ERR_UNSUPPORTED,
                "backend-cpu keeps the KV cache in F16 or F32");
  }
  if (d->n_layers == 0 || d->n_kv_heads == 0 || d->head_dim_k == 0 ||
      d->head_dim_v != d->head_dim_k || d->block_size == 0) {
    return fail(g_host, err, SLUICE_ERR_INVALID_ARG,
                "KV geometry has a zero size or unequal K/V head dims");
  }
  return SLUICE_OK;
}

sluice_status kv_block_bytes(sluice_backend_model*, const sluice_kv_desc* desc, size_t* out_bytes,
                             sluice_error** err) {
  return guard(g_host, err, [&] {
    if (sluice_status s = check_kv(desc, err); s != SLUICE_OK) return s;
    *out_bytes = geometry_of(*desc).block_bytes();
    return SLUICE_OK;
  });
}

sluice_status kv_create(sluice_backend_model* model, const sluice_kv_desc* desc,
                        sluice_backend_kv** out, sluice_error** err) {
  return guard(g_host, err, [&] {
    if (sluice_status s = check_kv(desc, err); s != SLUICE_OK) return s;
    auto kv = std::make_unique<sluice_backend_kv>();
    kv->model = model;
    kv->geometry = geometry_of(*desc);
    const size_t bytes = kv->geometry.block_bytes() * desc->n_blocks;
    kv->storage.reset(static_cast<uint8_t*>(std::calloc(bytes == 0 ? 1 : bytes, 1)));
    if (!kv->storage) throw std::bad_alloc();  // -> SLUICE_ERR_OUT_OF_MEMORY
    *out = kv.release();
    return SLUICE_OK;
  });
}

void kv_destroy(sluice_backend_kv* kv) {
  delete kv;
}

sluice_status kv_copy_blocks(sluice_backend_kv* kv, const int32_t* src, const int32_t* dst,
                             size_t n, sluice_error** err) {
  return guard(g_host, err, [&] {
    const auto& g = kv->geometry;
    for (size_t i = 0; i < n; ++i) {
      if (src[i] < 0 || dst[i] < 0 || static_cast<uint32_t>(src[i]) >= g.n_blocks ||
          static_cast<uint32_t>(dst[i]) >= g.n_blocks) {
        return fail(g_host, err, SLUICE_ERR_INVALID_ARG, "block id outside the KV pool");
      }
      for (uint32_t layer = 0; layer < g.n_layers; ++layer) {
        std::memcpy(kv->k_row(layer, dst[i], 0), kv->k_row(layer, src[i], 0),
                    g.block_bytes() / g.n_layers);
      }
    }
    return SLUICE_OK;
  });
}

sluice_status graph_compile(sluice_backend_model* model, const sluice_graph* graph,
                            sluice_backend_graph** out, sluice_error** err) {
  return guard(g_host, err, [&] {
    if (std::string problem = sluice::cpu::check_graph(*model, *graph); !problem.empty()) {
      return fail(g_host, err, SLUICE_ERR_UNSUPPORTED, problem.c_str());
    }
    auto compiled = std::make_unique<sluice_backend_graph>();
    compiled->model = model;
    compiled->output_node = graph->output_node;
    for (size_t i = 0; i < graph->n_nodes; ++i) {
      compiled->nodes.push_back(*SLUICE_ARRAY_ELEM(sluice_graph_node, graph->nodes, i));
    }
    // Weight shapes and types per node, then the step program (fusions, buffer roots).
    std::vector<int32_t> weight_dtypes(compiled->nodes.size(), -1);
    compiled->weight_dims.assign(compiled->nodes.size(), {1, 1, 1, 1});
    for (size_t i = 0; i < compiled->nodes.size(); ++i) {
      const auto& n = compiled->nodes[i];
      if (n.op != SLUICE_OP_WEIGHT) continue;
      const auto& w = model->weights[static_cast<size_t>(n.iparams[0])];
      weight_dtypes[i] = w.dtype;
      for (int d = 0; d < 4; ++d) compiled->weight_dims[i][static_cast<size_t>(d)] = w.dims[d];
    }
    compiled->program =
        sluice::cpu::build_program(compiled->nodes, compiled->output_node, weight_dtypes);
    *out = compiled.release();
    return SLUICE_OK;
  });
}

void graph_destroy(sluice_backend_graph* graph) {
  delete graph;
}

sluice_status execute(sluice_backend_graph* graph, sluice_backend_kv* kv, const sluice_batch* batch,
                      sluice_batch_output* out, sluice_error** err) {
  return guard(g_host, err, [&] {
    try {
      const auto start = g_host->now_ns(g_host);
      sluice::cpu::execute_graph(*graph, *kv, *batch, *out, g_host);
      out->compute_ns = g_host->now_ns(g_host) - start;
      return SLUICE_OK;
    } catch (const sluice::cpu::InvalidBatch& e) {
      const bool cancelled = e.message == "cancelled";
      return fail(g_host, err, cancelled ? SLUICE_ERR_CANCELLED : SLUICE_ERR_INVALID_ARG,
                  e.message.c_str());
    }
  });
}

bool supports_op(sluice_backend_context*, int32_t op, int32_t weight_dtype) {
  return op >= SLUICE_OP_INPUT_TOKENS && op <= SLUICE_OP_SCALE &&
         (weight_dtype < 0 || sluice::cpu::supports_weight_type(weight_dtype));
}

const sluice_backend_vtable g_vtable = [] {
  sluice_backend_vtable v{};
  v.struct_size = sizeof v;
  v.device_count = device_count;
  v.device_info = device_info;
  v.context_create = context_create;
  v.context_destroy = context_destroy;
  v.model_load = model_load;
  v.model_destroy = model_destroy;
  v.kv_block_bytes = kv_block_bytes;
  v.kv_create = kv_create;
  v.kv_destroy = kv_destroy;
  v.kv_copy_blocks = kv_copy_blocks;
  v.graph_compile = graph_compile;
  v.graph_destroy = graph_destroy;
  v.execute = execute;
  v.supports_op = supports_op;
  return v;
}();

int32_t probe(const sluice_host_api*) {
  return 1;
}  // every machine has a CPU; lowest preference

const sluice_plugin_desc g_desc = [] {
  sluice_plugin_desc d{};
  d.struct_size = sizeof d;
  d.abi_version = SLUICE_ABI_VERSION;
  d.kind = SLUICE_KIND_BACKEND;
  d.name = "cpu";
  d.version = "0.1.0";
  d.license = "Apache-2.0";
  d.description = "CPU backend: mapped weights, paged KV cache, SIMD kernels, thread pool";
  d.caps = SLUICE_BACKEND_CAP_PAGED_KV | SLUICE_BACKEND_CAP_MAPPED_WEIGHTS;
  d.probe = probe;
  d.vtable = &g_vtable;
  return d;
}();

}  // namespace

extern "C" SLUICE_EXPORT const sluice_plugin_desc* SLUICE_CALL
sluice_plugin_entry(const sluice_host_api* host, uint32_t host_abi_version) {
  if (SLUICE_VERSION_MAJOR(host_abi_version) != SLUICE_ABI_VERSION_MAJOR) return nullptr;
  g_host = host;
  return &g_desc;
}
