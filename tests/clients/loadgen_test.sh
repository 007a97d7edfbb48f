#!/usr/bin/env bash
# tools/loadgen/sluice-loadgen against a real `sluice serve`, briefly: closed loop at
# concurrency 1 and 2, then open loop; the JSON report has every field and no failures.
# Usage: loadgen_test.sh SLUICE SHARED_DIR WORK_DIR
set -euo pipefail

if [ $# -ne 3 ]; then
  echo "usage: $0 SLUICE SHARED_DIR WORK_DIR" >&2
  exit 2
fi
sluice=$1 shared=${SLUICE_SHARED:-$2} work=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
loadgen="$here/../../tools/loadgen/sluice-loadgen"
# shellcheck source=SCRIPTDIR/lib.sh
source "$here/lib.sh"

model="$shared/models/stories260K.gguf"
[ -f "$model" ] || skip "loadgen test: $model is absent"
command -v python3 > /dev/null || skip "loadgen test: python3 is not installed"
"$sluice" --help 2> /dev/null | grep -qE '^[[:space:]]+serve([[:space:]]|$)' ||
  skip "loadgen test: $sluice has no 'serve' command yet"

mkdir -p "$work"
trap 'if [ -n "$server_pid" ]; then kill -KILL "$server_pid" 2> /dev/null || true; fi' EXIT
start_server "$sluice" "$work/loadgen-server.log" -m "$model" --host 127.0.0.1 --port 0 || exit 1

failed=0
validate() {  # validate REPORT.json MODE LEVELS REQUESTS
  python3 - "$@" << 'EOF'
import json, sys
path, mode, levels, requests = sys.argv[1], sys.argv[2], [float(x) for x in sys.argv[3].split(",")], int(sys.argv[4])
r = json.load(open(path))
problems = []
def need(cond, what):
    if not cond:
        problems.append(what)
need(r.get("model") == "stories260K", f"model is stories260K (got {r.get('model')!r})")
need(r["config"]["mode"] == mode, f"config.mode is {mode}")
need(len(r["levels"]) == len(levels), f"{len(levels)} levels (got {len(r['levels'])})")
key = "concurrency" if mode == "closed" else "rate"
for lv, want in zip(r["levels"], levels):
    name = lv.get("level")
    need(lv.get(key) == want, f"{name}: {key} = {want}")
    need(lv["requests_ok"] == requests, f"{name}: requests_ok = {requests} (got {lv['requests_ok']})")
    need(lv["requests_failed"] == 0, f"{name}: requests_failed = 0 (got {lv['requests_failed']}: {lv['errors']})")
    need(lv["usage_missing"] == 0, f"{name}: every stream carried usage (include_usage)")
    need(lv["output_tokens"] > 0 and lv["prompt_tokens"] > 0, f"{name}: token counts > 0")
    for t in ("requests_per_s", "output_tokens_per_s", "prompt_tokens_per_s"):
        need(lv["throughput"][t] > 0, f"{name}: throughput.{t} > 0")
    for m in ("ttft_ms", "itl_ms", "tpot_ms", "e2e_ms"):
        for s in ("p50", "p90", "p99", "mean"):
            v = lv[m][s]
            need(isinstance(v, (int, float)) and v >= 0, f"{name}: {m}.{s} is a number >= 0 (got {v!r})")
    need(lv["ttft_ms"]["p50"] <= lv["e2e_ms"]["p50"], f"{name}: TTFT p50 <= end-to-end p50")
    need(lv["e2e_ms"]["p50"] <= lv["e2e_ms"]["p99"], f"{name}: e2e p50 <= p99")
for p in problems:
    print("FAILED: " + p)
sys.exit(1 if problems else 0)
EOF
}

run() {  # run NAME REPORT MODE LEVELS REQUESTS LOADGEN-ARGS...
  local name=$1 report=$2 mode=$3 levels=$4 requests=$5
  shift 5
  echo "== $name: sluice-loadgen $*"
  if ! python3 "$loadgen" --url "$server_url" --requests "$requests" --prompt-tokens 16 --max-tokens 8 \
    --seed 1 --json "$report" "$@"; then
    echo "FAILED: $name: sluice-loadgen exited nonzero"
    failed=1
    return
  fi
  if validate "$report" "$mode" "$levels" "$requests"; then echo "ok: $name"; else failed=1; fi
}

run "closed loop, completions" "$work/loadgen-closed.json" closed 1,2 4 --concurrency 1,2
run "closed loop, chat" "$work/loadgen-chat.json" closed 2 4 --concurrency 2 --api chat
run "open loop" "$work/loadgen-open.json" open 20 4 --rate 20

if ! stop_server; then failed=1; fi
if [ "$failed" -ne 0 ]; then
  echo "server log, last lines:"
  tail -n 20 "$work/loadgen-server.log" | sed 's/^/  | /'
  exit 1
fi
echo "PASSED: sluice-loadgen"
