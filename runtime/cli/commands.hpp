// The `sluice` subcommands. Each returns the process exit code.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;  // CLI11
}

namespace sluice::cli {

struct PluginsOptions {
  std::optional<std::filesystem::path> config;
  std::vector<std::filesystem::path> plugin_dirs;  // searched before the configured ones
  bool json = false;
  bool verbose = false;
};

// Lists every plugin found: kind, name, version, ABI, path, sha256, and load status or
// the reason it was refused. Exit 1 when a plugin the configuration names is not loaded.
int run_plugins(const PluginsOptions& options);

struct InspectOptions {
  std::filesystem::path model;
  bool json = false;
  bool metadata = false;  // --json only: every metadata key too
};

// Prints a GGUF model's architecture, hyperparameters, tokenizer, chat template
// presence, parameter count, size by weight type and tensor table. Exit 1 on a bad file.
int run_inspect(const InspectOptions& options);

struct QuantizeOptions {
  std::filesystem::path input;
  std::filesystem::path output;
  std::string type;  // Q8_0, Q4_0, Q4_K_M, Q6_K
  bool verbose = false;
};

// Writes `output`: `input`'s metadata and tensors, 2-D weights quantized by llama.cpp's
// recipe for `type` (files llama.cpp also loads). Exit 1 on a bad input, 2 on a bad type.
int run_quantize(const QuantizeOptions& options);

struct RunOptions {
  std::filesystem::path model;
  std::string prompt;
  int n_predict = 128;
  int n_ctx = 0;  // 0: the model's, at most 4096
  float temperature = 0.8f;
  int top_k = 40;
  float top_p = 0.95f;
  float min_p = 0.05f;
  float repeat_penalty = 1.0f;
  uint64_t seed = 0;
  int threads = 0;
  std::string backend = "cpu";
  std::vector<std::string> stop;
  bool special = false;  // parse special tokens written in the prompt
  bool json = false;
  bool verbose = false;
};

// Generates text for one prompt: the text on stdout as it is produced, timings on
// stderr; or, with json, token ids, text and timings (load, prompt, eval, per token).
int run_run(const RunOptions& options);

struct BenchOptions {
  std::filesystem::path model;
  std::string backend = "cpu";
  int n_prompt = 128;
  int n_gen = 64;
  int repetitions = 3;
  int threads = 0;  // 0: the backend's default
  bool json = false;
};

// llama-bench-style prompt processing (pp) and generation (tg) tokens/s, mean and
// standard deviation over repetitions, through the backend plugin as served.
int run_bench(const BenchOptions& options);

struct ServeOptions {
  std::optional<std::filesystem::path> config;
  std::optional<std::filesystem::path> model;  // serve this file (besides the config's)
  std::string name;                            // its name; default: the file stem
  std::optional<std::string> host;
  std::optional<uint16_t> port;  // 0: any free port
  std::optional<uint32_t> max_seqs;
  std::optional<uint32_t> kv_blocks;
  std::optional<uint32_t> n_ctx;
  std::optional<uint32_t> threads;
  std::string scheduler;
  std::string log_level;
  std::string log_format;
};

// Serves the OpenAI and Ollama APIs until SIGTERM/SIGINT, then drains and exits 0.
// Exit 1 when a model cannot be loaded or the address cannot be bound, 2 on bad options.
int run_serve(const ServeOptions& options);

struct PullOptions {
  std::string what;                             // a known model name or an http(s) URL
  std::optional<std::filesystem::path> output;  // default: model_cache_dir()/NAME.gguf
  std::string sha256;                           // overrides the known checksum
};

// Downloads a model (resuming a partial download, verifying its sha256) and prints its
// path. Exit 1 on a failed download or checksum, 2 on a bad argument.
int run_pull(const PullOptions& options);

// Validates a configuration file without starting anything. Exit 0 when valid.
int run_check_config(const std::filesystem::path& file);

// Verifies an audit log's hash chain (the audit guardrail's file): prints "OK: N lines"
// and exits 0, or "FILE:LINE: KIND: message" for the first edited, deleted, inserted,
// reordered or malformed line and exits 1; exit 2 when the file cannot be read.
int run_audit_verify(const std::filesystem::path& file);

struct KeysNewOptions {
  std::string tenant;
  std::string id;                   // default: TENANT-<8 hex>
  std::vector<std::string> models;  // empty: every model
  bool admin = false;
  uint32_t requests_per_minute = 0;  // 0: unlimited
  uint64_t tokens_per_minute = 0;
  uint32_t max_concurrent = 0;
  std::optional<std::filesystem::path> file;  // append here; absent: print the entry
};

// `sluice keys new`: makes a key and prints it once on stdout; appends its [[key]] entry
// (hash only) to the keys file, made 0600 when new, or prints the entry when no file is
// given. Exit 1 when the entry or the file with it would be invalid (nothing written).
int run_keys_new(const KeysNewOptions& options);
// `sluice keys hash`: reads one key on stdin, prints its salted hash. Exit 1 on no key.
int run_keys_hash();
// `sluice keys check`: validates a keys file; every problem on stderr with file:line:column
// and the key. Exit 1 when invalid.
int run_keys_check(const std::filesystem::path& file);

struct KeysOptions {
  enum class Action { none, make, hash, check } action = Action::none;
  KeysNewOptions new_key;
  std::string file;  // --file of `new` and `check`
};

// Adds `keys` and its subcommands (new, hash, check) to `app`; parsing fills `options`.
CLI::App* add_keys_command(CLI::App& app, KeysOptions& options);
int run_keys(const KeysOptions& options);

}  // namespace sluice::cli
