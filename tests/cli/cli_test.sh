#!/usr/bin/env bash
# The `sluice` command line end to end: --version, check-config, plugins.
# Usage: cli_test.sh SLUICE TEST_PLUGIN_DIR SOURCE_DIR
set -uo pipefail
sluice=$1 test_plugins=$2 source_dir=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0 passed=0
check() {  # check NAME CONDITION...
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); else echo "FAILED: $name"; failures=$((failures + 1)); fi
}
contains() { [[ "$1" == *"$2"* ]]; }

out=$("$sluice" --version)
check "--version names the ABI" contains "$out" "plugin ABI 1.1"

# check-config: the bundled file is valid where ../shared is beside the checkout.
if [ -f "$source_dir/../shared/models/stories260K.gguf" ]; then
  out=$("$sluice" check-config "$source_dir/sluice.toml" 2>&1); rc=$?
  check "bundled sluice.toml is valid ($out)" test "$rc" -eq 0
else
  echo "SKIPPED: bundled sluice.toml check: ../shared/models/stories260K.gguf is absent"
fi

printf '[server]\nport = 8080\nhots = "x"\n' > "$work/bad.toml"
out=$("$sluice" check-config "$work/bad.toml" 2>&1); rc=$?
check "check-config fails on a bad file" test "$rc" -eq 1
check "check-config names file:line:col and key ($out)" contains "$out" "$work/bad.toml:3:1: server.hots: unknown key (did you mean 'host'?)"

# plugins: every test plugin is listed with its status or the reason it was refused.
printf '[plugins]\ndirs = ["%s"]\n' "$test_plugins" > "$work/plugins.toml"
out=$("$sluice" plugins --config "$work/plugins.toml"); rc=$?
check "plugins exits 0 when nothing configured is missing" test "$rc" -eq 0
check "plugins lists a loaded plugin" contains "$out" "good-scheduler"
check "plugins shows the ABI refusal" contains "$out" "built for plugin ABI 2.0, this host implements 1.1"
check "plugins shows sha256" contains "$out" "sha256  "

json=$("$sluice" plugins --config "$work/plugins.toml" --json)
status=$(printf '%s' "$json" | python3 -c 'import json,sys; d=json.load(sys.stdin); print({p["name"]: p["status"] for p in d["plugins"]}["good-scheduler"])')
check "plugins --json reports status (got $status)" test "$status" = loaded

# A wrong pin in the configuration: refused, and the exit code says so.
printf '[plugins]\ndirs = ["%s"]\n[plugin.good-scheduler]\nsha256 = "%s"\n' "$test_plugins" \
  "$(printf '0%.0s' {1..64})" > "$work/pinned.toml"
out=$("$sluice" plugins --config "$work/pinned.toml"); rc=$?
check "a mismatched pin fails the command" test "$rc" -eq 1
check "a mismatched pin is explained" contains "$out" "sha256 mismatch"

# inspect: a real model's description, and a clear error for a file that is not GGUF.
shared="${SLUICE_SHARED:-$source_dir/../shared}"
model="$shared/models/stories260K.gguf"
if [ -f "$model" ]; then
  json=$("$sluice" inspect "$model" --json)
  summary=$(printf '%s' "$json" | python3 -c 'import json,sys; d=json.load(sys.stdin); h=d["hyperparameters"]; print(d["architecture"], d["parameters"], h["n_layer"], h["n_head"], h["n_head_kv"], h["n_vocab"], d["tokenizer"]["type"], d["chat_template"], len(d["tensors"]), d["size_by_type"]["F32"]["tensors"])')
  check "inspect --json describes stories260K (got $summary)" test "$summary" = "llama 292800 5 8 4 512 SPM False 48 48"
  out=$("$sluice" inspect "$model")
  check "inspect text shows the tensor table" contains "$out" "blk.4.ffn_down.weight"
else
  echo "SKIPPED: sluice inspect on stories260K: $model is absent"
fi
printf 'not a model' > "$work/bad.gguf"
out=$("$sluice" inspect "$work/bad.gguf" 2>&1); rc=$?
check "inspect fails on a non-GGUF file" test "$rc" -eq 1
check "inspect names the file and the problem ($out)" contains "$out" "$work/bad.gguf: magic at byte 0: not a GGUF file"

