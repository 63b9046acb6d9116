"""CPU time per request in this process (process_time: what other work on the machine does not
inflate), the median of REPEAT (15) requests after 3 warm-ups, per benchmarked page:

    . bench/env.sh sqlite && BENCH_PAGE_CACHE=off .venv/bin/python bench/cputime.py [NAME ...]

NAME: part of a page's name in bench/pages.py ("home", "partnership Berlin"); none: every page.
Run it in the old and the new tree alternately to compare two versions of the code.
"""

import os
import statistics
import sys
import time

sys.path.insert(0, os.getcwd())
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")
import django  # noqa: E402

django.setup()
from django.test import Client  # noqa: E402

from bench.pages import pages  # noqa: E402

repeat = int(os.environ.get("REPEAT", "15"))
wanted = sys.argv[1:]
client = Client()
for name, path in pages():
    if wanted and not any(w in name for w in wanted):
        continue
    for _ in range(3):
        response = client.get(path, HTTP_HOST="127.0.0.1")
        if response.streaming:
            b"".join(response.streaming_content)
    times = []
    for _ in range(repeat):
        started = time.process_time()
        response = client.get(path, HTTP_HOST="127.0.0.1")
        if response.streaming:
            b"".join(response.streaming_content)
        times.append((time.process_time() - started) * 1000)
    median, least = statistics.median(times), min(times)
    print(f"{name:30s} {median:7.2f} ms  (min {least:.2f})  {response.status_code}")
