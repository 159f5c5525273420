#!/usr/bin/env bash
# Imports the same generated corpus with one or more release builds, run alternately, and prints
# wall time, pages/s and peak memory of each run: compare builds side by side in one run rather
# than against a figure measured another day.
# Usage: bench/import.sh BIN [BIN...]   (PAGES=10000 ROUNDS=2; CORPUS=DIR to reuse a corpus)
# The first BIN also generates the corpus (`newsdesk gen-corpus`).
set -euo pipefail
(($#)) || { echo "usage: $0 NEWSDESK_BIN [OTHER_BIN...]" >&2; exit 2; }
pages=${PAGES:-10000}
rounds=${ROUNDS:-2}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
corpus=${CORPUS:-$work/corpus}
if [[ ! -d $corpus ]]; then
  echo "generating $pages pages in $corpus" >&2
  "$1" gen-corpus --count "$pages" --out "$corpus" >/dev/null
fi
echo "import of $(find "$corpus" -type f | wc -l) files, $rounds rounds; load before: $(cut -d' ' -f1-3 /proc/loadavg)"
for round in $(seq 1 "$rounds"); do
  for bin in "$@"; do
    rm -rf "$work/data"
    load=$(cut -d' ' -f1 /proc/loadavg)
    start=$(date +%s.%N)
    /usr/bin/time -f '%M' -o "$work/rss" "$bin" import --data "$work/data" --no-remote "$corpus" \
      >/dev/null 2>"$work/log" || { tail -n 5 "$work/log" >&2; exit 1; }
    end=$(date +%s.%N)
    awk -v b="$bin" -v r="$round" -v l="$load" -v s="$start" -v e="$end" -v n="$pages" \
      -v kb="$(cat "$work/rss")" 'BEGIN {
        printf "round %d  %-45s load %s  %6.1f s  %5.0f pages/s  max RSS %d MiB\n",
          r, b, l, e - s, n / (e - s), kb / 1024 }'
  done
done
