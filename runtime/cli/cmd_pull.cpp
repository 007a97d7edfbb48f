#include <cstdio>

#include "cli/commands.hpp"
#include "cli/model_pull.hpp"

namespace sluice::cli {

int run_pull(const PullOptions& options) {
  PullSource source;
  if (const auto known = known_model(options.what)) {
    source = *known;
  } else if (options.what.rfind("http://", 0) == 0 || options.what.rfind("https://", 0) == 0) {
    source.url = options.what;
    source.name = std::filesystem::path(options.what.substr(0, options.what.find('?')))
                      .filename()
                      .replace_extension()
                      .string();
  } else {
    std::fprintf(stderr, "'%s' is neither a known model (stories260K) nor an http(s) URL\n",
                 options.what.c_str());
    return 2;
  }
  if (!options.sha256.empty()) source.sha256 = options.sha256;
  const std::filesystem::path dest =
      options.output ? *options.output : model_cache_dir() / (source.name + ".gguf");
  try {
    ensure_model(source, dest, /*progress=*/true);
  } catch (const PullError& e) {
    std::fprintf(stderr, "pull failed: %s\n", e.what());
    return 1;
  }
  std::printf("%s\n", dest.c_str());
  return 0;
}

}  // namespace sluice::cli
