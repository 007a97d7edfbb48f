// One plugin shared object, loaded, checked and initialised; unloaded when the last
// reference goes. Every object a plugin creates holds a reference (PluginObject), so the
// library's code stays mapped for as long as anything might call into it.
#pragma once

#include <boost/dll/shared_library.hpp>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "plugin_host/host_api.hpp"
#include "sluice/plugin.h"

namespace sluice::plugin_host {

enum class LoadState {
  loaded,       // usable
  refused,      // not loaded: wrong ABI, bad file, hash mismatch, init failure, ...
  unsupported,  // loaded and unloaded again: its probe says it cannot run here
  disabled,     // [plugin.NAME] enabled = false
  missing,      // named in the configuration, but no file was found
  unloaded,     // was loaded, then unloaded on request
};

const char* load_state_name(LoadState state);

// What is known about one plugin file, loaded or not (`sluice plugins` prints this).
struct PluginInfo {
  std::filesystem::path path;
  std::string name;  // from the file name; the descriptor's must match
  std::string sha256;
  LoadState state = LoadState::refused;
  std::string reason;  // why it is not loaded
  // From the descriptor, when it was read:
  int32_t kind = 0;
  uint32_t abi_version = 0;
  std::string version;
  std::string license;
  std::string description;
  uint64_t caps = 0;
  std::optional<int32_t> probe_score;
};

struct LoadOptions {
  std::filesystem::path path;
  std::string name;                   // expected plugin name (from the file name or config)
  std::optional<std::string> sha256;  // pin: refuse the file unless its hash matches
  bool require_sha256 = false;        // refuse the file when there is no pin
  std::string config_json = "{}";     // handed to the plugin's init
};

class PluginLibrary {
 public:
  PluginLibrary(const PluginLibrary&) = delete;
  PluginLibrary& operator=(const PluginLibrary&) = delete;
  // Calls finalize (when init succeeded), then unloads the library.
  ~PluginLibrary();

  const sluice_plugin_desc& descriptor() const { return *desc_; }
  const sluice_host_api* host() const { return host_.table(); }
  const std::string& name() const { return host_.plugin_name(); }
  int32_t kind() const { return desc_->kind; }
  const std::filesystem::path& path() const { return path_; }

  // The kind's vtable; the caller has checked kind(). Slots the vtable's struct_size does
  // not cover read as NULL (has_slot).
  template <class VTable>
  const VTable& vtable() const {
    return *static_cast<const VTable*>(desc_->vtable);
  }

  // True when the vtable is large enough to contain the slot at `offset` and it is set.
  bool has_slot(size_t offset) const;

  // Loads, validates and initialises. Never throws for a bad file: the outcome's `info`
  // says why nothing was loaded.
  struct Outcome {
    std::shared_ptr<PluginLibrary> library;  // null unless info.state == loaded
    PluginInfo info;
  };
  static Outcome load(const LoadOptions& options);

 private:
  PluginLibrary(std::filesystem::path path, std::string name);

  std::filesystem::path path_;
  HostApi host_;  // outlives the library: plugins keep its pointer
  boost::dll::shared_library library_;
  const sluice_plugin_desc* desc_ = nullptr;
  bool initialised_ = false;
};

// A plugin-created object (scheduler, guardrail, backend context, ...) that keeps its
// library loaded until after its destroy slot has run.
template <class Handle>
class PluginObject {
 public:
  using Destroy = void(SLUICE_CALL*)(Handle*);

  PluginObject() = default;
  PluginObject(std::shared_ptr<PluginLibrary> library, Handle* handle, Destroy destroy)
      : library_(std::move(library)), handle_(handle), destroy_(destroy) {}
  PluginObject(PluginObject&& other) noexcept { *this = std::move(other); }
  PluginObject& operator=(PluginObject&& other) noexcept {
    if (this != &other) {
      reset();
      library_ = std::move(other.library_);
      handle_ = std::exchange(other.handle_, nullptr);
      destroy_ = other.destroy_;
    }
    return *this;
  }
  ~PluginObject() { reset(); }

  void reset() {
    if (handle_ != nullptr && destroy_ != nullptr) destroy_(handle_);
    handle_ = nullptr;
    library_.reset();
  }

  Handle* get() const { return handle_; }
  PluginLibrary& library() const { return *library_; }
  explicit operator bool() const { return handle_ != nullptr; }

 private:
  std::shared_ptr<PluginLibrary> library_;  // released after destroy_ ran
  Handle* handle_ = nullptr;
  Destroy destroy_ = nullptr;
};

}  // namespace sluice::plugin_host
