"""The pages `make bench` measures, found in the benchmark database, and their query counts.

    python bench/pages.py OUT.json     (with bench/env.sh's environment)

Each URL is requested through Django's test client under CaptureQueriesContext: once (cold),
and once more (warm: the same as cold unless a page cache answers). Every page must answer 200.
"""

import json
import os
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from cities.models import City  # noqa: E402
from partnerships.models import FocusArea, Partnership  # noqa: E402


def shanghai():
    """The city named Shanghai with the most published partnerships (its page is the heaviest)."""
    published = Partnership.objects.published()
    return max(
        City.objects.filter(name="Shanghai"), key=lambda city: published.involving(city).count()
    )


def pages():
    """(name, path) of every page benchmarked, the floor first: every public page type."""
    focus = (
        FocusArea.objects.filter(partnerships__city_a__country="DE")
        .annotate(n=Count("partnerships"))
        .order_by("-n", "slug")
        .first()
    )
    berlin_beijing = Partnership.objects.get(slug="berlin-beijing")
    city = shanghai()
    return [
        ("floor", "/bench/floor/"),
        ("home", "/en/"),
        ("partnerships", "/en/partnerships/"),
        ("partnerships by country", "/en/partnerships/?country=DE"),
        ("partnerships filtered", f"/en/partnerships/?country=DE&focus_area={focus.slug}"),
        ("partnerships free text", "/en/partnerships/?q=berlin"),
        ("search", "/en/search/?q=berlin"),
        ("partnership Berlin–Beijing", berlin_beijing.get_absolute_url()),
        ("cities", "/en/cities/"),
        ("city Shanghai", city.get_absolute_url()),
        ("topic", f"/en/topics/{focus.slug}/"),
        ("activities", "/en/activities/"),
        ("statistics", "/en/statistics/"),
        ("anniversaries", "/en/anniversaries/"),
        ("seeking a partner", "/en/seeking/"),
        ("partners like Shanghai", f"/en/cities/{city.slug}/partners-like-you/"),
        ("feed", "/en/feed/"),
        ("calendar", "/en/calendar.ics"),
        ("partnership data", f"/partnerships/{berlin_beijing.slug}/data.json"),
        # Streamed, never cached: timed to its first byte (bench/load.sh); the filtered list's
        # partnerships, so that the memory run (bench/memory.py) can fetch it whole often.
        (
            "export first page",
            f"/export/partnerships/?format=json&country=DE&focus_area={focus.slug}",
        ),
        ("API list", "/api/v1/partnerships/"),
    ]


# Streamed responses: "alone" is the time to the first byte, not the whole download.
FIRST_BYTE = {"export-first-page"}


def count_queries(path):
    """Queries of a first and a repeat request; the repeat's time in Django and in SQL (ms)."""
    client = Client(HTTP_HOST="127.0.0.1")
    counts = []
    for _ in range(2):
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path)
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
        if response.streaming:
            b"".join(response.streaming_content)
        counts.append(len(queries))
    total = (time.perf_counter() - started) * 1000
    sql = sum(float(q["time"]) for q in queries.captured_queries) * 1000
    return counts, total, sql


def main(out):
    from django.conf import settings

    cache_seconds = getattr(settings, "PAGE_CACHE_SECONDS", 0)
    if os.environ.get("BENCH_PAGE_CACHE") == "on" and cache_seconds <= 0:
        raise SystemExit(
            "BENCH_PAGE_CACHE=on but PAGE_CACHE_SECONDS is 0 (it needs REDIS_URL): refusing to "
            "report uncached numbers as cached."
        )
    rows = []
    for name, path in pages():
        (cold, warm), ms_total, ms_sql = count_queries(path)
        key = re.sub(r"[^a-z0-9]+", "-", name.lower())
        rows.append(
            {
                "name": name,
                "key": key,
                "path": path,
                "queries": cold,
                "queries_warm": warm,
                "ms_total": ms_total,
                "ms_sql": ms_sql,
                "first_byte": key in FIRST_BYTE,
            }
        )
        print(
            f"  {name:28} {path:55} {cold:3} queries (repeat: {warm}; "
            f"{ms_total:.0f} ms in Django, {ms_sql:.0f} ms of it in SQL)"
        )
    berlin_beijing = Partnership.objects.get(slug="berlin-beijing")
    extra = {
        "berlin_beijing_activities": berlin_beijing.activities.count(),
        "shanghai_partnerships": Partnership.objects.published().involving(shanghai()).count(),
    }
    Path(out).write_text(json.dumps({"pages": rows, **extra}, indent=2))


if __name__ == "__main__":
    main(sys.argv[1])
