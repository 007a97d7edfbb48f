#!/usr/bin/env bash
# Serving benchmark (issue 5): for each model, `sluice serve` on 2 threads with
# tools/loadgen at 1 and 16 concurrent streams (aggregate generation throughput and its
# ratio), a lone request's time to first token against `sluice bench`'s prompt time for
# the same prompt length, and the engine's own share of each step (scheduling, sampling,
# streaming) from /metrics. Prints one JSON line per model.
# Usage: bench/serving_speed.sh BUILD_DIR MODEL.gguf...
set -euo pipefail
build=$1
shift
sluice=$build/bin/sluice
loadgen=$(dirname "$0")/../tools/loadgen/sluice-loadgen
work=$(mktemp -d)
trap 'kill "${server_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
prompt_tokens=${PROMPT_TOKENS:-128}
gen_tokens=${GEN_TOKENS:-32}

for model in "$@"; do
  # sluice bench: the prompt time for the same prompt length, no generation.
  bench_ms=$("$sluice" bench -m "$model" -p "$prompt_tokens" -n 0 -r 3 -t 2 --json |
    python3 -c 'import json,statistics,sys; d=json.load(sys.stdin); print(1000*'"$prompt_tokens"'/statistics.median(d["pp"]["runs"]))')

  "$sluice" serve -m "$model" --port 0 --threads 2 --max-seqs 16 --ctx-size 1024 \
    --log-level warn 2>"$work/server.log" &
  server_pid=$!
  for _ in $(seq 600); do grep -q "listening on" "$work/server.log" && break; sleep 0.1; done
  url=$(grep -o "http://[0-9.:]*" "$work/server.log" | head -1)
  for _ in $(seq 600); do curl -sf "$url/health" >/dev/null && break; sleep 0.2; done

  # A lone request's TTFT (streaming, prompt of the same length).
  "$loadgen" --url "$url" --concurrency 1 --requests 3 --prompt-tokens "$prompt_tokens" \
    --max-tokens 1 --seed 1 --json "$work/ttft.json" >/dev/null
  # Single-stream and 16-stream generation throughput.
  "$loadgen" --url "$url" --concurrency 1,16 --requests 16 --prompt-tokens 16 \
    --max-tokens "$gen_tokens" --ignore-eos --seed 2 --json "$work/load.json" >/dev/null
  curl -s "$url/metrics" >"$work/metrics.txt"
  kill "$server_pid"
  wait "$server_pid" || true

  python3 - "$model" "$bench_ms" "$work/ttft.json" "$work/load.json" "$work/metrics.txt" <<'PY'
import json, re, sys
model, bench_ms, ttft_file, load_file, metrics_file = sys.argv[1:]
ttft = json.load(open(ttft_file))["levels"][0]["ttft_ms"]["p50"]
levels = {l["concurrency"]: l for l in json.load(open(load_file))["levels"]}
tps = {c: levels[c]["throughput"]["output_tokens_per_s"] for c in levels}
phase = {m.group(1): float(m.group(2)) for m in re.finditer(
    r'sluice:engine_step_seconds_total\{[^}]*phase="(\w+)"\} ([0-9.e+-]+)', open(metrics_file).read())}
total = sum(phase.values())
cpu = {m.group(1): float(m.group(2)) for m in re.finditer(
    r'sluice:engine_step_cpu_seconds_total\{[^}]*phase="(\w+)"\} ([0-9.e+-]+)', open(metrics_file).read())}
print(json.dumps({
    "model": model.rsplit("/", 1)[-1],
    "single_stream_tok_s": round(tps[1], 1), "16_streams_tok_s": round(tps[16], 1),
    "ratio_16_over_1": round(tps[16] / tps[1], 2),
    "lone_ttft_ms_p50": round(ttft, 1), "bench_prompt_ms": round(float(bench_ms), 1),
    "ttft_over_bench": round(ttft / float(bench_ms), 3),
    "engine_overhead_pct": round(100 * (phase.get("schedule", 0) + phase.get("sample", 0)) / total, 2),
    # The engine thread's own CPU time in those phases: without the time it was preempted.
    "engine_overhead_cpu_pct": round(100 * (cpu.get("schedule", 0) + cpu.get("sample", 0)) / total, 2),
}))
PY
done
