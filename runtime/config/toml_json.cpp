#include "config/toml_json.hpp"

#include <sstream>

namespace sluice::config {

nlohmann::json toml_to_json(const toml::node& node) {
  switch (node.type()) {
    case toml::node_type::table: {
      nlohmann::json object = nlohmann::json::object();
      for (auto&& [key, value] : *node.as_table())
        object[std::string(key.str())] = toml_to_json(value);
      return object;
    }
    case toml::node_type::array: {
      nlohmann::json array = nlohmann::json::array();
      for (const auto& element : *node.as_array()) array.push_back(toml_to_json(element));
      return array;
    }
    case toml::node_type::string: return node.as_string()->get();
    case toml::node_type::integer: return node.as_integer()->get();
    case toml::node_type::floating_point: return node.as_floating_point()->get();
    case toml::node_type::boolean: return node.as_boolean()->get();
    default: {
      std::ostringstream text;
      node.visit([&](const auto& value) { text << value; });
      return text.str();
    }
  }
}

}  // namespace sluice::config
