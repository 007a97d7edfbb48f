#include "config/table_reader.hpp"

#include "config/toml_type_name.hpp"

#include "config/did_you_mean.hpp"

namespace sluice::config {

SourcePos ReadContext::pos(const toml::source_region& region) const {
  return SourcePos{file, region.begin.line, region.begin.column};
}

void ReadContext::error(const toml::source_region& region, std::string key, std::string message) {
  diagnostics.push_back(Diagnostic{pos(region), std::move(key), std::move(message)});
}

TableReader::TableReader(ReadContext& ctx, const toml::table& table, std::string prefix)
    : ctx_(ctx), table_(table), prefix_(std::move(prefix)) {}

std::string TableReader::path_of(std::string_view key) const {
  return prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
}

SourcePos TableReader::pos_of(std::string_view key) const {
  const toml::node* node = table_.get(key);
  return ctx_.pos(node != nullptr ? node->source() : table_.source());
}

const toml::node* TableReader::lookup(std::string_view key) {
  known_.emplace_back(key);
  return table_.get(key);
}

void TableReader::wrong_type(std::string_view key, const toml::node& node,
                             std::string_view expected) {
  ctx_.error(node.source(), path_of(key),
             "expected " + std::string(expected) + ", found " + describe_type(node));
}

void TableReader::read(std::string_view key, std::string& out) {
  const toml::node* node = lookup(key);
  if (node == nullptr) return;
  if (const auto* value = node->as_string()) {
    out = value->get();
  } else {
    wrong_type(key, *node, "a string");
  }
}

void TableReader::read(std::string_view key, bool& out) {
  const toml::node* node = lookup(key);
  if (node == nullptr) return;
  if (const auto* value = node->as_boolean()) {
    out = value->get();
  } else {
    wrong_type(key, *node, "a boolean (true or false)");
  }
}

void TableReader::read(std::string_view key, int64_t min, int64_t max, int64_t& out) {
  const toml::node* node = lookup(key);
  if (node == nullptr) return;
  const auto* value = node->as_integer();
  if (value == nullptr) {
    wrong_type(key, *node, "an integer");
    return;
  }
  if (value->get() < min || value->get() > max) {
    ctx_.error(node->source(), path_of(key),
               "must be between " + std::to_string(min) + " and " + std::to_string(max) +
                   ", found " + std::to_string(value->get()));
    return;
  }
  out = value->get();
}

void TableReader::read(std::string_view key, std::vector<std::string>& out) {
  const toml::node* node = lookup(key);
  if (node == nullptr) return;
  const auto* array = node->as_array();
  if (array == nullptr) {
    wrong_type(key, *node, "an array of strings");
    return;
  }
  std::vector<std::string> values;
  bool ok = true;
  for (size_t i = 0; i < array->size(); ++i) {
    const toml::node& element = *array->get(i);
    if (const auto* s = element.as_string()) {
      values.push_back(s->get());
    } else {
      ctx_.error(element.source(), path_of(key) + "[" + std::to_string(i) + "]",
                 "expected a string, found " + describe_type(element));
      ok = false;
    }
  }
  if (ok) out = std::move(values);
}

void TableReader::read_choice(std::string_view key, const std::vector<std::string>& allowed,
                              std::string& out) {
  std::string value = out;
  const size_t before = ctx_.diagnostics.size();
  read(key, value);
  if (ctx_.diagnostics.size() != before) return;
  for (const auto& a : allowed) {
    if (a == value) {
      out = value;
      return;
    }
  }
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  std::string message = "'" + value + "' is not one of: " + list;
  if (auto near = closest_match(value, allowed)) message += " (did you mean '" + *near + "'?)";
  ctx_.error(table_.get(key)->source(), path_of(key), message);
}

const toml::table* TableReader::table(std::string_view key) {
  const toml::node* node = lookup(key);
  if (node == nullptr) return nullptr;
  if (const auto* t = node->as_table()) return t;
  wrong_type(key, *node, "a table");
  return nullptr;
}

const toml::array* TableReader::array(std::string_view key) {
  const toml::node* node = lookup(key);
  if (node == nullptr) return nullptr;
  if (const auto* a = node->as_array()) return a;
  wrong_type(key, *node, "an array");
  return nullptr;
}

bool TableReader::require(std::string_view key) {
  if (table_.contains(key)) return true;
  ctx_.error(table_.source(), path_of(key), "missing required key");
  return false;
}

void TableReader::finish() {
  for (auto&& [key, node] : table_) {
    const std::string_view name = key.str();
    bool is_known = false;
    for (const auto& k : known_) is_known = is_known || k == name;
    if (is_known) continue;
    std::string message = "unknown key";
    if (auto near = closest_match(name, known_)) message += " (did you mean '" + *near + "'?)";
    ctx_.error(key.source(), path_of(name), message);
  }
}

}  // namespace sluice::config
