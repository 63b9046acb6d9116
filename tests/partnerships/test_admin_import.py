"""Importing twinnings from the admin: upload, progress, cancel, the report, one run at a time.

The task runs eagerly (no CELERY_BROKER_URL in the tests), once the upload's transaction has
committed. Tests that look at a run between its batches need real commits (transaction=True):
the task's `batch_saved` signal is sent when a batch has been committed.
"""

import csv
import datetime
import io
import threading
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from core import tasks as core_tasks
from faults.services import free_port
from partnerships.importing.tasks import batch_saved, claim, import_twinnings
from partnerships.models import ImportRun, Partnership
from twinning.celery import app

DATA = Path(__file__).parent / "data"
GENERIC = DATA / "twinnings_generic.csv"
HEKMAN_HEADER = "city1,country1,lat1,lng1,city2,country2,lat2,lng2\n"
# Six pairs of new cities, one a line: the batches are easy to count.
SIX_PAIRS = HEKMAN_HEADER + "".join(
    f"Town{n}a,Germany,50.{n},10.{n},Town{n}b,France,45.{n},2.{n}\n" for n in range(1, 7)
)

ADD_URL = reverse("admin:partnerships_importrun_add")
CHANGELIST_URL = reverse("admin:partnerships_importrun_changelist")


def run_url(run, view="change"):
    return reverse(f"admin:partnerships_importrun_{view}", args=[run.pk])


def upload(client, content, name="twinnings.csv", **data):
    if isinstance(content, str):
        content = content.encode()
    file = io.BytesIO(content)
    file.name = name
    return client.post(ADD_URL, {"file": file, **data})


def stored_files(settings):
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser("chief", password="x-Very-long-pass-42")


@pytest.fixture
def chief(superuser):
    client = Client()
    client.force_login(superuser)
    return client


@pytest.fixture
def watcher(superuser):
    """A second browser of the same superuser, looking at the run while it imports."""
    client = Client()
    client.force_login(superuser)
    return client


@pytest.fixture
def on_batch():
    """Call the given function after each batch the task commits."""
    receivers = []

    def connect(function):
        def receiver(sender, run_id, **kwargs):
            function(run_id)

        receivers.append(receiver)
        batch_saved.connect(receiver)

    yield connect
    for receiver in receivers:
        batch_saved.disconnect(receiver)


# --- The whole flow ---------------------------------------------------------------------------


def test_an_uploaded_file_is_imported_and_its_report_shown(
    chief, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(chief, GENERIC.read_bytes(), name="twinnings_generic.csv")

    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == run_url(run)
    assert run.state == ImportRun.State.DONE
    assert run.started_by.username == "chief"
    assert (run.rows_total, run.rows_processed) == (7, 7)
    # Four pairs written; three lines rejected (bad date, unknown kind, unknown status).
    assert (run.partnerships_created, run.skipped, run.errors) == (4, 0, 3)
    assert run.started_at <= run.finished_at

    page = chief.get(run_url(run))
    assertContains(page, '<progress id="import-progress" max="7" value="7">', html=False)
    assertContains(page, "done")
    assertContains(page, "<td>5</td><td>rejected</td>", html=False)
    assertContains(page, "invalid established date: “19x8” is not a date")
    assertContains(page, "unknown kind: “marriage”")
    assertContains(page, "partnerships:         4 created")
    assertNotContains(page, "Cancel the import")
    assertNotContains(page, "admin_import_progress.js")  # finished: nothing to poll

    download = chief.get(run_url(run, "report_csv"))
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="twinnings_generic-report-' in download["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode())))
    assert rows[0] == ["line", "outcome", "message"]
    assert rows[1][:2] == ["5", "rejected"]
    assert rows[1][2].startswith("invalid established date")
    assert [row[:2] for row in rows[1:4]] == [
        ["5", "rejected"],
        ["6", "rejected"],
        ["7", "rejected"],
    ]
    assert ["", "summary", "rows read:            7"] in rows


def test_the_report_is_what_the_command_prints(chief, tmp_path, django_capture_on_commit_callbacks):
    content = GENERIC.read_text() + "Coventry,GB,52.4081,-1.5106,Dresden,DE,51.05,13.74,,,\n"
    source = tmp_path / "twinnings_generic.csv"
    source.write_text(content)
    with transaction.atomic():  # the command's import is undone: both start from one state
        out = io.StringIO()
        call_command("import_twinnings", str(source), stdout=out)
        transaction.set_rollback(True)
    printed = out.getvalue().splitlines()
    assert "line 9: already present: Coventry – Dresden is the pair of line 2" in out.getvalue()

    with django_capture_on_commit_callbacks(execute=True):
        upload(chief, content, name="twinnings_generic.csv")

    assert list(ImportRun.objects.get().report_lines()) == printed


