#include "config/config_loader.hpp"

#include <fstream>
#include <set>
#include <sstream>

#include "config/table_reader.hpp"
#include "config/toml_json.hpp"
#include "config/toml_type_name.hpp"

namespace sluice::config {

bool is_valid_plugin_name(std::string_view name) {
  if (name.empty() || name.size() > 64) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum && (i == 0 || (c != '-' && c != '_'))) return false;
  }
  return true;
}

namespace {

bool is_sha256_hex(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

std::filesystem::path resolve(const std::filesystem::path& base, const std::string& value) {
  std::filesystem::path p(value);
  return p.is_absolute() || base.empty() ? p : (base / p).lexically_normal();
}

void check_names(TableReader& reader, std::string_view key, const std::vector<std::string>& names) {
  for (const auto& name : names) {
    if (!is_valid_plugin_name(name)) {
      reader.context().diagnostics.push_back(Diagnostic{
          reader.pos_of(key), reader.path_of(key),
          "'" + name + "' is not a plugin name ([a-z0-9][a-z0-9_-]*, at most 64 bytes)"});
    }
  }
}

// Reads an integer key into an unsigned field of any width, within [min, max].
template <typename T>
void read_count(TableReader& r, std::string_view key, int64_t min, int64_t max, T& out) {
  int64_t value = static_cast<int64_t>(out);
  r.read(key, min, max, value);
  out = static_cast<T>(value);
}

void read_server(ReadContext& ctx, const toml::table& t, const std::filesystem::path& base,
                 ServerConfig& out) {
  TableReader r(ctx, t, "server");
  r.read("host", out.host);
  if (out.host.empty())
    ctx.diagnostics.push_back({r.pos_of("host"), "server.host", "must not be empty"});
  read_count(r, "port", 1, 65535, out.port);
  read_count(r, "threads", 1, 256, out.threads);
  read_count(r, "max_body_bytes", 1024, int64_t{1} << 32, out.max_body_bytes);
  read_count(r, "max_header_bytes", 1024, 1 << 20, out.max_header_bytes);
  read_count(r, "idle_timeout_s", 1, 86400, out.idle_timeout_s);
  read_count(r, "drain_timeout_s", 0, 86400, out.drain_timeout_s);
  read_count(r, "max_waiting_requests", 1, 1 << 20, out.max_waiting_requests);
  read_count(r, "max_waiting_tokens", 1, int64_t{1} << 32, out.max_waiting_tokens);
  read_count(r, "max_n", 1, 128, out.max_n);
  read_count(r, "max_top_logprobs", 0, 100, out.max_top_logprobs);
  for (const char* key : {"tls_cert", "tls_key"}) {
    std::string file;
    r.read(key, file);
    if (file.empty()) continue;
    auto& field = std::string_view(key) == "tls_cert" ? out.tls_cert : out.tls_key;
    field = resolve(base, file);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(field, ec))
      ctx.diagnostics.push_back(
          {r.pos_of(key), std::string("server.") + key, "no such file: " + field.string()});
  }
  if (out.tls_cert.empty() != out.tls_key.empty()) {
    const char* missing = out.tls_cert.empty() ? "tls_cert" : "tls_key";
    ctx.diagnostics.push_back({r.pos_of(out.tls_cert.empty() ? "tls_key" : "tls_cert"),
                               std::string("server.") + missing,
                               "tls_cert and tls_key go together: set both for HTTPS"});
  }
  r.finish();
}

void read_auth(ReadContext& ctx, const toml::table& t, const std::filesystem::path& base,
               AuthConfig& out) {
  TableReader r(ctx, t, "auth");
  std::string file;
  r.read("keys_file", file);
  if (!file.empty()) {
    out.keys_file = resolve(base, file);
    std::error_code ec;
    if (!std::filesystem::is_regular_file(out.keys_file, ec))
      ctx.diagnostics.push_back(
          {r.pos_of("keys_file"), "auth.keys_file", "no such file: " + out.keys_file.string()});
  }
  r.read("open_routes", out.open_routes);
  for (const auto& route : out.open_routes) {
    if (route.empty() || route[0] != '/')
      ctx.diagnostics.push_back(
          {r.pos_of("open_routes"), "auth.open_routes", "'" + route + "' is not a path"});
  }
  read_count(r, "reload_interval_s", 1, 86400, out.reload_interval_s);
  r.finish();
}

void read_logging(ReadContext& ctx, const toml::table& t, const std::filesystem::path& base,
                  LoggingConfig& out) {
  TableReader r(ctx, t, "logging");
  r.read_choice("level", {"trace", "debug", "info", "warn", "error", "critical", "off"}, out.level);
  r.read_choice("format", {"text", "json"}, out.format);
  std::string file;
  r.read("file", file);
  if (!file.empty()) out.file = resolve(base, file);
  r.finish();
}

void read_plugins(ReadContext& ctx, const toml::table& t, const std::filesystem::path& base,
                  PluginsConfig& out) {
  TableReader r(ctx, t, "plugins");
  std::vector<std::string> dirs;
  r.read("dirs", dirs);
  for (const auto& d : dirs) out.dirs.push_back(resolve(base, d));
  r.read("require_sha256", out.require_sha256);
  r.finish();
}

void read_plugin_entries(ReadContext& ctx, const toml::table& t, const std::filesystem::path& base,
                         std::map<std::string, PluginEntry>& out) {
  for (auto&& [key, node] : t) {
    const std::string name(key.str());
    const std::string path = "plugin." + name;
    if (!is_valid_plugin_name(name)) {
      ctx.error(key.source(), path,
                "'" + name + "' is not a plugin name ([a-z0-9][a-z0-9_-]*, at most 64 bytes)");
      continue;
    }
    const auto* table = node.as_table();
    if (table == nullptr) {
      ctx.error(node.source(), path, "expected a table, found " + describe_type(node));
      continue;
    }
    PluginEntry entry;
    entry.name = name;
    entry.pos = ctx.pos(table->source());
    TableReader r(ctx, *table, path);
    std::string file;
    r.read("path", file);
    if (!file.empty()) entry.path = resolve(base, file);
    std::string sha;
    r.read("sha256", sha);
    if (!sha.empty()) {
      if (is_sha256_hex(sha)) {
        entry.sha256 = sha;
      } else {
        ctx.diagnostics.push_back(
            {r.pos_of("sha256"), path + ".sha256", "expected 64 lower-case hexadecimal digits"});
      }
    }
    r.read("enabled", entry.enabled);
    if (const auto* config = r.table("config")) entry.config_json = toml_to_json(*config).dump();
    r.finish();
    out.emplace(name, std::move(entry));
  }
}

void read_pipeline(ReadContext& ctx, const toml::table& t, PipelineConfig& out) {
  TableReader r(ctx, t, "pipeline");
  r.read("backends", out.backends);
  check_names(r, "backends", out.backends);
  r.read("guardrails", out.guardrails);
  check_names(r, "guardrails", out.guardrails);
  r.finish();
}

void read_models(ReadContext& ctx, const toml::array& models, const std::filesystem::path& base,
                 std::vector<ModelConfig>& out) {
  std::set<std::string> seen;
  for (size_t i = 0; i < models.size(); ++i) {
    const toml::node& node = *models.get(i);
    const std::string path = "model[" + std::to_string(i) + "]";
    const auto* table = node.as_table();
    if (table == nullptr) {
      ctx.error(node.source(), path, "expected a table ([[model]]), found " + describe_type(node));
      continue;
    }
    ModelConfig model;
    model.pos = ctx.pos(table->source());
    TableReader r(ctx, *table, path);
    const bool has_name = r.require("name");
    const bool has_path = r.require("path");
    r.read("name", model.name);
    std::string file;
    r.read("path", file);
    r.read("scheduler", model.scheduler);
    check_names(r, "scheduler", {model.scheduler});
    if (const auto* config = r.table("scheduler_config"))
      model.scheduler_config_json = toml_to_json(*config).dump();
    r.read("backend", model.backend);
    if (!model.backend.empty()) check_names(r, "backend", {model.backend});
    read_count(r, "threads", 0, 1024, model.threads);
    read_count(r, "n_ctx", 0, 1 << 20, model.n_ctx);
    read_count(r, "block_size", 1, 1024, model.block_size);
    read_count(r, "kv_blocks", 0, 1 << 24, model.kv_blocks);
    read_count(r, "max_batched_tokens", 1, 1 << 20, model.max_batched_tokens);
    read_count(r, "max_seqs", 1, 4096, model.max_seqs);
    r.read("prefix_cache", model.prefix_cache);
    read_count(r, "max_preemptions", 0, 1 << 20, model.max_preemptions);
    std::string chat_template;
    r.read("chat_template", chat_template);
    if (!chat_template.empty()) model.chat_template = chat_template;
    r.read("url", model.url);
    if (!model.url.empty() && model.url.rfind("http://", 0) != 0 &&
        model.url.rfind("https://", 0) != 0) {
      ctx.diagnostics.push_back({r.pos_of("url"), path + ".url", "expected an http(s) URL"});
    }
    r.read("sha256", model.sha256);
    if (!model.sha256.empty() && !is_sha256_hex(model.sha256)) {
      ctx.diagnostics.push_back(
          {r.pos_of("sha256"), path + ".sha256", "expected 64 lower-case hexadecimal digits"});
    }
    r.finish();
    if (has_name && model.name.empty()) {
      ctx.diagnostics.push_back({r.pos_of("name"), path + ".name", "must not be empty"});
    } else if (has_name && !seen.insert(model.name).second) {
      ctx.diagnostics.push_back(
          {r.pos_of("name"), path + ".name", "model '" + model.name + "' is defined twice"});
    }
    if (has_path && !file.empty()) {
      model.path = resolve(base, file);
      std::error_code ec;
      if (!std::filesystem::is_regular_file(model.path, ec) && model.url.empty()) {
        ctx.diagnostics.push_back(
            {r.pos_of("path"), path + ".path", "no such file: " + model.path.string()});
      }
    } else if (has_path) {
      ctx.diagnostics.push_back({r.pos_of("path"), path + ".path", "must not be empty"});
    }
    out.push_back(std::move(model));
  }
}

}  // namespace

