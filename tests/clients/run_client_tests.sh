#!/usr/bin/env bash
# Sluice's HTTP APIs through real clients: the official `openai` and `ollama` npm
# packages, curl, and 16 concurrent greedy requests that must each equal `sluice run`.
#
# Usage: run_client_tests.sh SLUICE SHARED_DIR WORK_DIR
#   SLUICE      the sluice executable
#   SHARED_DIR  the shared fixtures (models/stories260K.gguf); $SLUICE_SHARED overrides it
#   WORK_DIR    scratch space: the npm packages are installed there (never in the source
#               tree), with their cache, and the server's log is kept there
# Exit status: 0 all passed, 1 something failed, 77 skipped (no node/npm, no model, no
# `sluice serve`, or the npm registry unreachable with an empty cache).
set -euo pipefail

if [ $# -ne 3 ]; then
  echo "usage: $0 SLUICE SHARED_DIR WORK_DIR" >&2
  exit 2
fi
sluice=$1 shared=${SLUICE_SHARED:-$2} work=$3
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=SCRIPTDIR/lib.sh
source "$here/lib.sh"

model="$shared/models/stories260K.gguf"
model_name=stories260K
[ -f "$model" ] || skip "client tests: $model is absent"
command -v node > /dev/null || skip "client tests: node is not installed (Debian: nodejs)"
command -v npm > /dev/null || skip "client tests: npm is not installed (Debian: npm)"
command -v curl > /dev/null || skip "client tests: curl is not installed"
command -v python3 > /dev/null || skip "client tests: python3 is not installed"
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 18 ] || skip "client tests: node $(node --version) is older than 18"
"$sluice" --help 2> /dev/null | grep -qE '^[[:space:]]+serve([[:space:]]|$)' ||
  skip "client tests: $sluice has no 'serve' command yet"

mkdir -p "$work"
work=$(cd "$work" && pwd)
clients="$work/clients"
failures=()
server_log="$work/server.log"

