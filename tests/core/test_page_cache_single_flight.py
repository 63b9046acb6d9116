"""A page missing from the cache is rendered once, however many visitors ask for it at the same
moment; none of them is ever shown a page from before an edit meanwhile.

The page cache here is a Redis of the test's own (never the machine's), as in production; each
visitor is a thread of its own with a test client, as in a gunicorn gthread worker. Renders are
counted (and held up where a test needs them to overlap) through Django's template_rendered
signal, sent by the test environment's instrumented templates in every thread.
"""

import datetime
import threading

import pytest
from django.core.cache import cache
from django.db import connection, connections, transaction
from django.http import HttpResponse
from django.test import Client
from django.test.signals import template_rendered
from django.utils import timezone
from pytest_django.asserts import assertContains

from core.page_cache import RENDERING, bump_content_version, cached_page
from core.resilient_cache import ResilientRedisCache
from faults.services import RedisServer, missing_tools

pytestmark = pytest.mark.django_db(transaction=True)  # the visitors' threads read the database

VISITORS = 16
PAGE_TEMPLATE = "partnerships/partnership_detail.html"
# Generous: a thread still running after this has hung (single flight waits at most
# PAGE_CACHE_LOCK_WAIT, set far longer in the tests that check nobody waits it out).
HUNG = 30


@pytest.fixture
def redis_cache(settings):
    """The page cache in a Redis of the test's own, on a free loopback port (a new address per
    test, so each has a circuit breaker of its own)."""
    if missing := missing_tools():
        pytest.skip(missing)
    server = RedisServer().start()
    settings.CACHES = {
        "default": {
            "BACKEND": "core.resilient_cache.ResilientRedisCache",
            "LOCATION": server.url,
            "OPTIONS": {"retry_seconds": 60},
        }
    }
    settings.PAGE_CACHE_SECONDS = 300
    settings.PAGE_CACHE_LOCK_WAIT = 3
    yield server
    server.stop()


class Misses:
    """How many requests have missed their page in the cache and asked for its render lock,
    counted in every thread. A render held up until all have keeps their misses from running
    into the page stored (a request arriving after it would simply find it)."""

    def __init__(self):
        self.count = 0
        self.changed = threading.Condition()

    def arrive(self):
        with self.changed:
            self.count += 1
            self.changed.notify_all()

    def wait_for(self, count):
        with self.changed:
            self.changed.wait_for(lambda: self.count >= count, timeout=HUNG)


@pytest.fixture
def misses(monkeypatch):
    counted = Misses()
    add = ResilientRedisCache.add

    def counting(self, key, *args, **kwargs):
        if key.startswith("twinning:page-lock:"):
            counted.arrive()
        return add(self, key, *args, **kwargs)

    monkeypatch.setattr(ResilientRedisCache, "add", counting)
    return counted


class Renders:
    """The renders of the partnership page in every thread; `before` (when set) runs in the
    rendering thread before each, to hold it up."""

    def __init__(self):
        self.count = 0
        self.lock = threading.Lock()
        self.before = None

    def __call__(self, sender, template, context, **kwargs):
        if template.name != PAGE_TEMPLATE:
            return
        with self.lock:
            self.count += 1
        if self.before is not None:
            self.before()


@pytest.fixture
def renders():
    counted = Renders()
    template_rendered.connect(counted, weak=False, dispatch_uid="single-flight-renders")
    yield counted
    template_rendered.disconnect(dispatch_uid="single-flight-renders")


@pytest.fixture
def pair(make_city, make_partnership):
    return make_partnership(
        city_a=make_city(name="Dresden", slug="dresden"),
        city_b=make_city(name="Hangzhou", slug="hangzhou", country="CN"),
        summary="Old summary.",
    )


class Visitor(threading.Thread):
    """One request in a thread of its own, as a gthread worker serves it; its answer (or what it
    raised) is kept."""

    def __init__(self, request, name=None, start_together=None):
        super().__init__(name=name, daemon=True)
        self.request = request
        self.start_together = start_together
        self.answer = None

    def run(self):
        try:
            if self.start_together is not None:
                self.start_together.wait(HUNG)
            self.answer = self.request()
        except Exception as error:  # what the request raised is the answer under test
            self.answer = error
        finally:
            connections.close_all()  # this thread's own database connection

    def result(self):
        self.join(HUNG)
        assert not self.is_alive(), f"{self.name} hung"
        return self.answer


def at_once(request, count=VISITORS):
    """`request()` made by `count` visitors at the same moment; their answers."""
    start_together = threading.Barrier(count)
    visitors = [Visitor(request, start_together=start_together) for _ in range(count)]
    for visitor in visitors:
        visitor.start()
    return [visitor.result() for visitor in visitors]


def test_sixteen_visitors_missing_one_page_at_once_render_it_once(
    redis_cache, pair, renders, misses
):
    url = pair.get_absolute_url()
    # The first render goes on only once every visitor has missed the page.
    renders.before = lambda: misses.wait_for(VISITORS)

    answers = at_once(lambda: Client().get(url))

    assert renders.count == 1
    assert [answer.status_code for answer in answers] == [200] * VISITORS
    assert len({answer.content for answer in answers}) == 1
    assert len({answer["ETag"] for answer in answers}) == 1
    assertContains(answers[0], "Old summary.")
    assert len(redis_cache.keys("*twinning:page:*")) == 1


def test_a_page_out_of_date_after_an_edit_is_rendered_once_and_shows_the_edit(
    redis_cache, pair, renders, misses
):
    url = pair.get_absolute_url()
    assertContains(Client().get(url), "Old summary.")
    pair.summary = "New summary."
    pair.save()
    renders.count = 0
    renders.before = lambda: misses.wait_for(1 + VISITORS)  # the first visit's miss too

    answers = at_once(lambda: Client().get(url))

    assert renders.count == 1
    for answer in answers:
        assertContains(answer, "New summary.")  # nobody was given the page from before


