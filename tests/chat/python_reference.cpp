#include "python_reference.hpp"

#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "test_support.hpp"

namespace sluice::test {
namespace {

std::string script_path() {
  return std::string(SLUICE_CHAT_TEST_DIR) + "/render_reference.py";
}

std::string shell_quote(const std::string& text) {
  std::string out = "'";
  for (const char c : text) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

int run(const std::string& command) {
  const int status = std::system(command.c_str());
  return status != -1 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace

bool python_reference_available() {
  if (run("python3 -c 'import jinja2' > /dev/null 2>&1") != 0) {
    std::printf("SKIPPED: python3 with jinja2 is not available\n");
    return false;
  }
  return true;
}

std::vector<ReferenceResult> render_with_jinja2(const std::vector<ReferenceCase>& cases) {
  ScratchDir scratch;
  nlohmann::ordered_json batch = nlohmann::ordered_json::array();
  for (const auto& c : cases) batch.push_back({{"template", c.source}, {"context", c.context}});
  const auto input = scratch.write("cases.json", batch.dump());
  const auto output = scratch.path() / "results.json";
  const auto errors = scratch.path() / "errors.txt";
  const int status =
      run("python3 " + shell_quote(script_path()) + " --batch " + shell_quote(input.string()) +
          " " + std::to_string(reference_time) + " > " + shell_quote(output.string()) + " 2> " +
          shell_quote(errors.string()));
  if (status != 0) {
    throw std::runtime_error("render_reference.py failed (" + std::to_string(status) +
                             "): " + read_file(errors));
  }
  const auto results = nlohmann::json::parse(read_file(output));
  std::vector<ReferenceResult> out;
  for (const auto& r : results) {
    ReferenceResult result;
    result.ok = r.at("ok").get<bool>();
    if (result.ok) {
      result.output = r.at("output").get<std::string>();
    } else {
      result.error = r.at("error").get<std::string>();
    }
    out.push_back(std::move(result));
  }
  if (out.size() != cases.size())
    throw std::runtime_error("render_reference.py returned the wrong number of results");
  return out;
}

std::vector<ReferenceCase> read_case_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path);
  struct Pending {
    std::string name, context, source;
    bool has_source = false;
  };
  std::vector<Pending> pending;
  enum class Section { none, context, source } section = Section::none;
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("=== ", 0) == 0) {
      pending.push_back({line.substr(4), "", "", false});
      section = Section::none;
    } else if (pending.empty()) {
      continue;  // the header comment
    } else if (line == "--- context") {
      section = Section::context;
    } else if (line == "--- template") {
      section = Section::source;
    } else if (section == Section::context) {
      pending.back().context += line + "\n";
    } else if (section == Section::source) {
      auto& p = pending.back();
      if (p.has_source) p.source += "\n";
      p.source += line;
      p.has_source = true;
    }
  }
  std::vector<ReferenceCase> cases;
  for (auto& p : pending) {
    ReferenceCase c;
    c.name = p.name;
    c.source = p.source;
    c.context = p.context.empty() ? nlohmann::ordered_json::object()
                                  : nlohmann::ordered_json::parse(p.context);
    cases.push_back(std::move(c));
  }
  return cases;
}

}  // namespace sluice::test
