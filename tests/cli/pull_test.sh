#!/usr/bin/env bash
# `sluice pull` against a local HTTP server: a full download verified by sha256, a
# resumed download (Range request from the .part file), a checksum mismatch that deletes
# the download, and a missing file.
set -euo pipefail
sluice=$1
root=$2
model=${SLUICE_SHARED:-$root/../shared}/models/stories260K.gguf  # any file will do
if [ ! -f "$model" ]; then
  echo "SKIPPED: $model is missing"
  exit 77
fi
work=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/www"
cp "$model" "$work/www/model.gguf"
sha=$(sha256sum "$model" | cut -d' ' -f1)
python3 "$(dirname "$0")/range_server.py" "$work/www" "$work/requests.log" >"$work/port" &
server_pid=$!
for _ in $(seq 50); do [ -s "$work/port" ] && break; sleep 0.1; done
url="http://127.0.0.1:$(cat "$work/port")/model.gguf"
fail() { echo "FAIL: $*"; exit 1; }

# 1. A full download lands under its final name and matches.
out=$("$sluice" pull "$url" -o "$work/a.gguf" --sha256 "$sha")
[ "$out" = "$work/a.gguf" ] || fail "pull printed '$out'"
cmp -s "$model" "$work/a.gguf" || fail "downloaded file differs"
[ ! -e "$work/a.gguf.part" ] || fail ".part left behind"

# 2. A partial download is continued with a Range request.
half=$(( $(stat -c %s "$model") / 2 ))
head -c "$half" "$model" >"$work/b.gguf.part"
: >"$work/requests.log"
"$sluice" pull "$url" -o "$work/b.gguf" --sha256 "$sha" >/dev/null
grep -q "range=bytes=$half-" "$work/requests.log" || fail "no Range request: $(cat "$work/requests.log")"
cmp -s "$model" "$work/b.gguf" || fail "resumed file differs"

# 3. A checksum mismatch fails, deletes the download and leaves no model.
bad=$(printf '0%.0s' $(seq 64))
if "$sluice" pull "$url" -o "$work/c.gguf" --sha256 "$bad" 2>"$work/err"; then fail "bad sha accepted"; fi
grep -q "sha256 mismatch" "$work/err" || fail "unclear error: $(cat "$work/err")"
[ ! -e "$work/c.gguf" ] && [ ! -e "$work/c.gguf.part" ] || fail "mismatched download kept"

# 4. A missing file is a clear error.
if "$sluice" pull "${url%/*}/nothing.gguf" -o "$work/d.gguf" 2>"$work/err"; then fail "404 accepted"; fi
grep -q "404" "$work/err" || fail "unclear error: $(cat "$work/err")"

# 5. A model already present and matching is not downloaded again.
: >"$work/requests.log"
"$sluice" pull "$url" -o "$work/a.gguf" --sha256 "$sha" >/dev/null
[ ! -s "$work/requests.log" ] || fail "re-downloaded a verified model"
echo "pull: all checks passed"
