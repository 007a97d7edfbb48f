// SHA-256 of a file, for plugin pinning.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

namespace sluice::plugin_host {

// Lower-case hex digest, or nullopt (with `error` set) when the file cannot be read.
std::optional<std::string> file_sha256(const std::filesystem::path& file, std::string& error);

}  // namespace sluice::plugin_host
