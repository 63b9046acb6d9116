#!/usr/bin/env bash
# `make audit`: Lighthouse (desktop preset) on five pages of the demo, served as in production,
# then audit/report.py writes docs/quality.md. Reports (JSON and HTML) go to var/audit/.
#
#   CHROME_PATH=/usr/bin/chromium   the browser Lighthouse drives (default: Debian's Chromium)
#   AUDIT_RUNS=3                    Lighthouse runs per page; the run with the median
#                                   performance score is kept (performance varies with CPU load)
#
# The site is served over real TLS: gunicorn with a throwaway self-signed certificate on
# 127.0.0.1, production settings (DEBUG off, HTTP→HTTPS redirect, HSTS, CSP, hashed compressed
# static files), a scratch SQLite database with the demo. Chromium is told to accept the
# certificate (--ignore-certificate-errors).
set -euo pipefail
cd "$(dirname "$0")/.."
out="$PWD/var/audit"
runs="${AUDIT_RUNS:-3}"
export CHROME_PATH="${CHROME_PATH:-/usr/bin/chromium}"
lighthouse="$PWD/node_modules/.bin/lighthouse"
[ -x "$lighthouse" ] || { echo "Lighthouse is missing: run make node-tools (needs npm)"; exit 1; }
[ -x "$CHROME_PATH" ] || { echo "No browser at $CHROME_PATH (Debian: apt-get install chromium)"; exit 1; }
started=$(date +%s)
rm -rf "$out" && mkdir -p "$out"

tmp=$(mktemp -d)
port=$(.venv/bin/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="https://127.0.0.1:$port"
export DATABASE_URL="sqlite:///$tmp/db.sqlite3" STATIC_ROOT="$tmp/static" MEDIA_ROOT="$tmp/media"
export SECRET_KEY="audit-$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
export ALLOWED_HOSTS=127.0.0.1
unset DEBUG TRUST_X_FORWARDED_PROTO SECURE_SSL_REDIRECT REDIS_URL PAGE_CACHE_SECONDS

echo "== demo database and static files in $tmp"
.venv/bin/python manage.py migrate --noinput --verbosity 0
.venv/bin/python manage.py load_demo --verbosity 0
.venv/bin/python manage.py collectstatic --noinput --verbosity 0
openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 \
  -addext subjectAltName=IP:127.0.0.1 -keyout "$tmp/key.pem" -out "$tmp/cert.pem" 2>/dev/null

BIND="127.0.0.1:$port" .venv/bin/gunicorn --config gunicorn.conf.py \
  --certfile "$tmp/cert.pem" --keyfile "$tmp/key.pem" \
  twinning.wsgi:application > "$out/gunicorn.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 1 100); do curl -ksf -o /dev/null "$base/healthz" && break; sleep 0.1; done
curl -ksf -o /dev/null "$base/healthz" || { cat "$out/gunicorn.log"; echo "gunicorn did not start"; exit 1; }

flags="--headless=new --no-sandbox --disable-gpu --disable-quic --no-first-run"
flags="$flags --disable-background-networking --disable-component-update --disable-sync"
flags="$flags --ignore-certificate-errors"
"$CHROME_PATH" --version > "$out/chromium-version.txt" 2>/dev/null || true

# key, path: the pages audited, in the order of the table.
pages="home /en/
partnership-list /en/partnerships/
partnership /en/partnerships/berlin-beijing/
city /en/cities/beijing/
statistics /en/statistics/"
printf '%s\n' "$pages" > "$out/pages.txt"

while read -r key path; do
  curl -ksf -o /dev/null "$base$path"  # warm: the first request of each worker imports more
  for run in $(seq 1 "$runs"); do
    echo "== $path (run $run of $runs; load $(cut -d' ' -f1-3 /proc/loadavg))"
    cut -d' ' -f1-3 /proc/loadavg > "$out/$key.$run.load.txt"
    for attempt in 1 2 3; do  # under load Chromium's trace is now and then incomplete
      "$lighthouse" "$base$path" --preset=desktop --quiet \
        --only-categories=performance,accessibility,best-practices,seo \
        --chrome-flags="$flags" --output=json --output=html --output-path="$out/$key.$run" \
        && break
      [ "$attempt" -lt 3 ] || { echo "Lighthouse failed three times on $path"; exit 1; }
      echo "   Lighthouse failed (attempt $attempt); trying again"
    done
  done
done <<< "$pages"

echo "$(( $(date +%s) - started ))" > "$out/seconds.txt"
.venv/bin/python audit/report.py "$out" docs/quality.md
