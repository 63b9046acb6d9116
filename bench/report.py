"""Write docs/performance.md from a `make bench` run: `python bench/report.py RESULTS OUT.md`.

Reads what bench/run.sh left in RESULTS (wrk outputs, query counts, EXPLAIN plans) and the build
logs beside it (import time and peak memory), prints the tables and writes the document.
"""

import datetime
import json
import platform
import re
import subprocess
import sys
from pathlib import Path

KINDS = {"sqlite": "SQLite", "postgres": "PostgreSQL"}
# Issue 23's targets: uncached, one request at a time, on PostgreSQL; on SQLite a multiple of
# the floor's own time; cached, from a cold cache; each worker's memory after the mixed run.
TARGET_ALONE_MS = 25
TARGET_SQLITE_FLOOR_TIMES = 10
TARGET_CACHED_RATIO = 0.70
TARGET_CACHED_P99_MS = 100
TARGET_WORKER_MB = 250
UNIT_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def sh(command):
    try:
        return subprocess.run(  # noqa: S602 - fixed commands of this script, no input
            command, shell=True, capture_output=True, text=True, check=False
        ).stdout.strip()
    except OSError:
        return ""


def duration_ms(text):
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()
    return float(number) * UNIT_MS[unit]


def wrk(path):
    text = Path(path).read_text()
    percentiles = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)\s*$", text, re.M))
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    errors = re.search(r"Socket errors: (.*)", text)
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)),
        "requests": int(re.search(r"(\d+) requests in", text).group(1)),
        "p50": duration_ms(percentiles["50"]),
        "p99": duration_ms(percentiles["99"]),
        "non_2xx": int(bad.group(1)) if bad else 0,
        "errors": errors.group(1) if errors else "",
    }


