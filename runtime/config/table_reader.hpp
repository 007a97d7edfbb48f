// Reads one TOML table into typed fields, remembering which keys were expected so that
// anything left over is reported as unknown (with a "did you mean"). Problems are
// collected, not thrown, so one run reports every mistake in the file.
#pragma once

#include <toml++/toml.h>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "config/config_error.hpp"

namespace sluice::config {

// The file being read and the problems found so far.
struct ReadContext {
  std::filesystem::path file;
  std::vector<Diagnostic> diagnostics;

  SourcePos pos(const toml::source_region& region) const;
  void error(const toml::source_region& region, std::string key, std::string message);
};

class TableReader {
 public:
  // `prefix` is the table's dotted path ("" for the root, "server", "model[0]").
  TableReader(ReadContext& ctx, const toml::table& table, std::string prefix);

  // Each reader marks `key` as known. Absent keys leave `out` at its default; a value of
  // the wrong type or out of range is reported and leaves `out` unchanged.
  void read(std::string_view key, std::string& out);
  void read(std::string_view key, bool& out);
  void read(std::string_view key, int64_t min, int64_t max, int64_t& out);
  void read(std::string_view key, std::vector<std::string>& out);
  // A string that must be one of `allowed`.
  void read_choice(std::string_view key, const std::vector<std::string>& allowed, std::string& out);

  // A nested table or array, or nullptr when absent or of the wrong type (reported).
  const toml::table* table(std::string_view key);
  const toml::array* array(std::string_view key);

  // Reports `key` as missing when absent; returns whether it is present.
  bool require(std::string_view key);

  // Reports every key of the table that no reader asked for.
  void finish();

  std::string path_of(std::string_view key) const;
  SourcePos pos_of(std::string_view key) const;
  ReadContext& context() { return ctx_; }

 private:
  const toml::node* lookup(std::string_view key);
  void wrong_type(std::string_view key, const toml::node& node, std::string_view expected);

  ReadContext& ctx_;
  const toml::table& table_;
  std::string prefix_;
  std::vector<std::string> known_;
};

}  // namespace sluice::config
