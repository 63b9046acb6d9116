"""The admin's import on a real Celery worker, with a Redis broker of the test's own: the upload
through the admin, the progress its status endpoint shows, the counts the command gives, a
worker killed mid-import, Cancel, and the broker stopped (tests/tasks/conftest.py: the site,
the workers; tests/tasks/driver.py: the admin's side). Skipped where redis-server is missing.
"""

import re
import shutil
import sqlite3
import subprocess
import time

import pytest

from faults.services import PYTHON, ROOT, missing_tools, wait_until

from .conftest import Worker, run

MISSING = missing_tools()
pytestmark = [
    pytest.mark.tasks,
    pytest.mark.skipif(bool(MISSING), reason=f"task queue tests: {MISSING}"),
]

ROWS = 2000
BATCH = 100
SITE_ENVIRONMENT = {
    "IMPORT_BATCH_SIZE": BATCH,
    # A run with no batch for 2 s has lost its worker (production: 120 s); with the broker's
    # visibility timeout of 2 s (conftest), a killed worker's import goes on within seconds.
    "IMPORT_STALE_SECONDS": 2,
}
COUNTS = ["rows_processed", "partnerships_created", "cities_created", "skipped", "errors"]


def twinnings_file(directory, prefix, rows=ROWS):
    """`rows` rows of the Hekman format, their cities named after `prefix`: 300 cities paired
    again and again with new ones, some rows rejected (no latitude), some pairs repeated."""
    lines = ["city1,country1,lat1,lng1,city2,country2,lat2,lng2"]
    pairs = []
    for n in range(rows):
        k = n % 300
        a = (f"{prefix} Alt{k}", "Germany", f"{47 + k / 100:.2f}", f"{6 + k / 100:.2f}")
        b = (f"{prefix} Neu{n}", "France", f"{43 + n % 500 / 100:.2f}", f"{n % 700 / 100:.2f}")
        if n % 97 == 13:
            a = (*a[:2], "north", a[3])
        if n % 50 == 49:
            b, a = pairs[n - 30]  # the pair of 30 rows before, the other way round
        pairs.append((a, b))
        lines.append(",".join([*a, *b]))
    path = directory / f"{prefix}.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def database(site):
    _environment, _broker, directory = site
    return sqlite3.connect(directory / "db.sqlite3", timeout=20)


def import_run(site, run_id):
    with database(site) as connection:
        connection.row_factory = sqlite3.Row
        row = connection.execute(
            "SELECT * FROM partnerships_importrun WHERE id = ?", [run_id]
        ).fetchone()
    return dict(row)


def stored(site, prefix):
    """The cities and partnerships of the file of `prefix` in the site's database."""
    with database(site) as connection:
        cities = connection.execute(
            "SELECT count(*) FROM cities_city WHERE name LIKE ?", [f"{prefix} %"]
        ).fetchone()[0]
        partnerships, pairs = connection.execute(
            "SELECT count(*), count(DISTINCT min(city_a_id, city_b_id) || '-' || "
            "max(city_a_id, city_b_id)) FROM partnerships_partnership "
            "JOIN cities_city ON cities_city.id = city_a_id WHERE cities_city.name LIKE ?",
            [f"{prefix} %"],
        ).fetchone()
    return {"cities": cities, "partnerships": partnerships, "pairs": pairs}


@pytest.fixture(scope="module")
def command(site):
    """What `manage.py import_twinnings` makes of such a file, on a copy of the site's database:
    its counts, the lines it prints (the report, then the summary)."""
    environment, _broker, directory = site
    copy = directory / "command.sqlite3"
    shutil.copy(directory / "db.sqlite3", copy)
    path = twinnings_file(directory, "Cmd")
    printed = subprocess.run(  # noqa: S603 (our interpreter, our arguments)
        [PYTHON, "manage.py", "import_twinnings", str(path), "--batch-size", str(BATCH)],
        cwd=ROOT,
        env={**environment, "DATABASE_URL": f"sqlite:///{copy}"},
        check=True,
        capture_output=True,
        text=True,
    ).stdout.splitlines()
    summary = printed[printed.index("Summary:") :]
    number = {
        name: int(re.search(rf"{label}\s+([\d,]+)", "\n".join(summary))[1].replace(",", ""))
        for name, label in [
            ("rows_processed", "rows read:"),
            ("cities_created", "cities:"),
            ("partnerships_created", "partnerships:"),
            ("errors", "rejected rows:"),
        ]
    }
    number["skipped"] = int(re.search(r"([\d,]+) already present", "\n".join(summary))[1])
    return {"counts": number, "summary": summary, "report": printed[: printed.index("Summary:")]}


