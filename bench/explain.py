"""EXPLAIN the list pages' queries at world scale: `python bench/explain.py OUT.json`.

Requests each list URL once through Django's test client, captures the SQL it runs against the
partnership (or activity) table, and asks the database for the plan of each statement:
PostgreSQL `EXPLAIN (ANALYZE, BUFFERS)` (the second run, so caches are warm), SQLite
`EXPLAIN QUERY PLAN`. Writes the plans with the indexes they use and the tables they scan whole.
"""

import json
import os
import re
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from partnerships.models import FocusArea  # noqa: E402

MAIN_TABLES = ('FROM "partnerships_partnership"', 'FROM "partnerships_activity"')


def lists():
    focus = (
        FocusArea.objects.filter(partnerships__city_a__country="DE")
        .annotate(n=Count("partnerships"))
        .order_by("-n", "slug")
        .first()
    )
    return [
        ("partnership list, unfiltered", "/en/partnerships/"),
        ("partnership list, by country", "/en/partnerships/?country=DE"),
        ("partnership list, by focus area", f"/en/partnerships/?focus_area={focus.slug}"),
        ("partnership list, free text", "/en/partnerships/?q=berlin"),
        ("activity list, unfiltered", "/en/activities/"),
        ("home page", "/en/"),
    ]


def captured(path):
    client = Client(HTTP_HOST="127.0.0.1")
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200, (path, response.status_code)
    return [q["sql"] for q in queries.captured_queries if any(t in q["sql"] for t in MAIN_TABLES)]


def explain(sql):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for _ in range(2):
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                lines = [row[0] for row in cursor.fetchall()]
            return lines
        cursor.execute("EXPLAIN QUERY PLAN " + sql)
        rows = cursor.fetchall()
        depth, lines = {}, []
        for node, parent, _, detail in rows:
            depth[node] = depth.get(parent, -1) + 1
            lines.append("  " * depth[node] + detail)
        return lines


def summary(lines):
    plan = "\n".join(lines)
    if connection.vendor == "postgresql":
        used = re.findall(r"Index (?:Only )?Scan(?: Backward)? using (\w+)", plan)
        used += re.findall(r"Bitmap Index Scan on (\w+)", plan)
        scanned = re.findall(r"Seq Scan on (\w+)", plan)
        time = re.search(r"Execution Time: ([\d.]+) ms", plan)
        return {
            "indexes": sorted(set(used)),
            "full_scans": sorted(set(scanned)),
            "ms": float(time.group(1)) if time else None,
        }
    used = re.findall(r"USING (?:COVERING )?INDEX (\w+)", plan)
    used += ["(primary key)"] if "INTEGER PRIMARY KEY" in plan else []
    scanned = re.findall(r"^\s*SCAN (\w+)(?! USING)", plan, re.M)
    scanned = [t for t in scanned if not re.search(rf"SCAN {t} USING", plan)]
    temp = "USE TEMP B-TREE" in plan
    return {
        "indexes": sorted(set(used)),
        "full_scans": sorted(set(scanned)),
        "temp_btree": temp,
        "ms": None,
    }


def kind(sql):
    return "count" if sql.lstrip().upper().startswith("SELECT COUNT(") else "page"


def main(out):
    results = []
    for name, path in lists():
        for sql in captured(path):
            lines = explain(sql)
            results.append(
                {"list": name, "path": path, "kind": kind(sql), "sql": sql, "plan": lines}
                | summary(lines)
            )
            r = results[-1]
            print(f"  {name:34} {r['kind']:5} indexes={r['indexes']} scans={r['full_scans']}")
    Path(out).write_text(json.dumps({"vendor": connection.vendor, "queries": results}, indent=2))


if __name__ == "__main__":
    main(sys.argv[1])
