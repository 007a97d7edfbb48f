#include "security/key_file.hpp"

#include <toml++/toml.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

#include "config/did_you_mean.hpp"
#include "config/toml_type_name.hpp"
#include "security/key_hash.hpp"

namespace sluice::security {

using config::describe_type;

std::string KeyFileProblem::to_string() const {
  std::string out = file.string();
  if (line > 0) out += ":" + std::to_string(line) + ":" + std::to_string(column);
  out += ": ";
  if (!key.empty()) out += key + ": ";
  out += message;
  return out;
}

namespace {

std::string join(const std::vector<KeyFileProblem>& problems) {
  std::string out;
  for (const auto& p : problems) {
    if (!out.empty()) out += '\n';
    out += p.to_string();
  }
  return out;
}

const std::vector<std::string> kFields = {"id",
                                          "tenant",
                                          "hash",
                                          "models",
                                          "admin",
                                          "requests_per_minute",
                                          "tokens_per_minute",
                                          "max_concurrent"};

// Field names that would hold a key in plain text: refused with their own message, so
// that nobody "fixes" the error by renaming the field.
const std::vector<std::string> kPlaintextFields = {"key",    "api_key", "apikey",
                                                   "secret", "token",   "plaintext"};

bool looks_like_plaintext_key(std::string_view value) {
  return value.rfind("sk-", 0) == 0;
}

bool has_control_or_space(std::string_view s) {
  return std::any_of(s.begin(), s.end(),
                     [](char c) { return static_cast<unsigned char>(c) <= ' ' || c == 0x7f; });
}

class Reader {
 public:
  explicit Reader(std::filesystem::path file) : file_(std::move(file)) {}

  void problem(const toml::source_region& where, std::string key, std::string message) {
    problems_.push_back(KeyFileProblem{file_, where.begin.line, where.begin.column, std::move(key),
                                       std::move(message)});
  }

  std::vector<KeyEntry> read(const toml::table& root) {
    std::vector<KeyEntry> out;
    for (auto&& [name, node] : root) {
      if (name.str() == "key") {
        const toml::array* tables = node.as_array();
        if (tables == nullptr || !tables->is_array_of_tables()) {
          problem(node.source(), "",
                  node.is_string()
                      ? "a plaintext key is never stored; write [[key]] tables with its hash "
                        "(sluice keys new, or sluice keys hash)"
                      : "'key' must be [[key]] tables, found " + describe_type(node));
          continue;
        }
        for (size_t i = 0; i < tables->size(); ++i) {
          if (auto entry = read_key(*tables->get(i)->as_table(), i + 1)) {
            out.push_back(std::move(*entry));
          }
        }
      } else {
        std::string message = "unknown top-level entry '" + std::string(name.str()) +
                              "' (a keys file holds only [[key]] tables)";
        problem(name.source(), "", message);
      }
    }
    std::stable_sort(problems_.begin(), problems_.end(), [](const auto& a, const auto& b) {
      return std::tie(a.line, a.column) < std::tie(b.line, b.column);
    });
    if (!problems_.empty()) throw KeyFileError(std::move(problems_));
    return out;
  }

 private:
  std::optional<KeyEntry> read_key(const toml::table& table, size_t index) {
    const size_t before = problems_.size();
    KeyEntry entry;
    entry.line = table.source().begin.line;
    std::string label = "key #" + std::to_string(index);

    // The id first: every other message names the key by it.
    if (const toml::node* id = table.get("id")) {
      if (const auto* s = id->as_string(); s != nullptr && valid_id(s->get())) {
        entry.id = s->get();
        label = "key '" + entry.id + "'";
        auto [first, inserted] = seen_ids_.emplace(entry.id, id->source());
        if (!inserted) {
          problem(id->source(), label,
                  "duplicate id (first used at " + file_.string() + ":" +
                      std::to_string(first->second.begin.line) + ")");
        }
      } else {
        problem(id->source(), label,
                "id must be a non-empty string of at most 128 characters without spaces, found " +
                    (s != nullptr ? "'" + std::string(s->get()) + "'" : describe_type(*id)));
      }
    }

    for (auto&& [name_key, node] : table) {
      const std::string name(name_key.str());
      if (name == "id") continue;
      if (name == "tenant") {
        read_tenant(node, label, entry.tenant);
      } else if (name == "hash") {
        read_hash(node, label, entry.hash);
      } else if (name == "models") {
        read_models(node, label, entry.models);
      } else if (name == "admin") {
        if (const auto* b = node.as_boolean()) {
          entry.admin = b->get();
        } else {
          problem(node.source(), label,
                  "admin must be true or false, found " + describe_type(node));
        }
      } else if (name == "requests_per_minute") {
        entry.limits.requests_per_minute = static_cast<uint32_t>(
            read_limit(node, name, label, std::numeric_limits<uint32_t>::max()));
      } else if (name == "tokens_per_minute") {
        entry.limits.tokens_per_minute = static_cast<uint64_t>(
            read_limit(node, name, label, std::numeric_limits<int64_t>::max()));
      } else if (name == "max_concurrent") {
        entry.limits.max_concurrent = static_cast<uint32_t>(
            read_limit(node, name, label, std::numeric_limits<uint32_t>::max()));
      } else if (std::find(kPlaintextFields.begin(), kPlaintextFields.end(), name) !=
                 kPlaintextFields.end()) {
        problem(name_key.source(), label,
                "field '" + name +
                    "' would hold the key in plain text; store only its hash "
                    "(hash = \"sha256$...\", from sluice keys hash)");
      } else {
        std::string message = "unknown field '" + name + "'";
        if (auto near = config::closest_match(name, kFields)) {
          message += " (did you mean '" + *near + "'?)";
        }
        problem(name_key.source(), label, message);
      }
    }

    for (const char* required : {"id", "tenant", "hash"}) {
      if (!table.contains(required)) {
        problem(table.source(), label, std::string("missing required field '") + required + "'");
      }
    }
    if (problems_.size() != before) return std::nullopt;
    return entry;
  }

