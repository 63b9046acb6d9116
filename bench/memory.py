"""Each gunicorn worker's memory after many requests across every page type.

    python bench/memory.py MASTER_PID BASE_URL PAGES.json REQUESTS OUT.json

Requests the benchmarked pages in turn (the floor left out), 4 at a time, REQUESTS in all, and
reads each worker's resident set size (VmRSS) and peak (VmHWM) from /proc before and after.
"""

import json
import sys
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from itertools import cycle, islice
from pathlib import Path

CONCURRENCY = 4


def workers(master):
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return sorted(int(pid) for pid in children)


def memory(pid):
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            fields[name] = int(value.split()[0]) // 1024  # kB → MB
    return {"pid": pid, "rss_mb": fields["VmRSS"], "peak_mb": fields["VmHWM"]}


def fetch(url):
    with urllib.request.urlopen(url, timeout=60) as response:  # noqa: S310 (our own http:// server)
        while response.read(65536):
            pass
        return response.status


def main(master, base, pages_file, requests, out):
    paths = [page["path"] for page in json.loads(Path(pages_file).read_text())["pages"]]
    paths = [path for path in paths if not path.startswith("/bench/")]
    before = [memory(pid) for pid in workers(master)]
    started = time.monotonic()
    urls = (base + path for path in islice(cycle(paths), requests))
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        statuses = list(pool.map(fetch, urls))
    seconds = time.monotonic() - started
    after = [memory(pid) for pid in workers(master)]
    failed = sum(status != 200 for status in statuses)
    result = {
        "requests": requests,
        "page_types": len(paths),
        "failed": failed,
        "seconds": round(seconds, 1),
        "before": before,
        "after": after,
    }
    Path(out).write_text(json.dumps(result, indent=2))
    print(
        f"  memory after {requests:,} requests over {len(paths)} page types in {seconds:.0f} s: "
        + ", ".join(f"worker {w['pid']} {w['rss_mb']} MB (peak {w['peak_mb']})" for w in after)
    )
    if failed:
        raise SystemExit(f"{failed} of {requests} requests failed")


if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2], sys.argv[3], int(sys.argv[4]), sys.argv[5])
