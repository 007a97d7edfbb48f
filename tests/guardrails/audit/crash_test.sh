#!/usr/bin/env bash
# A writer killed with SIGKILL mid-load leaves an audit log that verifies up to its last
# whole line; reopening it with the plugin cuts a torn last line off (recording it in a
# recovery line) and the file verifies whole again. Repeated at different moments.
# Usage: crash_test.sh SLUICE AUDIT_WRITER AUDIT_PLUGIN
set -uo pipefail
sluice=$1 writer=$2 plugin=$3
work=$(mktemp -d)
writer_pid=
trap '[ -n "$writer_pid" ] && kill -9 "$writer_pid" 2>/dev/null; rm -rf "$work"' EXIT
log="$work/logs/audit.jsonl"
failures=0 passed=0
check() {  # check NAME COMMAND...
  local name=$1; shift
  if "$@"; then passed=$((passed + 1)); else echo "FAILED: $name"; failures=$((failures + 1)); fi
}
whole_lines() { if [ -f "$log" ]; then wc -l < "$log"; else echo 0; fi; }
ends_torn() { [ -s "$log" ] && [ "$(tail -c 1 "$log" | od -An -c | tr -d ' ')" != '\n' ]; }

rounds=6 torn=0
for round in $(seq 1 $rounds); do
  before=$(whole_lines)
  # Text mode with a 2 MiB response every 3rd request per thread: writes long enough
  # that a kill often lands inside one.
  "$writer" "$plugin" "$log" --threads 4 --requests 0 --content text --fsync none \
    --big-every 3 --big-bytes 2097152 > "$work/writer.out" 2>&1 &
  writer_pid=$!
  deadline=$((SECONDS + 60))
  while [ "$(whole_lines)" -lt $((before + 12)) ] && [ "$SECONDS" -lt "$deadline" ]; do
    sleep 0.05
  done
  check "round $round: the writer made progress" test "$(whole_lines)" -ge $((before + 12))
  sleep "0.0$(( (round * 37) % 10 ))"  # a different moment in each round
  kill -9 "$writer_pid"
  wait "$writer_pid" 2>/dev/null
  writer_pid=
  whole=$(whole_lines)
  if ends_torn; then torn=$((torn + 1)); fi
  out=$("$sluice" audit verify "$log" 2> "$work/verify.err"); rc=$?
  check "round $round: verify exits 0 after kill -9 (rc $rc: $out $(cat "$work/verify.err"))" \
    test "$rc" -eq 0
  check "round $round: verify reports every whole line ('$out', $whole lines)" \
    test "$out" = "OK: $whole lines"
  if ends_torn; then
    check "round $round: the torn last line is a warning" grep -q "incomplete last line" "$work/verify.err"
  fi
  cp "$log" "$work/after-round-$round.jsonl"
done

# A clean run reopens the log (repairing a torn tail), appends and exits normally.
"$writer" "$plugin" "$log" --threads 2 --requests 5 --content hash --fsync every_line \
  > "$work/writer.out" 2>&1
rc=$?
check "a clean run after the crashes succeeds (rc $rc: $(cat "$work/writer.out"))" test "$rc" -eq 0
out=$("$sluice" audit verify "$log" 2> "$work/verify.err"); rc=$?
check "the repaired log verifies whole (rc $rc: $out)" test "$rc" -eq 0
check "every line is verified ('$out')" test "$out" = "OK: $(whole_lines) lines"
check "no torn line is left" bash -c "! grep -q 'incomplete last line' '$work/verify.err'"
recoveries=$(grep -c '"type":"recovery"' "$log")
check "one recovery line per torn tail ($recoveries recovery lines, $torn torn tails)" \
  test "$recoveries" -eq "$torn"
# Every kill's whole lines are still there, byte for byte, in front of what followed.
for round in $(seq 1 $rounds); do
  snapshot="$work/after-round-$round.jsonl"
  keep=$(wc -l < "$snapshot")
  check "round $round's whole lines are kept" \
    cmp -s <(head -n "$keep" "$snapshot") <(head -n "$keep" "$log")
done

echo "kill -9 rounds: $rounds, torn last lines: $torn; $passed checks passed, $failures failed"
[ "$failures" -eq 0 ]
