#!/usr/bin/env bash
# Guardrail overhead benchmark (issue 6): the same model served with no guardrails and
# with the default chain (pii, injection, audit), alternately, 16 concurrent streamed
# completions each time (tools/loadgen). Prints one JSON line: each round's end-to-end
# p50 with and without the chain, and the median of the per-round ratios. Then the
# chain's own cost per request and per streamed chunk, in process (bench_guardrail_chain).
# Usage: bench/guardrail_overhead.sh BUILD_DIR MODEL.gguf [ROUNDS]
set -euo pipefail
build=$(cd "$1" && pwd)
model=$2
rounds=${3:-3}
sluice=$build/bin/sluice
loadgen=$(dirname "$0")/../tools/loadgen/sluice-loadgen
work=$(mktemp -d)
trap 'kill "${server_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT

write_config() {  # $1: file, $2: guardrails array
  cat >"$1" <<TOML
[server]
threads = 2
[pipeline]
guardrails = $2
[plugin.audit.config]
path = "$work/audit.jsonl"
[[model]]
name = "m"
path = "$model"
max_seqs = 16
TOML
}
write_config "$work/plain.toml" '[]'
write_config "$work/chain.toml" '["pii", "injection", "audit"]'

run_one() {  # $1: config, $2: output json
  "$sluice" serve --config "$1" --port 0 --log-level warn 2>"$work/server.log" &
  server_pid=$!
  for _ in $(seq 600); do grep -q "listening on" "$work/server.log" && break; sleep 0.1; done
  local url
  url=$(grep -o "http://[0-9.:]*" "$work/server.log" | head -1)
  for _ in $(seq 600); do curl -sf "$url/health" >/dev/null && break; sleep 0.2; done
  "$loadgen" --url "$url" --concurrency 16 --requests 64 --warmup 4 --prompt-tokens 128 \
    --max-tokens 32 --ignore-eos --seed 3 --json "$2" --quiet >/dev/null
  kill "$server_pid"
  wait "$server_pid" || true
  server_pid=
}

for r in $(seq "$rounds"); do
  run_one "$work/plain.toml" "$work/plain-$r.json"
  run_one "$work/chain.toml" "$work/chain-$r.json"
done

python3 - "$work" "$rounds" "$model" <<'PY'
import json, statistics, sys
work, rounds, model = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def p50(kind, r, key):
    return json.load(open(f"{work}/{kind}-{r}.json"))["levels"][0][key]["p50"]
rows = []
for r in range(1, rounds + 1):
    rows.append({"plain_e2e_ms": round(p50("plain", r, "e2e_ms"), 2),
                 "chain_e2e_ms": round(p50("chain", r, "e2e_ms"), 2),
                 "plain_ttft_ms": round(p50("plain", r, "ttft_ms"), 2),
                 "chain_ttft_ms": round(p50("chain", r, "ttft_ms"), 2)})
ratio = statistics.median(x["chain_e2e_ms"] / x["plain_e2e_ms"] for x in rows)
print(json.dumps({"model": model.rsplit("/", 1)[-1], "concurrency": 16, "rounds": rows,
                  "e2e_ratio_median": round(ratio, 4),
                  "overhead_pct": round(100 * (ratio - 1), 2)}))
PY

cat >"$work/chain-only.toml" <<TOML
[plugins]
dirs = ["$build/bin/plugins"]
[pipeline]
guardrails = ["pii", "injection", "audit"]
[plugin.audit.config]
path = "$work/audit-bench.jsonl"
TOML
"$build/bin/bench_guardrail_chain" "$work/chain-only.toml" 300 256