  static bool valid_id(std::string_view id) {
    return !id.empty() && id.size() <= 128 && !has_control_or_space(id);
  }

  void read_tenant(const toml::node& node, const std::string& label, std::string& out) {
    const auto* s = node.as_string();
    const bool ok = s != nullptr && !s->get().empty() && s->get().size() <= 128 &&
                    std::none_of(s->get().begin(), s->get().end(), [](char c) {
                      return static_cast<unsigned char>(c) < ' ' || c == 0x7f;
                    });
    if (ok) {
      out = s->get();
    } else {
      problem(node.source(), label,
              "tenant must be a non-empty string of at most 128 characters, found " +
                  (s != nullptr ? "'" + std::string(s->get()) + "'" : describe_type(node)));
    }
  }

  void read_hash(const toml::node& node, const std::string& label, std::string& out) {
    const auto* s = node.as_string();
    if (s != nullptr && is_key_hash(s->get())) {
      out = s->get();
    } else if (s != nullptr && looks_like_plaintext_key(s->get())) {
      // Not echoed: it may be a live key.
      problem(node.source(), label,
              "hash holds what looks like a plaintext key; store only its hash "
              "(sluice keys hash)");
    } else {
      problem(node.source(), label,
              "hash must be sha256$<32 hex salt>$<64 hex digest> (from sluice keys new or "
              "sluice keys hash), found " +
                  (s != nullptr ? "a malformed string" : describe_type(node)));
    }
  }

  void read_models(const toml::node& node, const std::string& label,
                   std::vector<std::string>& out) {
    const auto* array = node.as_array();
    if (array == nullptr) {
      problem(node.source(), label,
              "models must be an array of model names, found " + describe_type(node));
      return;
    }
    for (const toml::node& element : *array) {
      const auto* s = element.as_string();
      if (s != nullptr && !s->get().empty()) {
        out.push_back(s->get());
      } else {
        problem(element.source(), label,
                "models must hold non-empty model names, found " +
                    (s != nullptr ? std::string("an empty string") : describe_type(element)));
      }
    }
  }

  int64_t read_limit(const toml::node& node, const std::string& name, const std::string& label,
                     int64_t max) {
    const auto* value = node.as_integer();
    if (value == nullptr) {
      problem(node.source(), label,
              name + " must be an integer >= 0 (0 = unlimited), found " + describe_type(node));
      return 0;
    }
    if (value->get() < 0 || value->get() > max) {
      problem(node.source(), label,
              name + " must be between 0 (unlimited) and " + std::to_string(max) + ", found " +
                  std::to_string(value->get()));
      return 0;
    }
    return value->get();
  }

  std::filesystem::path file_;
  std::vector<KeyFileProblem> problems_;
  std::map<std::string, toml::source_region> seen_ids_;
};

}  // namespace

KeyFileError::KeyFileError(std::vector<KeyFileProblem> problems)
    : std::runtime_error(join(problems)), problems_(std::move(problems)) {}

std::vector<KeyEntry> parse_key_file(std::string_view text, const std::filesystem::path& file) {
  toml::table root;
  try {
    root = toml::parse(text, file.string());
  } catch (const toml::parse_error& e) {
    const auto& where = e.source().begin;
    throw KeyFileError(
        {KeyFileProblem{file, where.line, where.column, "", std::string(e.description())}});
  }
  return Reader(file).read(root);
}

std::vector<KeyEntry> load_key_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream text;
  if (in) text << in.rdbuf();
  if (!in || in.bad()) {
    throw KeyFileError({KeyFileProblem{
        file, 0, 0, "", std::string("cannot read the keys file: ") + std::strerror(errno)}});
  }
  return parse_key_file(text.str(), file);
}

}  // namespace sluice::security
