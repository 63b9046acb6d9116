#!/usr/bin/env bash
# One load run: `bench/load.sh sqlite|postgres on|off PAGES.json OUTDIR`.
# Starts gunicorn as `make serve` does (gunicorn.conf.py: gthread, WEB_CONCURRENCY=2 workers of
# GUNICORN_THREADS=4 threads) with production settings, then drives wrk against every page
# First one request at a time, every page in turn for BENCH_ALONE_ROUNDS=3 rounds, together
# BENCH_SINGLE_DURATION=4s per page (the render time without queueing); then per page a 2 s
# warm-up and BENCH_CONNECTIONS=16 connections for BENCH_DURATION=10s.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/env.sh "$1"
cache="$2" pages="$3" out="$4"
port="${BENCH_PORT:-8799}"
connections="${BENCH_CONNECTIONS:-16}" duration="${BENCH_DURATION:-10s}"
single="${BENCH_SINGLE_DURATION:-4s}"
mkdir -p "$out"
echo "connections=$connections duration=$duration single=$single" > "$out/params.txt"
export BENCH_PAGE_CACHE="$cache" WEB_CONCURRENCY="${WEB_CONCURRENCY:-2}"
export GUNICORN_THREADS="${GUNICORN_THREADS:-4}" BIND="127.0.0.1:$port"
# wrk keeps its connections open, and a gthread worker accepts as many as it is offered: one
# worker could hold 12 of the 16 while the other idled, halving req/s at random from run to run
# (the same cached list measured 729 and 1,848 req/s). Each worker takes its share instead, as
# nginx's one-request connections spread themselves in production.
export GUNICORN_WORKER_CONNECTIONS="${GUNICORN_WORKER_CONNECTIONS:-$(( (connections + WEB_CONCURRENCY - 1) / WEB_CONCURRENCY ))}"

# Every run starts from an empty cache (pages of another database or run must not answer).
if [ -n "${REDIS_URL:-}" ]; then redis-cli -u "$REDIS_URL" flushdb > /dev/null; fi
.venv/bin/gunicorn --config gunicorn.conf.py --access-logfile /dev/null twinning.wsgi:application \
  > "$out/gunicorn.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  curl -fs -o /dev/null "http://127.0.0.1:$port/healthz" && break
  kill -0 "$server" 2>/dev/null || { cat "$out/gunicorn.log"; exit 1; }
  sleep 0.2
done

mapfile -t rows < <("$PY" -c 'import json,sys; [print(p["name"] + "\t" + p["key"] + "\t" + p["path"] + "\t" + str(int(p.get("first_byte", False)))) for p in json.load(open(sys.argv[1]))["pages"]]' "$pages")
p50() { sort -n "$1" | awk '{a[NR] = $1} END {printf "%.1f ms", a[int((NR + 1) / 2)] * 1000}'; }

# Every page answers 200 (with the page cache on, this first request also caches it).
[ "$cache" = on ] && redis-cli -u "$REDIS_URL" flushdb > /dev/null
for row in "${rows[@]}"; do
  IFS=$'\t' read -r name key path first_byte <<< "$row"
  status=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port$path")
  [ "$status" = 200 ] || { echo "$path answered $status"; tail -n 20 "$out/gunicorn.log"; exit 1; }
  : > "$out/$key.alone.txt"
  : > "$out/$key.cpu.txt"
done

