"""Every benchmarked page's body, and more (74 addresses), written to a directory: a change
meant to make pages faster, not different, is checked byte for byte against the code before.

    . bench/env.sh sqlite && BENCH_PAGE_CACHE=off .venv/bin/python bench/bodies.py OUTDIR
    (the same in a tree of the code before, to OLD), then: diff -r OLD OUTDIR

The bench pages in three languages, five more records (two in German), three cities and two of
their finders, two topics and six list pages; DTSTAMP, generated_at and CSRF tokens masked.
"""

import hashlib
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
import django  # noqa: E402

django.setup()
from django.test import Client  # noqa: E402

from bench.pages import pages  # noqa: E402
from cities.models import City  # noqa: E402
from partnerships.models import FocusArea, Partnership  # noqa: E402

out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
urls = [path for name, path in pages() if name != "floor"]
for path in list(urls):
    if path.startswith("/en/"):
        urls += ["/de/" + path[4:], "/zh-hans/" + path[4:]]
records = list(
    Partnership.objects.published().order_by("pk").values_list("slug", flat=True)[:400:80]
)
urls += [f"/en/partnerships/{slug}/" for slug in records] + [
    f"/de/partnerships/{slug}/" for slug in records[:2]
]
cities = list(City.objects.order_by("pk").values_list("slug", flat=True)[:3000:1000])
urls += [f"/en/cities/{slug}/" for slug in cities] + [
    f"/en/cities/{slug}/partners-like-you/" for slug in cities[:2]
]
areas = list(FocusArea.objects.order_by("pk").values_list("slug", flat=True)[:2])
urls += [f"/en/topics/{slug}/" for slug in areas]
urls += [
    "/en/partnerships/?page=3",
    "/en/partnerships/?country=FR&sort=-founded",
    "/en/activities/?when=past&page=2",
    "/en/partnerships/?q=school+exchange",
    "/de/search/?q=Partnerschaft",
    "/en/activities/?focus_area=" + areas[0],
]
client = Client()
mask = [
    (re.compile(rb"DTSTAMP:[0-9TZ]+"), b"DTSTAMP:X"),
    (re.compile(rb'"generated_at": ?"[^"]*"'), b'"generated_at":"X"'),
    (re.compile(rb'csrfmiddlewaretoken" value="[^"]*"'), b"csrf"),
    (re.compile(rb"csrftoken=[^;]*"), b"csrf"),
]
for url in urls:
    response = client.get(url, HTTP_HOST="127.0.0.1")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    for pattern, replacement in mask:
        body = pattern.sub(replacement, body)
    name = (
        hashlib.sha256(url.encode()).hexdigest()[:10]
        + "_"
        + re.sub(r"[^a-z0-9]+", "_", url.lower())[:60]
    )
    (out / name).write_bytes(b"%d\n" % response.status_code + body)
print(len(urls), "bodies in", out)
