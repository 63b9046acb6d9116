#!/usr/bin/env bash
# `make bench`: build the world-scale databases (once), count each page's queries, load-test
# each page with wrk through gunicorn, EXPLAIN the list queries, and write docs/performance.md.
#
#   BENCH_DATABASES="sqlite postgres"  which databases (default both)
#   BENCH_CACHE=auto|off|on             auto (default): "with cache" too when the settings have
#                                       BENCH_CACHE_SETTING (default PAGE_CACHE_SECONDS); off:
#                                       only without; on: both, whatever the settings say
#   BENCH_DURATION=10s BENCH_SINGLE_DURATION=4s BENCH_CONNECTIONS=16   the load (bench/load.sh)
#   BENCH_MEMORY_REQUESTS=10000         requests over every page type before reading each worker's
#                                       memory (bench/memory.py; 0: skip)
#   BENCH_REBUILD=1                     rebuild the databases even if up to date
#   REDIS_URL                           the shared cache, as in production (the page cache needs
#                                       it). Unset: a scratch redis-server on 127.0.0.1:6399
#                                       (BENCH_REDIS_PORT), started and stopped here; every
#                                       load run starts with an empty cache (FLUSHDB).
set -euo pipefail
cd "$(dirname "$0")/.."
databases="${BENCH_DATABASES:-sqlite postgres}"
results="${BENCH_VAR:-$PWD/var/bench}/results"
export BENCH_CACHE_SETTING="${BENCH_CACHE_SETTING:-PAGE_CACHE_SECONDS}"
rm -rf "$results" && mkdir -p "$results"
started=$(date +%s)

if [ -z "${REDIS_URL:-}" ] && command -v redis-server > /dev/null; then
  redis_port="${BENCH_REDIS_PORT:-6399}"
  redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no \
    > "$results/redis.log" 2>&1 &
  redis=$!
  trap 'kill "$redis" 2>/dev/null || true' EXIT
  export REDIS_URL="redis://127.0.0.1:$redis_port/0"
  for _ in $(seq 1 50); do redis-cli -u "$REDIS_URL" ping > /dev/null 2>&1 && break; sleep 0.1; done
fi
echo "== cache: ${REDIS_URL:-none (each process its own memory; the page cache stays off)}"

has_cache=$(. bench/env.sh sqlite && BENCH_PAGE_CACHE= .venv/bin/python -c \
  "import django; django.setup(); from django.conf import settings; print(int(hasattr(settings, '$BENCH_CACHE_SETTING')))")
case "${BENCH_CACHE:-auto}" in
  auto) modes=$([ "$has_cache" = 1 ] && echo "off on" || echo off) ;;
  on) modes="off on" ;;
  off) modes=off ;;
  *) echo "BENCH_CACHE must be auto, on or off" >&2; exit 2 ;;
esac
echo "== page cache setting $BENCH_CACHE_SETTING present: $has_cache; runs: $modes"
echo "$modes" > "$results/modes.txt"

for kind in $databases; do
  bench/build.sh "$kind"
done
(. bench/env.sh sqlite && "$PY" manage.py collectstatic --noinput --verbosity 0)

for kind in $databases; do
  for mode in $modes; do
    echo "== $kind, page cache $mode: queries per page"
    (. bench/env.sh "$kind" && BENCH_PAGE_CACHE="$mode" "$PY" bench/pages.py "$results/$kind-$mode-pages.json")
    echo "== $kind, page cache $mode: load"
    bench/load.sh "$kind" "$mode" "$results/$kind-$mode-pages.json" "$results/$kind-$mode"
  done
  echo "== $kind: EXPLAIN the list queries"
  (. bench/env.sh "$kind" && BENCH_PAGE_CACHE=off "$PY" bench/explain.py "$results/$kind-explain.json")
done
echo "$(( $(date +%s) - started ))" > "$results/seconds.txt"
.venv/bin/python bench/report.py "$results" docs/performance.md
