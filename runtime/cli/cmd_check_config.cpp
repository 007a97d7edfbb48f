#include <cstdio>

#include "cli/commands.hpp"
#include "config/config_loader.hpp"

namespace sluice::cli {

int run_check_config(const std::filesystem::path& file) {
  try {
    const config::Config config = config::load_config_file(file);
    std::printf("%s: OK (%zu model%s, %zu plugin entr%s)\n", file.string().c_str(),
                config.models.size(), config.models.size() == 1 ? "" : "s", config.plugin.size(),
                config.plugin.size() == 1 ? "y" : "ies");
    return 0;
  } catch (const config::ConfigError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
}

}  // namespace sluice::cli
