#!/usr/bin/env bash
# Every plugin built with sluice_add_plugin exports exactly one symbol:
# sluice_plugin_entry (DESIGN.md section 3, symbol hygiene).
# Usage: exports_test.sh PLUGIN_DIR...
set -uo pipefail
command -v nm > /dev/null || { echo "SKIPPED: nm is not installed"; exit 77; }
failures=0 checked=0
for dir in "$@"; do
  for so in "$dir"/*.so; do
    [ -e "$so" ] || continue
    case "$(basename "$so")" in no-entry.so) continue ;; esac  # exports another name on purpose
    exported=$(nm -D --defined-only "$so" | awk '$2 ~ /^[TDBRVW]$/ {print $3}' | sort | tr '\n' ' ')
    checked=$((checked + 1))
    if [ "$exported" != "sluice_plugin_entry " ]; then
      echo "FAILED: $so exports: $exported"
      failures=$((failures + 1))
    fi
  done
done
echo "exports: $checked plugins checked, $failures with extra symbols"
[ "$checked" -gt 0 ] && [ "$failures" -eq 0 ]
