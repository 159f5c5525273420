#!/usr/bin/env bash
# The same site on SQLite and on PostgreSQL, side by side in one run: an article page rendered on
# every request (page cache off, so each request reads the database), the same page from the page
# cache, and a search; then view counting across three PostgreSQL nodes (requests/s, and whether
# the stored total equals the views served). Prints medians of ROUNDS alternating runs and ratios.
#
#   bench/postgres-vs-sqlite.sh     # needs: cargo, wrk, curl, psql, and PostgreSQL (.ci/postgres)
#   COUNT=20000 ROUNDS=5 DURATION=10s CONNECTIONS=32 bench/postgres-vs-sqlite.sh
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${COUNT:-20000}
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
for tool in wrk curl psql; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install wrk curl postgresql-client" >&2; exit 2; }
done
admin=$(.ci/postgres)
db=newsdesk_bench_$$
base=${admin%/*}
url="$base/$db"
psql -q "$admin" -c "CREATE DATABASE $db"

echo "building release binary…" >&2
cargo build --release --quiet --bin newsdesk
nd=target/release/newsdesk
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; psql -q "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"; rm -rf "$work"' EXIT
export RUST_LOG=warn

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); $COUNT articles" >&2
t0=$(date +%s.%N)
$nd gen-corpus --count "$COUNT" --data "$work/sqlite" >/dev/null 2>&1
t1=$(date +%s.%N)
$nd gen-corpus --count "$COUNT" --data "$work/pg-gen" --database-url "$url" >/dev/null 2>&1
t2=$(date +%s.%N)
printf 'gen-corpus (store + index), SQLite: %.1f s   PostgreSQL: %.1f s\n' \
  "$(echo "$t1 - $t0" | bc)" "$(echo "$t2 - $t1" | bc)"

start() { # name port [serve flags…]
  local name=$1 port=$2; shift 2
  $nd serve --no-demo --addr "127.0.0.1:$port" "$@" &
  for _ in $(seq 600); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return; sleep 0.1; done
  echo "$name did not start" >&2; exit 1
}
# Page cache off: every request reads the article from the database and renders it.
start sqlite 18281 --data "$work/sqlite" --page-cache-mib 0
start postgres 18282 --data "$work/pg-a" --database-url "$url" --page-cache-mib 0
start sqlite-cached 18283 --data "$work/sqlite"
start postgres-cached 18284 --data "$work/pg-b" --database-url "$url"
path=$(curl -sf "http://127.0.0.1:18281/" | grep -o 'href="/articles/[^"]*"' | head -1 | cut -d'"' -f2)
[ -n "$path" ] || { echo "no article on the home page" >&2; exit 1; }
query='/search?q=%E5%82%A8%E8%83%BD'   # 储能

rps() { # url → requests/s
  wrk -t2 -c"$CONNECTIONS" -d"$DURATION" -H 'User-Agent: Mozilla/5.0 bench' "$1" \
    | awk '/Requests\/sec/ {print $2}'
}
median() { sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
compare() { # label sqlite-url postgres-url
  local s=() p=()
  for _ in $(seq "$ROUNDS"); do s+=("$(rps "$2")"); p+=("$(rps "$3")"); done
  local ms mp
  ms=$(printf '%s\n' "${s[@]}" | median); mp=$(printf '%s\n' "${p[@]}" | median)
  printf '%-34s SQLite %9.0f req/s   PostgreSQL %9.0f req/s   PostgreSQL/SQLite %.2f\n' \
    "$1" "$ms" "$mp" "$(echo "$mp / $ms" | bc -l)"
}
compare "article page, rendered per request" "http://127.0.0.1:18281$path" "http://127.0.0.1:18282$path"
compare "article page, page cache" "http://127.0.0.1:18283$path" "http://127.0.0.1:18284$path"
compare "search 储能" "http://127.0.0.1:18281$query" "http://127.0.0.1:18282$query"
kill $(jobs -p); wait 2>/dev/null || true

# View counting: three nodes on the PostgreSQL database, every view counted, all loaded at once.
for i in 1 2 3; do start "node$i" $((18290 + i)) --data "$work/node$i" --database-url "$url" --view-dedupe-minutes 0; done
id=$(psql -qAt "$url" -c "SELECT id FROM articles WHERE slug = '${path#/articles/}'")
before=$(psql -qAt "$url" -c "SELECT views FROM articles WHERE id = $id")
for i in 1 2 3; do
  wrk -t1 -c$((CONNECTIONS / 3)) -d"$DURATION" -H 'User-Agent: Mozilla/5.0 bench' \
    "http://127.0.0.1:$((18290 + i))$path" > "$work/wrk$i" &
done
wait $(jobs -p | tail -3)
served=$(awk '/requests in/ {s += $1} END {print s}' "$work"/wrk1 "$work"/wrk2 "$work"/wrk3)
rate=$(awk '/Requests\/sec/ {s += $2} END {print s}' "$work"/wrk1 "$work"/wrk2 "$work"/wrk3)
sleep 3   # one flush (every second) and a margin
after=$(psql -qAt "$url" -c "SELECT views FROM articles WHERE id = $id")
# wrk does not count the responses still in flight when it stops (at most one per connection),
# so the stored total may exceed wrk's count by up to CONNECTIONS; the exact count is a test
# (tests/it/nodes.rs: 3 × 1,000 views add exactly 3,000).
printf 'views across 3 PostgreSQL nodes: %.0f views/s; wrk counted %d, %d stored (difference %d, at most %d in flight)\n' \
  "$rate" "$served" "$((after - before))" "$((after - before - served))" "$CONNECTIONS"
