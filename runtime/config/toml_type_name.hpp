// The human name of a TOML node's type, for messages: "a string", "an integer", ...
// Shared by the configuration reader and the keys file (runtime/security).
#pragma once

#include <toml++/toml.h>

#include <string>

namespace sluice::config {

std::string describe_type(const toml::node& node);

}  // namespace sluice::config