# One request at a time (curl): the time to render a page without queueing behind others. A
# streamed export is timed to its first byte. Every page in turn, BENCH_ALONE_ROUNDS (3) rounds
# of BENCH_SINGLE_DURATION / rounds seconds each (at least one request per round): a burst of
# work from elsewhere on the machine is spread over every page's figure instead of doubling
# the one page measured at that moment (one run had a page at 42 ms that took 28 ms alone a
# minute later).
# Beside each slice's times, the CPU the server spent on it (clock ticks of the gunicorn workers
# and, on PostgreSQL, of the bench database's backends, from /proc) and its request count:
# "CPU alone" per request, which time stolen by other work on the machine does not inflate.
# Counted per process: a backend closed in the slice (CONN_MAX_AGE) takes its ticks with it,
# one opened counts from nothing.
cpu_by_process() {
  local pids pid
  pids=$(pgrep -P "$server" || true)
  if [ "$BENCH_KIND" = postgres ]; then
    pids="$pids $(pgrep -f "^postgres: .* $BENCH_PG_DB 127\.0\.0\.1" || true)"
  fi
  # "pid ticks": utime and stime are the 12th and 13th fields after "pid (comm) ".
  for pid in $pids; do
    awk -v pid="$pid" '{sub(/^.*\) /, ""); print pid, $12 + $13}' "/proc/$pid/stat" 2> /dev/null \
      || true
  done
}
ticks_since() {
  awk 'NR == FNR {before[$1] = $2; next} {ticks += $2 - ($1 in before ? before[$1] : 0)}
       END {print ticks + 0}' <(echo "$1") <(cpu_by_process)
}
rounds="${BENCH_ALONE_ROUNDS:-3}"
slice_ms=$(( ${single%s} * 1000 / rounds ))
for _ in $(seq 1 "$rounds"); do
  for row in "${rows[@]}"; do
    IFS=$'\t' read -r name key path first_byte <<< "$row"
    timing='%{time_total}\n'; [ "$first_byte" = 1 ] && timing='%{time_starttransfer}\n'
    until_ms=$(( $(date +%s%3N) + slice_ms )); n=0
    before=$(cpu_by_process)
    while [ "$n" -lt 1 ] || { [ "$(date +%s%3N)" -lt "$until_ms" ] && [ "$n" -lt 200 ]; }; do
      curl -s -o /dev/null -w "$timing" "http://127.0.0.1:$port$path" >> "$out/$key.alone.txt"
      n=$((n + 1))
    done
    echo "$(ticks_since "$before") $n $(getconf CLK_TCK)" >> "$out/$key.cpu.txt"
  done
done

# Then the load, page after page.
for row in "${rows[@]}"; do
  IFS=$'\t' read -r name key path first_byte <<< "$row"
  url="http://127.0.0.1:$port$path"
  file="$out/$key"
  if [ "$first_byte" = 1 ]; then
    # The whole list, streamed and never cached: no load run.
    printf '  %-28s p50 alone to the first byte %s\n' "$name" "$(p50 "$file.alone.txt")"
    continue
  fi
  if [ "$cache" = on ]; then
    # From a cold cache: every page's run starts with nothing cached, no warm-up, so the first
    # 16 requests all miss at once (single-flight: one renders, the others wait for it).
    redis-cli -u "$REDIS_URL" flushdb > /dev/null
  else
    # Warm-up (the database's and the process's own caches), then the load.
    wrk -t1 -c"$connections" -d2s --timeout 30s "$url" > /dev/null
  fi
  # wrk stops at the deadline but the server still works through the requests queued by then:
  # one more request, queued behind them, waits until they are done, so the next page starts
  # on an idle server.
  [ "$cache" = on ] || curl -s -o /dev/null "$url"
  wrk -t1 -c"$connections" -d"$duration" --timeout 30s --latency "$url" > "$file.load.txt"
  curl -s -o /dev/null "$url"
  printf '  %-28s %8s req/s at %s connections; p50 alone %s\n' "$name" \
    "$(awk '/Requests\/sec/ {print $2}' "$file.load.txt")" "$connections" "$(p50 "$file.alone.txt")"
done

# Memory: BENCH_MEMORY_REQUESTS (10,000) requests spread over every page type, 4 at a time,
# then each worker's resident set (bench/memory.py). Once per database, in the uncached run
# (the cached one renders almost nothing).
if [ "$cache" = off ] && [ "${BENCH_MEMORY_REQUESTS:-10000}" -gt 0 ]; then
  "$PY" bench/memory.py "$server" "http://127.0.0.1:$port" "$pages" \
    "${BENCH_MEMORY_REQUESTS:-10000}" "$out/memory.json"
fi
