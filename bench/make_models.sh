#!/usr/bin/env bash
# Writes the random-weight test models of issue 4's speed table, reproducibly (fixed
# seeds), under MODELS_DIR (default /work/models; they are GiBs, never in the repo):
#   1b   Llama-3.2-1B shape: dim 2048, 16 layers, 32 heads, 8 KV heads, FFN 8192, tied
#   135m SmolLM-135M shape: dim 576, 30 layers, 9 heads, 3 KV heads, FFN 1536, untied
# each as F16, then Q8_0 and Q4_K_M through `sluice quantize`. Both use Llama 3's BPE
# tokenizer (128,256 tokens) from ../shared/vocab, so the 135m file's embedding and
# output matrices are larger than SmolLM's (49,152 tokens).
# Usage: bench/make_models.sh [BUILD_DIR] [MODELS_DIR]   (existing files are kept)
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$here/build/perf}"
models="${2:-/work/models}"
vocab="${VOCAB:-$here/../shared/vocab/ggml-vocab-llama-bpe.gguf}"
mkdir -p "$models"

make_f16() {  # name, then sluice-make-test-model shape options
  local name="$1"
  shift
  local out="$models/$name-f16.gguf"
  if [[ ! -s "$out" ]]; then
    echo "writing $out" >&2
    "$build/bin/sluice-make-test-model" --vocab "$vocab" --out "$out.tmp" --type f16 "$@"
    mv "$out.tmp" "$out"
  fi
}

quantize() {  # name, type
  local in="$models/$1-f16.gguf"
  local out="$models/$1-$(echo "$2" | tr 'A-Z' 'a-z').gguf"
  if [[ ! -s "$out" ]]; then
    echo "writing $out" >&2
    "$build/bin/sluice" quantize "$in" "$out.tmp" "$2"
    mv "$out.tmp" "$out"
  fi
}

make_f16 1b --dim 2048 --layers 16 --heads 32 --kv-heads 8 --ffn 8192 --tied \
  --ctx 131072 --rope-base 500000 --seed 1
make_f16 135m --dim 576 --layers 30 --heads 9 --kv-heads 3 --ffn 1536 \
  --ctx 2048 --rope-base 10000 --seed 2
for name in 1b 135m; do
  quantize "$name" Q8_0
  quantize "$name" Q4_K_M
done
ls -l "$models"
