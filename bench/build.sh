#!/usr/bin/env bash
# Build the world-scale database for one database kind, once: `bench/build.sh sqlite|postgres`.
# Skipped when var/bench/<kind>.built holds the fingerprint of everything the data comes from
# (migrations, the CSV, the importer and generator, this script); BENCH_REBUILD=1 forces it.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/env.sh "$1"

CSV="${BENCH_CSV:-../shared/data/twin_cities_hekman.csv}"
PER_PARTNERSHIP="${BENCH_PER_PARTNERSHIP:-11}"
MILESTONES="${BENCH_MILESTONES:-2}"
SHOWCASE_ACTIVITIES="${BENCH_SHOWCASE_ACTIVITIES:-210}"
marker="$BENCH_VAR/$BENCH_KIND.built"
fingerprint=$(
  { echo "$PER_PARTNERSHIP $MILESTONES $SHOWCASE_ACTIVITIES"
    cat "$CSV" bench/build.sh */migrations/0*.py partnerships/importing/*.py \
        partnerships/management/commands/generate_activities.py \
        twinning/management/commands/load_demo.py fixtures/* 2>/dev/null
  } | sha256sum | cut -d' ' -f1
)
if [ -z "${BENCH_REBUILD:-}" ] && [ -f "$marker" ] && [ "$(cat "$marker")" = "$fingerprint" ]; then
  echo "== $BENCH_KIND: world-scale database is up to date ($marker)"
  exit 0
fi
rm -f "$marker"
echo "== $BENCH_KIND: building the world-scale database"
if [ "$BENCH_KIND" = sqlite ]; then
  rm -f "$BENCH_VAR/world.sqlite3" "$BENCH_VAR/world.sqlite3-wal" "$BENCH_VAR/world.sqlite3-shm"
else
  psql -q -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS $BENCH_PG_DB" postgres
  psql -q -h 127.0.0.1 -U postgres -c "CREATE DATABASE $BENCH_PG_DB" postgres
fi
"$PY" manage.py migrate --noinput --verbosity 0
"$PY" manage.py load_demo --verbosity 0

# The import, timed, with its peak memory (maximum resident set size of the whole process).
/usr/bin/time -v -o "$BENCH_VAR/$BENCH_KIND-import.time" \
  "$PY" manage.py import_twinnings "$CSV" > "$BENCH_VAR/$BENCH_KIND-import.log" 2>&1 \
  || { tail -n 30 "$BENCH_VAR/$BENCH_KIND-import.log"; exit 1; }
tail -n 5 "$BENCH_VAR/$BENCH_KIND-import.log"
grep -E "Elapsed|Maximum resident" "$BENCH_VAR/$BENCH_KIND-import.time"

/usr/bin/time -v -o "$BENCH_VAR/$BENCH_KIND-generate.time" \
  "$PY" manage.py generate_activities --per-partnership "$PER_PARTNERSHIP" --milestones "$MILESTONES"
# Berlin–Beijing, the showcase, gets 200+ activities, drawn by the same generator.
"$PY" manage.py shell -c "
import random
from partnerships.management.commands.generate_activities import Command
from partnerships.models import FocusArea, Partnership
p = Partnership.objects.get(slug='berlin-beijing')
need = $SHOWCASE_ACTIVITIES - p.activities.count()
focus = list(FocusArea.objects.order_by('pk').values_list('pk', flat=True))
cmd, rng = Command(), random.Random(f'showcase-{p.pk}')
rows = [(cmd.activity(rng, p.pk), cmd.topics(rng, focus)) for _ in range(max(need, 0))]
print('Berlin-Beijing: added', cmd.save_activities(rows), 'activities; now', p.activities.count())
"
"$PY" manage.py update_search_index
# Both databases get their planner statistics, as the nightly maintenance gives them.
if [ "$BENCH_KIND" = postgres ]; then
  psql -q -h 127.0.0.1 -U postgres -c "VACUUM ANALYZE" "$BENCH_PG_DB"
else
  "$PY" manage.py shell -c "from django.db import connection; connection.cursor().execute('ANALYZE')"
fi
"$PY" manage.py shell -c "
from cities.models import City
from partnerships.models import Activity, Milestone, Partnership
print('cities', City.objects.count(), 'partnerships', Partnership.objects.count(),
      'activities', Activity.objects.count(), 'milestones', Milestone.objects.count())
" | tee "$BENCH_VAR/$BENCH_KIND-counts.txt"
echo "$fingerprint" > "$marker"
