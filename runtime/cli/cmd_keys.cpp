// `sluice keys`: make API keys (printed once, stored only as salted hashes), hash a key
// for a hand-written entry, and check a keys file (security/key_file).
#include <fcntl.h>
#include <sys/file.h>
#include <termios.h>
#include <unistd.h>
#include <CLI/CLI.hpp>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <iostream>
#include <iterator>
#include <random>
#include <set>
#include <string>

#include "cli/commands.hpp"
#include "security/key_file.hpp"
#include "security/key_hash.hpp"

namespace sluice::cli {
namespace {

// A TOML basic string: quotes, backslashes and control characters escaped.
std::string toml_string(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\u%04x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

// "<tenant>-<8 hex>", the tenant reduced to characters an id may hold.
std::string default_id(const std::string& tenant) {
  std::string prefix;
  for (char c : tenant) {
    const bool plain = std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_';
    prefix += plain ? c : '-';
  }
  std::random_device random;
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "%08x", static_cast<unsigned>(random()));
  return prefix.substr(0, 64) + "-" + suffix;
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::string entry_toml(const KeysNewOptions& o, const std::string& id, const std::string& hash) {
  std::string out = "[[key]]\n# created " + utc_now() + " by sluice keys new\n";
  out += "id = " + toml_string(id) + "\n";
  out += "tenant = " + toml_string(o.tenant) + "\n";
  if (!o.models.empty()) {
    out += "models = [";
    for (size_t i = 0; i < o.models.size(); ++i) {
      out += (i > 0 ? ", " : "") + toml_string(o.models[i]);
    }
    out += "]\n";
  }
  if (o.admin) out += "admin = true\n";
  if (o.requests_per_minute > 0) {
    out += "requests_per_minute = " + std::to_string(o.requests_per_minute) + "\n";
  }
  if (o.tokens_per_minute > 0) {
    out += "tokens_per_minute = " + std::to_string(o.tokens_per_minute) + "\n";
  }
  if (o.max_concurrent > 0) out += "max_concurrent = " + std::to_string(o.max_concurrent) + "\n";
  out += "hash = " + toml_string(hash) + "\n";
  return out;
}

void print_problems(const security::KeyFileError& e) {
  for (const auto& p : e.problems()) std::fprintf(stderr, "%s\n", p.to_string().c_str());
}

bool read_all(int fd, std::string& out) {
  char buf[65536];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n == 0) return true;
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    out.append(buf, static_cast<size_t>(n));
  }
}

bool write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

// Appends `entry` to the keys file (made 0600 when new) after checking that the file with
// it is valid (a duplicate id, a broken file); holds an exclusive lock meanwhile so that
// two `sluice keys new` cannot both take the same id.
int append_entry(const std::filesystem::path& file, const std::string& entry) {
  const int fd = ::open(file.c_str(), O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  if (fd < 0) {
    std::fprintf(stderr, "sluice keys new: cannot open %s: %s\n", file.c_str(),
                 std::strerror(errno));
    return 1;
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }  // also drops the lock
  } closer{fd};
  std::string existing;
  if (::flock(fd, LOCK_EX) != 0 || !read_all(fd, existing)) {
    std::fprintf(stderr, "sluice keys new: cannot read %s: %s\n", file.c_str(),
                 std::strerror(errno));
    return 1;
  }
  std::string addition;
  if (!existing.empty()) addition = existing.back() == '\n' ? "\n" : "\n\n";
  addition += entry;
  try {
    security::parse_key_file(existing + addition, file);
  } catch (const security::KeyFileError& e) {
    print_problems(e);
    std::fprintf(stderr, "sluice keys new: %s left unchanged; no key was made\n", file.c_str());
    return 1;
  }
  if (!write_all(fd, addition) || ::fsync(fd) != 0) {
    std::fprintf(stderr, "sluice keys new: cannot write %s: %s\n", file.c_str(),
                 std::strerror(errno));
    return 1;
  }
  return 0;
}

// Reads one key from stdin, without echo when stdin is a terminal.
bool read_key(std::string& key) {
  const bool tty = ::isatty(STDIN_FILENO) == 1;
  termios saved{};
  if (tty) {
    std::fprintf(stderr, "API key: ");
    std::fflush(stderr);
    if (::tcgetattr(STDIN_FILENO, &saved) == 0) {
      termios quiet = saved;
      quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
      ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
  }
  std::string text;
  if (tty) {
    std::getline(std::cin, text);
    ::tcsetattr(STDIN_FILENO, TCSANOW, &saved);
    std::fprintf(stderr, "\n");
  } else {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  }
  const size_t begin = text.find_first_not_of(" \t\r\n");
  const size_t end = text.find_last_not_of(" \t\r\n");
  key = begin == std::string::npos ? "" : text.substr(begin, end - begin + 1);
  return !key.empty() && key.find_first_of(" \t\r\n") == std::string::npos;
}

}  // namespace

int run_keys_new(const KeysNewOptions& options) {
  const std::string id = options.id.empty() ? default_id(options.tenant) : options.id;
  const std::string key = security::generate_key();
  const std::string entry = entry_toml(options, id, security::hash_key(key));
  // The entry alone must be valid: a bad id, tenant or model name is refused here.
  try {
    security::parse_key_file(entry, "<new key>");
  } catch (const security::KeyFileError& e) {
    print_problems(e);
    return 1;
  }
  if (options.file) {
    if (const int rc = append_entry(*options.file, entry); rc != 0) return rc;
  }
  std::printf("%s\n", key.c_str());
  if (options.file) {
    std::fprintf(stderr,
                 "Key '%s' (tenant '%s') added to %s. The key above is shown only now: it is "
                 "not stored anywhere, the file holds only its hash.\n",
                 id.c_str(), options.tenant.c_str(), options.file->c_str());
  } else {
    std::printf("\n%s", entry.c_str());
    std::fprintf(stderr,
                 "Add the [[key]] entry above to the keys file. The key on the first line is "
                 "shown only now: it is not stored anywhere, the entry holds only its hash.\n");
  }
  std::fflush(stdout);
  return 0;
}

int run_keys_hash() {
  std::string key;
  if (!read_key(key)) {
    std::fprintf(stderr, "sluice keys hash: expected one key (no spaces) on stdin\n");
    return 1;
  }
  std::printf("%s\n", security::hash_key(key).c_str());
  return 0;
}

int run_keys_check(const std::filesystem::path& file) {
  try {
    const auto keys = security::load_key_file(file);
    size_t admin = 0;
    std::set<std::string> tenants;
    for (const auto& k : keys) {
      admin += k.admin ? 1 : 0;
      tenants.insert(k.tenant);
    }
    std::printf("%s: OK (%zu key%s, %zu admin, %zu tenant%s)\n", file.c_str(), keys.size(),
                keys.size() == 1 ? "" : "s", admin, tenants.size(), tenants.size() == 1 ? "" : "s");
    return 0;
  } catch (const security::KeyFileError& e) {
    print_problems(e);
    return 1;
  }
}

CLI::App* add_keys_command(CLI::App& app, KeysOptions& options) {
  CLI::App* keys = app.add_subcommand("keys", "Make API keys and check keys files");
  keys->require_subcommand(1);

  CLI::App* make =
      keys->add_subcommand("new", "Make a key: printed once, only its hash is written");
  KeysNewOptions& n = options.new_key;
  make->add_option("--tenant", n.tenant, "Tenant the key belongs to")->required();
  make->add_option("--id", n.id, "Key id (default: TENANT-<8 hex>)");
  make->add_option("--model", n.models, "Allow only this model (repeatable; default: all)");
  make->add_flag("--admin", n.admin, "An admin key (/admin/*)");
  make->add_option("--rpm", n.requests_per_minute, "Requests per minute (0: unlimited)")
      ->check(CLI::NonNegativeNumber);
  make->add_option("--tpm", n.tokens_per_minute, "Tokens per minute (0: unlimited)")
      ->check(CLI::Range(uint64_t{0}, uint64_t{INT64_MAX}));
  make->add_option("--concurrent", n.max_concurrent, "Concurrent requests (0: unlimited)")
      ->check(CLI::NonNegativeNumber);
  make->add_option("--file", options.file, "Append the entry to this keys file (made 0600)");
  make->callback([&options] {
    options.action = KeysOptions::Action::make;
    if (!options.file.empty()) options.new_key.file = options.file;
  });

  CLI::App* hash = keys->add_subcommand("hash", "Print the stored hash of a key read on stdin");
  hash->callback([&options] { options.action = KeysOptions::Action::hash; });

  CLI::App* check = keys->add_subcommand("check", "Validate a keys file (exit 1 when invalid)");
  check->add_option("--file", options.file, "Keys file")->required();
  check->callback([&options] { options.action = KeysOptions::Action::check; });
  return keys;
}

int run_keys(const KeysOptions& options) {
  switch (options.action) {
    case KeysOptions::Action::make: return run_keys_new(options.new_key);
    case KeysOptions::Action::hash: return run_keys_hash();
    case KeysOptions::Action::check: return run_keys_check(options.file);
    case KeysOptions::Action::none: break;
  }
  return 2;
}

}  // namespace sluice::cli
