#!/usr/bin/env bash
# Abusive clients against a release build, measured (bench/abuse.py does the talking, on
# 127.0.0.1 only, bounded in connections and time):
#   slowloris  300 connections trickling header lines: how many are still open after 30 s
#   idle       10,000 idle connections: server memory before, during and after; closed or not
#   full       a server under `ulimit -n 1024` with 1,100 silent connections: /healthz answers?
#   preview    two 200 KB worst-case previews while a reader loads article pages, twice: lists
#              nested ~100,000 deep (refused by the structure limits) and the costliest body the
#              limits allow (lines of lists 47 deep): the reader's p50/p99 and the previews' answers
#   image      four 7000 × 7000 PNG uploads (190 KB each, 196 MB decoded) at once: memory peak
#   login      300 concurrent wrong-password sign-ins, for a missing user and for the admin:
#              answers (401/429) and memory peak (last: the throttle then refuses this address)
# Prints VmRSS and the peak VmHWM of the server process after each.
#
#   bench/abuse.sh                                # all, about 3 minutes after the build
#   SCENARIOS="slowloris login" bench/abuse.sh    # some
set -euo pipefail
cd "$(dirname "$0")/.."
SCENARIOS=${SCENARIOS:-slowloris idle full preview image login}
for tool in curl python3; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 2; }
done
echo "building release binary…" >&2
cargo build --release --quiet --bin newsdesk
bin=${CARGO_TARGET_DIR:-target}/release/newsdesk
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
# 10,000 idle connections need as many files on each side.
ulimit -n 20000 2>/dev/null || echo "cannot raise the open-file limit to 20000 (now $(ulimit -n))" >&2

# start PORT [ULIMIT]: a server over a fresh data folder (demo content); sets $pid.
start() {
  local port=$1 limit=${2:-}
  mkdir -p "$work/$port"
  if [ -n "$limit" ]; then
    (ulimit -n "$limit" && RUST_LOG=warn exec "$bin" serve --data "$work/$port/data" \
      --addr "127.0.0.1:$port") 2>"$work/$port/stderr" &
  else
    RUST_LOG=warn "$bin" serve --data "$work/$port/data" --addr "127.0.0.1:$port" \
      2>"$work/$port/stderr" &
  fi
  pid=$!
  for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return; sleep 0.1; done
  echo "server on $port did not start:" >&2; cat "$work/$port/stderr" >&2; exit 1
}

port=18201
start $port
main_pid=$pid
# The first start prints the admin's one-time password on stderr.
password=$(sed -n 's/^ *password: *//p' "$work/$port/stderr" | head -1)
echo "server started ($(nproc) cores, open-file limit $(ulimit -n)): $(awk '/VmRSS|VmHWM/ {printf "%s %d MiB  ", $1, $2/1024}' /proc/$main_pid/status)"
for s in $SCENARIOS; do
  case $s in
    full)
      start 18202 1024
      python3 bench/abuse.py 18202 "$pid" full
      kill "$pid"; wait "$pid" 2>/dev/null || true
      ;;
    preview | image)
      python3 bench/abuse.py $port $main_pid "$s" "$password"
      ;;
    *)
      python3 bench/abuse.py $port $main_pid "$s"
      ;;
  esac
  kill -0 $main_pid 2>/dev/null || { echo "the server died:" >&2; tail -20 "$work/$port/stderr" >&2; exit 1; }
done
echo "load: $(uptime)"