cleanup() {
  local rc=$?
  if [ -n "$server_pid" ]; then
    kill -KILL "$server_pid" 2> /dev/null || true
    wait "$server_pid" 2> /dev/null || true
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---- the npm packages, from the lock file, into the work dir
mkdir -p "$clients"
cp "$here/package.json" "$here/package-lock.json" "$here"/*.mjs "$clients/"
npm_ok=1
echo "npm ci (cache $work/npm-cache) ..."
if ! npm ci --prefix "$clients" --cache "$work/npm-cache" --prefer-offline --no-audit --no-fund \
  --loglevel=error > "$work/npm.log" 2>&1; then
  npm_ok=0
  echo "npm ci failed; its output:"
  sed 's/^/  | /' "$work/npm.log" | tail -n 20
fi

# ---- the server
start_server "$sluice" "$server_log" -m "$model" --host 127.0.0.1 --port 0 || exit 1
url=$server_url
restarts=0

# ensure_server PHASE: after a phase, a server that died (or stopped answering) is a
# failure of that phase; a fresh one is started so that the next phases still report.
ensure_server() {
  local code
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 10 "$url/health" || true)
  if [ "$code" = 200 ] && kill -0 "$server_pid" 2> /dev/null; then return 0; fi
  restarts=$((restarts + 1))
  failures+=("the server died during $1")
  echo "FAILED: the server died or stopped answering (GET /health: $code) during $1; its last lines:"
  tail -n 15 "$server_log" | sed 's/^/  | /'
  kill -KILL "$server_pid" 2> /dev/null || true
  wait "$server_pid" 2> /dev/null || true
  server_pid=""
  mv "$server_log" "$server_log.$restarts"
  echo "restarting the server for the next phases"
  start_server "$sluice" "$server_log" -m "$model" --host 127.0.0.1 --port 0 || exit 1
  url=$server_url
  export SLUICE_URL=$url
}

# ---- what `sluice run` generates, greedy, for the prompts the tests send
prompt="Once upon a time"
max_tokens=24
run_json=$("$sluice" run -m "$model" -p "$prompt" -n "$max_tokens" --temp 0 --json)
read_run() {  # read_run EXPR: a field of run_json
  printf '%s' "$run_json" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"
}
export SLUICE_URL=$url SLUICE_MODEL=$model_name SLUICE_PROMPT=$prompt SLUICE_MAX_TOKENS=$max_tokens
SLUICE_EXPECTED_TEXT=$(read_run 'd["text"]')
SLUICE_EXPECTED_PROMPT_TOKENS=$(read_run 'len(d["prompt_tokens"])')
SLUICE_EXPECTED_TOKENS=$(read_run 'len(d["tokens"])')
SLUICE_EXPECTED_FINISH=$(read_run 'd["finish_reason"]')
SLUICE_EXPECTED_PROMPT_IDS=$("$sluice" tokenize -m "$model" --no-bos "$prompt")
export SLUICE_EXPECTED_TEXT SLUICE_EXPECTED_PROMPT_TOKENS SLUICE_EXPECTED_TOKENS SLUICE_EXPECTED_FINISH \
  SLUICE_EXPECTED_PROMPT_IDS
echo "sluice run: ${SLUICE_EXPECTED_TOKENS} tokens, $SLUICE_EXPECTED_FINISH: $SLUICE_EXPECTED_TEXT"

# 16 different prompts and lengths for the batching test, each run alone by `sluice run`.
export SLUICE_BATCH_FILE="$work/batch.json"
python3 - "$sluice" "$model" "$SLUICE_BATCH_FILE" << 'EOF'
import json, subprocess, sys
sluice, model, out = sys.argv[1:]
prompts = [
    "Once upon a time", "The little dog", "Lily and Tom went to the park", "One day, a cat",
    "The sun was", "Tim had a big red ball. He", "There was a bird", "Mom said",
    "The girl saw a", "In the garden, a little", "Ben and his friend", "A boy named Sam",
    "The tree was very", "Sue liked to", "It was a sunny day and", "The fish swam",
]
cases = []
for i, p in enumerate(prompts):
    n = 8 + (i * 5) % 33  # 8..40 tokens: sequences leave the batch at different steps
    d = json.loads(subprocess.run([sluice, "run", "-m", model, "-p", p, "-n", str(n), "--temp", "0", "--json"],
                                  check=True, capture_output=True, text=True).stdout)
    cases.append({"prompt": p, "max_tokens": n, "text": d["text"], "tokens": len(d["tokens"]),
                  "finish_reason": d["finish_reason"]})
json.dump(cases, open(out, "w"), indent=1)
EOF

# ---- curl
echo "== curl checks"
if bash "$here/curl_checks.sh" "$url" "$model_name"; then :; else failures+=("curl checks"); fi
ensure_server "the curl checks"

# ---- node: openai, ollama, batching
if [ "$npm_ok" = 1 ]; then
  for suite in openai ollama batching; do
    echo "== node --test $suite.test.mjs"
    if (cd "$clients" && node --test --test-reporter=spec "$suite.test.mjs"); then :; else
      failures+=("node $suite.test.mjs")
    fi
    ensure_server "node $suite.test.mjs"
  done
else
  echo "SKIPPED: the openai/ollama package tests: npm ci failed (is the npm registry reachable?)"
fi

# ---- a clean shutdown
if stop_server; then
  echo "server exited with status $server_rc after SIGTERM"
else
  failures+=("shutdown on SIGTERM")
fi

if [ "${#failures[@]}" -gt 0 ]; then
  printf 'FAILED: %s\n' "${failures[@]}"
  echo "server log ($server_log), last lines:"
  tail -n 15 "$server_log" | sed 's/^/  | /'
  exit 1
fi
if [ "$npm_ok" = 0 ]; then
  echo "SKIPPED: node client tests (npm ci failed); curl checks passed"
  exit 77
fi
echo "PASSED: curl checks, openai, ollama, batching invariance"