def test_an_edit_shows_at_once_while_the_old_version_is_still_being_rendered(
    redis_cache, pair, renders
):
    url = pair.get_absolute_url()
    assertContains(Client().get(url), "Old summary.")
    bump_content_version()  # out of date (another record changed): the next visit renders it
    rendering, go_on = threading.Event(), threading.Event()

    def hold_the_old_render():
        if threading.current_thread().name == "old":
            rendering.set()
            go_on.wait(HUNG)

    renders.before = hold_the_old_render
    old = Visitor(lambda: Client().get(url), name="old")
    old.start()
    assert rendering.wait(HUNG)

    pair.summary = "New summary."
    pair.save()
    try:
        # The editor's next request, and anyone's: the edit, not the page being rendered.
        assertContains(Client().get(url), "New summary.")
        assertContains(Client().get(url), "New summary.")
    finally:
        go_on.set()
    assert old.result().status_code == 200
    # The old render's copy, stored last, is out of date and never served.
    assertContains(Client().get(url), "New summary.")


def test_yesterdays_copy_is_served_while_todays_is_rendered_unless_content_changed(
    redis_cache, pair, renders, monkeypatch
):
    """At midnight every page is out of date at once although no content changed: while one
    visitor renders today's copy, the others get yesterday's rather than wait. After an edit
    they never do."""
    url = pair.get_absolute_url()
    yesterdays = Client().get(url)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: tomorrow)
    rendering, go_on = threading.Event(), threading.Event()

    def hold_the_render():
        if threading.current_thread().name == "renderer":
            rendering.set()
            go_on.wait(HUNG)

    renders.before = hold_the_render
    renderer = Visitor(lambda: Client().get(url), name="renderer")
    renderer.start()
    assert rendering.wait(HUNG)
    try:
        meanwhile = Client().get(url)
        assert meanwhile["ETag"] == yesterdays["ETag"]
        assert meanwhile.content == yesterdays.content

        pair.summary = "New summary."
        pair.save()
        assertContains(Client().get(url), "New summary.")
    finally:
        go_on.set()
    assert renderer.result().status_code == 200


@pytest.mark.parametrize("failure", ["raises", "answers 500", "not found"])
def test_when_the_render_fails_the_waiting_visitors_render_for_themselves(
    redis_cache, misses, settings, rf, failure
):
    settings.PAGE_CACHE_LOCK_WAIT = 3 * HUNG  # nobody may wait it out: they would hang
    renders = []
    lock = threading.Lock()

    def view(request):
        with lock:
            renders.append(request)
            first = len(renders) == 1
        if first:
            misses.wait_for(VISITORS)
            if failure == "raises":
                raise RuntimeError("The database went away.")
            return HttpResponse("Sorry.", status=500 if failure == "answers 500" else 404)
        return HttpResponse("The page.")

    page = cached_page(view)
    answers = at_once(lambda: page(rf.get("/en/")))

    pages = [
        answer.content
        for answer in answers
        if isinstance(answer, HttpResponse) and answer.status_code == 200
    ]
    assert pages == [b"The page."] * (VISITORS - 1)  # all but the one that failed
    # The failed render and then the waiting visitors' own (the first of them to store the page
    # may spare the others theirs).
    assert len(renders) >= 2
    # No render lock is left held (a lock whose page was stored says so for a second).
    locks = [key.split(":", 2)[2] for key in redis_cache.keys("*twinning:page-lock:*")]
    assert RENDERING not in cache.get_many(locks).values()


def test_with_redis_stopped_every_visitor_gets_the_page(redis_cache, pair, renders):
    redis_cache.stop()

    answers = at_once(lambda: Client().get(pair.get_absolute_url()))

    assert [answer.status_code for answer in answers] == [200] * VISITORS
    assert renders.count == VISITORS  # rendered uncached, as without a page cache
    for answer in answers:
        assertContains(answer, "Old summary.")


def test_when_redis_stops_during_the_render_the_waiting_visitors_render_for_themselves(
    redis_cache, pair, renders, misses, settings
):
    settings.PAGE_CACHE_LOCK_WAIT = 3 * HUNG  # nobody may wait it out: they would hang
    stopped = threading.Event()

    def stop_redis_in_the_first_render():
        if not stopped.is_set():
            stopped.set()
            misses.wait_for(VISITORS)
            redis_cache.stop()

    renders.before = stop_redis_in_the_first_render

    answers = at_once(lambda: Client().get(pair.get_absolute_url()))

    assert [answer.status_code for answer in answers] == [200] * VISITORS
    assert renders.count == VISITORS
    for answer in answers:
        assertContains(answer, "Old summary.")


def test_a_page_rendered_before_an_edit_was_committed_is_not_served_after_it(redis_cache, pair):
    """The version moves on when a record is saved, before its transaction commits (an admin
    save, its inlines): a visitor meanwhile is shown, and the cache keeps under the new version,
    the page from before. Once the edit is committed the next request shows it."""
    if connection.vendor == "sqlite":
        pytest.skip(
            "the tests' shared in-memory SQLite locks a table being written against other "
            "connections' reads: the visitor could not read during the edit"
        )
    url = pair.get_absolute_url()
    assertContains(Client().get(url), "Old summary.")
    with transaction.atomic():
        pair.summary = "New summary."
        pair.save()
        meanwhile = Visitor(lambda: Client().get(url))
        meanwhile.start()
        assertContains(meanwhile.result(), "Old summary.")
    assertContains(Client().get(url), "New summary.")
