// Model download for `sluice pull` and for [[model]] entries with a `url`: resumable
// (a .part file continued with an HTTP Range request), verified against a sha256 before
// it takes the final name, with a progress bar on standard error.
#pragma once

#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

namespace sluice::cli {

class PullError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct PullSource {
  std::string name;
  std::string url;
  std::string sha256;  // lower-case hex; empty: not checked
};

// Models `sluice pull NAME` knows by name (stories260K).
std::optional<PullSource> known_model(std::string_view name);

// $SLUICE_MODELS, else $XDG_CACHE_HOME/sluice/models, else ~/.cache/sluice/models.
std::filesystem::path model_cache_dir();

// Downloads `url` to `dest`, continuing `dest`.part when present. With a non-empty
// `sha256` the file must match it (a mismatch deletes the download). Throws PullError.
void download_model(const std::string& url, const std::filesystem::path& dest,
                    const std::string& sha256, bool progress);

// `dest` when it exists and matches `sha256` (when given); otherwise downloads it first.
std::filesystem::path ensure_model(const PullSource& source, const std::filesystem::path& dest,
                                   bool progress);

}  // namespace sluice::cli
