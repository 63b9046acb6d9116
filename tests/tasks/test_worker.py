"""The renditions task on a real Celery worker, with a Redis broker of the test's own.

The site's side (uploads through the admin, pages) runs in processes of its own
(tests/tasks/driver.py), the worker in another, both on one SQLite file and one media folder in
a temporary directory: nothing here uses the test database, the shared Redis or the shared
PostgreSQL. Skipped, saying why, where redis-server is missing (CI has it).
"""

import json
import sqlite3
import time

import pytest
from PIL import Image

from faults.services import missing_tools, wait_until

from .conftest import Worker, run

MISSING = missing_tools()
pytestmark = [
    pytest.mark.tasks,
    pytest.mark.skipif(bool(MISSING), reason=f"task queue tests: {MISSING}"),
]

WIDE = ("8000", "5000")  # 40 megapixels, the cap: its renditions take the worker a while


def city_row(site, slug):
    """The city's picture fields, read from the database file (no Django to start)."""
    _environment, _broker, directory = site
    with sqlite3.connect(directory / "db.sqlite3", timeout=20) as connection:
        name, state, renditions = connection.execute(
            "SELECT image, image_renditions_state, image_renditions FROM cities_city "
            "WHERE slug = ?",
            [slug],
        ).fetchone()
    return {"name": name, "state": state, "renditions": json.loads(renditions)}


def wait_for_state(site, slug, expected, seconds=30):
    wait_until(lambda: city_row(site, slug)["state"] == expected, seconds, expected)
    return city_row(site, slug)


def media_files(site, prefix):
    _environment, _broker, directory = site
    return sorted(path.name for path in (directory / "media" / "cities").glob(f"{prefix}*"))


def test_the_worker_makes_the_renditions(site, worker):
    uploaded, _ = run(site, "upload", "dresden", "2000", "1000")
    assert uploaded["status"] == 302
    assert uploaded["state"] == "pending"  # the answer did not wait for them
    city = wait_for_state(site, "dresden", "ready")
    assert city["renditions"] == [480, 960, 1600]
    img = run(site, "page", "dresden")[0]["img"]
    root = "/media/" + city["name"].removesuffix(".png")
    assert f'srcset="{root}-480w.png 480w, {root}-960w.png 960w, {root}-1600w.png 1600w"' in img
    _environment, _broker, directory = site
    with Image.open(directory / f"{root.removeprefix('/')}-1600w.png") as image:
        assert image.size == (1600, 800)
    assert "cities.tasks.make_renditions" in worker.log()


def kill_while_making_renditions(site, worker, slug):
    """Upload a picture for `slug` and kill the worker, with its pool and its picture process,
    as soon as it has taken the task (polled every 10 ms: on an idle machine the renditions take
    little more than a second). Returns the upload, or None when the worker got to the end
    before the kill (a starved test process: the killing scenario did not happen)."""
    uploaded, _ = run(site, "upload", slug, *WIDE)
    assert uploaded["state"] == "pending"
    deadline = time.monotonic() + 30
    while f"Making the renditions of {uploaded['name']}" not in worker.log():
        assert time.monotonic() < deadline, "the worker did not take the task within 30 s"
        time.sleep(0.01)
    worker.kill()
    return None if f"Renditions of {uploaded['name']}" in worker.log() else uploaded


def test_a_killed_worker_loses_nothing_and_writes_nothing_twice(site, worker):
    environment, _broker, directory = site
    # On a machine busy with other tests the worker may finish before this process gets to
    # kill it; then the scenario is tried again with another city, a few times at most.
    for slug in ("leipzig", "dresden-killed", "hamburg-killed"):
        uploaded = kill_while_making_renditions(site, worker, slug)
        if uploaded is not None:
            break
        worker = Worker(environment, directory / "worker.log").start()
    else:
        worker.stop()
        pytest.fail("the worker finished the renditions before every kill: the machine is too busy")
    assert city_row(site, slug)["state"] == "pending"
    # Another worker gets the task once the broker's visibility timeout has passed.
    time.sleep(2.5)
    second = Worker(environment, directory / "worker.log").start()
    try:
        city = wait_for_state(site, slug, "ready", seconds=40)
        assert f"Renditions of {uploaded['name']} made" in second.log()
    finally:
        second.stop()
    assert city["renditions"] == [480, 960, 1600]
    root = city["name"].removeprefix("cities/").removesuffix(".png")
    files = media_files(site, root)
    assert files == sorted(f"{root}{suffix}.png" for suffix in ("", "-480w", "-960w", "-1600w"))


def test_with_the_broker_stopped_uploads_still_succeed(site, worker):
    _environment, broker, _directory = site
    broker.stop()
    try:
        uploaded, output = run(site, "upload", "chemnitz", "2000", "1000")
        assert uploaded["status"] == 302
        # Made in the web process, after a warning, since no worker can be asked.
        assert uploaded["state"] == "ready"
        assert uploaded["renditions"] == [480, 960, 1600]
        assert "Task queue unavailable" in output
        assert uploaded["seconds"] < 15
        assert "srcset=" in run(site, "page", "chemnitz")[0]["img"]
        index = run(site, "admin")[0]["index"]
        assert "The task queue is unavailable" in index
    finally:
        broker.start()
    assert "The task queue is unavailable" not in run(site, "admin")[0]["index"]


def test_a_failure_is_shown_to_staff(site):
    environment, broker, directory = site
    if broker.process is None:
        broker.start()
    # Queued while no worker runs; the stored picture is then damaged before one takes it.
    uploaded, _ = run(site, "upload", "zwickau", "2000", "1000")
    assert uploaded["state"] == "pending"
    # Bytes no decoder reads (a bad disk, a bad copy).
    (directory / "media" / uploaded["name"]).write_bytes(b"\x89PNG\r\n\x1a\n not a picture")
    worker = Worker(environment, directory / "worker.log").start()
    try:
        city = wait_for_state(site, "zwickau", "failed")
        assert f"Renditions of {uploaded['name']}" in worker.log()
        assert "ERROR" in worker.log() and "could not be made" in worker.log()
    finally:
        worker.stop()
    assert city["renditions"] == []
    pages = run(site, "admin")[0]
    assert "renditions failed" in pages["changelist"]
    assert "srcset" not in run(site, "page", "zwickau")[0]["img"]
