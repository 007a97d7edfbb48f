#!/usr/bin/env bash
# `sluice serve` over HTTPS: a self-signed certificate from [server] tls_cert/tls_key;
# curl with that CA gets answers (and a streamed completion), plain HTTP to the TLS port
# gets no HTTP answer, and a missing key file is a config error naming the key.
# Usage: tls_test.sh SLUICE_BINARY MODEL.gguf
set -euo pipefail
sluice=$1
model=$2
if [ ! -f "$model" ]; then echo "SKIPPED: $model is missing"; exit 77; fi
if ! command -v openssl >/dev/null || ! command -v curl >/dev/null; then
  echo "SKIPPED: openssl and curl are needed"; exit 77
fi
work=$(mktemp -d)
trap 'kill "${pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
fail() { echo "FAIL: $*"; [ -f "$work/log" ] && tail -20 "$work/log"; exit 1; }

openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" \
  -addext "subjectAltName=DNS:localhost,IP:127.0.0.1" \
  -keyout "$work/key.pem" -out "$work/cert.pem" 2>/dev/null
cat >"$work/sluice.toml" <<TOML
[server]
tls_cert = "cert.pem"
tls_key = "key.pem"
[[model]]
name = "stories260K"
path = "$model"
TOML
"$sluice" serve --config "$work/sluice.toml" --port 0 --log-level warn 2>"$work/log" &
pid=$!
for _ in $(seq 300); do grep -q "listening on" "$work/log" && break; sleep 0.1; done
url=$(grep -o "https://[0-9.:]*" "$work/log" | head -1)
[ -n "$url" ] || fail "no https listening line"
for _ in $(seq 300); do curl -sf --cacert "$work/cert.pem" "$url/health" >/dev/null && break; sleep 0.1; done

out=$(curl -sS --cacert "$work/cert.pem" "$url/v1/models") || fail "GET /v1/models over TLS"
grep -q '"stories260K"' <<<"$out" || fail "models over TLS: $out"
out=$(curl -sS -N --cacert "$work/cert.pem" "$url/v1/completions" -H 'Content-Type: application/json' \
  -d '{"model":"stories260K","prompt":"Once upon a time","max_tokens":8,"stream":true}') ||
  fail "streamed completion over TLS"
grep -q 'data: \[DONE\]' <<<"$out" || fail "stream over TLS did not end with [DONE]: $out"
# Without the CA the certificate is refused by the client; plain HTTP gets no HTTP reply.
if curl -sS "$url/health" >/dev/null 2>&1; then fail "curl accepted an unknown CA"; fi
plain=${url/https/http}
if curl -sS -m 5 "$plain/health" 2>/dev/null | grep -q status; then fail "plain HTTP answered on the TLS port"; fi
# The server is still healthy after those.
curl -sf --cacert "$work/cert.pem" "$url/health" >/dev/null || fail "unhealthy after a bad client"
kill "$pid"; wait "$pid" || true; pid=

# A key without its certificate is a configuration error naming the key.
printf '[server]\ntls_key = "key.pem"\n' >"$work/bad.toml"
if "$sluice" check-config "$work/bad.toml" >"$work/check" 2>&1; then fail "tls_key alone was accepted"; fi
grep -q "server.tls_cert" "$work/check" || fail "the error does not name server.tls_cert: $(cat "$work/check")"
echo "tls: HTTPS answers, streams, refuses plain HTTP and unknown CAs; config errors named"
