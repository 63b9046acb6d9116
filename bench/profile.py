"""Where each benchmarked page's time goes: `python bench/profile.py [KEY ...]` (with
bench/env.sh's environment and BENCH_PAGE_CACHE=off).

Per page (bench/pages.py), in this process through Django's test client: the median of
BENCH_PROFILE_REPEAT (7) requests after one warm-up, the time spent in SQL, then one more request
under pyinstrument, its call tree written to var/bench/profile/<key>.txt (and .html).
"""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from pyinstrument import Profiler  # noqa: E402

from bench.pages import pages  # noqa: E402  (django.setup() happens there)


def request(client, path):
    response = client.get(path)
    if response.streaming:
        next(iter(response.streaming_content))  # the first piece: what "first byte" measures
    assert response.status_code == 200, (path, response.status_code)


def main(keys):
    out = Path(os.environ.get("BENCH_VAR", "var/bench")) / "profile"
    out.mkdir(parents=True, exist_ok=True)
    repeat = int(os.environ.get("BENCH_PROFILE_REPEAT", "7"))
    client = Client(HTTP_HOST="127.0.0.1")
    for name, path in pages():
        key = "".join(c if c.isalnum() else "-" for c in name.lower())
        if keys and key not in keys:
            continue
        request(client, path)
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            with CaptureQueriesContext(connection) as queries:
                request(client, path)
            times.append((time.perf_counter() - started) * 1000)
        sql = sum(float(q["time"]) for q in queries.captured_queries) * 1000
        profiler = Profiler(interval=0.0005)
        with profiler:
            request(client, path)
        (out / f"{key}.txt").write_text(profiler.output_text(unicode=True, show_all=False))
        (out / f"{key}.html").write_text(profiler.output_html())
        print(
            f"{name:28} median {statistics.median(times):7.1f} ms  min {min(times):7.1f}  "
            f"SQL {sql:6.1f} ms in {len(queries)} queries  {path}"
        )


if __name__ == "__main__":
    main(set(sys.argv[1:]))
