#!/usr/bin/env bash
# HTTP-level checks of `sluice serve` with curl: status codes, content types, SSE and
# NDJSON framing, error bodies, limits. Prints `ok:` or `FAILED:` per check.
# Usage: curl_checks.sh BASE_URL MODEL
# Optional environment: SLUICE_EXPECTED_PROMPT_IDS  ids of "Once upon a time" without BOS
#                       (space-separated), to compare POST /tokenize with.
set -euo pipefail

if [ $# -ne 2 ]; then
  echo "usage: $0 BASE_URL MODEL" >&2
  exit 2
fi
url=${1%/} model=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0 failed=0

ok() { echo "ok: $1"; passed=$((passed + 1)); }
fail() { echo "FAILED: $1"; failed=$((failed + 1)); }
check() {  # check NAME DETAIL CONDITION...
  local name=$1 detail=$2; shift 2
  if "$@"; then ok "$name"; else fail "$name: $detail"; fi
}

# request METHOD PATH [BODY | @FILE] -> prints the status code; body in $tmp/body,
# headers in $tmp/headers. Never fails: a transport error prints 000.
request() {
  local method=$1 path=$2
  local args=(-sS -N -o "$tmp/body" -D "$tmp/headers" -w '%{http_code}' -X "$method" --max-time 120)
  if [ $# -ge 3 ]; then
    args+=(-H 'Content-Type: application/json' --data-binary "$3")
  fi
  : > "$tmp/body"; : > "$tmp/headers"
  curl "${args[@]}" "$url$path" 2> "$tmp/curl_err" || true
}
body_excerpt() { head -c 300 "$tmp/body" | tr '\n' ' '; }
header() {  # header NAME -> value of the last such header, lower-cased
  tr -d '\r' < "$tmp/headers" | grep -i "^$1:" | tail -n 1 | cut -d: -f2- | sed 's/^ *//' | tr '[:upper:]' '[:lower:]'
}
json() {  # json PYTHON_EXPRESSION_OF_d -> prints its value for the JSON in $tmp/body
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$tmp/body" "$1" 2>/dev/null
}
status_is() { [ "$1" = "$2" ]; }
contains() { [[ "$1" == *"$2"* ]]; }

# ---- health, readiness, models, version
code=$(request GET /health)
check "GET /health is 200" "got $code: $(body_excerpt)" status_is "$code" 200
code=$(request GET /ready)
check "GET /ready is 200 once the model is loaded" "got $code: $(body_excerpt)" status_is "$code" 200

code=$(request GET /v1/models)
ids=$(json '" ".join(m["id"] for m in d["data"])' || true)
check "GET /v1/models is 200" "got $code" status_is "$code" 200
check "GET /v1/models lists $model" "got ids '$ids': $(body_excerpt)" contains " $ids " " $model "
check "GET /v1/models is application/json" "got '$(header content-type)'" contains "$(header content-type)" application/json

code=$(request GET /api/version)
check "GET /api/version is 200 with a version" "got $code: $(body_excerpt)" test "$code" = 200 -a -n "$(json 'd["version"]' || true)"

code=$(request GET /no/such/route)
check "an unknown route is 404" "got $code" status_is "$code" 404

# ---- SSE: every event is `data: ...`, the stream ends with `data: [DONE]`
sse_check() {  # sse_check NAME PATH BODY
  local name=$1 code last bad
  code=$(request POST "$2" "$3")
  check "$name: 200" "got $code: $(body_excerpt)" status_is "$code" 200
  check "$name: Content-Type text/event-stream" "got '$(header content-type)'" \
    contains "$(header content-type)" text/event-stream
  last=$(tr -d '\r' < "$tmp/body" | grep -v '^$' | tail -n 1 || true)
  check "$name: ends with data: [DONE]" "last line '$last'" test "$last" = "data: [DONE]"
  bad=$(tr -d '\r' < "$tmp/body" | grep -v -e '^$' -e '^data: ' -e '^:' | head -n 1 || true)
  check "$name: every line is a data: field or a comment" "found '$bad'" test -z "$bad"
  bad=$(tr -d '\r' < "$tmp/body" | sed -n 's/^data: //p' | grep -v '^\[DONE\]$' |
        python3 -c 'import json,sys
for line in sys.stdin:
    try: json.loads(line)
    except ValueError: print(line.strip()); break' || true)
  check "$name: every data: field but [DONE] is JSON" "found '$bad'" test -z "$bad"
}
sse_check "streamed /v1/completions" /v1/completions \
  "{\"model\":\"$model\",\"prompt\":\"Once upon a time\",\"max_tokens\":8,\"temperature\":0,\"stream\":true}"
sse_check "streamed /v1/chat/completions" /v1/chat/completions \
  "{\"model\":\"$model\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"max_tokens\":8,\"stream\":true,\"stream_options\":{\"include_usage\":true}}"

# ---- NDJSON: every line is a JSON object, the last has done=true
code=$(request POST /api/generate "{\"model\":\"$model\",\"prompt\":\"Once upon a time\",\"options\":{\"num_predict\":8}}")
check "streamed /api/generate (stream by default): 200" "got $code: $(body_excerpt)" status_is "$code" 200
check "streamed /api/generate: Content-Type application/x-ndjson" "got '$(header content-type)'" \
  contains "$(header content-type)" application/x-ndjson
summary=$(python3 -c 'import json,sys
lines=[l for l in open(sys.argv[1]) if l.strip()]
objs=[json.loads(l) for l in lines]
print(len(objs), [o["done"] for o in objs].count(True), objs[-1]["done"])' "$tmp/body" 2>&1 || true)
check "streamed /api/generate: JSON lines, one done=true, last" "got '$summary'" \
  python3 -c 'import sys; n,d,l=sys.argv[1].split(); sys.exit(0 if int(n)>=2 and d=="1" and l=="True" else 1)' "$summary"

# ---- errors: status, JSON body, and a message that says what is wrong
error_check() {  # error_check NAME PATH BODY STATUS [WORD-THE-MESSAGE-NAMES]
  local name=$1 path=$2 body=$3 want=$4 word=${5:-} code msg
  code=$(request POST "$path" "$body")
  check "$name: $want" "got $code: $(body_excerpt)" status_is "$code" "$want"
  check "$name: JSON body" "content-type '$(header content-type)': $(body_excerpt)" \
    contains "$(header content-type)" application/json
  msg=$(json 'd["error"]["message"] if isinstance(d["error"], dict) else d["error"]' || true)
  check "$name: an error message" "body: $(body_excerpt)" test -n "$msg"
  if [ -n "$word" ]; then
    check "$name: the message names '$word'" "message '$msg'" contains "$msg" "$word"
  fi
}
error_check "malformed JSON on /v1/completions" /v1/completions '{"model": "x", "prompt": ' 400
error_check "malformed JSON on /v1/chat/completions" /v1/chat/completions '{not json}' 400
error_check "malformed JSON on /api/generate" /api/generate '{"model":' 400
error_check "a body that is not an object" /v1/completions '[1, 2, 3]' 400
error_check "max_tokens as a string" /v1/completions \
  "{\"model\":\"$model\",\"prompt\":\"Hi\",\"max_tokens\":\"ten\"}" 400 max_tokens
error_check "temperature as a string" /v1/chat/completions \
  "{\"model\":\"$model\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}],\"temperature\":\"hot\"}" 400 temperature
error_check "messages not an array" /v1/chat/completions \
  "{\"model\":\"$model\",\"messages\":\"Hi\"}" 400 messages
error_check "stream as a number" /v1/completions \
  "{\"model\":\"$model\",\"prompt\":\"Hi\",\"stream\":1}" 400 stream
error_check "Ollama options.num_predict as a string" /api/generate \
  "{\"model\":\"$model\",\"prompt\":\"Hi\",\"stream\":false,\"options\":{\"num_predict\":\"x\"}}" 400 num_predict
error_check "missing prompt" /v1/completions "{\"model\":\"$model\"}" 400 prompt
error_check "unknown model on /v1/completions" /v1/completions \
  '{"model":"no-such-model","prompt":"Hi","max_tokens":4}' 404 no-such-model
error_check "unknown model on /v1/chat/completions (streaming)" /v1/chat/completions \
  '{"model":"no-such-model","messages":[{"role":"user","content":"Hi"}],"stream":true}' 404 no-such-model
error_check "unknown model on /api/generate" /api/generate '{"model":"no-such-model","prompt":"Hi"}' 404 no-such-model
error_check "unknown model on /api/chat" /api/chat \
  '{"model":"no-such-model","messages":[{"role":"user","content":"Hi"}]}' 404 no-such-model

# A body over the limit (4 MiB by default): 413, whether or not the server reads it all.
python3 -c 'import json,sys; json.dump({"model": sys.argv[2], "prompt": "a " * (3 << 20)}, open(sys.argv[1], "w"))' \
  "$tmp/big.json" "$model"
code=$(request POST /v1/completions "@$tmp/big.json")
check "a 6 MiB body is 413" "got $code ($(cat "$tmp/curl_err")): $(body_excerpt)" status_is "$code" 413
code=$(request GET /health)
check "the server is healthy after a 413" "got $code" status_is "$code" 200

# ---- /tokenize and /detokenize (llama-server's shape)
code=$(request POST /tokenize '{"content":"Once upon a time"}')
ids=$(json '" ".join(str(t) for t in d["tokens"])' || true)
check "POST /tokenize is 200 with tokens" "got $code: $(body_excerpt)" test "$code" = 200 -a -n "$ids"
if [ -n "${SLUICE_EXPECTED_PROMPT_IDS:-}" ]; then
  check "POST /tokenize equals sluice run's prompt ids" "got '$ids', want '$SLUICE_EXPECTED_PROMPT_IDS'" \
    test "$ids" = "$SLUICE_EXPECTED_PROMPT_IDS"
fi
if [ -n "$ids" ]; then
  code=$(request POST /detokenize "{\"tokens\":[${ids// /,}]}")
  text=$(json 'd["content"].strip()' || true)
  check "POST /detokenize gives the text back" "got $code '$text': $(body_excerpt)" test "$text" = "Once upon a time"
fi

# ---- a client that goes away mid-stream: the server stays healthy and frees the slot
curl -sS -N --max-time 0.3 -o /dev/null -H 'Content-Type: application/json' \
  --data-binary "{\"model\":\"$model\",\"prompt\":\"Once upon a time\",\"max_tokens\":400,\"stream\":true}" \
  "$url/v1/completions" 2>/dev/null || true
code=$(request POST /v1/completions "{\"model\":\"$model\",\"prompt\":\"Hi\",\"max_tokens\":2}")
check "a request after a client disconnect succeeds" "got $code: $(body_excerpt)" status_is "$code" 200

# ---- /metrics: Prometheus text with the documented names; nothing running when idle
running=""
for _ in $(seq 1 50); do
  code=$(request GET /metrics)
  running=$(grep -E '^sluice:num_requests_running(\{[^}]*\})? ' "$tmp/body" | awk '{s += $NF} END {if (NR) print s}' || true)
  [ "$running" = 0 ] && break
  sleep 0.1
done
check "GET /metrics is 200" "got $code" status_is "$code" 200
check "GET /metrics is Prometheus text" "content-type '$(header content-type)'" contains "$(header content-type)" text/plain
for metric in sluice:prompt_tokens_total sluice:generation_tokens_total sluice:num_requests_running \
              sluice:kv_cache_usage_perc sluice:prefix_cache_hits_total sluice:num_preemptions_total; do
  check "GET /metrics has $metric" "not found" grep -q "^$metric" "$tmp/body"
done
check "sluice:num_requests_running returns to 0 (disconnected stream freed)" "got '$running'" test "$running" = 0
sleep 0.3
code=$(request GET /health)
check "the server still answers after GET /metrics" "GET /health got $code" status_is "$code" 200

echo "curl checks: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
