#!/usr/bin/env bash
# llama.cpp on this machine, as the reference for bench/cpu_speed.py and the serving
# bench. These machines reach the npm registry but not GitHub, and the node-llama-cpp
# package ships llama.cpp's prebuilt CPU libraries for linux-x64 (one per CPU family,
# chosen at run time) with llama.cpp's source as a git bundle. This script fetches the
# package, compiles only llama.cpp's own llama-bench and llama-batched-bench drivers
# against those prebuilt libraries, and runs them on each model with the arguments
# cpu_speed.py gives `sluice bench`, then the batched bench at 1 and 16 sequences with
# the serving bench's shape (16-token prompts, 32 generated tokens).
#
#   bench/llama_cpp_reference.sh WORK_DIR MODEL.gguf...
#
# Needs npm, git and g++. Nothing is installed outside WORK_DIR.
set -euo pipefail
if [[ $# -lt 2 ]]; then
  echo "usage: $0 WORK_DIR MODEL.gguf..." >&2
  exit 2
fi
version=3.22.1
work=$(mkdir -p "$1" && cd "$1" && pwd)
shift

cd "$work"
if [[ ! -d libs ]]; then
  npm pack --silent "node-llama-cpp@$version" "@node-llama-cpp/linux-x64@$version" >/dev/null
  mkdir -p pkg libs
  tar xzf "node-llama-cpp-$version.tgz" -C pkg
  tar xzf "node-llama-cpp-linux-x64-$version.tgz" -C libs --strip-components=3 \
    package/bins/linux-x64
fi
if [[ ! -x llama-bench || ! -x llama-batched-bench ]]; then
  rm -rf src && git -c advice.detachedHead=false clone -q pkg/package/llama/gitRelease.bundle src
  libllama=$(cd libs && ls libllama.v*.so | head -1)
  libggml=$(cd libs && ls libggml.v*.so | head -1)
  flags=(-std=c++17 -O2 -DNDEBUG -Isrc/include -Isrc/ggml/include -Isrc/common -Isrc/vendor)
  link=(-Llibs -l:libllama-common.so "-l:$libllama" "-l:$libggml" -l:libggml-base.so
        "-Wl,-rpath,$work/libs" -pthread)
  g++ "${flags[@]}" src/tools/llama-bench/llama-bench.cpp src/tools/llama-bench/main.cpp \
    -o llama-bench "${link[@]}"
  g++ "${flags[@]}" src/tools/batched-bench/batched-bench.cpp src/tools/batched-bench/main.cpp \
    -o llama-batched-bench "${link[@]}"
fi
echo "llama.cpp snapshot: $(git -C src rev-parse --short HEAD)"

# The CPU variant libraries are found next to the working directory.
for model in "$@"; do
  model=$(realpath "$model")
  n=64
  [[ $(basename "$model") == stories260K.gguf ]] && n=128
  echo "== $(basename "$model")"
  (cd libs && "$work/llama-bench" -m "$model" -p 128 -n "$n" -r 3 -t 2 2>/dev/null)
done
for model in "$@"; do
  [[ $(basename "$model") == stories260K.gguf ]] && continue
  model=$(realpath "$model")
  echo "== $(basename "$model"): 1 and 16 sequences, 16 prompt + 32 generated tokens each"
  (cd libs && "$work/llama-batched-bench" -m "$model" -c 4096 -b 512 -ub 512 -npp 16 -ntg 32 \
    -npl 1,16 -t 2 -tb 2 2>/dev/null | grep '^|')
done
