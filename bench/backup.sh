#!/usr/bin/env bash
# Backup time and size at COUNT articles (default 100,000): `newsdesk backup` of an SQLite site
# (plain .tar and .tar.gz) while it serves, and `pg_dump --format=custom` of the same corpus on
# PostgreSQL; then a restore of the .tar.gz (which rebuilds the search index).
#
#   bench/backup.sh                 # needs: cargo, curl, PostgreSQL client tools (.ci/postgres)
#   COUNT=20000 bench/backup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${COUNT:-100000}
admin=$(.ci/postgres)
db=newsdesk_backup_bench_$$
url="${admin%/*}/$db"
pgbin=/usr/lib/postgresql/15/bin
psql -q "$admin" -c "CREATE DATABASE $db"

echo "building release binary…" >&2
cargo build --release --quiet --bin newsdesk
nd=target/release/newsdesk
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; psql -q "$admin" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)"; rm -rf "$work"' EXIT
export RUST_LOG=warn
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
mib() { awk -v b="$(stat -c %s "$1")" 'BEGIN { printf "%.1f", b / 1048576 }'; }

echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); generating $COUNT articles…" >&2
$nd gen-corpus --count "$COUNT" --data "$work/site" >/dev/null 2>&1
$nd gen-corpus --count "$COUNT" --data "$work/pg" --database-url "$url" >/dev/null 2>&1
echo "database: newsdesk.db $(mib "$work/site/newsdesk.db") MiB; PostgreSQL $(psql -qAt "$url" -c "SELECT pg_size_pretty(pg_database_size(current_database()))")"

# The site serves while it is backed up, as in production.
$nd serve --no-demo --data "$work/site" --addr 127.0.0.1:18381 &
for _ in $(seq 600); do curl -sf http://127.0.0.1:18381/healthz >/dev/null && break; sleep 0.1; done

for ext in tar tar.gz; do
  t0=$(date +%s.%N)
  $nd backup "$work/backup.$ext" --data "$work/site" 2>/dev/null
  t1=$(date +%s.%N)
  echo "newsdesk backup .$ext while serving: $(secs "$t0" "$t1") s, $(mib "$work/backup.$ext") MiB"
done
t0=$(date +%s.%N)
"$pgbin/pg_dump" --format=custom --file "$work/pg.dump" "$url"
t1=$(date +%s.%N)
echo "pg_dump --format=custom: $(secs "$t0" "$t1") s, $(mib "$work/pg.dump") MiB"

t0=$(date +%s.%N)
$nd restore "$work/backup.tar.gz" --data "$work/restored" 2>/dev/null
t1=$(date +%s.%N)
echo "newsdesk restore .tar.gz (search index rebuilt): $(secs "$t0" "$t1") s"
