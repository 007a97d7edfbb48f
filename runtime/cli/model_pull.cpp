#include "cli/model_pull.hpp"

#include <curl/curl.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "plugin_host/file_sha256.hpp"

namespace sluice::cli {
namespace {

struct Transfer {
  std::FILE* out = nullptr;
  bool progress = false;
  curl_off_t resumed_from = 0;
  std::chrono::steady_clock::time_point last_draw;
};

size_t write_body(char* data, size_t size, size_t count, void* user) {
  auto* t = static_cast<Transfer*>(user);
  return std::fwrite(data, size, count, t->out) * size;
}

int draw_progress(void* user, curl_off_t total, curl_off_t now, curl_off_t, curl_off_t) {
  auto* t = static_cast<Transfer*>(user);
  if (!t->progress) return 0;
  const auto clock_now = std::chrono::steady_clock::now();
  if (clock_now - t->last_draw < std::chrono::milliseconds(200) && (total == 0 || now < total))
    return 0;
  t->last_draw = clock_now;
  const double done = static_cast<double>(now + t->resumed_from) / (1 << 20);
  if (total > 0) {
    const double all = static_cast<double>(total + t->resumed_from) / (1 << 20);
    const int width = 30;
    const int filled = static_cast<int>(width * done / all);
    std::fprintf(stderr, "\r[%-*.*s] %.1f / %.1f MiB", width, filled,
                 "##############################", done, all);
  } else {
    std::fprintf(stderr, "\r%.1f MiB", done);
  }
  std::fflush(stderr);
  return 0;
}

std::string sha_of(const std::filesystem::path& file) {
  std::string error;
  const auto digest = plugin_host::file_sha256(file, error);
  if (!digest) throw PullError("cannot read " + file.string() + ": " + error);
  return *digest;
}

}  // namespace

std::optional<PullSource> known_model(std::string_view name) {
  // llama2.c's tinyllamas stories260K as converted to GGUF by ggml-org (MIT licence).
  if (name == "stories260K") {
    return PullSource{"stories260K",
                      "https://huggingface.co/ggml-org/models/resolve/main/tinyllamas/"
                      "stories260K.gguf",
                      "270cba1bd5109f42d03350f60406024560464db173c0e387d91f0426d3bd256d"};
  }
  return std::nullopt;
}

std::filesystem::path model_cache_dir() {
  if (const char* dir = std::getenv("SLUICE_MODELS"); dir != nullptr && *dir != '\0') return dir;
  if (const char* xdg = std::getenv("XDG_CACHE_HOME"); xdg != nullptr && *xdg != '\0')
    return std::filesystem::path(xdg) / "sluice" / "models";
  const char* home = std::getenv("HOME");
  return std::filesystem::path(home != nullptr ? home : ".") / ".cache" / "sluice" / "models";
}

void download_model(const std::string& url, const std::filesystem::path& dest,
                    const std::string& sha256, bool progress) {
  std::error_code ec;
  if (dest.has_parent_path()) std::filesystem::create_directories(dest.parent_path(), ec);
  if (ec) throw PullError("cannot create " + dest.parent_path().string() + ": " + ec.message());
  const std::filesystem::path part = dest.string() + ".part";

  Transfer t;
  t.progress = progress && isatty(fileno(stderr));
  t.resumed_from = std::filesystem::exists(part, ec)
                       ? static_cast<curl_off_t>(std::filesystem::file_size(part, ec))
                       : 0;
  t.out = std::fopen(part.c_str(), "ab");
  if (t.out == nullptr) throw PullError("cannot write " + part.string());

  CURL* curl = curl_easy_init();
  if (curl == nullptr) {
    std::fclose(t.out);
    throw PullError("libcurl failed to start");
  }
  char curl_error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(curl, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, curl_error);
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, write_body);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &t);
  curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, draw_progress);
  curl_easy_setopt(curl, CURLOPT_XFERINFODATA, &t);
  curl_easy_setopt(curl, CURLOPT_RESUME_FROM_LARGE, t.resumed_from);
  curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, 30L);
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_LIMIT, 1L);  // stalled for a minute: give up
  curl_easy_setopt(curl, CURLOPT_LOW_SPEED_TIME, 60L);
  curl_easy_setopt(curl, CURLOPT_USERAGENT, "sluice-pull");
  const CURLcode code = curl_easy_perform(curl);
  long status = 0;
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(curl);
  const bool written = std::fclose(t.out) == 0;
  if (t.progress) std::fprintf(stderr, "\n");

  if (code == CURLE_RANGE_ERROR || status == 416) {
    // The server cannot continue this .part (changed file?): start over next time.
    std::filesystem::remove(part, ec);
    throw PullError(url + ": the server refused to resume; run the pull again");
  }
  if (code != CURLE_OK) {
    throw PullError(url + ": " + (curl_error[0] != '\0' ? curl_error : curl_easy_strerror(code)) +
                    " (the partial download is kept in " + part.string() + ")");
  }
  if (t.resumed_from > 0 && status == 200) {
    // The server ignored the Range and sent the whole file after our partial one.
    std::filesystem::remove(part, ec);
    throw PullError(url + ": the server does not support resuming; run the pull again");
  }
  if (!written) throw PullError("cannot write " + part.string());
  if (!sha256.empty()) {
    const std::string actual = sha_of(part);
    if (actual != sha256) {
      std::filesystem::remove(part, ec);
      throw PullError(url + ": sha256 mismatch: expected " + sha256 + ", got " + actual +
                      " (download deleted)");
    }
  }
  std::filesystem::rename(part, dest, ec);
  if (ec) throw PullError("cannot rename " + part.string() + ": " + ec.message());
}

std::filesystem::path ensure_model(const PullSource& source, const std::filesystem::path& dest,
                                   bool progress) {
  std::error_code ec;
  if (std::filesystem::is_regular_file(dest, ec) &&
      (source.sha256.empty() || sha_of(dest) == source.sha256)) {
    return dest;
  }
  download_model(source.url, dest, source.sha256, progress);
  return dest;
}

}  // namespace sluice::cli
