# Sourced by the bench scripts: `. bench/env.sh sqlite|postgres`. Production settings on loopback.
# shellcheck shell=bash
BENCH_KIND="$1"
BENCH_VAR="${BENCH_VAR:-$PWD/var/bench}"
BENCH_PG_DB="${BENCH_PG_DB:-twinning_bench}"
BENCH_PG="${BENCH_PG:-postgres://postgres@127.0.0.1:5432}"
mkdir -p "$BENCH_VAR"
case "$BENCH_KIND" in
  sqlite) export DATABASE_URL="sqlite:///$BENCH_VAR/world.sqlite3" ;;
  postgres) export DATABASE_URL="$BENCH_PG/$BENCH_PG_DB" ;;
  *) echo "usage: $0 sqlite|postgres" >&2; exit 2 ;;
esac
unset DEBUG
export DJANGO_SETTINGS_MODULE=bench.settings
export SECRET_KEY="${BENCH_SECRET_KEY:-bench-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')}"
export ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=0 CONN_MAX_AGE="${CONN_MAX_AGE:-60}"
export STATIC_ROOT="$BENCH_VAR/static" MEDIA_ROOT="$BENCH_VAR/media"
export LOG_LEVEL="${LOG_LEVEL:-WARNING}" PYTHONDONTWRITEBYTECODE=1
# One address sends every request here: the API's per-address limit would answer most with 429.
export API_RATE_LIMIT="${API_RATE_LIMIT:-1000000}"
PY="${PY:-.venv/bin/python}"
