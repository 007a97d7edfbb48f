// A look at a plugin file before dlopen sees it. The dynamic loader maps segments
// straight from the file, so a truncated shared object would fault (SIGBUS) when
// touched; checking that every loadable segment lies within the file turns that crash
// into a refusal.
#pragma once

#include <filesystem>
#include <string>

namespace sluice::plugin_host {

// Empty when `file` is a 64-bit ELF shared object for this machine whose program
// headers and loadable segments all lie within the file; otherwise why not.
std::string check_elf_shared_object(const std::filesystem::path& file);

}  // namespace sluice::plugin_host