# tokenize: stories260K's own tokenizer, BOS included (../shared/README.md).
if [ -f "$shared/models/stories260K.gguf" ]; then
  out=$("$sluice" tokenize -m "$shared/models/stories260K.gguf" "Once upon a time")
  check "tokenize prints the ids ($out)" test "$out" = "1 403 407 261 378"
  out=$("$sluice" tokenize -m "$shared/models/stories260K.gguf" --no-bos "Once upon a time")
  check "tokenize --no-bos drops BOS ($out)" test "$out" = "403 407 261 378"
  out=$("$sluice" tokenize -m "$shared/models/stories260K.gguf" --pieces "Once")
  check "tokenize --pieces prints id and piece ($out)" contains "$out" "$(printf '1\t')"
else
  echo "SKIPPED: sluice tokenize: $shared/models/stories260K.gguf is absent"
fi
out=$("$sluice" tokenize -m "$work/bad.gguf" "x" 2>&1); rc=$?
check "tokenize fails on a bad model ($out)" test "$rc" -eq 1

# run: greedy generation through the CPU backend plugin reproduces llama.cpp's text.
if [ -f "$shared/fixtures/stories260K.greedy.jsonl" ] && [ -f "$shared/models/stories260K.gguf" ]; then
  out=$(python3 "$(dirname "$0")/run_matches_fixture.py" "$sluice" "$shared/models/stories260K.gguf" \
        "$shared/fixtures/stories260K.greedy.jsonl" 2>&1)
  check "run reproduces stories260K's greedy text ($out)" contains "$out" ": 0 failures"
  out=$("$sluice" run -m "$shared/models/stories260K.gguf" -p "Once upon a time" --backend nonesuch 2>&1); rc=$?
  check "run names an unknown backend ($out)" test "$rc" -eq 2
  check "run lists the loaded backends ($out)" contains "$out" "no backend plugin named 'nonesuch' (loaded backends: cpu"
  long=$(python3 -c 'print("Once upon a time " * 200)')
  out=$("$sluice" run -m "$shared/models/stories260K.gguf" -p "$long" -c 128 2>&1); rc=$?
  check "run refuses a prompt longer than the context ($out)" test "$rc" -eq 1
  check "run says why ($out)" contains "$out" "the context holds 128"
  out=$("$sluice" run -m "$shared/models/stories260K.gguf" -p "Once upon a time" --temp 0.9 -s 7 -n 16 2>/dev/null)
  again=$("$sluice" run -m "$shared/models/stories260K.gguf" -p "Once upon a time" --temp 0.9 -s 7 -n 16 2>/dev/null)
  check "run with a seed is repeatable" test "$out" = "$again"
else
  echo "SKIPPED: sluice run: stories260K model or fixture is absent"
fi

# quantize: from the F32 tiny model, every recipe reproduces llama-quantize's tensors
# byte for byte (../shared/models/tiny-<type>.gguf were made by it from the same file).
if [ -f "$shared/models/tiny-f32.gguf" ]; then
  for type in q8_0 q4_0 q4_k_m q6_k; do
    upper=$(printf '%s' "$type" | tr a-z A-Z)
    "$sluice" quantize "$shared/models/tiny-f32.gguf" "$work/tiny-$type.gguf" "$upper" > /dev/null
    out=$(python3 "$(dirname "$0")/gguf_tensors_equal.py" "$work/tiny-$type.gguf" "$shared/models/tiny-$type.gguf")
    check "quantize $upper matches llama-quantize ($out)" contains "$out" "tensors identical"
  done
  out=$("$sluice" quantize "$shared/models/tiny-f32.gguf" "$work/x.gguf" Q3_XYZ 2>&1); rc=$?
  check "quantize refuses an unknown type ($out)" test "$rc" -eq 2
else
  echo "SKIPPED: sluice quantize: $shared/models/tiny-f32.gguf is absent"
fi

echo "cli: $passed passed, $failures failed"
[ "$failures" -eq 0 ]
