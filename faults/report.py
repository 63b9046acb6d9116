"""`make faults`: break each part the site depends on, under load, and write docs/reliability.md.

Every scenario runs against services of its own (faults/services.py): a Redis, a PostgreSQL 15
cluster and gunicorn with production settings (2 workers × 4 threads), with 8 clients asking for
public pages in turn. Each answer is counted by status; p50 and p99 are over every request of the
phase. Then the backup round trips (pg_dump/pg_restore, dumpdata/loaddata) are checked for equal
counts, translations, history and images, and the upload measurement (faults/uploads.py) and
the hand-written analysis (faults/analysis.md) are appended.

    .venv/bin/python -m faults.report [--output docs/reliability.md] [--seconds 5] [--no-uploads]
"""

import argparse
import datetime
import json
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

from faults.services import (
    PYTHON,
    ROOT,
    Gunicorn,
    PostgresCluster,
    RedisServer,
    get,
    load,
    prepare_site,
    site_environment,
    temporary_directory,
    wait_until,
)


def row(fault, result, recovery=""):
    statuses = ", ".join(
        f"{n:,} × {status or 'no answer'}" for status, n in sorted(result.statuses.items())
    )
    return (
        f"| {fault} | {result.requests:,} | {statuses} | {result.errors:,} | "
        f"{result.p50 * 1000:.0f} ms | {result.p99 * 1000:.0f} ms | {recovery} |"
    )


def seconds_until(check, limit=60):
    started = time.monotonic()
    wait_until(check, limit, "recovery")
    return time.monotonic() - started


def redis_scenarios(seconds):
    rows, notes = [], []
    redis = RedisServer().start()
    directory = temporary_directory("twinning-report-redis-")
    environment = site_environment(directory, REDIS_URL=redis.url)
    prepare_site(environment)
    site = Gunicorn(environment, directory / "gunicorn.log").start()
    try:
        rows.append(row("none (Redis answering, page cache on)", load(site.port, seconds)))

        redis.stop()
        result = load(site.port, seconds)
        notes.append(f"Redis stopped: `/healthz` → {site.health()}")
        rows.append(row("Redis stopped (connection refused)", result))

        redis.start()
        recovery = seconds_until(
            lambda: get(site.port, "/en/")[0] == 200 and bool(redis.keys("*twinning:page:*"))
        )
        rows.append(
            row(
                "Redis started again (empty)",
                load(site.port, seconds),
                f"pages cached again after {recovery:.1f} s",
            )
        )

        redis.hang()
        result = load(site.port, seconds)
        notes.append(f"Redis hung: `/healthz` → {site.health()}")
        rows.append(row("Redis hung (SIGSTOP)", result))
        redis.resume()
        recovery = seconds_until(lambda: site.health()[1].get("cache") == "ok")
        rows.append(
            row(
                "Redis resumed (SIGCONT)",
                load(site.port, seconds),
                f"cache ok after {recovery:.1f} s",
            )
        )
        warnings = site.cache_warnings()
        notes.append(
            f"Cache warnings logged over all Redis phases, by both workers: {warnings} "
            "(at most one a minute per worker)."
        )
    finally:
        site.stop()
        redis.stop()
    return rows, notes


def postgres_scenarios(seconds):
    rows, notes = [], []
    cluster = PostgresCluster(temporary_directory("twinning-report-pg-")).init().start()
    cluster.create_database("twinning")
    directory = temporary_directory("twinning-report-site-")
    environment = site_environment(directory, DATABASE_URL=cluster.url(), CONN_MAX_AGE=60)
    prepare_site(environment)
    site = Gunicorn(environment, directory / "gunicorn.log").start()
    try:
        rows.append(row("none (PostgreSQL, CONN_MAX_AGE=60)", load(site.port, seconds)))

        restarted = {}

        def restart_midway(elapsed):
            if elapsed >= 1 and "at" not in restarted:
                restarted["at"] = time.monotonic()
                cluster.restart()
                restarted["back"] = time.monotonic()

        result = load(site.port, seconds + 1, during=restart_midway)
        outage = restarted["back"] - restarted["at"]
        rows.append(
            row(
                "PostgreSQL restarted mid-run (`pg_ctl stop -m fast`, then start)",
                result,
                f"database down {outage:.1f} s",
            )
        )
        rows.append(row("after the restart", load(site.port, seconds)))

        cluster.stop()
        down = load(site.port, 2)
        notes.append(f"PostgreSQL stopped: `/healthz` → {site.health()}")
        rows.append(row("PostgreSQL stopped", down))
        cluster.start()
        recovery = seconds_until(lambda: get(site.port, "/en/")[0] == 200)
        rows.append(
            row(
                "PostgreSQL started again",
                load(site.port, seconds),
                f"serving after {recovery:.1f} s",
            )
        )
        notes.extend(backup_round_trips(cluster, environment, directory))
    finally:
        site.stop()
        cluster.stop(mode="immediate")
    return rows, notes


