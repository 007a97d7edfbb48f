#include "fixture.hpp"

#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

namespace sluice::test {
namespace {

// The value of the JSON string field `key` in `line`, unescaped byte for byte: the
// generated text may hold bytes that are not UTF-8, which a JSON parser rejects.
std::string raw_string_field(const std::string& line, const std::string& key) {
  const std::string marker = "\"" + key + "\":\"";
  size_t i = line.find(marker);
  if (i == std::string::npos) return {};
  i += marker.size();
  std::string out;
  while (i < line.size() && line[i] != '"') {
    if (line[i] != '\\') {
      out += line[i++];
      continue;
    }
    const char e = line[i + 1];
    i += 2;
    switch (e) {
      case 'n': out += '\n'; break;
      case 't': out += '\t'; break;
      case 'r': out += '\r'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'u': {
        const unsigned cp = static_cast<unsigned>(std::stoul(line.substr(i, 4), nullptr, 16));
        i += 4;
        if (cp < 0x80) {
          out += static_cast<char>(cp);
        } else if (cp < 0x800) {
          out += static_cast<char>(0xC0 | (cp >> 6));
          out += static_cast<char>(0x80 | (cp & 0x3F));
        } else {
          out += static_cast<char>(0xE0 | (cp >> 12));
          out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
          out += static_cast<char>(0x80 | (cp & 0x3F));
        }
        break;
      }
      default: out += e;
    }
  }
  return out;
}

}  // namespace

std::vector<Fixture> load_fixtures(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + file.string());
  std::vector<Fixture> out;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    Fixture f;
    f.text = raw_string_field(line, "text");
    f.prompt = raw_string_field(line, "prompt");
    // Numbers and tokens parse as JSON; a line whose text is not UTF-8 is parsed with
    // non-ASCII bytes masked (only the text fields, read above, contain any).
    nlohmann::json parsed;
    try {
      parsed = nlohmann::json::parse(line);
    } catch (const nlohmann::json::exception&) {
      std::string cleaned;
      for (unsigned char c : line) cleaned += c < 0x80 ? static_cast<char>(c) : '?';
      parsed = nlohmann::json::parse(cleaned);
    }
    f.prompt_tokens = parsed["prompt_tokens"].get<std::vector<int32_t>>();
    for (const auto& s : parsed["steps"]) {
      FixtureStep step{s["token"].get<int32_t>(), {}};
      for (const auto& t : s["top"]) step.top.emplace_back(t[0].get<int32_t>(), t[1].get<float>());
      f.steps.push_back(std::move(step));
    }
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace sluice::test
