#!/usr/bin/env bash
# Article page, warm: newsdesk against nginx serving the same bytes as a static file, side by side
# on loopback in one run. Prints requests/s of each (median of ROUNDS alternating runs) and the ratio.
#
#   bench/article-vs-nginx.sh            # needs: cargo, wrk, nginx (apt-get install wrk nginx-light)
#   ROUNDS=5 DURATION=10s CONNECTIONS=32 bench/article-vs-nginx.sh
#   PAGE=/articles/<slug> bench/article-vs-nginx.sh   # another article than the seed
#   GZIP=1 bench/article-vs-nginx.sh   # as browsers ask (Accept-Encoding: gzip): newsdesk's cached
#                                      # gzip page against nginx's gzip_static of the same bytes
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-10s}
CONNECTIONS=${CONNECTIONS:-32}
for tool in wrk nginx curl; do
  command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install wrk nginx-light curl" >&2; exit 2; }
done

echo "building release binary…" >&2
cargo build --release --quiet --bin newsdesk
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null; rm -rf "$work"' EXIT

port_nd=18181 port_ng=18182
RUST_LOG=warn target/release/newsdesk serve --data "$work/data" --addr 127.0.0.1:$port_nd &
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port_nd/healthz" >/dev/null && break; sleep 0.1; done
# PAGE picks another article (its path); by default the seed, the last article of /channels/nev.
path=${PAGE:-$(curl -sf "http://127.0.0.1:$port_nd/channels/nev" | grep -o 'href="/articles/[^"]*"' | tail -1 | cut -d'"' -f2)}
[ -n "$path" ] || { echo "seed article not found" >&2; exit 1; }
mkdir -p "$work/www/articles"
curl -sf -A 'Mozilla/5.0 bench' "http://127.0.0.1:$port_nd$path" > "$work/www$path"
bytes=$(wc -c < "$work/www$path")
wrk_headers=()
if [ -n "${GZIP:-}" ]; then
  # The cached page is compressed in the background after its first request.
  for _ in $(seq 50); do
    curl -sf -D "$work/headers" -o "$work/www$path.gz" -A 'Mozilla/5.0 bench' \
      -H 'Accept-Encoding: gzip' "http://127.0.0.1:$port_nd$path"
    grep -qi '^content-encoding: gzip' "$work/headers" && break
    sleep 0.1
  done
  grep -qi '^content-encoding: gzip' "$work/headers" || { echo "no gzip response" >&2; exit 1; }
  bytes="$(wc -c < "$work/www$path.gz") gzip ($bytes plain)"
  wrk_headers=(-H 'Accept-Encoding: gzip')
fi

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
  server { listen 127.0.0.1:$port_ng; root $work/www; }
}
CONF
nginx -c "$work/nginx.conf"
sleep 0.3

rps() { wrk -t1 -c"$CONNECTIONS" -d"$DURATION" "${wrk_headers[@]}" "$1" | awk '/Requests\/sec/ {print $2}'; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
nd=() ng=()
for r in $(seq "$ROUNDS"); do
  ng+=("$(rps "http://127.0.0.1:$port_ng$path")")
  nd+=("$(rps "http://127.0.0.1:$port_nd$path")")
  echo "round $r: nginx ${ng[-1]} req/s, newsdesk ${nd[-1]} req/s" >&2
done
mng=$(printf '%s\n' "${ng[@]}" | median)
mnd=$(printf '%s\n' "${nd[@]}" | median)
echo "page: $path ($bytes bytes), wrk -t1 -c$CONNECTIONS -d$DURATION, $ROUNDS rounds"
echo "nginx    median $mng req/s"
echo "newsdesk median $mnd req/s"
awk -v a="$mnd" -v b="$mng" 'BEGIN { printf "ratio newsdesk/nginx %.2f\n", a / b }'
