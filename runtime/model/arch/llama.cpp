#include <cmath>

#include "model/arch/architectures.hpp"

namespace sluice::model {

ModelGraph build_llama_family_graph(const GgufFile& file, const ModelDescription& d) {
  GraphBuilder g(file, d);
  const int64_t n_embd = d.n_embd;
  const int64_t hd = d.head_dim_k;
  const int64_t q_width = hd * d.n_head;
  const int64_t kv_width = hd * d.n_head_kv;
  const int64_t T = SLUICE_DIM_TOKENS;
  const bool qwen2 = d.arch == Architecture::qwen2;
  // llama.cpp stores llama's q/k rotated pairwise (its converter permutes them); qwen2
  // keeps Hugging Face's half-split layout.
  const int32_t rope_mode = qwen2 ? SLUICE_ROPE_NEOX : SLUICE_ROPE_NORMAL;

  const int32_t tokens = g.input_tokens();
  const int32_t positions = g.input_positions();
  const int32_t embd = g.weight("token_embd.weight", {n_embd, d.n_vocab});
  const int32_t freq_factors =
      d.has_rope_freqs ? g.weight("rope_freqs.weight", {static_cast<int64_t>(d.n_rot / 2)}) : -1;
  int32_t x = g.get_rows(embd, tokens, n_embd);

  for (uint32_t l = 0; l < d.n_layer; ++l) {
    const std::string p = "blk." + std::to_string(l) + ".";
    int32_t h =
        g.mul(g.rms_norm(x, n_embd, d.rms_norm_eps), g.weight(p + "attn_norm.weight", {n_embd}));
    int32_t q = g.matmul(g.weight(p + "attn_q.weight", {n_embd, q_width}), h, q_width);
    int32_t k = g.matmul(g.weight(p + "attn_k.weight", {n_embd, kv_width}), h, kv_width);
    int32_t v = g.matmul(g.weight(p + "attn_v.weight", {n_embd, kv_width}), h, kv_width);
    if (d.has_qkv_bias) {
      q = g.add(q, g.weight(p + "attn_q.bias", {q_width}));
      k = g.add(k, g.weight(p + "attn_k.bias", {kv_width}));
      v = g.add(v, g.weight(p + "attn_v.bias", {kv_width}));
    }
    q = g.rope(g.reshape(q, {hd, d.n_head, T}), positions, freq_factors, rope_mode);
    k = g.rope(g.reshape(k, {hd, d.n_head_kv, T}), positions, freq_factors, rope_mode);
    v = g.reshape(v, {hd, d.n_head_kv, T});
    const float scale = 1.0f / std::sqrt(static_cast<float>(hd));
    const int32_t attn = g.attention(q, k, v, static_cast<int32_t>(l), scale, d.attn_logit_softcap);
    x = g.add(x, g.matmul(g.weight(p + "attn_output.weight", {q_width, n_embd}), attn, n_embd));

    h = g.mul(g.rms_norm(x, n_embd, d.rms_norm_eps), g.weight(p + "ffn_norm.weight", {n_embd}));
    const int32_t gate = g.matmul(g.weight(p + "ffn_gate.weight", {n_embd, d.n_ff}), h, d.n_ff);
    const int32_t up = g.matmul(g.weight(p + "ffn_up.weight", {n_embd, d.n_ff}), h, d.n_ff);
    const int32_t ffn = g.silu_mul(gate, up);
    x = g.add(x, g.matmul(g.weight(p + "ffn_down.weight", {d.n_ff, n_embd}), ffn, n_embd));
  }

  // Only the rows whose logits are wanted go through the final norm and the output.
  x = g.output_rows(x);
  x = g.mul(g.rms_norm(x, n_embd, d.rms_norm_eps), g.weight("output_norm.weight", {n_embd}));
  const int32_t output = d.tied_output ? embd : g.weight("output.weight", {n_embd, d.n_vocab});
  return g.finish(g.matmul(output, x, d.n_vocab, SLUICE_DIM_OUTPUTS));
}

}  // namespace sluice::model
