#include "model/gguf_value.hpp"

#include <cmath>
#include <cstring>
#include <limits>

namespace sluice::model {
namespace {

// A scalar's value, decoded from the bits it was stored with.
struct Scalar {
  bool is_float = false;
  bool is_signed = false;
  int64_t i = 0;
  uint64_t u = 0;
  double f = 0;
};

Scalar decode(GgufValueType type, uint64_t bits) {
  Scalar s;
  switch (type) {
    case GgufValueType::uint8: s.u = bits & 0xFF; break;
    case GgufValueType::uint16: s.u = bits & 0xFFFF; break;
    case GgufValueType::uint32: s.u = bits & 0xFFFFFFFF; break;
    case GgufValueType::uint64: s.u = bits; break;
    case GgufValueType::boolean: s.u = (bits & 0xFF) != 0; break;
    case GgufValueType::int8: s.is_signed = true, s.i = static_cast<int8_t>(bits); break;
    case GgufValueType::int16: s.is_signed = true, s.i = static_cast<int16_t>(bits); break;
    case GgufValueType::int32: s.is_signed = true, s.i = static_cast<int32_t>(bits); break;
    case GgufValueType::int64: s.is_signed = true, s.i = static_cast<int64_t>(bits); break;
    case GgufValueType::float32: {
      float f;
      uint32_t b = static_cast<uint32_t>(bits);
      std::memcpy(&f, &b, 4);
      s.is_float = true, s.f = f;
      break;
    }
    case GgufValueType::float64: {
      double f;
      std::memcpy(&f, &bits, 8);
      s.is_float = true, s.f = f;
      break;
    }
    default: break;
  }
  return s;
}

bool is_scalar(GgufValueType t) {
  return gguf_scalar_size(t) != 0;
}

std::optional<int64_t> to_int(GgufValueType type, uint64_t bits) {
  if (!is_scalar(type)) return std::nullopt;
  const Scalar s = decode(type, bits);
  if (s.is_float) {
    if (!std::isfinite(s.f) || s.f != std::trunc(s.f) || std::fabs(s.f) > 9.0e18)
      return std::nullopt;
    return static_cast<int64_t>(s.f);
  }
  if (s.is_signed) return s.i;
  if (s.u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
  return static_cast<int64_t>(s.u);
}

std::optional<double> to_float(GgufValueType type, uint64_t bits) {
  if (!is_scalar(type)) return std::nullopt;
  const Scalar s = decode(type, bits);
  if (s.is_float) return s.f;
  return s.is_signed ? static_cast<double>(s.i) : static_cast<double>(s.u);
}

uint64_t element_bits(const GgufValue& v, uint64_t i) {
  const size_t size = gguf_scalar_size(v.element_type);
  uint64_t bits = 0;
  std::memcpy(&bits, v.raw.data() + i * size, size);  // GGUF is little-endian, as are we
  return bits;
}

nlohmann::json scalar_json(GgufValueType type, uint64_t bits) {
  const Scalar s = decode(type, bits);
  if (type == GgufValueType::boolean) return s.u != 0;
  if (s.is_float)
    return std::isfinite(s.f) ? nlohmann::json(s.f) : nlohmann::json(std::to_string(s.f));
  if (s.is_signed) return s.i;
  return s.u;
}

}  // namespace

std::string gguf_value_type_name(uint32_t type_id) {
  static const char* names[] = {"uint8",  "int8",    "uint16", "int16",  "uint32",
                                "int32",  "float32", "bool",   "string", "array",
                                "uint64", "int64",   "float64"};
  if (type_id < std::size(names)) return names[type_id];
  return "type " + std::to_string(type_id);
}

bool is_valid_gguf_value_type(uint32_t type_id) {
  return type_id <= 12;
}

size_t gguf_scalar_size(GgufValueType type) {
  switch (type) {
    case GgufValueType::uint8:
    case GgufValueType::int8:
    case GgufValueType::boolean: return 1;
    case GgufValueType::uint16:
    case GgufValueType::int16: return 2;
    case GgufValueType::uint32:
    case GgufValueType::int32:
    case GgufValueType::float32: return 4;
    case GgufValueType::uint64:
    case GgufValueType::int64:
    case GgufValueType::float64: return 8;
    default: return 0;
  }
}

GgufValue GgufValue::of_string(std::string s) {
  GgufValue v;
  v.type = GgufValueType::string;
  v.string = std::move(s);
  return v;
}

GgufValue GgufValue::of_uint32(uint32_t x) {
  GgufValue v;
  v.type = GgufValueType::uint32;
  v.bits = x;
  return v;
}

GgufValue GgufValue::of_int32(int32_t x) {
  GgufValue v;
  v.type = GgufValueType::int32;
  v.bits = static_cast<uint32_t>(x);
  return v;
}

GgufValue GgufValue::of_uint64(uint64_t x) {
  GgufValue v;
  v.type = GgufValueType::uint64;
  v.bits = x;
  return v;
}

GgufValue GgufValue::of_float32(float x) {
  GgufValue v;
  v.type = GgufValueType::float32;
  uint32_t b;
  std::memcpy(&b, &x, 4);
  v.bits = b;
  return v;
}

GgufValue GgufValue::of_bool(bool x) {
  GgufValue v;
  v.type = GgufValueType::boolean;
  v.bits = x ? 1 : 0;
  return v;
}

GgufValue GgufValue::of_strings(std::vector<std::string> list) {
  GgufValue v;
  v.type = GgufValueType::array;
  v.element_type = GgufValueType::string;
  v.count = list.size();
  v.strings = std::move(list);
  return v;
}

GgufValue GgufValue::of_float32s(const std::vector<float>& list) {
  GgufValue v;
  v.type = GgufValueType::array;
  v.element_type = GgufValueType::float32;
  v.count = list.size();
  v.raw.resize(list.size() * 4);
  if (!list.empty()) std::memcpy(v.raw.data(), list.data(), v.raw.size());
  return v;
}

GgufValue GgufValue::of_int32s(const std::vector<int32_t>& list) {
  GgufValue v;
  v.type = GgufValueType::array;
  v.element_type = GgufValueType::int32;
  v.count = list.size();
  v.raw.resize(list.size() * 4);
  if (!list.empty()) std::memcpy(v.raw.data(), list.data(), v.raw.size());
  return v;
}

std::optional<int64_t> GgufValue::as_int() const {
  return to_int(type, bits);
}

std::optional<uint64_t> GgufValue::as_uint() const {
  if (type == GgufValueType::uint64) return bits;
  auto i = as_int();
  if (!i || *i < 0) return std::nullopt;
  return static_cast<uint64_t>(*i);
}

std::optional<double> GgufValue::as_float() const {
  return to_float(type, bits);
}

std::optional<bool> GgufValue::as_bool() const {
  if (type != GgufValueType::boolean) return std::nullopt;
  return (bits & 0xFF) != 0;
}

std::optional<int64_t> GgufValue::int_at(uint64_t i) const {
  if (type != GgufValueType::array || i >= count || !is_scalar(element_type)) return std::nullopt;
  return to_int(element_type, element_bits(*this, i));
}

std::optional<double> GgufValue::float_at(uint64_t i) const {
  if (type != GgufValueType::array || i >= count || !is_scalar(element_type)) return std::nullopt;
  return to_float(element_type, element_bits(*this, i));
}

nlohmann::json GgufValue::to_json(size_t max_elements) const {
  if (type == GgufValueType::string) return string;
  if (type != GgufValueType::array) return scalar_json(type, bits);
  nlohmann::json items = nlohmann::json::array();
  const uint64_t shown = std::min<uint64_t>(count, max_elements);
  for (uint64_t i = 0; i < shown; ++i) {
    if (element_type == GgufValueType::string) {
      items.push_back(strings[i]);
    } else if (element_type == GgufValueType::array) {
      items.push_back(arrays[i].to_json(max_elements));
    } else {
      items.push_back(scalar_json(element_type, element_bits(*this, i)));
    }
  }
  if (shown == count) return items;
  return {{"type", "array[" + gguf_value_type_name(static_cast<uint32_t>(element_type)) + "]"},
          {"count", count},
          {"first", items}};
}

}  // namespace sluice::model
