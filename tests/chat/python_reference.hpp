// Runs tests/chat/render_reference.py: Python's jinja2 set up as Hugging Face sets it up,
// the reference the engine is compared with.
#pragma once

#include <ctime>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

namespace sluice::test {

struct ReferenceCase {
  std::string name;
  std::string source;              // the template
  nlohmann::ordered_json context;  // a JSON object
};

struct ReferenceResult {
  bool ok = false;
  std::string output;  // when ok
  std::string error;   // when not: "ExceptionType: message"
};

// The fixed "now" both sides give strftime_now: 2024-07-26 10:34:56 UTC.
constexpr std::time_t reference_time = 1721990096;

// Whether python3 with jinja2 is available; prints "SKIPPED: ..." when not.
bool python_reference_available();

// Renders every case with jinja2 in one python3 run.
std::vector<ReferenceResult> render_with_jinja2(const std::vector<ReferenceCase>& cases);

// Reads tests/chat/jinja_cases.txt (its format is described at the top of the file).
std::vector<ReferenceCase> read_case_file(const std::string& path);

}  // namespace sluice::test
