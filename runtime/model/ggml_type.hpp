// The tensor element types GGUF files use: ggml's type ids and block layouts, from the
// table the CPU kernels also use (kernels/cpu/types.hpp).
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "kernels/cpu/types.hpp"

namespace sluice::model {

using kernels::GgmlType;
using GgmlTypeInfo = kernels::TypeLayout;

// The layout of a known type id, or nullopt for ids this reader does not know.
std::optional<GgmlTypeInfo> ggml_type_info(uint32_t type_id);

// "Q4_K", or "type 99" for unknown ids.
std::string ggml_type_name(uint32_t type_id);

}  // namespace sluice::model