COUNT_SCRIPT = """
import json, os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "twinning.settings")
django.setup()
from django.apps import apps
from cities.models import City
from reversion.models import Version
counts = {m._meta.label: m._base_manager.count() for m in apps.get_models()
          if m._meta.app_label in {"cities", "partnerships", "reversion", "auth"}}
from modeltranslation.translator import translator
translated = {}
for model in translator.get_registered_models():
    for name in translator.get_options_for_model(model).fields:
        for language in ("de", "zh_hans"):
            column = f"{name}_{language}"
            translated[f"{model._meta.label}.{column}"] = (
                model._base_manager.exclude(**{column: ""})
                .exclude(**{f"{column}__isnull": True}).count()
            )
images = sorted(str(c.image) for c in City.objects.exclude(image=""))
from django.core.files.storage import default_storage
print(json.dumps({"counts": counts, "translated": translated, "images": images,
                  "image_files": all(default_storage.exists(name) for name in images),
                  "history": Version.objects.count()}))
"""


# Before the backup: a picture (with its renditions) and a version in the history of every
# partnership and of that city, so that the round trips have images and history to carry.
PREPARE_SCRIPT = """
import io, os, django
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "twinning.settings")
django.setup()
import reversion
from PIL import Image
from django.core.files.uploadedfile import SimpleUploadedFile
from cities.models import City
from partnerships.models import Partnership
buffer = io.BytesIO()
Image.new("RGB", (1200, 800), "steelblue").save(buffer, "PNG")
with reversion.create_revision():
    reversion.set_comment("Before the backup")
    city = City.objects.order_by("pk").first()
    city.image = SimpleUploadedFile("harbour.png", buffer.getvalue(), content_type="image/png")
    city.image_alt = "The harbour"
    city.save()
    for partnership in Partnership.objects.all():
        partnership.save()
"""


def snapshot(environment):
    result = subprocess.run(
        [PYTHON, "-c", COUNT_SCRIPT],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout)


def backup_round_trips(cluster, environment, directory):
    notes = []
    subprocess.run([PYTHON, "-c", PREPARE_SCRIPT], cwd=ROOT, env=environment, check=True)
    original = snapshot(environment)
    # The uploads are copied beside the dump, as docs/deploy.md says; the copies are checked.
    media = directory / "media-restored"
    shutil.copytree(environment["MEDIA_ROOT"], media)
    environment = {**environment, "MEDIA_ROOT": str(media)}

    dump = directory / "twinning.dump"
    subprocess.run(
        ["pg_dump", "-Fc", *cluster.client_options(), "-f", str(dump), "twinning"], check=True
    )
    cluster.create_database("restored")
    subprocess.run(
        ["pg_restore", "--no-owner", *cluster.client_options(), "-d", "restored", str(dump)],
        check=True,
    )
    restored = snapshot({**environment, "DATABASE_URL": cluster.url("restored")})
    notes.append(round_trip_note("pg_dump -Fc / pg_restore", original, restored))

    data = directory / "twinning.json"
    subprocess.run(
        # The commands of docs/deploy.md, "Backups and restore".
        [PYTHON, "manage.py", "dumpdata", "--natural-foreign", "--exclude", "contenttypes",
         "--exclude", "auth.permission", "--exclude", "sessions", "--exclude", "axes",
         "--indent", "1", "-o", str(data)],
        cwd=ROOT, env=environment, check=True,
    )  # fmt: skip
    copy = {**environment, "DATABASE_URL": f"sqlite:///{directory / 'restored.sqlite3'}"}
    subprocess.run(
        [PYTHON, "manage.py", "migrate", "--noinput", "--verbosity", "0"],
        cwd=ROOT,
        env=copy,
        check=True,
    )
    subprocess.run(
        [PYTHON, "manage.py", "loaddata", str(data), "--verbosity", "0"],
        cwd=ROOT,
        env=copy,
        check=True,
    )
    notes.append(
        round_trip_note("dumpdata / loaddata (PostgreSQL → SQLite)", original, snapshot(copy))
    )
    return notes