def alone(path):
    """p50 of one-at-a-time requests (curl's time_total per line, seconds), and the server's CPU
    per request over them (ms; None for a run without the CPU file): "ticks requests ticks/s"
    per slice, from bench/load.sh."""
    times = sorted(float(line) * 1000 for line in Path(path).read_text().split())
    cpu_file = Path(path.removesuffix(".alone.txt") + ".cpu.txt")
    cpu = None
    if cpu_file.exists():
        slices = [line.split() for line in cpu_file.read_text().splitlines() if line.strip()]
        # A slice in which a database backend was closed (CONN_MAX_AGE) lost that backend's
        # ticks, when load.sh counted all processes together (runs before 7 December 2026).
        slices = [s for s in slices if int(s[0]) >= 0]
        requests = sum(int(n) for _, n, _ in slices)
        seconds = sum(int(ticks) / int(per_second) for ticks, _, per_second in slices)
        cpu = seconds * 1000 / requests if requests else None
    return {"p50": times[(len(times) - 1) // 2], "n": len(times), "cpu": cpu}


def time_v(path):
    """Wall-clock seconds and peak RSS (MB) from `/usr/bin/time -v`."""
    if not Path(path).exists():
        return None
    text = Path(path).read_text()
    clock = re.search(r"Elapsed \(wall clock\) time .*: (\S+)", text).group(1)
    seconds = sum(float(part) * 60**i for i, part in enumerate(reversed(clock.split(":"))))
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", text).group(1))
    return seconds, rss_kb / 1024


def machine(var):
    cpu = re.search(r"^model name\s*:\s*(.*)$", Path("/proc/cpuinfo").read_text(), re.M)
    py = ".venv/bin/python -c"
    versions = {
        "Python": platform.python_version(),
        "Django": sh(f"{py} 'import django; print(django.get_version())'"),
        "gunicorn": sh(f"{py} 'import gunicorn; print(gunicorn.__version__)'"),
        "psycopg": sh(f"{py} 'import psycopg; print(psycopg.__version__)'"),
        "SQLite": sh(f"{py} 'import sqlite3; print(sqlite3.sqlite_version)'"),
        "PostgreSQL": sh("psql -At -h 127.0.0.1 -U postgres -c 'show server_version' postgres"),
        "wrk": sh("wrk --version 2>&1 | head -n 1").split(" Copyright")[0].removeprefix("wrk "),
    }
    return {
        "cpu": cpu.group(1) if cpu else "?",
        "nproc": sh("nproc"),
        "free": sh("free -h"),
        "kernel": f"{platform.system()} {platform.release()}",
        "versions": versions,
    }


def verdict(value, limit, unit):
    if value <= limit:
        return f"met ({limit - value:.0f} {unit} to spare)"
    return f"missed by {value - limit:.0f} {unit}"


def met_or_missed(missed, describe):
    """ "met", or "missed on" each row of `missed` as `describe` writes it."""
    return "missed on " + ", ".join(map(describe, missed)) if missed else "met"


def fmt_ms(ms):
    return f"{ms:.1f} ms" if ms < 100 else f"{ms:.0f} ms"


def pct(value):
    return f"{value * 100:.0f} %"


class Report:
    def __init__(self, results):
        self.results = Path(results)
        self.var = self.results.parent
        self.modes = (self.results / "modes.txt").read_text().split()
        self.kinds = [k for k in KINDS if (self.results / f"{k}-off-pages.json").exists()]
        self.runs = {}
        for kind in self.kinds:
            for mode in self.modes:
                pages = json.loads((self.results / f"{kind}-{mode}-pages.json").read_text())
                rows = []
                for page in pages["pages"]:
                    base = self.results / f"{kind}-{mode}" / page["key"]
                    # A streamed export has no load run (bench/load.sh).
                    load_file = Path(f"{base}.load.txt")
                    load = wrk(load_file) if load_file.exists() else {}
                    rows.append(page | load | {"alone": alone(f"{base}.alone.txt")})
                floor = rows[0]["rps"]
                for row in rows:
                    row["ratio"] = row["rps"] / floor if "rps" in row else None
                memory = self.results / f"{kind}-{mode}" / "memory.json"
                self.runs[kind, mode] = {
                    "rows": rows,
                    "extra": pages,
                    "memory": json.loads(memory.read_text()) if memory.exists() else None,
                }
        params = (self.results / f"{self.kinds[0]}-off" / "params.txt").read_text()
        self.connections = re.search(r"connections=(\d+)", params).group(1)
        self.duration = re.search(r"duration=(\S+)", params).group(1)
        self.single = re.search(r"single=(\S+)", params).group(1)

    def table(self, kind, mode):
        out = [
            "| Page | req/s | × floor | p50 | p99 | p50 alone | CPU alone | queries "
            "| in Django (SQL) |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for r in self.runs[kind, mode]["rows"]:
            queries = r["queries"] if mode == "off" else f"{r['queries']} / {r['queries_warm']}"
            in_django = f"{r['ms_total']:.0f} ms ({r['ms_sql']:.0f} ms)" if "ms_total" in r else "?"
            cpu = fmt_ms(r["alone"]["cpu"]) if r["alone"]["cpu"] is not None else "–"
            if "rps" not in r:
                out.append(
                    f"| {r['name']} `{r['path']}` | – | – | – | – | "
                    f"{fmt_ms(r['alone']['p50'])} to the first byte | {cpu} | {queries} | "
                    f"{in_django} |"
                )
                continue
            flags = ""
            if r["non_2xx"] or r["errors"]:
                flags = f" ⚠ {r['non_2xx']} non-2xx {r['errors']}".rstrip()
            out.append(
                f"| {r['name']} `{r['path']}` | {r['rps']:.0f}{flags} | {r['ratio']:.2f} | "
                f"{fmt_ms(r['p50'])} | {fmt_ms(r['p99'])} | {fmt_ms(r['alone']['p50'])} | "
                f"{cpu} | {queries} | {in_django} |"
            )
        return "\n".join(out)

    def targets(self):
        lines = ["| Target | Measured | Verdict |", "| --- | --- | --- |"]
        imp = time_v(self.var / "sqlite-import.time")
        if imp:
            seconds, rss = imp
            lines.append(
                f"| Import of the whole file under 60 s on SQLite | {seconds:.1f} s | "
                + (
                    f"met ({60 - seconds:.1f} s to spare)"
                    if seconds < 60
                    else f"missed by {seconds - 60:.1f} s"
                )
                + " |"
            )
            lines.append(
                f"| Import peak memory under 300 MB | {rss:.0f} MB (max RSS of the whole "
                f"`manage.py` process) | "
                + (
                    f"met ({300 - rss:.0f} MB to spare)"
                    if rss < 300
                    else f"missed by {rss - 300:.0f} MB"
                )
                + " |"
            )
        for kind in self.kinds:
            lines += self.uncached_targets(kind)
            if (kind, "on") in self.runs:
                lines += self.cached_targets(kind)
            memory = self.runs[kind, "off"].get("memory")
            if memory:
                worst = max(memory["after"], key=lambda w: w["rss_mb"])
                lines.append(
                    f"| {KINDS[kind]}: each worker ≤ {TARGET_WORKER_MB} MB resident after "
                    f"{memory['requests']:,} requests over {memory['page_types']} page types "
                    f"(uncached) | "
                    + ", ".join(
                        f"{w['rss_mb']} MB (peak {w['peak_mb']} MB)" for w in memory["after"]
                    )
                    + f" | {verdict(worst['rss_mb'], TARGET_WORKER_MB, 'MB')} |"
                )
        return "\n".join(lines)

    def uncached_targets(self, kind):
        rows = self.runs[kind, "off"]["rows"]
        floor_alone = rows[0]["alone"]["p50"]
        if kind == "postgres":
            limit, rule = TARGET_ALONE_MS, f"≤ {TARGET_ALONE_MS} ms"
        else:
            limit = TARGET_SQLITE_FLOOR_TIMES * floor_alone
            rule = (
                f"≤ {TARGET_SQLITE_FLOOR_TIMES} × the floor's {fmt_ms(floor_alone)} "
                f"= {fmt_ms(limit)}"
            )
        pages = rows[1:]
        missed = [r for r in pages if r["alone"]["p50"] > limit]
        met = len(pages) - len(missed)
        return [
            f"| {KINDS[kind]}, uncached: every page's p50 one at a time {rule} | "
            f"{met} of {len(pages)} pages met | "
            + met_or_missed(missed, lambda r: f"{r['name']} {fmt_ms(r['alone']['p50'])}")
            + " |"
        ]

    def cached_targets(self, kind):
        rows = [r for r in self.runs[kind, "on"]["rows"][1:] if "rps" in r]
        name = KINDS[kind]
        low = [r for r in rows if r["ratio"] < TARGET_CACHED_RATIO]
        slow = [r for r in rows if r["p99"] > TARGET_CACHED_P99_MS]
        worst = min(rows, key=lambda r: r["ratio"])
        slowest = max(rows, key=lambda r: r["p99"])
        return [
            f"| {name}, cached: every page ≥ {pct(TARGET_CACHED_RATIO)} of the floor's req/s, "
            f"from a cold cache | lowest: {worst['name']} {pct(worst['ratio'])} | "
            + met_or_missed(low, lambda r: f"{r['name']} ({pct(r['ratio'])})")
            + " |",
            f"| {name}, cached: p99 ≤ {TARGET_CACHED_P99_MS} ms at {self.connections} "
            f"connections from a cold cache | highest: {slowest['name']} "
            f"{fmt_ms(slowest['p99'])} | "
            + met_or_missed(slow, lambda r: f"{r['name']} ({fmt_ms(r['p99'])})")
            + " |",
        ]

    def explain(self, kind):
        path = self.results / f"{kind}-explain.json"
        if not path.exists():
            return ""
        data = json.loads(path.read_text())
        what = "EXPLAIN (ANALYZE, BUFFERS)" if kind == "postgres" else "EXPLAIN QUERY PLAN"
        out = [f"### {KINDS[kind]} (`{what}`)", ""]
        for q in data["queries"]:
            order = re.search(r"ORDER BY (.*?)(?: LIMIT \d+)?$", q["sql"])
            notes = [
                f"indexes used: {', '.join(q['indexes']) or 'none'}",
                f"whole-table scans: {', '.join(q['full_scans']) or 'none'}",
            ]
            sorts = kind == "postgres" and "Sort Method" in "\n".join(q["plan"])
            if q.get("temp_btree") or sorts:
                notes.append("sorts the matching rows for ORDER BY (no index gives the order)")
            if q.get("ms") is not None:
                notes.append(f"execution {q['ms']:.1f} ms")
            out += [
                f"**{q['list']}, {q['kind']} query** (`{q['path']}`"
                + (f"; ORDER BY {order.group(1)}" if order else "")
                + f"): {'; '.join(notes)}.",
                "",
                "```",
                *q["plan"],
                "```",
                "",
            ]
        return "\n".join(out)

    def build_info(self):
        out = [
            "| Database | import time | import peak RSS | generate_activities | data |",
            "| --- | ---: | ---: | ---: | --- |",
        ]
        for kind in self.kinds:
            imp = time_v(self.var / f"{kind}-import.time")
            gen = time_v(self.var / f"{kind}-generate.time")
            counts = self.var / f"{kind}-counts.txt"
            counts = counts.read_text() if counts.exists() else ""
            found = re.findall(r"(cities|partnerships|activities|milestones) (\d+)", counts)
            data = ", ".join(f"{int(n):,} {what}" for what, n in found)
            if imp and gen:
                out.append(
                    f"| {KINDS[kind]} | {imp[0]:.1f} s | {imp[1]:.0f} MB | {gen[0]:.1f} s, "
                    f"{gen[1]:.0f} MB | {data} |"
                )
            else:
                out.append(f"| {KINDS[kind]} | ? | ? | ? | {data} |")
        return "\n".join(out)

    def tables(self):
        out = []
        for kind in self.kinds:
            for mode in self.modes:
                extra = self.runs[kind, mode]["extra"]
                title = "with the page cache" if mode == "on" else "without the page cache"
                out += [
                    f"### {KINDS[kind]}, {title}",
                    "",
                    self.table(kind, mode),
                    "",
                    f"Berlin–Beijing has {extra['berlin_beijing_activities']} activities; "
                    f"Shanghai {extra['shanghai_partnerships']} published partnerships.",
                    "",
                ]
        return "\n".join(out)


def main(results, out):
    report = Report(results)
    m = machine(report.var)
    seconds = report.results / "seconds.txt"
    seconds = int(seconds.read_text()) if seconds.exists() else None
    versions = ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v)
    cached = "on" in report.modes
    text = TEMPLATE.format(
        date=datetime.date.today().isoformat(),
        cpu=m["cpu"],
        nproc=m["nproc"],
        free=m["free"],
        kernel=m["kernel"],
        versions=versions,
        seconds=f"{seconds // 60} min {seconds % 60} s" if seconds else "?",
        connections=report.connections,
        duration=report.duration,
        single=report.single,
        build=report.build_info(),
        tables=report.tables(),
        cache_note=CACHED_NOTE if cached else UNCACHED_NOTE,
        targets=report.targets(),
        explain="\n".join(report.explain(kind) for kind in report.kinds),
        analysis=Path(__file__).with_name("analysis.md").read_text().strip(),
    )
    Path(out).write_text(text)
    print(report.tables())
    print(report.targets())
    print(f"Wrote {out}")


UNCACHED_NOTE = """\
**No "with cache" column yet.** The site has no page-cache setting (`PAGE_CACHE_SECONDS`) at the
time of this run, so only the uncached pages were measured; nothing here is estimated. When the
page cache lands, `make bench` notices the setting and adds a "with the page cache" table per
database (`BENCH_CACHE=on` forces that run; `BENCH_CACHE_SETTING=NAME` if the setting has another
name). The uncached run sets that setting to 0 in `bench/settings.py`."""

CACHED_NOTE = """\
"Without the page cache" runs with the page-cache setting at 0 (`bench/settings.py`); "with"
uses the production default (300 s with `REDIS_URL`). Unless `REDIS_URL` is given, `make bench`
starts a scratch Redis on 127.0.0.1:6399 for both runs, as production would have, and empties it
before each page's load run: the cached runs start cold, and the p99 includes the misses of the
first requests. Queries in the cached tables: first request / repeat."""

TEMPLATE = """\
# Performance at world scale

Measured by `make bench` (`bench/run.sh`) on {date}; rerun it to refresh this file (it is
written by `bench/report.py`; the analysis at the end comes from `bench/analysis.md`).

## How it is measured

- **Data.** The whole `../shared/data/twin_cities_hekman.csv` imported into the demo with
  `import_twinnings`, then `generate_activities --per-partnership 11 --milestones 2` (10 gives
  247,000 activities, short of the 250,000 asked for), and Berlin–Beijing topped up to 210
  activities with the same generator. One scratch database per kind: `var/bench/world.sqlite3`
  and the PostgreSQL database `twinning_bench`, built once and rebuilt only when the migrations,
  the CSV, the importer or the generator change (`var/bench/<kind>.built`). The build ends with
  `update_search_index` and the planner's statistics (PostgreSQL's `VACUUM ANALYZE`, SQLite's
  `ANALYZE`).
- **Server.** gunicorn with `gunicorn.conf.py` as in production: gthread, 2 workers × 4 threads,
  production settings (`DEBUG` unset, random `SECRET_KEY`, `ALLOWED_HOSTS=127.0.0.1`,
  `CONN_MAX_AGE=60`, `collectstatic` into `var/bench/static`, whitenoise), plain HTTP on
  loopback with `SECURE_SSL_REDIRECT=0`, access log off. `DJANGO_SETTINGS_MODULE=bench.settings`
  is the production settings with `ROOT_URLCONF = "bench.urls"`: the site's URLs plus
  `/bench/floor/`, a bare view returning `ok` through the same middleware — the framework's floor.
- **Pages.** Every public page type (`bench/pages.py`): home, the partnership list plain, by
  country, by country and focus area, and with free text, the search page, the partnership and
  city pages with the most records, the city list, a topic, activities, statistics,
  anniversaries, the "seeking a partner" listings and the partner finder, the Atom feed, the
  calendar, a partnership's `data.json`, the list export (streamed: timed to its first byte,
  never cached, no load run) and the API's list.
- **Load.** First one request at a time with `curl`, every page in turn for three rounds of a
  third of {single} each (at least one request per round), so that a burst of other work on the
  machine spreads over every page instead of landing on one: "p50 alone", the time to render
  the page without queueing behind other requests. "CPU alone" is the processor time the
  server spent per request over those rounds (the gunicorn workers and, on PostgreSQL, the
  database's backends, from `/proc`): time taken from the machine by other work does not
  inflate it, so it tells a change in the code from a noisy run. Then, page after page, `wrk`
  (Debian package, installed by `make bench` if missing) on the same machine at {connections}
  connections for {duration} (req/s, p50, p99; `--timeout 30s` so slow answers are
  counted, not dropped). Without the page cache a 2 s warm-up comes first. **With the page
  cache every page starts from a cold cache** (Redis emptied, no warm-up): the first
  {connections} requests all miss at once, so p99 shows what single-flight does. After each wrk
  run one more request waits for the server to finish what was queued, so the next page starts
  on an idle server. wrk shares the 2 cores with gunicorn and the database, so every number
  includes that contention; "× floor" compares pages measured the same way in the same run.
- **Memory.** After the uncached load runs, `bench/memory.py` sends 10,000 more requests
  (`BENCH_MEMORY_REQUESTS`) spread evenly over every page type, 4 at a time, and reads each
  gunicorn worker's resident set (VmRSS) and peak (VmHWM) from `/proc`.
- **Queries** per page: each URL requested through Django's test client under
  `CaptureQueriesContext` against the same database (`bench/pages.py`). "In Django (SQL)": the
  repeat request's time in that single process, and how much of it the database took — it tells
  rendering cost from query cost.

## The machine

{cpu}, `nproc` = {nproc}, {kernel}.

```
{free}
```

{versions}. The whole run took {seconds}.

## Building the world-scale database

{build}

Peak memory is the maximum resident set size of the whole `manage.py import_twinnings` process
(Python, Django and the importer), from `/usr/bin/time -v`.

## Requests per second, latency and queries

{cache_note}

{tables}
## Targets

{targets}

"p50 ≤ 25 ms" is read as the render time: "p50 alone", one request at a time. At
{connections} connections on 2 cores the p50 also includes waiting for a free thread and CPU.

{analysis}

## EXPLAIN of the list queries

Generated by `bench/explain.py` at world scale: the SQL the pages actually run (captured through
the test client), then the database's plan. On PostgreSQL the plans are `EXPLAIN ANALYZE`
(executed; second run). The one-line notes are derived from the plan text. Careful with
"indexes used" on SQLite: `SEARCH … USING INDEX partnership_state_est_idx (state=?)` reads every
published partnership (nearly all rows), so it amounts to a full scan; "sorts the matching rows"
then means every published row is sorted to keep 20.

{explain}
"""

if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
