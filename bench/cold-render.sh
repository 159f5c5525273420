#!/usr/bin/env bash
# Cold render: article pages rendered on every request (the page cache off), one connection, so
# each request pays the store reads, related articles, highlighting and the template. Builds are
# run alternately on the demo site, side by side in one run; prints p50/p90/p99 per build and page.
#
#   bench/cold-render.sh BIN [BIN…]            # release builds to compare (e.g. base and head)
#   ROUNDS=5 DURATION=4s bench/cold-render.sh target/release/newsdesk
#
# Pages: the seed article (32 KB of text, ~100 targets; the last article of /channels/nev) and a
# short article (the first of /channels/storage).
#
# With the page cache off, a render still reuses what it made of the article itself while the
# article is unchanged (`--article-cache-mib`): the render after a write elsewhere on the site. For
# the render after the article's own change, turn that off too (builds without the option ignore
# the variable):
#
#   NEWSDESK_ARTICLE_CACHE_MIB=0 bench/cold-render.sh BIN [BIN…]
#
# On a large site instead of the demo: DATA names a site folder (e.g. the one `DATA=DIR
# bench/serve-memory.sh` generates), copied for each build, and PAGES the paths to render:
#
#   DATA=DIR PAGES="/articles/gen-1-100 /articles/gen-1-50000" bench/cold-render.sh BIN [BIN…]
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-4s}
[ $# -ge 1 ] || { echo "usage: bench/cold-render.sh BIN [BIN…]" >&2; exit 2; }
for tool in wrk curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install wrk curl" >&2; exit 2; }
done
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
port=18197
echo "load average: $(cut -d' ' -f1-3 /proc/loadavg); NEWSDESK_ARTICLE_CACHE_MIB=${NEWSDESK_ARTICLE_CACHE_MIB:-default}" >&2

# Each build gets its own copy of the demo site (a newer build may migrate the database).
start() {
  local bin=$1 data=$2
  if [ -n "${DATA:-}" ] && [ ! -d "$data" ]; then
    cp -r "$DATA" "$data" && rm -f "$data/startup.lock"
  fi
  RUST_LOG=warn "$bin" serve --data "$data" --addr 127.0.0.1:$port --page-cache-mib 0 &
  for _ in $(seq 600); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && return; sleep 0.1; done
  echo "server $bin did not start" >&2; exit 1
}
stop() { kill "$1"; wait "$1" 2>/dev/null || true; }

i=0
for bin in "$@"; do
  start "$bin" "$work/data$i"; pid=$!
  if [ $i -eq 0 ]; then
    seed=$(curl -sf "http://127.0.0.1:$port/channels/nev" | grep -o 'href="/articles/[^"]*"' | tail -1 | cut -d'"' -f2)
    short=$(curl -sf "http://127.0.0.1:$port/channels/storage" | grep -o 'href="/articles/[^"]*"' | head -1 | cut -d'"' -f2)
  fi
  stop $pid; i=$((i + 1))
done
if [ -n "${PAGES:-}" ]; then
  read -r -a pages <<<"$PAGES"
else
  pages=("$seed" "$short")
fi
echo "pages: ${pages[*]}" >&2
i=0; for bin in "$@"; do echo "build$i = $bin" >&2; i=$((i + 1)); done

printf '%-8s %-40s %8s %8s %8s\n' round "build / page" p50 p90 p99
for round in $(seq "$ROUNDS"); do
  i=0
  for bin in "$@"; do
    start "$bin" "$work/data$i"; pid=$!
    for page in "${pages[@]}"; do
      url="http://127.0.0.1:$port$page"
      curl -sf -o /dev/null "$url"  # the first render: search index and templates warmed
      out=$(wrk -t1 -c1 -d"$DURATION" --latency "$url")
      pct() { awk -v p="$1" '$1 == p {print $2}' <<<"$out"; }
      if [ -n "${PAGES:-}" ]; then
        label="build$i $page"
      else
        label="build$i $([ "$page" = "$seed" ] && echo seed || echo short)"
      fi
      printf '%-8s %-40s %8s %8s %8s\n' "$round" "$label" "$(pct 50%)" "$(pct 90%)" "$(pct 99%)"
    done
    stop $pid; i=$((i + 1))
  done
done
