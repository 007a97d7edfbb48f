// Reads a Sluice TOML file into Config. Unknown keys, wrong types, missing required keys
// and bad values all throw ConfigError, naming file, line, column and key.
#pragma once

#include <filesystem>
#include <string_view>

#include "config/config.hpp"
#include "config/config_error.hpp"

namespace sluice::config {

// Relative paths inside the file are resolved against the file's folder.
Config load_config_file(const std::filesystem::path& file);

// The same from text; `file` names it in messages and anchors relative paths.
Config parse_config(std::string_view text, const std::filesystem::path& file);

// True for names a plugin may have: [a-z0-9][a-z0-9_-]*, at most 64 bytes.
bool is_valid_plugin_name(std::string_view name);

}  // namespace sluice::config
