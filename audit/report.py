"""Write docs/quality.md from a `make audit` run: `python audit/report.py var/audit OUT.md`.

Reads the Lighthouse JSON reports audit/run.sh left in var/audit (KEY.RUN.report.json, the load
average at the start of each run in KEY.RUN.load.txt), prints the scores and writes the document;
the hand-written analysis at its end comes from audit/analysis.md.
"""

import datetime
import json
import platform
import re
import sys
from pathlib import Path

# Category id, column title, target score (0–100).
TARGETS = [
    ("performance", "Performance", 90),
    ("accessibility", "Accessibility", 100),
    ("best-practices", "Best practices", 95),
    ("seo", "SEO", 95),
]
METRICS = [
    ("first-contentful-paint", "FCP"),
    ("largest-contentful-paint", "LCP"),
    ("total-blocking-time", "TBT"),
    ("cumulative-layout-shift", "CLS"),
    ("speed-index", "Speed Index"),
]
MAX_ITEMS = 6  # of each audit's flagged items per page


def score(report, category):
    value = report["categories"][category]["score"]
    return None if value is None else round(value * 100)


def load_runs(out):
    """Per page (key, path): the kept run, the median by performance score, and all loads."""
    pages = []
    for line in (out / "pages.txt").read_text().splitlines():
        key, path = line.split()
        runs = []
        for file in sorted(out.glob(f"{key}.*.report.json")):
            run = file.name.split(".")[1]
            load = (out / f"{key}.{run}.load.txt").read_text().split()
            runs.append((json.loads(file.read_text()), load))
        runs.sort(key=lambda r: score(r[0], "performance") or 0)
        report, load = runs[(len(runs) - 1) // 2]
        perf = sorted(score(r, "performance") for r, _ in runs)
        pages.append({"key": key, "path": path, "report": report, "load": load, "perf": perf})
    return pages


def cell(value, target):
    if value is None:
        return "–"
    return f"**{value}**" if value >= target else f"{value} ✗ ({value - target})"


def scores_table(pages):
    head = " | ".join(f"{title} (target {'≥ ' if t < 100 else ''}{t})" for _, title, t in TARGETS)
    out = [
        f"| Page | {head} | performance, every run | load average at the start (1/5/15 min) |",
        "| --- |" + " ---: |" * len(TARGETS) + " --- | --- |",
    ]
    for p in pages:
        scores = " | ".join(cell(score(p["report"], c), t) for c, _, t in TARGETS)
        runs = ", ".join(map(str, p["perf"]))
        out.append(f"| `{p['path']}` | {scores} | {runs} | {' '.join(p['load'])} |")
    return "\n".join(out)


def metrics_table(pages):
    out = [
        "| Page | " + " | ".join(name for _, name in METRICS) + " | requests | bytes |",
        "| --- |" + " ---: |" * (len(METRICS) + 2),
    ]
    for p in pages:
        audits = p["report"]["audits"]
        values = " | ".join(audits[key].get("displayValue", "?") for key, _ in METRICS)
        requests = audits["network-requests"]["details"]["items"]
        size = sum(r.get("transferSize", 0) for r in requests)
        out.append(f"| `{p['path']}` | {values} | {len(requests)} | {size / 1024:.0f} KiB |")
    return "\n".join(out)


def describe(item):
    """One flagged item as short text: the element, URL or message Lighthouse names."""
    node = item.get("node") or {}
    if node.get("snippet"):
        text = f"`{node['snippet'][:160]}`"
        if node.get("explanation"):
            text += " — " + " ".join(node["explanation"].split())[:200]
        return text
    source = item.get("sourceLocation") or {}
    url = item.get("url") or source.get("url") or ""
    words = item.get("description") or item.get("label") or item.get("value") or ""
    if isinstance(words, dict):
        words = words.get("formattedDefault") or words.get("value") or ""
    return " ".join(part for part in (str(words), f"`{url}`" if url else "") if part) or "?"


def saves_something(audit):
    """Whether a diagnostic estimates a gain: time off a metric, or bytes or milliseconds."""
    details = audit.get("details") or {}
    return any((audit.get("metricSavings") or {}).values()) or any(
        details.get(key) for key in ("overallSavingsMs", "overallSavingsBytes")
    )


def flagged(pages, scored):
    """Audits with score < 1: weighted ones cost points (scored=True), the rest only inform.

    Unweighted performance diagnostics are kept only where they estimate a gain.
    """
    found = {}
    for p in pages:
        report = p["report"]
        for category, _, _ in TARGETS:
            for ref in report["categories"][category]["auditRefs"]:
                audit = report["audits"][ref["id"]]
                items = (audit.get("details") or {}).get("items") or []
                if not isinstance(items, list):  # a tree (request chains), not a table
                    items = []
                if (ref["weight"] > 0) != scored:
                    continue
                mode = audit["scoreDisplayMode"]
                # Trust-and-safety notes (e.g. Trusted Types) are "informative" with findings.
                note = mode == "informative" and category == "best-practices" and items
                if not note:
                    if audit["score"] is None or audit["score"] >= 1:
                        continue
                    if mode in ("informative", "manual", "notApplicable"):
                        continue
                    if not scored and category == "performance" and not saves_something(audit):
                        continue
                entry = found.setdefault(
                    ref["id"], {"title": audit["title"], "category": category, "pages": []}
                )
                entry["pages"].append(
                    {
                        "path": p["path"],
                        "score": audit["score"],
                        "weight": ref["weight"],
                        "display": audit.get("displayValue", ""),
                        "items": [describe(i) for i in items[:MAX_ITEMS]],
                        "more": max(0, len(items) - MAX_ITEMS),
                    }
                )
    return found


def costs(pages):
    found = flagged(pages, scored=True)
    if not found:
        return "None: every weighted audit passed on every page."
    out = []
    for audit_id, entry in found.items():
        out.append(f"### `{audit_id}` — {entry['title']} ({entry['category']})")
        out.append("")
        for page in entry["pages"]:
            display = f", {page['display']}" if page["display"] else ""
            out.append(
                f"- `{page['path']}`: score {page['score']:.2f} (weight {page['weight']}{display})"
            )
            out += [f"  - {item}" for item in page["items"]]
            if page["more"]:
                out.append(f"  - … and {page['more']} more (see the HTML report)")
        out.append("")
    return "\n".join(out).rstrip()


def informative(pages):
    found = flagged(pages, scored=False)
    if not found:
        return "None."
    out = []
    for audit_id, entry in found.items():
        where = ", ".join(
            f"`{p['path']}`" + (f" ({p['display']})" if p["display"] else "")
            for p in entry["pages"]
        )
        out.append(f"- `{audit_id}` — {entry['title']} ({entry['category']}): {where}")
        said = entry["pages"][0]["items"]  # what it says, from the first page (usually alike)
        out += [f"  - {item}" for item in said[:2]]
    return "\n".join(out)


def verdict(pages):
    missed = [
        f"{title} on `{p['path']}` ({value} < {target})"
        for p in pages
        for category, title, target in TARGETS
        if (value := score(p["report"], category)) is not None and value < target
    ]
    if not missed:
        return f"All four targets are met on all {len(pages)} pages."
    return "Missed: " + "; ".join(missed) + "."


def main(out, doc):
    out = Path(out)
    pages = load_runs(out)
    first = pages[0]["report"]
    cpu = re.search(r"^model name\s*:\s*(.*)$", Path("/proc/cpuinfo").read_text(), re.M)
    chromium = (out / "chromium-version.txt").read_text().strip() or "?"
    seconds = int((out / "seconds.txt").read_text()) if (out / "seconds.txt").exists() else None
    throttling = first["configSettings"]["throttling"]
    screen = first["configSettings"]["screenEmulation"]
    benchmark = ", ".join(f"{p['report']['environment']['benchmarkIndex']:.0f}" for p in pages)
    text = TEMPLATE.format(
        date=datetime.date.today().isoformat(),
        lighthouse=first["lighthouseVersion"],
        chromium=chromium,
        rtt=throttling["rttMs"],
        mbps=throttling["throughputKbps"] / 1024,
        cpu_slowdown=throttling["cpuSlowdownMultiplier"],
        width=screen["width"],
        height=screen["height"],
        cpu=cpu.group(1) if cpu else "?",
        nproc=len(re.findall(r"^processor\s*:", Path("/proc/cpuinfo").read_text(), re.M)),
        kernel=f"{platform.system()} {platform.release()}",
        benchmark=benchmark,
        runs=len(pages[0]["perf"]),
        seconds=f"{seconds // 60} min {seconds % 60} s" if seconds is not None else "?",
        scores=scores_table(pages),
        verdict=verdict(pages),
        metrics=metrics_table(pages),
        costs=costs(pages),
        informative=informative(pages),
        analysis=Path(__file__).with_name("analysis.md").read_text().strip(),
    )
    Path(doc).write_text(text)
    print(scores_table(pages))
    print(verdict(pages))
    print(f"Wrote {doc}")


TEMPLATE = """\
# Quality: Lighthouse scores

Measured by `make audit` (`audit/run.sh`) on {date}; rerun it to refresh this file (it is
written by `audit/report.py`; the analysis at the end comes from `audit/analysis.md`). The
reports themselves, JSON and HTML per page, are left in `var/audit/`. Not a CI gate.

## Conditions

- **Lighthouse {lighthouse}** (npm, pinned in `package.json`; 12.x is the last line that runs on
  Node 20) driving **{chromium}** headless (`CHROME_PATH`, default `/usr/bin/chromium`).
- **Desktop preset** (`--preset=desktop`): a {width}×{height} screen, simulated throttling
  ({rtt} ms round trip, {mbps:.0f} Mbit/s, CPU slowdown ×{cpu_slowdown}). Categories performance,
  accessibility, best practices and SEO; {runs} run(s) per page (`AUDIT_RUNS`, default 3), of
  which the one with the median performance score is kept and shown.
- **Server** as in production: gunicorn (`gunicorn.conf.py`, gthread) with `DEBUG` unset, a
  random `SECRET_KEY`, hashed and compressed static files (`collectstatic` into a scratch
  directory, whitenoise), a scratch SQLite database with `migrate` and `load_demo`, no Redis
  (so no page cache). Each page is requested once before Lighthouse loads it.
- **HTTPS is real TLS.** gunicorn serves `https://127.0.0.1:PORT` with a self-signed
  certificate made for the run, and Chromium accepts it (`--ignore-certificate-errors`). So the
  production settings stay as they are: plain HTTP would be redirected, the session and CSRF
  cookies are `Secure`, HSTS and the Content-Security-Policy are sent, and nothing pretends to be
  a proxy (no `X-Forwarded-Proto`). What this does not show: Lighthouse counts any `127.0.0.1`
  page as secure, so "Uses HTTPS" and "Redirects HTTP traffic to HTTPS" would pass (or not
  apply) on plain HTTP too; "Use a strong HSTS policy" checks the header (sent here) but Chromium
  does not act on HSTS from an IP address with an untrusted certificate; and gunicorn speaks
  HTTP/1.1 where the production proxy (docs/deploy.md) would use HTTP/2.
- **Machine**: {cpu}, {nproc} cores, {kernel}, shared with other work. Lighthouse's benchmark
  index per page (higher is faster; about 1000 is a typical desktop): {benchmark}. The load
  average at the start of each page's run is in the table. The whole run took {seconds}.

## Scores

{scores}

{verdict}

Performance metrics of the same runs:

{metrics}

## Audits that cost points

Every weighted audit that scored below 1 on a page, with what it flagged.

{costs}

## Flagged, but without weight in the score

Unweighted checks that did not pass (trust and safety, and the like), and performance diagnostics
that estimate a saving; for reference.

{informative}

{analysis}
"""

if __name__ == "__main__":
    main(*sys.argv[1:])
