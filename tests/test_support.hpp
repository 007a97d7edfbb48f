// Shared helpers for the Catch2 tests: where the test plugins are, scratch folders, and
// a capture of what the host logs.
#pragma once

#include <spdlog/logger.h>
#include <spdlog/sinks/ringbuffer_sink.h>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "plugin_host/plugin_library.hpp"

namespace sluice::test {

// A plugin built by tests/CMakeLists.txt, e.g. test_plugin("bad-major").
std::filesystem::path test_plugin(const std::string& name);
// One of tools/plugin-template's plugins, built in-tree.
std::filesystem::path template_plugin(const std::string& name);

// The shared reference data (models, fixtures, vocab, templates): $SLUICE_SHARED, or
// ../shared beside the source tree.
std::filesystem::path shared_dir();
// A file under shared_dir(); when it is absent the calling test is reported SKIPPED
// (Catch2 v2 has no skip: the test prints "SKIPPED: <path> is absent" and returns).
// Use as: auto path = shared_file("models/stories260K.gguf"); if (path.empty()) return;
std::filesystem::path shared_file(const std::string& relative);

// A fresh folder removed when the object goes.
class ScratchDir {
 public:
  ScratchDir();
  ~ScratchDir();
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path write(const std::string& name, const std::string& content) const;

 private:
  std::filesystem::path path_;
};

// Routes the default logger (and so every plugin logger made while it lives) into
// memory; restores the previous default logger afterwards.
class LogCapture {
 public:
  LogCapture();
  ~LogCapture();
  std::vector<std::string> lines() const;
  bool contains(const std::string& text) const;

 private:
  std::shared_ptr<spdlog::sinks::ringbuffer_sink_mt> sink_;
  std::shared_ptr<spdlog::logger> previous_;
};

// Loads the plugin file at `path` (expected to be named `name`), or fails the test with
// the loader's reason.
std::shared_ptr<plugin_host::PluginLibrary> load_plugin(const std::filesystem::path& path,
                                                        const std::string& name);

// True while the shared object at `path` is mapped into this process.
bool library_is_loaded(const std::filesystem::path& path);

}  // namespace sluice::test
