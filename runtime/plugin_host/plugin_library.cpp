#include "plugin_host/plugin_library.hpp"

#include <spdlog/spdlog.h>
#include <cstring>

#include "plugin_host/descriptor_check.hpp"
#include "plugin_host/elf_check.hpp"
#include "plugin_host/file_sha256.hpp"
#include "plugin_host/plugin_error.hpp"

namespace sluice::plugin_host {

const char* load_state_name(LoadState state) {
  switch (state) {
    case LoadState::loaded: return "loaded";
    case LoadState::refused: return "refused";
    case LoadState::unsupported: return "unsupported";
    case LoadState::disabled: return "disabled";
    case LoadState::missing: return "missing";
    case LoadState::unloaded: return "unloaded";
  }
  return "unknown";
}

namespace {

// Boost.DLL wraps dlerror() as "...failed (dlerror system message: TEXT): errno text";
// TEXT is what an operator needs.
std::string dlerror_text(const std::string& what) {
  const std::string marker = "dlerror system message: ";
  const size_t start = what.find(marker);
  if (start == std::string::npos) return what;
  const size_t end = what.rfind("):");
  const size_t from = start + marker.size();
  return what.substr(from, end == std::string::npos || end < from ? std::string::npos : end - from);
}

}  // namespace

PluginLibrary::PluginLibrary(std::filesystem::path path, std::string name)
    : path_(std::move(path)), host_(std::move(name)) {}

PluginLibrary::~PluginLibrary() {
  if (initialised_ && desc_->finalize != nullptr) desc_->finalize();
  spdlog::debug("unloading plugin {} ({})", name(), path_.string());
  // library_ unloads as it is destroyed, before host_ goes.
}

bool PluginLibrary::has_slot(size_t offset) const {
  uint32_t size = 0;
  std::memcpy(&size, desc_->vtable, sizeof size);
  if (size < offset + sizeof(void*)) return false;
  void* fn = nullptr;
  std::memcpy(&fn, static_cast<const char*>(desc_->vtable) + offset, sizeof fn);
  return fn != nullptr;
}

PluginLibrary::Outcome PluginLibrary::load(const LoadOptions& options) {
  Outcome out;
  PluginInfo& info = out.info;
  info.path = options.path;
  info.name = options.name;
  auto refuse = [&](std::string reason) {
    info.state = LoadState::refused;
    info.reason = std::move(reason);
    spdlog::warn("plugin {} refused: {}: {}", options.name, options.path.string(), info.reason);
    return std::move(out);
  };

  std::error_code ec;
  if (!std::filesystem::is_regular_file(options.path, ec)) return refuse("not a regular file");
  std::string hash_error;
  if (auto hash = file_sha256(options.path, hash_error)) {
    info.sha256 = *hash;
  } else {
    return refuse("cannot hash the file: " + hash_error);
  }
  if (options.sha256 && *options.sha256 != info.sha256) {
    return refuse("sha256 mismatch: the configuration pins " + *options.sha256 + ", the file is " +
                  info.sha256);
  }
  if (!options.sha256 && options.require_sha256) {
    return refuse("no sha256 pin, and plugins.require_sha256 is true");
  }

  if (std::string problem = check_elf_shared_object(options.path); !problem.empty()) {
    return refuse("not a loadable shared object: " + problem);
  }
  std::shared_ptr<PluginLibrary> lib(new PluginLibrary(options.path, options.name));
  try {
    // RTLD_NOW resolves everything up front; RTLD_LOCAL keeps the plugin's symbols private.
    lib->library_.load(boost::dll::fs::path(std::filesystem::absolute(options.path).string()),
                       boost::dll::load_mode::rtld_now | boost::dll::load_mode::rtld_local);
  } catch (const std::exception& e) {
    return refuse("not a loadable shared object: " + dlerror_text(e.what()));
  }
  if (!lib->library_.has(SLUICE_PLUGIN_ENTRY_SYMBOL)) {
    return refuse("no " SLUICE_PLUGIN_ENTRY_SYMBOL " symbol: not a Sluice plugin");
  }
  auto entry =
      lib->library_.get<std::remove_pointer_t<sluice_plugin_entry_fn>>(SLUICE_PLUGIN_ENTRY_SYMBOL);
  const sluice_plugin_desc* desc = entry(lib->host(), SLUICE_ABI_VERSION);
  if (desc != nullptr && desc->struct_size >= offsetof(sluice_plugin_desc, abi_version) + 4) {
    info.abi_version = desc->abi_version;
  }
  if (std::string problem = check_descriptor(desc, options.name); !problem.empty()) {
    return refuse(problem);
  }
  lib->desc_ = desc;
  info.kind = desc->kind;
  info.version = desc->version;
  info.license = desc->license != nullptr ? desc->license : "";
  info.description = desc->description != nullptr ? desc->description : "";
  info.caps = desc->caps;

  if (desc->probe != nullptr) {
    info.probe_score = desc->probe(lib->host());
    if (*info.probe_score <= 0) {
      info.state = LoadState::unsupported;
      info.reason = "its probe reports it cannot run on this machine";
      return out;
    }
  }
  if (desc->init != nullptr) {
    sluice_error* error = nullptr;
    const sluice_status status =
        desc->init(options.config_json.data(), options.config_json.size(), &error);
    CallResult result = take_error(status, error);
    if (!result.ok()) {
      return refuse(std::string("init failed: ") + status_name(result.status) + ": " +
                    result.message);
    }
  }
  lib->initialised_ = true;
  info.state = LoadState::loaded;
  spdlog::info("plugin {} {} ({}) loaded from {}", lib->name(), info.version, kind_name(info.kind),
               options.path.string());
  out.library = std::move(lib);
  return out;
}

}  // namespace sluice::plugin_host
