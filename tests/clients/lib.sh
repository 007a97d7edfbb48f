# Helpers shared by the client test scripts (sourced, not run).
# shellcheck shell=bash disable=SC2034  # server_rc, server_url: read by the sourcing script

# skip REASON: the test cannot run here; ctest counts exit 77 as skipped.
skip() {
  echo "SKIPPED: $*"
  exit 77
}

# start_server SLUICE LOG ARGS...: runs `SLUICE serve ARGS...` in the background with its
# output in LOG and waits (60 s at most) for its `listening on http://HOST:PORT` line.
# Sets server_pid and server_url; returns 1 (after printing why) if the server does not come up.
server_pid="" server_url=""
start_server() {
  local sluice=$1 log=$2 line=""
  shift 2
  : > "$log" # truncated here: the background redirection below may happen after the first grep
  "$sluice" serve "$@" >> "$log" 2>&1 &
  server_pid=$!
  local deadline=$((SECONDS + 60))
  while :; do
    line=$(grep -m 1 -o 'listening on https\?://[^[:space:]]*' "$log" || true)
    [ -n "$line" ] && break
    if ! kill -0 "$server_pid" 2> /dev/null; then
      local rc=0
      wait "$server_pid" || rc=$?
      server_pid=""
      echo "FAILED: sluice serve $* exited with status $rc before listening; its output:"
      tail -n 40 "$log" | sed 's/^/  | /'
      return 1
    fi
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "FAILED: sluice serve $* printed no 'listening on' line within 60 s; its output:"
      tail -n 40 "$log" | sed 's/^/  | /'
      return 1
    fi
    sleep 0.1
  done
  server_url=${line#listening on }
  server_url=${server_url%/}
  server_url=${server_url%.}
  echo "server: $server_url (pid $server_pid)"
}

# stop_server: SIGTERM, up to 15 s to drain, then SIGKILL. Returns 1 if it had to be killed.
# Sets server_rc to the server's exit status.
server_rc=""
stop_server() {
  [ -n "$server_pid" ] || return 0
  local pid=$server_pid
  server_pid=""
  kill -TERM "$pid" 2> /dev/null || true
  for _ in $(seq 1 150); do
    kill -0 "$pid" 2> /dev/null || break
    sleep 0.1
  done
  if kill -0 "$pid" 2> /dev/null; then
    echo "FAILED: sluice serve did not exit within 15 s of SIGTERM; killing it"
    kill -KILL "$pid" 2> /dev/null || true
    wait "$pid" 2> /dev/null || true
    return 1
  fi
  server_rc=0
  wait "$pid" 2> /dev/null || server_rc=$?
  return 0
}
