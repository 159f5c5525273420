#!/usr/bin/env bash
# Memory of a server over a large site: resident set after a mixed load (article pages across the
# whole site, listings, search, feeds, sitemaps, the targets page and its exports). Prints VmRSS and
# the peak VmHWM of the server process.
#
#   bench/serve-memory.sh                 # 100,000 generated articles in a temporary folder
#   DATA=DIR COUNT=100000 bench/serve-memory.sh   # keep (and reuse) the generated data in DIR
#   NEWSDESK_BIN=path/to/newsdesk bench/serve-memory.sh   # a build of your own (A/B runs)
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${COUNT:-100000}
for tool in curl xargs; do
  command -v "$tool" >/dev/null || { echo "missing $tool" >&2; exit 2; }
done
bin=${NEWSDESK_BIN:-}
if [ -z "$bin" ]; then
  echo "building release binary…" >&2
  cargo build --release --quiet --bin newsdesk
  bin=target/release/newsdesk
fi
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$work"' EXIT
data=${DATA:-$work/data}
if [ ! -f "$data/newsdesk.db" ]; then
  echo "generating $COUNT articles into $data (about 2 minutes per 100,000)…" >&2
  RUST_LOG=warn "$bin" gen-corpus --count "$COUNT" --data "$data" >&2
fi
port=18193
RUST_LOG=warn "$bin" serve --data "$data" --addr 127.0.0.1:$port &
pid=$!
for _ in $(seq 600); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.2; done
mem() { awk '/VmRSS|VmHWM|RssAnon|RssFile/ {printf "%s %d MiB  ", $1, $2/1024} END {print ""}' "/proc/$pid/status"; }
echo "started:            $(mem)"
base=http://127.0.0.1:$port
# Every 25th generated article, four clients at a time.
seq 0 25 $((COUNT - 1)) | sed "s|.*|$base/articles/gen-1-&|" | xargs -P 4 -n 1 curl -s -o /dev/null
echo "$((COUNT / 25)) article pages: $(mem)"
for q in 新能源汽车 充换电网络 智能网联 光伏 储能电站 电力市场 碳排放 氢能 抽水蓄能 自动驾驶 产业 发展 电网; do
  for p in 1 2 5; do
    curl -s -o /dev/null "$base/search?q=$q&page=$p"
    curl -s -o /dev/null "$base/api/v1/search?q=$q&page=$p&sort=newest"
  done
done
echo "search:             $(mem)"
for path in / /channels/nev "/channels/solar?page=40" /feed.xml /atom.xml /sitemap.xml /sitemap-news.xml; do
  curl -s -o /dev/null "$base$path"
done
echo "listings and feeds: $(mem)"
for path in /targets "/targets?sort=value" "/targets?sector=储能" /targets.csv /targets.json; do
  curl -s -o /dev/null "$base$path"
done
echo "targets and exports: $(mem)"
