#!/usr/bin/env bash
# Every cached page type, warm: newsdesk against nginx serving the same bytes as static files, side
# by side on loopback in one run (the article-only predecessor is bench/article-vs-nginx.sh).
# For each page: median requests/s of ROUNDS alternating wrk runs against each, and the ratio.
#
#   bench/pages-vs-nginx.sh                  # needs: cargo, wrk, nginx, curl
#   GZIP=1 ROUNDS=3 DURATION=5s bench/pages-vs-nginx.sh      # as browsers ask (the budget's case)
#   EXTRA_PAGES="/tags/储能 /topics/x /pages/about" bench/pages-vs-nginx.sh   # more page kinds
#   NEWSDESK_BIN=target/release/newsdesk bench/pages-vs-nginx.sh            # skip the build
#
# Default pages: the seed article (the last article of /channels/nev), the home page, a channel
# page (/channels/nev), its second page when it has one, the site's RSS feed, and the demo's tag
# page 新能源汽车 with its feed, its 专题, the 专题 index and the single page 关于我们.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5s}
CONNECTIONS=${CONNECTIONS:-32}
for tool in wrk nginx curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install wrk nginx-light curl" >&2; exit 2; }
done
bin=${NEWSDESK_BIN:-}
if [ -z "$bin" ]; then
  echo "building release binary…" >&2
  cargo build --release --quiet --bin newsdesk
  bin="${CARGO_TARGET_DIR:-target}/release/newsdesk"
fi
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null; rm -rf "$work"' EXIT

port_nd=${PORT_ND:-18191} port_ng=${PORT_NG:-18192}
RUST_LOG=warn "$bin" serve --data "$work/data" --addr 127.0.0.1:$port_nd &
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port_nd/healthz" >/dev/null && break; sleep 0.1; done
seed=$(curl -sf "http://127.0.0.1:$port_nd/channels/nev" | grep -o 'href="/articles/[^"]*"' | tail -1 | cut -d'"' -f2)
tag=/tags/%E6%96%B0%E8%83%BD%E6%BA%90%E6%B1%BD%E8%BD%A6
pages=("$seed" / /channels/nev /feed.xml "$tag" "$tag/feed.xml" /topics/nev-industry /topics /pages/about)
curl -sf -o /dev/null "http://127.0.0.1:$port_nd/channels/nev?page=2" && pages+=("/channels/nev?page=2")
# shellcheck disable=SC2206
pages+=(${EXTRA_PAGES:-})

# nginx serves each page from a file named after its path (and query): "/" is index.html.
path_ng() {
  local p=${1%%\?*} q=${1#*\?}
  [ "$q" = "$1" ] && q=""
  [ "$p" = "/" ] && p=/index.html
  [ -n "$q" ] && p="$p-$q"
  printf '%s' "$p"
}
# nginx looks a path up percent-decoded (/tags/%E6…), so the file is named decoded; a page
# without an extension is a folder's index.html, so that /tags/x and /tags/x/feed.xml both fit.
file_of() {
  local p; p=$(path_ng "$1")
  [[ ${p##*/} == *.* ]] || p="$p/index.html"
  printf '%b' "${p//%/\\x}"
}
url_ng() {
  printf 'http://127.0.0.1:%s%s' "$port_ng" "$(path_ng "$1")"
}
wrk_headers=()
[ -n "${GZIP:-}" ] && wrk_headers=(-H 'Accept-Encoding: gzip')
declare -A sizes
for page in "${pages[@]}"; do
  f="$work/www$(file_of "$page")"
  mkdir -p "$(dirname "$f")"
  curl -sf -A 'Mozilla/5.0 bench' "http://127.0.0.1:$port_nd$page" > "$f"
  sizes[$page]="$(wc -c < "$f")"
  if [ -n "${GZIP:-}" ]; then
    # Cached pages are compressed in the background after their first request.
    for _ in $(seq 50); do
      curl -sf -D "$work/headers" -o "$f.gz" -A 'Mozilla/5.0 bench' \
        -H 'Accept-Encoding: gzip' "http://127.0.0.1:$port_nd$page"
      grep -qi '^content-encoding: gzip' "$work/headers" && break
      sleep 0.1
    done
    grep -qi '^content-encoding: gzip' "$work/headers" || { echo "$page: no gzip response" >&2; exit 1; }
    sizes[$page]="$(wc -c < "$f.gz") gzip (${sizes[$page]} plain)"
  fi
done

cat > "$work/nginx.conf" <<CONF
worker_processes auto;
pid $work/nginx.pid;
error_log $work/nginx-error.log;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  default_type text/html;
  gzip_static on;
  server {
    listen 127.0.0.1:$port_ng; root $work/www;
    location / { try_files \$uri \$uri/index.html =404; }
  }
}
CONF
nginx -c "$work/nginx.conf"
sleep 0.3

rps() { wrk -t1 -c"$CONNECTIONS" -d"$DURATION" "${wrk_headers[@]}" "$1" | awk '/Requests\/sec/ {print $2}'; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
echo "wrk -t1 -c$CONNECTIONS -d$DURATION${GZIP:+ -H 'Accept-Encoding: gzip'}, $ROUNDS rounds; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-40s %-28s %12s %12s %6s\n' page bytes nginx newsdesk ratio
for page in "${pages[@]}"; do
  nd=() ng=()
  for _ in $(seq "$ROUNDS"); do
    ng+=("$(rps "$(url_ng "$page")")")
    nd+=("$(rps "http://127.0.0.1:$port_nd$page")")
  done
  mng=$(printf '%s\n' "${ng[@]}" | median)
  mnd=$(printf '%s\n' "${nd[@]}" | median)
  printf '%-40s %-28s %12s %12s %6s\n' "$page" "${sizes[$page]}" "$mng" "$mnd" \
    "$(awk -v a="$mnd" -v b="$mng" 'BEGIN { printf "%.2f", a / b }')"
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
