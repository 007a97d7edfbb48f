#include "plugin_host/descriptor_check.hpp"

#include <cstddef>
#include <cstring>
#include <vector>

#include "config/config_loader.hpp"
#include "sluice/backend.h"
#include "sluice/guardrail.h"
#include "sluice/scheduler.h"

namespace sluice::plugin_host {
namespace {

struct RequiredSlot {
  const char* name;
  size_t offset;
};

#define SLUICE_SLOT(type, field)  \
  RequiredSlot {                  \
#field, offsetof(type, field) \
  }

// The slots a 1.0 plugin of each kind must fill; optional ones may be NULL.
const std::vector<RequiredSlot>& required_slots(int32_t kind) {
  static const std::vector<RequiredSlot> backend = {
      SLUICE_SLOT(sluice_backend_vtable, device_count),
      SLUICE_SLOT(sluice_backend_vtable, device_info),
      SLUICE_SLOT(sluice_backend_vtable, context_create),
      SLUICE_SLOT(sluice_backend_vtable, context_destroy),
      SLUICE_SLOT(sluice_backend_vtable, model_load),
      SLUICE_SLOT(sluice_backend_vtable, model_destroy),
      SLUICE_SLOT(sluice_backend_vtable, kv_block_bytes),
      SLUICE_SLOT(sluice_backend_vtable, kv_create),
      SLUICE_SLOT(sluice_backend_vtable, kv_destroy),
      SLUICE_SLOT(sluice_backend_vtable, kv_copy_blocks),
      SLUICE_SLOT(sluice_backend_vtable, graph_compile),
      SLUICE_SLOT(sluice_backend_vtable, graph_destroy),
      SLUICE_SLOT(sluice_backend_vtable, execute),
  };
  static const std::vector<RequiredSlot> scheduler = {
      SLUICE_SLOT(sluice_scheduler_vtable, create),
      SLUICE_SLOT(sluice_scheduler_vtable, destroy),
      SLUICE_SLOT(sluice_scheduler_vtable, schedule),
  };
  static const std::vector<RequiredSlot> guardrail = {
      SLUICE_SLOT(sluice_guardrail_vtable, create),
      SLUICE_SLOT(sluice_guardrail_vtable, destroy),
      SLUICE_SLOT(sluice_guardrail_vtable, stream_open),
      SLUICE_SLOT(sluice_guardrail_vtable, stream_close),
      SLUICE_SLOT(sluice_guardrail_vtable, check_request),
  };
  static const std::vector<RequiredSlot> none;
  switch (kind) {
    case SLUICE_KIND_BACKEND: return backend;
    case SLUICE_KIND_SCHEDULER: return scheduler;
    case SLUICE_KIND_GUARDRAIL: return guardrail;
    default: return none;
  }
}

#undef SLUICE_SLOT

std::string check_vtable(const sluice_plugin_desc* desc) {
  if (desc->vtable == nullptr) return "descriptor has no vtable";
  uint32_t size = 0;
  std::memcpy(&size, desc->vtable, sizeof size);
  for (const RequiredSlot& slot : required_slots(desc->kind)) {
    if (size < slot.offset + sizeof(void*)) {
      return std::string(kind_name(desc->kind)) + " vtable struct_size " + std::to_string(size) +
             " does not reach required slot '" + slot.name + "'";
    }
    void* fn = nullptr;
    std::memcpy(&fn, static_cast<const char*>(desc->vtable) + slot.offset, sizeof fn);
    if (fn == nullptr) {
      return std::string(kind_name(desc->kind)) + " vtable leaves required slot '" + slot.name +
             "' NULL";
    }
  }
  return {};
}

}  // namespace

std::string abi_version_string(uint32_t version) {
  return std::to_string(SLUICE_VERSION_MAJOR(version)) + "." +
         std::to_string(SLUICE_VERSION_MINOR(version));
}

const char* kind_name(int32_t kind) {
  switch (kind) {
    case SLUICE_KIND_BACKEND: return "backend";
    case SLUICE_KIND_SCHEDULER: return "scheduler";
    case SLUICE_KIND_GUARDRAIL: return "guardrail";
    default: return "unknown";
  }
}

std::string check_descriptor(const sluice_plugin_desc* desc, std::string_view expected_name) {
  const std::string host = abi_version_string(SLUICE_ABI_VERSION);
  if (desc == nullptr)
    return "sluice_plugin_entry returned no descriptor (ABI " + host + " refused?)";
  const size_t header = offsetof(sluice_plugin_desc, abi_version) + sizeof(uint32_t);
  if (desc->struct_size < header) {
    return "descriptor struct_size " + std::to_string(desc->struct_size) +
           " is too small to hold a version";
  }
  // The version decides the layout of everything else, so it is checked first.
  const uint32_t v = desc->abi_version;
  const std::string plugin = abi_version_string(v);
  if (SLUICE_VERSION_MAJOR(v) != SLUICE_ABI_VERSION_MAJOR) {
    return "built for plugin ABI " + plugin + ", this host implements " + host +
           " (major versions differ)";
  }
  if (SLUICE_VERSION_MINOR(v) > SLUICE_ABI_VERSION_MINOR) {
    return "built for plugin ABI " + plugin + ", newer than this host's " + host + " (minor " +
           std::to_string(SLUICE_VERSION_MINOR(v)) + " > " +
           std::to_string(SLUICE_ABI_VERSION_MINOR) + ")";
  }
  const size_t v1_0_size = offsetof(sluice_plugin_desc, vtable) + sizeof(void*);
  if (desc->struct_size < v1_0_size) {
    return "descriptor struct_size " + std::to_string(desc->struct_size) +
           " is smaller than the ABI 1.0 descriptor (" + std::to_string(v1_0_size) + " bytes)";
  }
  if (desc->kind != SLUICE_KIND_BACKEND && desc->kind != SLUICE_KIND_SCHEDULER &&
      desc->kind != SLUICE_KIND_GUARDRAIL) {
    return "descriptor kind " + std::to_string(desc->kind) +
           " is not backend (1), scheduler (2) or guardrail (3)";
  }
  if (desc->name == nullptr) return "descriptor has no name";
  const std::string_view name(desc->name, strnlen(desc->name, 65));
  if (!config::is_valid_plugin_name(name)) {
    return "descriptor name '" + std::string(name) +
           "' is not a plugin name ([a-z0-9][a-z0-9_-]*, at most 64 bytes)";
  }
  if (name != expected_name) {
    return "descriptor names the plugin '" + std::string(name) + "' but the file is '" +
           std::string(expected_name) + "' (they must match)";
  }
  if (desc->version == nullptr || desc->version[0] == '\0') return "descriptor has no version";
  return check_vtable(desc);
}

}  // namespace sluice::plugin_host