def test_the_worker_imports_an_upload_and_its_progress_is_shown(site, worker, command):
    _environment, _broker, directory = site
    result, _ = run(site, "import", str(twinnings_file(directory, "Cmd")), "watch")

    assert result["status"] == 302
    seen = result["seen"]
    assert seen[-1]["state"] == "done" and seen[-1]["finished"]
    assert all(status["rows_total"] == ROWS for status in seen)
    # The bar moves forward batch by batch while the worker imports.
    running = [status["rows_processed"] for status in seen if status["state"] == "running"]
    assert len(running) >= 5, seen
    assert running == sorted(running) and all(rows % BATCH == 0 for rows in running)
    assert {name: seen[-1][name] for name in COUNTS} == command["counts"]
    # The same file, imported by the command into a copy of the database: the same result.
    assert command["counts"]["errors"] > 0 and command["counts"]["skipped"] > 0
    run_ = import_run(site, result["run"])
    assert run_["summary"].splitlines() == command["summary"]
    with database(site) as connection:
        entries = connection.execute(
            "SELECT count(*) FROM partnerships_importrunentry WHERE run_id = ?", [run_["id"]]
        ).fetchone()[0]
    assert entries == len(command["report"])
    assert stored(site, "Cmd") == {
        "cities": command["counts"]["cities_created"],
        "partnerships": command["counts"]["partnerships_created"],
        "pairs": command["counts"]["partnerships_created"],
    }
    assert "partnerships.importing.tasks.import_twinnings" in worker.log()


def test_a_killed_worker_s_import_is_resumed_and_nothing_is_written_twice(site, worker, command):
    environment, _broker, directory = site
    result, _ = run(site, "import", str(twinnings_file(directory, "Kil")))
    run_id = result["run"]

    # Killed, pool and all, once a few batches are written: mid-import.
    wait_until(lambda: import_run(site, run_id)["rows_processed"] >= 5 * BATCH, 30, "batches")
    worker.kill()
    killed = import_run(site, run_id)
    assert killed["state"] == "running"
    assert 5 * BATCH <= killed["rows_processed"] < ROWS

    # The broker gives the task to the next worker after its visibility timeout (2 s); that
    # worker finds the run without a batch for IMPORT_STALE_SECONDS and goes on after it.
    time.sleep(2.5)
    second = Worker(environment, directory / "worker.log").start()
    try:
        wait_until(lambda: import_run(site, run_id)["state"] == "done", 40, "done")
        assert f"Import {run_id} resumed after line {killed['last_line']}" in second.log()
    finally:
        second.stop()
    finished = import_run(site, run_id)
    assert {name: finished[name] for name in COUNTS} == command["counts"]
    assert f"resumed after line {killed['last_line']:,}" in finished["summary"]
    assert stored(site, "Kil") == {
        "cities": command["counts"]["cities_created"],
        "partnerships": command["counts"]["partnerships_created"],
        "pairs": command["counts"]["partnerships_created"],
    }


def test_cancel_stops_the_worker_after_its_current_batch(site, worker):
    _environment, _broker, directory = site
    # Four times the rows of the other tests: on a busy machine the Cancel (a write that waits
    # for SQLite's lock between the worker's batches) can reach the run late, and the run must
    # still have rows left then for the test to show that Cancel stops it.
    rows = 4 * ROWS
    path = twinnings_file(directory, "Can", rows)
    result, _ = run(site, "import", str(path), "cancel", str(3 * BATCH))

    assert "The import stops after the batch of rows it is writing now." in result["cancel_page"]
    seen = result["seen"]
    assert seen[-1]["state"] == "cancelled"
    run_ = import_run(site, result["run"])
    # Once Cancel is stored, the batch the worker is writing is kept and no further one is
    # started: at most one batch more than the first status read after it.
    first_after = result["after_cancel"][0]["rows_processed"]
    assert 3 * BATCH <= run_["rows_processed"] <= first_after + BATCH < rows
    assert f"cancelled after line {run_['last_line']}" in run_["error"]
    assert stored(site, "Can")["partnerships"] == run_["partnerships_created"]
    assert "cancelled" in run(site, "run_page", str(result["run"]))[0]["page"]


def test_with_the_broker_stopped_the_upload_is_refused_and_nothing_stored(site):
    _environment, broker, directory = site
    path = twinnings_file(directory, "Off")
    with database(site) as connection:
        runs = connection.execute("SELECT count(*) FROM partnerships_importrun").fetchone()[0]
    files = sorted((directory / "media").rglob("*.csv"))
    broker.stop()
    try:
        started = time.monotonic()
        result, _ = run(site, "import", str(path))
        seconds = time.monotonic() - started
    finally:
        broker.start()
    assert result["status"] == 200
    assert (
        "The task queue is unavailable, so the import cannot start now. Nothing was stored; "
        "try again when it is back." in result["page"]
    )
    assert "The task queue is unavailable, so an import cannot start now" in result["page"]
    with database(site) as connection:
        assert connection.execute("SELECT count(*) FROM partnerships_importrun").fetchone()[0] == (
            runs
        )
    assert sorted((directory / "media").rglob("*.csv")) == files
    assert stored(site, "Off")["partnerships"] == 0
    assert seconds < 15  # refused at once, not imported in the request
