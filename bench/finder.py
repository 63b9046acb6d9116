"""Time the partner finder uncached against a world-scale database.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<db> DJANGO_SETTINGS_MODULE=twinning.settings \\
    SECRET_KEY=… ALLOWED_HOSTS=testserver .venv/bin/python bench/finder.py [--enrich]

The database is the world import (`import_twinnings ../shared/data/twin_cities_hekman.csv`
after `load_demo`). The world list has no populations, focus areas or listings; `--enrich`
gives every city a population, every published partnership one of the focus areas and 300
cities a current "seeking a partner" listing (deterministically, written once, then
`VACUUM ANALYZE`), so every source of candidates does its full work.

Each page is requested through Django's test client with the page cache off (no Redis), ten
times after one warm-up; the fastest (the closest to an idle machine), the median and the
slowest time, and the queries of one request.
The cities: the five with most partnerships, then five others spread over the list.
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "twinning.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.db.models import Count, Q  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from cities.models import City  # noqa: E402
from cities.sizes import SizeBand  # noqa: E402
from partnerships.models import FocusArea, PartnerSearch, Partnership  # noqa: E402

RUNS = 10


def enrich():
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cities_city SET population = 1000 + (id * 7919) % 3000000 "
            "WHERE population IS NULL"
        )
    topics = list(FocusArea.objects.values_list("pk", flat=True))
    through = Partnership.focus_areas.through
    have = set(through.objects.values_list("partnership_id", flat=True))
    through.objects.bulk_create(
        (
            through(partnership_id=pk, focusarea_id=topics[pk % len(topics)])
            for pk in Partnership.objects.published().values_list("pk", flat=True)
            if pk not in have
        ),
        batch_size=5000,
    )
    if not PartnerSearch.objects.exists():
        bands = [""] + list(SizeBand.values)
        public = City.objects.public().order_by("pk").values_list("pk", flat=True)
        PartnerSearch.objects.bulk_create(
            PartnerSearch(
                city_id=pk,
                size_band=bands[n % len(bands)],
                countries=[] if n % 3 else ["DE"],
                contact_role="City partnership office",
                is_published=True,
            )
            for n, pk in enumerate(list(public[:3000])[::10])
        )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def cities():
    counted = City.objects.public().annotate(
        n=Count("partnerships_as_a", filter=Q(partnerships_as_a__state="published"), distinct=True)
        + Count("partnerships_as_b", filter=Q(partnerships_as_b__state="published"), distinct=True)
    )
    hubs = list(counted.order_by("-n")[:5])
    total = City.objects.public().count()
    others = [City.objects.public().order_by("pk")[i] for i in range(0, total, total // 5)][:5]
    return hubs + others


def main():
    assert not settings.PAGE_CACHE_SECONDS, "run without the page cache (no REDIS_URL)"
    if "--enrich" in sys.argv:
        enrich()
    client = Client()
    rows = []
    for city in cities():
        url = f"/en/cities/{city.slug}/partners-like-you/"
        assert client.get(url).status_code == 200  # warm-up: time zones, templates
        times = []
        for _ in range(RUNS):
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        partners = Partnership.objects.involving(city).count()
        rows.append(
            (city.name, partners, min(times), statistics.median(times), max(times), len(queries),
             response.content.count(b'class="suggestion"'))
        )  # fmt: skip
    print("| city | partnerships | fastest | median | slowest | queries | suggestions |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, partners, fastest, median, slowest, queries, shown in rows:
        print(
            f"| {name} | {partners} | {fastest:.0f} ms | {median:.0f} ms | {slowest:.0f} ms "
            f"| {queries} | {shown} |"
        )
    for kind, url in [("listings", "/en/seeking/")]:
        client.get(url)
        start = time.perf_counter()
        client.get(url)
        print(f"{kind}: {(time.perf_counter() - start) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
