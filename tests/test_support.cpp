#include "test_support.hpp"

#include <dlfcn.h>
#include <spdlog/spdlog.h>
#include <catch2/catch.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <random>

namespace sluice::test {

std::filesystem::path test_plugin(const std::string& name) {
  return std::filesystem::path(SLUICE_TEST_PLUGIN_DIR) / (name + ".so");
}

std::filesystem::path template_plugin(const std::string& name) {
  return std::filesystem::path(SLUICE_TEMPLATE_PLUGIN_DIR) / (name + ".so");
}

std::filesystem::path shared_dir() {
  if (const char* env = std::getenv("SLUICE_SHARED"); env != nullptr && *env != '\0') return env;
  return (std::filesystem::path(SLUICE_SOURCE_DIR) / ".." / "shared").lexically_normal();
}

std::filesystem::path shared_file(const std::string& relative) {
  const auto path = shared_dir() / relative;
  std::error_code ec;
  if (std::filesystem::exists(path, ec)) return path;
  std::printf("SKIPPED: %s is absent\n", path.string().c_str());
  return {};
}

ScratchDir::ScratchDir() {
  std::random_device random;
  path_ = std::filesystem::temp_directory_path() /
          ("sluice-test-" + std::to_string(random()) + std::to_string(random()));
  std::filesystem::create_directories(path_);
}

ScratchDir::~ScratchDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::filesystem::path ScratchDir::write(const std::string& name, const std::string& content) const {
  const auto file = path_ / name;
  std::ofstream(file, std::ios::binary) << content;
  return file;
}

LogCapture::LogCapture()
    : sink_(std::make_shared<spdlog::sinks::ringbuffer_sink_mt>(4096)),
      previous_(spdlog::default_logger()) {
  auto logger = std::make_shared<spdlog::logger>("sluice", sink_);
  logger->set_level(spdlog::level::trace);
  spdlog::set_default_logger(logger);
}

LogCapture::~LogCapture() {
  spdlog::set_default_logger(previous_);
}

std::vector<std::string> LogCapture::lines() const {
  return sink_->last_formatted();
}

bool LogCapture::contains(const std::string& text) const {
  for (const auto& line : lines()) {
    if (line.find(text) != std::string::npos) return true;
  }
  return false;
}

bool library_is_loaded(const std::filesystem::path& path) {
  void* handle = dlopen(std::filesystem::absolute(path).c_str(), RTLD_NOW | RTLD_NOLOAD);
  if (handle == nullptr) return false;
  dlclose(handle);  // RTLD_NOLOAD still took a reference
  return true;
}

std::shared_ptr<plugin_host::PluginLibrary> load_plugin(const std::filesystem::path& path,
                                                        const std::string& name) {
  plugin_host::LoadOptions options;
  options.path = path;
  options.name = name;
  auto outcome = plugin_host::PluginLibrary::load(options);
  if (!outcome.library) FAIL(name << " did not load: " << outcome.info.reason);
  return outcome.library;
}

}  // namespace sluice::test