def round_trip_note(name, original, restored):
    differences = [
        f"{part} {key}: {original[part].get(key)} → {restored[part].get(key)}"
        for part in ("counts", "translated")
        for key in sorted(set(original[part]) | set(restored[part]))
        if original[part].get(key) != restored[part].get(key)
    ]
    for part in ("images", "image_files", "history"):
        if original[part] != restored[part]:
            differences.append(f"{part}: {original[part]} → {restored[part]}")
    rows = sum(original["counts"].values())
    translations = sum(original["translated"].values())
    verdict = "equal" if not differences else "DIFFERENT: " + "; ".join(differences)
    return (
        f"Backup round trip, {name}: {rows:,} rows in {len(original['counts'])} tables, "
        f"{translations:,} German and Chinese texts, {original['history']:,} history versions, "
        f"{len(original['images'])} uploaded picture(s) — {verdict}."
    )


def uploads_section():
    script = ROOT / "faults" / "uploads.py"
    if not script.exists():
        return ""
    result = subprocess.run(
        [PYTHON, str(script)], cwd=ROOT, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        return f"## Uploads\n\nThe measurement failed:\n\n```\n{result.stderr[-2000:]}\n```\n"
    return result.stdout


HEADER = (
    "| fault | requests | answers | errors (≥ 500 or none) | p50 | p99 | recovery |\n"
    "|---|---:|---|---:|---:|---:|---|"
)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=str(ROOT / "docs" / "reliability.md"))
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--no-uploads", action="store_true")
    arguments = parser.parse_args()

    redis_rows, redis_notes = redis_scenarios(arguments.seconds)
    print("Redis scenarios done", file=sys.stderr)
    pg_rows, pg_notes = postgres_scenarios(arguments.seconds)
    print("PostgreSQL scenarios done", file=sys.stderr)
    uploads = "" if arguments.no_uploads else uploads_section()

    text = "\n".join(
        [
            "# Reliability: what happens when a part fails",
            "",
            f"Written by `make faults` ({Path(__file__).relative_to(ROOT)}) on "
            f"{datetime.date.today().isoformat()}, {platform.node()}, "
            f"Python {platform.python_version()}. "
            f"Each phase: 8 clients for {arguments.seconds:g} s asking in turn for the home "
            "page, lists, a partnership, a city, a search, a feed and a calendar, in three "
            "languages, from gunicorn with production settings (2 workers × 4 threads) on the "
            "demo. "
            "The same scenarios, with fewer requests, are the tests in `tests/faults/` (they fail "
            "on any answer ≥ 500 and on a p99 of 1 s or more while Redis hangs).",
            "",
            "## The cache (Redis)",
            "",
            "The cache only accelerates (core/resilient_cache.py): connect and read time out "
            "after 0.25 s, and a failure opens a breaker that skips the cache for 5 s "
            "(`CACHE_RETRY_SECONDS`) before one request tries again. Pages are then rendered "
            "afresh; sessions and the sign-in lockout live in the database.",
            "",
            HEADER,
            *redis_rows,
            "",
            *[f"- {note}" for note in redis_notes],
            "",
            "## The database (PostgreSQL 15, a cluster of the scenario's own)",
            "",
            "Kept connections (`CONN_MAX_AGE=60`) are health-checked before reuse "
            "(`CONN_HEALTH_CHECKS`), so a restart costs only the requests made while the "
            "database is down; gunicorn is not restarted.",
            "",
            HEADER,
            *pg_rows,
            "",
            *[f"- {note}" for note in pg_notes],
            "",
            uploads,
            "",
            (Path(__file__).with_name("analysis.md")).read_text().strip(),
        ]
    )
    Path(arguments.output).write_text(text.rstrip() + "\n")
    print(f"wrote {arguments.output}", file=sys.stderr)


if __name__ == "__main__":
    main()
