#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time from the committed seed corpus (read
# only: new inputs go to a scratch folder). Exit non-zero on any finding.
# Usage: run_fuzzer.sh FUZZER SEED_CORPUS SECONDS [extra libFuzzer flags]
set -uo pipefail
fuzzer=$1 seeds=$2 seconds=$3
shift 3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/artifacts"
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
  -print_final_stats=1 -artifact_prefix="$work/artifacts/" "$@" "$work/corpus" "$seeds"
rc=$?
if [ $rc -ne 0 ] || [ -n "$(ls -A "$work/artifacts")" ]; then
  echo "FAILED: $fuzzer found a problem (exit $rc); reproducer(s):"
  for f in "$work/artifacts"/*; do [ -e "$f" ] && { echo "  $f"; base64 "$f" | head -20; }; done
  exit 1
fi
echo "fuzz: $(basename "$fuzzer") ran ${seconds}s with no findings"
