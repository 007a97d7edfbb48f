#include "model/ggml_type.hpp"

namespace sluice::model {

std::optional<GgmlTypeInfo> ggml_type_info(uint32_t type_id) {
  const auto type = static_cast<GgmlType>(type_id);
  if (!kernels::is_known_type(type)) return std::nullopt;
  return kernels::type_layout(type);
}

std::string ggml_type_name(uint32_t type_id) {
  if (auto info = ggml_type_info(type_id)) return info->name;
  return "type " + std::to_string(type_id);
}

}  // namespace sluice::model
