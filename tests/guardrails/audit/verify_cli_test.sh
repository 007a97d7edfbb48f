#!/usr/bin/env bash
# `sluice audit verify FILE`: "OK: N lines" and exit 0; "FILE:LINE: KIND: message" and
# exit 1 for a tampered log; exit 2 for a file it cannot read.
# Usage: verify_cli_test.sh SLUICE AUDIT_WRITER AUDIT_PLUGIN
set -uo pipefail
sluice=$1 writer=$2 plugin=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failures=0 passed=0
check() {  # check NAME COMMAND...
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); else echo "FAILED: $name"; failures=$((failures + 1)); fi
}
contains() { [[ "$1" == *"$2"* ]]; }

log="$work/audit.jsonl"
"$writer" "$plugin" "$log" --threads 1 --requests 5 > /dev/null || { echo "writer failed"; exit 1; }
n=$(wc -l < "$log")  # every 5th request has a decision line: 6 lines

out=$("$sluice" audit verify "$log"); rc=$?
check "an untouched log: exit 0 (rc $rc)" test "$rc" -eq 0
check "an untouched log: 'OK: $n lines' ($out)" test "$out" = "OK: $n lines"

sed '3s/"tenant":"acme"/"tenant":"evil"/' "$log" > "$work/edited.jsonl"
out=$("$sluice" audit verify "$work/edited.jsonl"); rc=$?
check "an edited line: exit 1 (rc $rc)" test "$rc" -eq 1
check "an edited line: FILE:LINE: KIND ($out)" contains "$out" "$work/edited.jsonl:3: edited: "

sed '4d' "$log" > "$work/deleted.jsonl"
out=$("$sluice" audit verify "$work/deleted.jsonl"); rc=$?
check "a deleted line: exit 1 and FILE:4: deleted ($out)" \
  bash -c "[ $rc -eq 1 ] && [[ '$out' == *'deleted.jsonl:4: deleted: '* ]]"

out=$("$sluice" audit verify "$work/missing.jsonl" 2>&1); rc=$?
check "a missing file: exit 2 (rc $rc)" test "$rc" -eq 2
check "a missing file is named ($out)" contains "$out" "$work/missing.jsonl"

printf '%s' "$(head -c 30 "$log")" >> "$log"
out=$("$sluice" audit verify "$log" 2> "$work/err"); rc=$?
check "a torn last line: exit 0 and every whole line ($rc, $out)" \
  bash -c "[ $rc -eq 0 ] && [ '$out' = 'OK: $n lines' ]"
check "a torn last line: a warning on stderr" grep -q "incomplete last line" "$work/err"

"$sluice" audit > /dev/null 2>&1; rc=$?
check "'sluice audit' without a subcommand fails (rc $rc)" test "$rc" -ne 0

echo "$passed checks passed, $failures failed"
[ "$failures" -eq 0 ]
