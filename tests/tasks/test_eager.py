"""The tasks in eager mode (no broker: they run in the process, right after the commit), and the
fallbacks when a broker is configured but does not answer. The same tasks on a real worker and a
real Redis broker: test_worker.py.
"""

import io
import logging
import re

import pytest
from django.core.files.storage import FileSystemStorage, default_storage
from django.core.management import call_command
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from cities import tasks as city_tasks
from cities.models import City
from core import images
from core import tasks as core_tasks
from faults.services import free_port
from tests.cities.test_admin import CHANGELIST, change_url
from tests.cities.test_images import picture, stored_files, upload
from twinning.celery import app

pytestmark = pytest.mark.django_db

PENDING, READY, FAILED = images.RenditionsState


@pytest.fixture
def wide_city(make_city, django_capture_on_commit_callbacks):
    """A city whose 2000 × 1000 picture was just uploaded; `.run_commit()` commits it."""
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        city = make_city(image=upload("wide.jpg", picture(size=(2000, 1000))), image_alt="Wide")

    def run_commit():
        for callback in callbacks:
            callback()
        city.refresh_from_db()
        return city

    city.run_commit = run_commit
    return city


def rendition_files(settings, city):
    return [name for name in stored_files(settings) if name != city.image.name]


class TestUpload:
    def test_the_upload_answers_before_the_renditions_exist(self, client, settings, wide_city):
        city = City.objects.get(pk=wide_city.pk)
        assert city.image_renditions_state == PENDING
        assert city.image_renditions == []
        assert stored_files(settings) == [city.image.name]  # the cleaned picture only
        # The page shows the picture itself, shown no wider than the widest rendition, and no
        # srcset naming files that are not there.
        assert city.picture == images.Picture(f"/media/{city.image.name}", "", 1600, 800)

    def test_the_commit_makes_them(self, settings, wide_city):
        city = wide_city.run_commit()
        assert city.image_renditions_state == READY
        assert city.image_renditions == [480, 960, 1600]
        assert len(rendition_files(settings, city)) == 3
        assert "1600w" in city.picture.srcset

    def test_a_narrow_picture_needs_no_task(self, make_city, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            city = make_city(image=upload("small.png", picture("PNG", size=(300, 200))))
        assert city.image_renditions_state == READY
        # Removing the files on a rollback, and the page cache's bump at the commit; no task.
        assert len(callbacks) == 2

    def test_clearing_the_picture_clears_the_state(self, wide_city):
        city = wide_city.run_commit()
        city.image = ""
        city.save()
        city.refresh_from_db()
        assert city.image_renditions_state == ""


class TestIdempotent:
    def test_running_again_writes_the_same_files(self, settings, wide_city):
        city = wide_city.run_commit()
        files = stored_files(settings)
        # A worker killed while writing left half a file behind: the next run replaces it.
        half = f"{city.image.name.removesuffix('.jpg')}-960w.jpg"
        default_storage.delete(half)
        default_storage.save(half, io.BytesIO(b"\xff\xd8\xff half a picture"))
        city_tasks.make_renditions.apply(args=(city.pk, city.image.name)).get()
        assert stored_files(settings) == files  # the same names, no "-960w_a1b2c3d.jpg"
        with default_storage.open(half) as file:
            assert len(file.read()) > 1000
        again = City.objects.get(pk=city.pk)
        assert (again.image_renditions, again.image_renditions_state) == ([480, 960, 1600], READY)

    def test_a_newer_picture_is_left_alone(
        self, settings, wide_city, django_capture_on_commit_callbacks
    ):
        old_name = wide_city.image.name  # its task has not run yet
        city = City.objects.get(pk=wide_city.pk)
        city.image = upload("newer.png", picture("PNG", size=(1000, 500)))
        with django_capture_on_commit_callbacks(execute=True):
            city.save()
        city.refresh_from_db()
        newer = (city.image.name, city.image_renditions, city.image_renditions_state)
        files = stored_files(settings)
        city_tasks.make_renditions.apply(args=(city.pk, old_name)).get()  # the late task
        city.refresh_from_db()
        assert (city.image.name, city.image_renditions, city.image_renditions_state) == newer
        assert stored_files(settings) == files
        assert not any(name.startswith(old_name.removesuffix(".jpg")) for name in files)

    def test_replaced_while_they_were_made(self, settings, wide_city, monkeypatch):
        """The editor's new picture is committed while the task works: what the task made for
        the old one is removed, and the new one's fields are not overwritten."""
        make = images.make_renditions

        def replaced_meanwhile(storage, name):
            widths = make(storage, name)
            City.objects.filter(pk=wide_city.pk).update(image="cities/newer.jpg")
            return widths

        monkeypatch.setattr(images, "make_renditions", replaced_meanwhile)
        wide_city.run_commit()
        city = City.objects.get(pk=wide_city.pk)
        assert city.image_renditions_state == PENDING  # the newer picture's own task decides
        assert stored_files(settings) == []  # the old picture had been removed by its replacer


class TestFailures:
    def test_a_storage_error_is_retried(self, settings, wide_city, monkeypatch, caplog):
        save, failures = FileSystemStorage.save, []

        def flaky(storage, name, content, *args, **kwargs):
            if "-960w" in name and not failures:
                failures.append(name)
                raise OSError("No space left on device")
            return save(storage, name, content, *args, **kwargs)

        monkeypatch.setattr(FileSystemStorage, "save", flaky)
        city = wide_city.run_commit()
        assert failures
        assert city.image_renditions_state == READY
        assert len(rendition_files(settings, city)) == 3
        assert "No space left on device" in caplog.text and "trying again in" in caplog.text

    def test_the_backoff_doubles(self):
        first = images.RENDITIONS_BACKOFF_SECONDS
        waits = [core_tasks.backoff(n, first) for n in range(images.RENDITIONS_MAX_RETRIES)]
        for n, wait in enumerate(waits):
            base = first * 2**n
            assert base <= wait <= base * 1.25

    def test_an_error_that_does_not_pass_marks_them_failed(self, wide_city, monkeypatch, caplog):
        def full(*args, **kwargs):
            raise OSError("No space left on device")

        monkeypatch.setattr(FileSystemStorage, "save", full)
        city = wide_city.run_commit()
        assert city.image_renditions_state == FAILED
        assert caplog.text.count("trying again in") == images.RENDITIONS_MAX_RETRIES
        errors = [r for r in caplog.records if r.levelno == logging.ERROR]
        assert len(errors) == 1 and "could not be made" in errors[0].getMessage()

    def test_a_damaged_picture_fails_at_once(
        self, admin_client, client, settings, wide_city, caplog
    ):
        with default_storage.open(wide_city.image.name, "wb") as file:
            file.write(b"\xff\xd8\xff not a picture any more")
        city = wide_city.run_commit()
        assert city.image_renditions_state == FAILED
        assert "trying again" not in caplog.text
        assert "cannot be decoded" in caplog.text
        assert rendition_files(settings, city) == []
        # Staff see it: in the list, with a filter for it, and on the change form.
        changelist = admin_client.get(CHANGELIST).content.decode()
        assert "renditions failed" in changelist
        filtered = admin_client.get(CHANGELIST, {"image_renditions_state__exact": "failed"})
        assert list(filtered.context["cl"].result_list) == [city]
        ready = admin_client.get(CHANGELIST, {"image_renditions_state__exact": "ready"})
        assert list(ready.context["cl"].result_list) == []
        form = admin_client.get(change_url(city))
        assertContains(form, "The renditions of this city&#x27;s picture could not be made")
        assertContains(form, "renditions failed")
        # The public still gets the picture, without a srcset.
        assert city.picture.srcset == "" and city.picture.width == 1600

    def test_pending_is_shown_in_the_admin(self, admin_client, wide_city):
        changelist = admin_client.get(CHANGELIST)
        assertContains(changelist, "renditions pending")
        form = admin_client.get(change_url(wide_city))
        assertContains(form, "renditions pending")
        assertNotContains(form, "could not be made")


@pytest.fixture
def dead_broker(monkeypatch):
    """A broker configured on a port where nothing listens, as after `systemctl stop redis`."""
    monkeypatch.setitem(app.conf, "task_always_eager", False)
    monkeypatch.setitem(app.conf, "broker_url", f"redis://127.0.0.1:{free_port()}/0")
    monkeypatch.setattr(core_tasks, "_broker_state", [0.0, True])
    return app.conf.broker_url


class TestBrokerDown:
    def test_the_upload_still_gets_its_renditions(self, settings, wide_city, dead_broker, caplog):
        city = wide_city.run_commit()
        assert city.image_renditions_state == READY
        assert "Task queue unavailable" in caplog.text
        assert "Error 111 connecting" in caplog.text

    def test_the_admin_says_so(self, admin_client, dead_broker):
        response = admin_client.get(reverse("admin:index"))
        assertContains(response, "The task queue is unavailable")
        # Asked once: the answer is kept for a while, so the admin is not slowed down by it.
        assert core_tasks._broker_state[1] is False
        assertContains(admin_client.get(reverse("admin:index")), "The task queue is unavailable")

    def test_without_a_broker_the_admin_says_nothing(self, admin_client):
        assert app.conf.task_always_eager  # tests run as the demo does
        assertNotContains(admin_client.get(reverse("admin:index")), "task queue")


class TestSearchIndex:
    def test_the_nightly_refresh_is_scheduled(self):
        entry = app.conf.beat_schedule["refresh-search-index-nightly"]
        app.loader.import_default_modules()  # what a worker does when it starts: autodiscovery
        assert entry["task"] in app.tasks
        assert re.search(r"<crontab: 17 3 ", repr(entry["schedule"]))

    def test_the_command_can_queue_it(self, capsys, settings):
        call_command("update_search_index", "--queue")
        out = capsys.readouterr().out
        # The task is queued (PostgreSQL and SQLite keep an index); other databases need none.
        assert "Nothing to do" in out or "queued" in out
