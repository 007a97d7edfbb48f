// `sluice`: one executable, one subcommand per task (DESIGN.md section 5).
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/cmd_tokenize.hpp"
#include "cli/commands.hpp"
#include "sluice/abi.h"
#include "version.hpp"

int main(int argc, char** argv) {
  CLI::App app{"Sluice: an LLM inference server with plugin backends, schedulers and guardrails",
               "sluice"};
  app.require_subcommand(0, 1);
  const std::string version = std::string("sluice ") + sluice::kVersion + " (plugin ABI " +
                              std::to_string(SLUICE_ABI_VERSION_MAJOR) + "." +
                              std::to_string(SLUICE_ABI_VERSION_MINOR) + ")";
  app.set_version_flag("--version", version);

  sluice::cli::PluginsOptions plugins;
  std::string plugins_config;
  std::vector<std::string> plugin_dirs;
  CLI::App* plugins_cmd =
      app.add_subcommand("plugins", "List plugins: kind, version, ABI, hash, status");
  plugins_cmd->add_option("-c,--config", plugins_config, "Configuration file (TOML)")
      ->check(CLI::ExistingFile);
  plugins_cmd->add_option("--plugin-dir", plugin_dirs, "Also search this folder (repeatable)");
  plugins_cmd->add_flag("--json", plugins.json, "Print JSON instead of text");
  plugins_cmd->add_flag("-v,--verbose", plugins.verbose, "Log at the configured level on stderr");

  std::string check_file;
  CLI::App* check_cmd = app.add_subcommand("check-config", "Validate a configuration file");
  check_cmd->add_option("FILE", check_file, "Configuration file (TOML)")->required();

  sluice::cli::InspectOptions inspect;
  std::string inspect_model;
  CLI::App* inspect_cmd = app.add_subcommand("inspect", "Describe a GGUF model");
  inspect_cmd->add_option("MODEL", inspect_model, "GGUF file")->required();
  inspect_cmd->add_flag("--json", inspect.json, "Print JSON instead of text");
  inspect_cmd->add_flag("--metadata", inspect.metadata, "With --json: include every metadata key");

  sluice::cli::QuantizeOptions quantize;
  std::string quantize_in, quantize_out;
  CLI::App* quantize_cmd =
      app.add_subcommand("quantize", "Quantize a GGUF model (Q8_0, Q4_0, Q4_K_M, Q6_K)");
  quantize_cmd->add_option("IN", quantize_in, "Input GGUF")->required()->check(CLI::ExistingFile);
  quantize_cmd->add_option("OUT", quantize_out, "Output GGUF")->required();
  quantize_cmd->add_option("TYPE", quantize.type, "Q8_0, Q4_0, Q4_K_M or Q6_K")->required();
  quantize_cmd->add_flag("-v,--verbose", quantize.verbose, "Print each tensor's type change");

  sluice::cli::RunOptions run;
  std::string run_model;
  CLI::App* run_cmd = app.add_subcommand("run", "Generate text for one prompt");
  run_cmd->add_option("-m,--model", run_model, "GGUF model")->required()->check(CLI::ExistingFile);
  run_cmd->add_option("-p,--prompt", run.prompt, "Prompt text")->required();
  run_cmd->add_option("-n,--n-predict", run.n_predict, "Tokens to generate at most")
      ->check(CLI::Range(0, 1 << 20));
  run_cmd->add_option("-c,--ctx-size", run.n_ctx, "Context size (0: the model's, at most 4096)")
      ->check(CLI::Range(0, 1 << 20));
  run_cmd->add_option("--temp", run.temperature, "Temperature (0: greedy)")
      ->check(CLI::Range(0.0, 100.0));
  run_cmd->add_option("--top-k", run.top_k, "Top-k (0: off)")->check(CLI::Range(0, 1 << 20));
  run_cmd->add_option("--top-p", run.top_p, "Top-p (1: off)")->check(CLI::Range(0.0, 1.0));
  run_cmd->add_option("--min-p", run.min_p, "Min-p (0: off)")->check(CLI::Range(0.0, 1.0));
  run_cmd->add_option("--repeat-penalty", run.repeat_penalty, "Repetition penalty (1: off)")
      ->check(CLI::Range(0.0, 10.0));
  run_cmd->add_option("-s,--seed", run.seed, "Sampling seed");
  run_cmd->add_option("-t,--threads", run.threads, "Threads (0: all cores)")
      ->check(CLI::Range(0, 1024));
  run_cmd->add_option("--backend", run.backend, "Backend plugin");
  run_cmd->add_option("--stop", run.stop, "Stop string (repeatable)");
  run_cmd->add_flag("--special", run.special, "Parse special tokens written in the prompt");
  run_cmd->add_flag("--json", run.json, "Print token ids, text and timings as JSON");
  run_cmd->add_flag("-v,--verbose", run.verbose, "Log plugin loading on stderr");

  sluice::cli::BenchOptions bench;
  std::string bench_model;
  CLI::App* bench_cmd =
      app.add_subcommand("bench", "Prompt (pp) and generation (tg) speed, like llama-bench");
  bench_cmd->add_option("-m,--model", bench_model, "GGUF model")
      ->required()
      ->check(CLI::ExistingFile);
  bench_cmd->add_option("-p,--n-prompt", bench.n_prompt, "Prompt tokens (0: skip)")
      ->check(CLI::Range(0, 65536));
  bench_cmd->add_option("-n,--n-gen", bench.n_gen, "Generated tokens (0: skip)")
      ->check(CLI::Range(0, 65536));
  bench_cmd->add_option("-r,--repetitions", bench.repetitions, "Repetitions")
      ->check(CLI::Range(1, 1000));
  bench_cmd->add_option("-t,--threads", bench.threads, "Threads (0: all cores)")
      ->check(CLI::Range(0, 1024));
  bench_cmd->add_option("--backend", bench.backend, "Backend plugin");
  bench_cmd->add_flag("--json", bench.json, "Print JSON");

  sluice::cli::TokenizeOptions tokenize;
  std::string tokenize_model, tokenize_file;
  CLI::App* tokenize_cmd =
      app.add_subcommand("tokenize", "Print the token ids a model's tokenizer gives a text");
  tokenize_cmd->add_option("-m,--model", tokenize_model, "GGUF file")->required();
  auto* tokenize_file_opt =
      tokenize_cmd->add_option("-f,--file", tokenize_file, "Read the text from this file")
          ->check(CLI::ExistingFile);
  auto* tokenize_text_opt = tokenize_cmd->add_option("TEXT", tokenize.text, "Text to tokenize");
  tokenize_file_opt->excludes(tokenize_text_opt);
  tokenize_cmd->add_flag("--no-bos", tokenize.no_bos, "Do not add BOS/EOS (add_special = false)");
  tokenize_cmd->add_flag("--special", tokenize.special,
                         "Parse special tokens written in the text (<|im_start|>, <s>)");
  tokenize_cmd->add_flag("--pieces", tokenize.pieces, "Print one 'id<TAB>piece' line per token");

  sluice::cli::ServeOptions serve;
  std::string serve_config, serve_model, serve_host;
  int serve_port = -1;
  uint32_t serve_max_seqs = 0, serve_kv_blocks = 0, serve_n_ctx = 0, serve_threads = 0;
  CLI::App* serve_cmd =
      app.add_subcommand("serve", "Serve the OpenAI and Ollama HTTP APIs (SIGTERM drains)");
  serve_cmd->add_option("-c,--config", serve_config, "Configuration file (TOML)")
      ->check(CLI::ExistingFile);
  serve_cmd->add_option("-m,--model", serve_model, "Serve this GGUF model")
      ->check(CLI::ExistingFile);
  serve_cmd->add_option("--name", serve.name, "Name of the -m model (default: the file stem)");
  serve_cmd->add_option("--host", serve_host, "Address to bind (default 127.0.0.1)");
  serve_cmd->add_option("--port", serve_port, "Port (default 8080; 0: any free port)")
      ->check(CLI::Range(0, 65535));
  serve_cmd->add_option("--max-seqs", serve_max_seqs, "Sequences in one engine step at most")
      ->check(CLI::Range(1, 4096));
  serve_cmd->add_option("--kv-blocks", serve_kv_blocks, "KV cache blocks per model")
      ->check(CLI::Range(1, 1 << 24));
  serve_cmd->add_option("--ctx-size", serve_n_ctx, "Context per sequence (0: the model's)")
      ->check(CLI::Range(0, 1 << 20));
  serve_cmd->add_option("-t,--threads", serve_threads, "Backend threads (0: all cores)")
      ->check(CLI::Range(0, 1024));
  serve_cmd->add_option("--scheduler", serve.scheduler, "Scheduler plugin (default fcfs)");
  serve_cmd->add_option("--log-level", serve.log_level, "trace, debug, info, warn, error")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}));
  serve_cmd->add_option("--log-format", serve.log_format, "text or json")
      ->check(CLI::IsMember({"text", "json"}));

  sluice::cli::PullOptions pull;
  std::string pull_output;
  CLI::App* pull_cmd =
      app.add_subcommand("pull", "Download a model (resumable, sha256-checked) and print its path");
  pull_cmd->add_option("MODEL", pull.what, "stories260K, or an http(s) URL of a GGUF file")
      ->required();
  pull_cmd->add_option("-o,--output", pull_output, "Where to write it (default: the cache)");
  pull_cmd->add_option("--sha256", pull.sha256, "Expected sha256 (lower-case hex)");

  std::string audit_file;
  CLI::App* audit_cmd = app.add_subcommand("audit", "Audit log tools");
  audit_cmd->require_subcommand(1);
  CLI::App* audit_verify_cmd = audit_cmd->add_subcommand(
      "verify", "Check an audit log's hash chain: OK, or the first tampered line");
  audit_verify_cmd->add_option("FILE", audit_file, "Audit log (JSON lines)")->required();

  sluice::cli::KeysOptions keys;
  CLI::App* keys_cmd = sluice::cli::add_keys_command(app, keys);

  CLI11_PARSE(app, argc, argv);

  if (*pull_cmd) {
    if (!pull_output.empty()) pull.output = pull_output;
    return sluice::cli::run_pull(pull);
  }

  if (*serve_cmd) {
    if (!serve_config.empty()) serve.config = serve_config;
    if (!serve_model.empty()) serve.model = serve_model;
    if (!serve_host.empty()) serve.host = serve_host;
    if (serve_port >= 0) serve.port = static_cast<uint16_t>(serve_port);
    if (serve_max_seqs > 0) serve.max_seqs = serve_max_seqs;
    if (serve_kv_blocks > 0) serve.kv_blocks = serve_kv_blocks;
    if (serve_n_ctx > 0) serve.n_ctx = serve_n_ctx;
    if (serve_threads > 0) serve.threads = serve_threads;
    return sluice::cli::run_serve(serve);
  }

  if (*plugins_cmd) {
    if (!plugins_config.empty()) plugins.config = plugins_config;
    for (const auto& d : plugin_dirs) plugins.plugin_dirs.emplace_back(d);
    return sluice::cli::run_plugins(plugins);
  }
  if (*check_cmd) return sluice::cli::run_check_config(check_file);
  if (*audit_verify_cmd) return sluice::cli::run_audit_verify(audit_file);
  if (*keys_cmd) return sluice::cli::run_keys(keys);
  if (*run_cmd) {
    run.model = run_model;
    return sluice::cli::run_run(run);
  }
  if (*tokenize_cmd) {
    tokenize.model = tokenize_model;
    if (!tokenize_file.empty()) tokenize.file = tokenize_file;
    return sluice::cli::run_tokenize(tokenize);
  }
  if (*bench_cmd) {
    bench.model = bench_model;
    return sluice::cli::run_bench(bench);
  }
  if (*quantize_cmd) {
    quantize.input = quantize_in;
    quantize.output = quantize_out;
    return sluice::cli::run_quantize(quantize);
  }
  if (*inspect_cmd) {
    inspect.model = inspect_model;
    return sluice::cli::run_inspect(inspect);
  }
  std::fputs(app.help().c_str(), stdout);
  return 0;
}