def test_importing_the_same_file_again_creates_nothing(chief, django_capture_on_commit_callbacks):
    for _ in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            upload(chief, SIX_PAIRS)
    first, second = ImportRun.objects.order_by("pk")
    assert (first.partnerships_created, first.skipped) == (6, 0)
    assert (second.partnerships_created, second.cities_created, second.skipped) == (0, 0, 6)
    assert second.state == ImportRun.State.DONE
    assert Partnership.objects.count() == 6


# --- Who may ---------------------------------------------------------------------------------


@pytest.mark.parametrize("view", ["changelist", "add", "change", "status", "report_csv"])
def test_only_superusers_may_import(db, client, superuser, view):
    run = ImportRun.objects.create(file_name="x.csv", file="imports/x.csv", state="done")
    url = CHANGELIST_URL if view == "changelist" else ADD_URL if view == "add" else None
    url = url or run_url(run, view)
    staff = get_user_model().objects.create_user(
        "editor", password="x-Very-long-pass-42", is_staff=True
    )

    assert client.get(url).status_code == 302  # anonymous: to the sign-in page
    client.force_login(staff)
    assert client.get(url).status_code == 403
    assert client.post(run_url(run, "cancel")).status_code == 403
    client.force_login(superuser)
    assert client.get(url).status_code == 200


def test_non_superusers_do_not_see_it_on_the_admin_index(db, client, chief):
    staff = get_user_model().objects.create_user(
        "editor", password="x-Very-long-pass-42", is_staff=True
    )
    client.force_login(staff)
    assertNotContains(client.get(reverse("admin:index")), "Twinnings imports")
    assertContains(chief.get(reverse("admin:index")), "Twinnings imports")


# --- Bad files -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content, data, message",
    [
        pytest.param(
            "name,country\nBerlin,DE\n",
            {},
            "This is not a twinnings file: its header (name, country) lacks the column(s) "
            "city1, country1, lat1, lng1, city2, country2, lat2, lng2 of the hekman format",
            id="not-twinnings",
        ),
        pytest.param(
            "city1,country1,lat1,lng1,city2,country2\nBerlin,DE,52.5,13.4,Paris,FR\n",
            {},
            "lacks the column(s) lat2, lng2 of the hekman format",
            id="columns-missing",
        ),
        pytest.param(
            "city_a,country_a,lat_a,lng_a,city_b,country_b,lat_b\n",
            {"format": "generic"},
            "lacks the column(s) lng_b of the generic format",
            id="columns-missing-for-the-format-chosen",
        ),
        pytest.param(
            HEKMAN_HEADER.strip() + ",notes\n",
            {},
            "The header has columns that the hekman format does not have: notes. Choose the "
            "format to import the file anyway",
            id="unknown-column",
        ),
        pytest.param(
            (HEKMAN_HEADER + "Berlin,DE,52.5,13.4,Paris,FR,48.8,2.3\n").encode()
            + "Mérida,Spain,38.9,-6.3,Rome,Italy,41.9,12.5\n".encode("latin-1"),
            {},
            "The file is not UTF-8 text: line 3 holds the byte 0xE9, which UTF-8 does not allow.",
            id="latin-1",
        ),
        pytest.param(
            "\n \n",
            {},
            "The file is empty: it has no header line.",
            id="blank",
        ),
        pytest.param(b"", {}, "The submitted file is empty.", id="empty"),
    ],
)
def test_a_bad_file_is_refused_with_what_is_wrong(chief, settings, content, data, message):
    response = upload(chief, content, **data)

    assert response.status_code == 200
    assertContains(response, message)
    assert not ImportRun.objects.exists()
    assert stored_files(settings) == []


def test_a_file_over_the_limit_is_refused(chief, settings):
    settings.MAX_IMPORT_UPLOAD_BYTES = 300
    response = upload(chief, SIX_PAIRS * 2)

    assert len(SIX_PAIRS * 2) == 676
    assertContains(
        response,
        "The file is 676\xa0bytes; files up to 300\xa0bytes can be imported here "
        "(MAX_IMPORT_UPLOAD_BYTES).",
    )
    assert not ImportRun.objects.exists()
    assert stored_files(settings) == []