Config parse_config(std::string_view text, const std::filesystem::path& file) {
  ReadContext ctx{file, {}};
  toml::table root;
  try {
    root = toml::parse(text, file.string());
  } catch (const toml::parse_error& e) {
    ctx.error(e.source(), "", std::string(e.description()));
    throw ConfigError(std::move(ctx.diagnostics));
  }
  const std::filesystem::path base = file.parent_path();
  Config config;
  config.source = file;
  TableReader r(ctx, root, "");
  if (const auto* t = r.table("server")) read_server(ctx, *t, base, config.server);
  if (const auto* t = r.table("auth")) read_auth(ctx, *t, base, config.auth);
  if (const auto* t = r.table("logging")) read_logging(ctx, *t, base, config.logging);
  if (const auto* t = r.table("plugins")) read_plugins(ctx, *t, base, config.plugins);
  if (const auto* t = r.table("plugin")) read_plugin_entries(ctx, *t, base, config.plugin);
  if (const auto* t = r.table("pipeline")) read_pipeline(ctx, *t, config.pipeline);
  if (const auto* a = r.array("model")) read_models(ctx, *a, base, config.models);
  r.finish();
  if (!ctx.diagnostics.empty()) throw ConfigError(std::move(ctx.diagnostics));
  return config;
}

Config load_config_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw ConfigError({Diagnostic{SourcePos{file, 0, 0}, "", "cannot open the file"}});
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw ConfigError({Diagnostic{SourcePos{file, 0, 0}, "", "cannot read the file"}});
  return parse_config(text.str(), file);
}

}  // namespace sluice::config
