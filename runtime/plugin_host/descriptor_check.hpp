// Validation of what a plugin's entry point returns, before the host calls anything.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "sluice/plugin.h"

namespace sluice::plugin_host {

// "1.0"
std::string abi_version_string(uint32_t version);

// "backend", "scheduler", "guardrail", or "unknown".
const char* kind_name(int32_t kind);

// Empty when the descriptor may be used; otherwise why not, e.g. "built for plugin ABI
// 2.0, this host implements 1.0 (major versions differ)". Reads only the fields its
// struct_size covers. `expected_name` is the name the file was found under.
std::string check_descriptor(const sluice_plugin_desc* desc, std::string_view expected_name);

}  // namespace sluice::plugin_host