def test_a_second_import_is_refused_while_one_is_queued_or_running(
    chief, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # no worker takes it yet
        upload(chief, SIX_PAIRS, name="first.csv")
    first = ImportRun.objects.get()
    assert first.state == ImportRun.State.QUEUED
    assert len(stored_files(settings)) == 1

    for state in ["queued", "running"]:
        ImportRun.objects.update(state=state)
        response = upload(chief, SIX_PAIRS, name="second.csv")
        assertContains(response, f"An import is already {state}: “first.csv”, started by chief on")
        assert ImportRun.objects.count() == 1
        assert len(stored_files(settings)) == 1

    ImportRun.objects.update(state="done")
    assert upload(chief, SIX_PAIRS, name="second.csv").status_code == 302


def test_the_database_allows_one_active_run_only(db):
    ImportRun.objects.create(file_name="a.csv", state="done")
    ImportRun.objects.create(file_name="b.csv", state="running")
    ImportRun.objects.create(file_name="c.csv", state="failed")
    for state in ["queued", "running"]:
        with pytest.raises(IntegrityError), transaction.atomic():
            ImportRun.objects.create(file_name="d.csv", state=state)


# --- While it runs: progress, cancel, a worker killed -----------------------------------------


@pytest.mark.django_db(transaction=True)
def test_the_progress_advances_with_each_batch(
    chief, watcher, settings, on_batch, django_assert_num_queries
):
    settings.IMPORT_BATCH_SIZE = 1
    seen = []

    def look(run_id):
        run = ImportRun.objects.get(pk=run_id)
        with django_assert_num_queries(3):  # the session, the user, the run
            status = watcher.get(run_url(run, "status")).json()
        page = watcher.get(run_url(run)).content.decode()
        seen.append((status["state"], status["rows_processed"], status["partnerships_created"]))
        assert f'<progress id="import-progress" max="6" value="{status["rows_processed"]}"' in page
        assert "admin_import_progress.js" in page and "Cancel the import" in page

    on_batch(look)
    upload(chief, SIX_PAIRS)

    assert seen == [("running", n, n) for n in range(1, 7)]
    assert ImportRun.objects.get().state == ImportRun.State.DONE


@pytest.mark.django_db(transaction=True)
def test_cancel_stops_the_import_after_the_current_batch(chief, watcher, settings, on_batch):
    settings.IMPORT_BATCH_SIZE = 2

    def cancel_once(run_id):
        run = ImportRun.objects.get(pk=run_id)
        if run.last_line == 3:  # after the first batch (lines 2 and 3)
            response = watcher.post(run_url(run, "cancel"), follow=True)
            assertContains(response, "The import stops after the batch of rows it is writing now.")
            assertContains(response, "stopping after the current batch")

    on_batch(cancel_once)
    upload(chief, SIX_PAIRS)

    run = ImportRun.objects.get()
    assert run.state == ImportRun.State.CANCELLED
    assert (run.rows_processed, run.partnerships_created, run.last_line) == (2, 2, 3)
    assert Partnership.objects.count() == 2  # the batch written stays
    page = chief.get(run_url(run))
    assertContains(page, "cancelled after line 3: the rows up to it are imported")
    assertNotContains(page, "Cancel the import")


def test_a_queued_run_is_cancelled_at_once(chief, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        upload(chief, SIX_PAIRS)
    run = ImportRun.objects.get()

    response = chief.post(run_url(run, "cancel"), follow=True)
    assertContains(response, "The import is cancelled.")
    for callback in callbacks:  # the task, delivered late: nothing to do
        callback()
    run.refresh_from_db()
    assert run.state == ImportRun.State.CANCELLED
    assert Partnership.objects.count() == 0
    # Another import may start now.
    assert upload(chief, SIX_PAIRS).status_code == 302


class WorkerKilled(BaseException):
    """What a worker's death looks like from inside: nothing after it runs, nothing catches it."""


@pytest.mark.django_db(transaction=True)
def test_a_run_whose_worker_died_is_resumed_when_the_task_comes_again(chief, settings, on_batch):
    settings.IMPORT_BATCH_SIZE = 2
    content = SIX_PAIRS + "Town1b,France,45.1,2.1,Town1a,Germany,50.1,10.1\n"  # line 2 again

    def die_after_the_second_batch(run_id):
        if ImportRun.objects.get(pk=run_id).last_line == 5:
            raise WorkerKilled

    on_batch(die_after_the_second_batch)
    with pytest.raises(WorkerKilled):
        upload(chief, content)
    run = ImportRun.objects.get()
    assert (run.state, run.last_line, run.partnerships_created) == ("running", 5, 4)
    # Its heartbeat is fresh: another delivery leaves it to the worker that may still be on it.
    assert claim(run.pk) == (None, "busy")

    # No batch for IMPORT_STALE_SECONDS: the worker is gone; the redelivered task goes on.
    stale = timezone.now() - datetime.timedelta(seconds=settings.IMPORT_STALE_SECONDS + 1)
    ImportRun.objects.filter(pk=run.pk).update(heartbeat_at=stale)
    import_twinnings(run.pk)

    run.refresh_from_db()
    assert run.state == ImportRun.State.DONE
    assert (run.rows_processed, run.partnerships_created, run.skipped) == (7, 6, 1)
    assert Partnership.objects.count() == 6  # nothing written twice
    assert "resumed after line 5 (the worker before was stopped)" in run.summary
    # Line 8 repeats line 2, imported before the worker died: now it is in the database, which
    # the report (as the command's) does not list line by line.
    assert not run.entries.exists()


def test_a_failure_is_shown_on_the_runs_page(chief, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        upload(chief, SIX_PAIRS)
    run = ImportRun.objects.get()
    run.file.storage.delete(run.file.name)  # the stored file gone before a worker took it
    for callback in callbacks:
        callback()

    run.refresh_from_db()
    assert run.state == ImportRun.State.FAILED
    page = chief.get(run_url(run))
    assertContains(page, "No such file or directory", status_code=200)
    assertContains(page, "failed")
    # A failed run does not block the next import.
    with django_capture_on_commit_callbacks(execute=True):
        assert upload(chief, SIX_PAIRS).status_code == 302
    assert ImportRun.objects.filter(state="done").count() == 1


def test_the_file_is_kept_in_the_default_storage(
    chief, settings, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        upload(chief, SIX_PAIRS, name="world.csv")
    run = ImportRun.objects.get()
    assert run.file.name.startswith("imports/") and run.file.name.endswith(".csv")
    with run.file.open("rb") as stored:
        assert stored.read() == SIX_PAIRS.encode()


# --- Where it runs: the task queue down, no broker at all -------------------------------------


@pytest.fixture
def dead_broker(monkeypatch):
    """A broker configured on a port where nothing listens, as after `systemctl stop redis`."""
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    monkeypatch.setitem(app.conf, "broker_url", f"redis://127.0.0.1:{free_port()}/0")
    monkeypatch.setattr(core_tasks, "_broker_state", [0.0, True])
    return app.conf.broker_url


QUEUE_DOWN = (
    "The task queue is unavailable, so the import cannot start now. Nothing was stored; "
    "try again when it is back."
)


def test_with_the_queue_down_the_upload_page_says_so(chief, dead_broker):
    page = chief.get(ADD_URL)
    assertContains(
        page,
        '<li class="warning" id="queue-unavailable">The task queue is unavailable, so an import '
        "cannot start now: try again when it is back.</li>",
        html=False,
    )


def test_without_a_broker_the_upload_page_says_nothing(chief):
    assertNotContains(chief.get(ADD_URL), "queue-unavailable")


def test_with_the_queue_down_an_upload_is_refused_not_run_in_the_request(
    chief, settings, dead_broker, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = upload(chief, SIX_PAIRS)

    assertContains(response, QUEUE_DOWN)
    assert callbacks == []
    assert not ImportRun.objects.exists()
    assert stored_files(settings) == []
    assert Partnership.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_a_queue_gone_after_the_check_takes_the_run_back(chief, settings, dead_broker, caplog):
    # The broker answered the last check (cached for a few seconds) and is gone since.
    core_tasks._remember(True, 60)
    response = upload(chief, SIX_PAIRS)

    assertContains(response, QUEUE_DOWN)
    assert "Task queue unavailable" in caplog.text and "not sent" in caplog.text
    assert not ImportRun.objects.exists()  # no queued run left to block the next import
    assert stored_files(settings) == []
    assert Partnership.objects.count() == 0
    # Known down now: the next upload is refused before anything is stored.
    assertContains(upload(chief, SIX_PAIRS), QUEUE_DOWN)


@pytest.mark.django_db(transaction=True)
def test_without_a_broker_the_import_runs_in_a_thread_of_its_own(
    chief, watcher, settings, on_batch
):
    """`make run`: the upload answers at once and the run's page follows the thread's batches."""
    settings.EAGER_TASKS_IN_THREADS = True
    settings.IMPORT_BATCH_SIZE = 2
    threads = []
    on_batch(lambda run_id: threads.append(threading.current_thread()))

    response = upload(chief, SIX_PAIRS)
    assert response.status_code == 302
    core_tasks.wait_for_background_tasks(timeout=30)

    run = ImportRun.objects.get()
    assert run.state == ImportRun.State.DONE
    assert (run.rows_processed, run.partnerships_created) == (6, 6)
    assert len(threads) == 3
    assert all(thread is not threading.main_thread() for thread in threads)
    assert not threads[0].is_alive()
    assertContains(watcher.get(run_url(run)), "partnerships:         6 created")
