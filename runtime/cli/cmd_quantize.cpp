#include <algorithm>
#include <cstdio>
#include <vector>

#include "cli/commands.hpp"
#include "kernels/cpu/quant.hpp"
#include "model/ggml_type.hpp"
#include "model/gguf_file.hpp"
#include "model/gguf_writer.hpp"
#include "model/model_description.hpp"
#include "model/quantize_recipe.hpp"

namespace sluice::cli {

int run_quantize(const QuantizeOptions& options) {
  const auto recipe = model::parse_quant_recipe(options.type);
  if (!recipe) {
    std::fprintf(stderr, "unknown type '%s' (supported: Q8_0, Q4_0, Q4_K_M, Q6_K)\n",
                 options.type.c_str());
    return 2;
  }
  try {
    const auto in = model::GgufFile::open(options.input);
    const auto desc = model::ModelDescription::from_gguf(in);
    model::GgufWriter out;
    for (const auto& kv : in.metadata()) out.set(kv.key, kv.value);
    out.set("general.file_type",
            model::GgufValue::of_uint32(model::quant_recipe_file_type(*recipe)));
    out.set("general.quantization_version", model::GgufValue::of_uint32(2));

    std::vector<std::vector<uint8_t>> storage;
    storage.reserve(in.tensors().size());
    uint64_t bytes_in = 0, bytes_out = 0;
    const bool tied_output = std::none_of(in.tensors().begin(), in.tensors().end(),
                                          [](const auto& t) { return t.name == "output.weight"; });
    for (const auto& t : in.tensors()) {
      const uint32_t target = model::quantized_type_for(*recipe, t, desc.n_layer, tied_output);
      const auto src_type = static_cast<kernels::GgmlType>(t.type);
      const auto dst_type = static_cast<kernels::GgmlType>(target);
      model::GgufTensorSource source{t.name, target, {}, {}};
      source.dims.assign(t.dims.begin(), t.dims.begin() + t.n_dims);
      bytes_in += t.size_bytes;
      if (target == t.type) {
        source.data = {t.data, t.size_bytes};
      } else {
        // Through F32: dequantize each row of the source, quantize it to the target.
        const int64_t k = static_cast<int64_t>(t.dims[0]);
        const uint64_t rows = t.n_elements / t.dims[0];
        const size_t src_row = kernels::row_bytes(src_type, k);
        const size_t dst_row = kernels::row_bytes(dst_type, k);
        std::vector<uint8_t> bytes(dst_row * rows);
        std::vector<float> row(static_cast<size_t>(k));
        for (uint64_t r = 0; r < rows; ++r) {
          kernels::dequantize_row(src_type, t.data + r * src_row, row.data(), k);
          kernels::quantize_row_ref(dst_type, row.data(), bytes.data() + r * dst_row, k);
        }
        storage.push_back(std::move(bytes));
        source.data = storage.back();
      }
      bytes_out += source.data.size();
      if (options.verbose) {
        std::printf("%-32s %-5s -> %s\n", t.name.c_str(), model::ggml_type_name(t.type).c_str(),
                    model::ggml_type_name(target).c_str());
      }
      out.add_tensor(std::move(source));
    }
    out.write_file(options.output);
    std::printf("%s: %s, %.2f MiB -> %.2f MiB\n", options.output.string().c_str(),
                model::quant_recipe_name(*recipe), bytes_in / 1048576.0, bytes_out / 1048576.0);
    return 0;
  } catch (const model::GgufError& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "quantize: %s\n", e.what());
    return 1;
  }
}

}  // namespace sluice::cli
