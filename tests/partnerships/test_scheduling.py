"""Scheduled publishing (issue 19, item 4): a publisher sets "go live at" / "take down at"; the
scheduler (task every minute, `manage.py publish_scheduled`) does it in their name.

Time travel with time-machine: the clock is stopped at a chosen moment, so "due" is exact.
"""

import datetime
from io import StringIO
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from pytest_django.asserts import assertContains, assertFormError, assertNotContains
from reversion.models import Version

from partnerships import scheduling
from partnerships.models import Partnership
from partnerships.tasks import publish_scheduled_task
from tests.partnerships.test_admin import bulk_cities, partnership_form_data
from tests.partnerships.test_permissions import staff
from twinning.celery import app as celery_app
from twinning.roles import EDITOR, PUBLISHER, setup_roles

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
# "Now" in these tests: 10 December 2026, 9:00 in Dresden.
T = datetime.datetime(2026, 12, 10, 9, 0, tzinfo=BERLIN)
MINUTE = datetime.timedelta(minutes=1)
CALENDAR_QUERIES = 6  # session, user, its permissions (user, groups), the partnerships, changes


def at(moment):
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def world(make_city, make_partnership):
    setup_roles()
    dresden = make_city(name="Dresden", slug="dresden")
    hangzhou = make_city(name="Hangzhou", slug="hangzhou", country="CN")
    berlin = make_city(name="Berlin", slug="berlin")
    beijing = make_city(name="Beijing", slug="beijing", country="CN")
    return SimpleNamespace(
        dresden=dresden,
        berlin=berlin,
        ours=make_partnership(city_a=dresden, city_b=hangzhou, state="draft"),
        theirs=make_partnership(city_a=berlin, city_b=beijing, state="draft"),
        publisher=staff(PUBLISHER, dresden, "dresden-publisher"),
        editor=staff(EDITOR, dresden, "dresden-editor"),
    )


def schedule(partnership, user, go_live_at=None, take_down_at=None):
    Partnership.objects.filter(pk=partnership.pk).update(
        go_live_at=go_live_at, take_down_at=take_down_at, scheduled_by=user
    )
    partnership.refresh_from_db()
    return partnership


def change_url(partnership):
    return reverse("admin:partnerships_partnership_change", args=[partnership.pk])


def calendar_url(month=None):
    url = reverse("admin:partnerships_partnership_calendar")
    return f"{url}?month={month}" if month else url


# --- The scheduler ---------------------------------------------------------------------------


def test_the_scheduler_does_what_is_due_and_nothing_else(world, make_partnership, make_city):
    publisher = world.publisher
    dresden = world.dresden
    due_draft = schedule(world.ours, publisher, go_live_at=T - MINUTE)
    in_review = make_partnership(city_a=dresden, state="in_review")
    schedule(in_review, publisher, go_live_at=T - 5 * MINUTE)
    not_yet = schedule(make_partnership(city_a=dresden, state="draft"), publisher, T + MINUTE)
    coming_down = schedule(make_partnership(city_a=dresden), publisher, take_down_at=T)
    staying_up = schedule(make_partnership(city_a=dresden), publisher, take_down_at=T + MINUTE)
    untouched = make_partnership(city_a=dresden, state="draft")

    with at(T):
        outcomes = scheduling.publish_due()

    assert {(o.partnership.pk, o.action) for o in outcomes} == {
        (due_draft.pk, "published"),
        (in_review.pk, "published"),
        (coming_down.pk, "unpublished"),
    }
    state = dict(Partnership.objects.values_list("pk", "state"))
    assert state[due_draft.pk] == state[in_review.pk] == "published"
    assert state[coming_down.pk] == "draft"
    assert state[not_yet.pk] == state[untouched.pk] == "draft"
    assert state[staying_up.pk] == "published"
    due_draft.refresh_from_db()
    assert due_draft.published_by == publisher
    assert due_draft.published_at == T
    assert due_draft.go_live_at is None and due_draft.scheduled_by is None
    coming_down.refresh_from_db()
    assert coming_down.take_down_at is None and coming_down.published_at is None


def test_a_second_run_does_nothing(world):
    schedule(world.ours, world.publisher, go_live_at=T - MINUTE, take_down_at=T + 60 * MINUTE)
    with at(T):
        assert len(scheduling.publish_due()) == 1
        before = Partnership.objects.values().get(pk=world.ours.pk)
        versions = Version.objects.get_for_object(world.ours).count()
        assert scheduling.publish_due() == []
    assert Partnership.objects.values().get(pk=world.ours.pk) == before
    assert Version.objects.get_for_object(world.ours).count() == versions


def test_go_live_then_take_down_an_hour_later(world):
    ours = schedule(world.ours, world.publisher, T, take_down_at=T + 60 * MINUTE)
    with at(T - MINUTE):
        assert scheduling.publish_due() == []
    with at(T):
        scheduling.publish_due()
    ours.refresh_from_db()
    assert ours.is_published
    assert ours.take_down_at == T + 60 * MINUTE and ours.scheduled_by == world.publisher
    with at(T + 59 * MINUTE):
        assert scheduling.publish_due() == []
    with at(T + 61 * MINUTE):
        [outcome] = scheduling.publish_due()
    assert outcome.action == "unpublished"
    ours.refresh_from_db()
    assert ours.state == "draft"
    assert (ours.go_live_at, ours.take_down_at, ours.scheduled_by) == (None, None, None)


def test_both_times_missed_goes_live_then_comes_down(world):
    schedule(world.ours, world.publisher, T - 10 * MINUTE, take_down_at=T - 5 * MINUTE)
    with at(T):
        actions = [o.action for o in scheduling.publish_due()]
    assert actions == ["published", "unpublished"]
    world.ours.refresh_from_db()
    assert world.ours.state == "draft"


def test_a_scheduled_draft_goes_live_on_the_public_page_at_once(client, world, settings):
    """With the page cache on: the 404 before is not served again after the publication."""
    settings.PAGE_CACHE_SECONDS = 300
    cache.clear()
    ours = schedule(world.ours, world.publisher, go_live_at=T)
    page = reverse("partnership_detail", kwargs={"slug": ours.slug})
    with at(T - MINUTE):
        assert client.get(page).status_code == 404
        call_command("publish_scheduled", stdout=StringIO())
        assert client.get(page).status_code == 404
    with at(T):
        call_command("publish_scheduled", stdout=StringIO())
        response = client.get(page)
    assert response.status_code == 200
    assertContains(response, "Dresden")
    cache.clear()


def test_the_history_says_who_scheduled_it(world, admin_client):
    schedule(world.ours, world.publisher, go_live_at=T, take_down_at=T + MINUTE)
    with at(T):
        scheduling.publish_due()
    with at(T + MINUTE):
        scheduling.publish_due()
    versions = Version.objects.get_for_object(world.ours).select_related("revision__user")
    comments = [(v.revision.comment, v.revision.user) for v in versions.order_by("pk")]
    assert comments[-2:] == [
        ("Published as scheduled by dresden-publisher.", world.publisher),
        ("Unpublished as scheduled by dresden-publisher.", world.publisher),
    ]
    history = admin_client.get(
        reverse("admin:partnerships_partnership_history", args=[world.ours.pk])
    )
    assertContains(history, "Published as scheduled by dresden-publisher.")


def test_the_command_prints_what_it_did(world):
    schedule(world.ours, world.publisher, go_live_at=T - MINUTE)
    out = StringIO()
    with at(T):
        call_command("publish_scheduled", stdout=out)
        assert out.getvalue().strip() == (
            "Dresden – Hangzhou: Published as scheduled by dresden-publisher."
        )
        again = StringIO()
        call_command("publish_scheduled", stdout=again)
    assert again.getvalue().strip() == "Nothing was due."


def test_a_publisher_who_may_no_longer_publish_is_not_obeyed(world):
    schedule(world.ours, world.publisher, go_live_at=T)
    world.publisher.groups.set([Group.objects.get(name=EDITOR)])
    out = StringIO()
    with at(T):
        call_command("publish_scheduled", stdout=out)
    assert "Not published as scheduled: dresden-publisher may no longer publish it." in (
        out.getvalue()
    )
    world.ours.refresh_from_db()
    assert world.ours.state == "draft"
    assert world.ours.go_live_at is None  # cancelled, not tried again every minute


def test_a_schedule_outside_the_publishers_cities_is_not_obeyed(world):
    schedule(world.theirs, world.publisher, go_live_at=T)  # Berlin's, not Dresden's
    with at(T):
        [outcome] = scheduling.publish_due()
    assert outcome.action == "cancelled"
    world.theirs.refresh_from_db()
    assert world.theirs.state == "draft"


def test_the_task_runs_every_minute_and_does_the_work(world):
    entry = settings.CELERY_BEAT_SCHEDULE["publish-scheduled-every-minute"]
    assert entry["task"] == publish_scheduled_task.name
    assert publish_scheduled_task.name in celery_app.tasks
    every = entry["schedule"]
    assert (every.minute, every.hour, every.day_of_month) == (
        set(range(60)),
        set(range(24)),
        set(range(1, 32)),
    )
    schedule(world.ours, world.publisher, go_live_at=T)
    with at(T):
        assert publish_scheduled_task.apply().get() == 1
    world.ours.refresh_from_db()
    assert world.ours.is_published


def test_publishing_by_hand_clears_the_go_live(world):
    ours = schedule(world.ours, world.publisher, go_live_at=T + 60 * MINUTE)
    with at(T):
        ours.publish(world.publisher)
    ours.refresh_from_db()
    assert ours.go_live_at is None
    with at(T + 61 * MINUTE):
        assert scheduling.publish_due() == []


def test_scheduled_lists_what_is_still_to_come(world, make_partnership):
    later = schedule(world.ours, world.publisher, go_live_at=T + 60 * MINUTE)
    sooner = schedule(
        make_partnership(city_a=world.dresden), world.publisher, take_down_at=T + MINUTE
    )
    make_partnership(city_a=world.dresden)  # nothing scheduled
    found = list(scheduling.scheduled(Partnership.objects.all()))
    assert found == [sooner, later]
    assert found[0].next_scheduled_at == T + MINUTE


# --- The form --------------------------------------------------------------------------------


def post_schedule(client, partnership, go_live=None, take_down=None, **fields):
    data = partnership_form_data(partnership.city_a, partnership.city_b, **fields)
    for name, when in (("go_live_at", go_live), ("take_down_at", take_down)):
        local = when.astimezone(BERLIN) if when else None
        data[f"{name}_0"] = local.strftime("%Y-%m-%d") if local else ""
        data[f"{name}_1"] = local.strftime("%H:%M") if local else ""
    return client.post(change_url(partnership), data)


def test_a_publisher_schedules_and_becomes_the_scheduler(client, world):
    client.force_login(world.publisher)
    with at(T):
        response = post_schedule(client, world.ours, T + 60 * MINUTE, T + 120 * MINUTE)
    assert response.status_code == 302
    world.ours.refresh_from_db()
    assert world.ours.go_live_at == T + 60 * MINUTE
    assert world.ours.take_down_at == T + 120 * MINUTE
    assert world.ours.scheduled_by == world.publisher


def test_take_down_before_go_live_is_refused(client, world):
    client.force_login(world.publisher)
    with at(T):
        response = post_schedule(client, world.ours, T + 60 * MINUTE, T + 30 * MINUTE)
    assert response.status_code == 200
    form = response.context["adminform"].form
    assertFormError(form, "take_down_at", "The take-down must come after the go-live.")
    world.ours.refresh_from_db()
    assert world.ours.go_live_at is None


@pytest.mark.parametrize("field", ["go_live", "take_down"])
def test_a_time_in_the_past_is_refused(client, world, field):
    client.force_login(world.publisher)
    with at(T):
        response = post_schedule(client, world.ours, **{field: T - 60 * MINUTE})
    form = response.context["adminform"].form
    assertFormError(
        form, f"{field}_at", "This time is in the past. Choose a later one, or leave it empty."
    )


def test_this_minute_is_not_the_past(client, world):
    client.force_login(world.publisher)
    with at(T + datetime.timedelta(seconds=40)):
        response = post_schedule(client, world.ours, go_live=T)
    assert response.status_code == 302


def test_a_time_that_passed_unchanged_is_no_error(client, world):
    """Saving other changes while the scheduler has not yet come round is fine."""
    schedule(world.ours, world.publisher, go_live_at=T - MINUTE)
    client.force_login(world.publisher)
    with at(T):
        response = post_schedule(client, world.ours, go_live=T - MINUTE, summary="New summary.")
    assert response.status_code == 302


def test_a_published_partnership_cannot_be_scheduled_to_go_live(client, world, make_partnership):
    published = make_partnership(city_a=world.dresden)
    client.force_login(world.publisher)
    with at(T):
        response = post_schedule(client, published, go_live=T + 60 * MINUTE)
    assertFormError(
        response.context["adminform"].form,
        "go_live_at",
        "This partnership is already published. Leave “go live at” empty.",
    )


def test_editors_see_the_schedule_but_cannot_set_it(client, world):
    schedule(world.ours, world.publisher, go_live_at=T + 60 * MINUTE)
    client.force_login(world.editor)
    with at(T):
        page = client.get(change_url(world.ours))
        assertNotContains(page, 'name="go_live_at_0"')
        assertNotContains(page, 'name="take_down_at_0"')
        assertContains(page, "dresden-publisher")  # scheduled by, read-only
        response = post_schedule(
            client, world.ours, go_live=T + MINUTE, take_down=T + 2 * MINUTE, summary="Edited."
        )
    assert response.status_code == 302  # the rest of the form is saved
    world.ours.refresh_from_db()
    assert world.ours.summary == "Edited."
    assert world.ours.go_live_at == T + 60 * MINUTE
    assert world.ours.take_down_at is None
    assert world.ours.scheduled_by == world.publisher


def test_a_revert_never_restores_a_schedule(client, world):
    """An editor reverting to a version that had a schedule gets the content only."""
    client.force_login(world.publisher)
    with at(T):
        post_schedule(client, world.ours, go_live=T + 60 * MINUTE)
        post_schedule(client, world.ours, summary="Unscheduled.")
    world.ours.refresh_from_db()
    assert world.ours.go_live_at is None
    scheduled_version = (
        Version.objects.get_for_object(world.ours)
        .filter(serialized_data__contains="go_live_at")
        .exclude(serialized_data__contains='"go_live_at": null')
        .get()
    )
    client.force_login(world.editor)
    revert = reverse(
        "admin:partnerships_partnership_revision", args=[world.ours.pk, scheduled_version.pk]
    )
    data = partnership_form_data(world.ours.city_a, world.ours.city_b)
    with at(T + MINUTE):
        assert client.post(revert, data).status_code == 302
    world.ours.refresh_from_db()
    assert world.ours.go_live_at is None


# --- The calendar ----------------------------------------------------------------------------


def test_the_calendar_shows_the_months_in_scope_items(client, world, make_partnership):
    ours = schedule(world.ours, world.publisher, go_live_at=T)
    schedule(world.theirs, None, go_live_at=T)
    coming_down = schedule(
        make_partnership(city_a=world.dresden, city_b=world.berlin),
        world.publisher,
        take_down_at=datetime.datetime(2026, 12, 24, 18, 30, tzinfo=BERLIN),
    )
    january = schedule(
        make_partnership(city_a=world.dresden),
        world.publisher,
        go_live_at=datetime.datetime(2027, 1, 20, 8, 0, tzinfo=BERLIN),
    )
    client.force_login(world.editor)
    with at(T):
        response = client.get(calendar_url("2026-12"))
    assert response.status_code == 200
    assertContains(response, "<caption>December 2026</caption>", html=True)
    day = {d["date"]: d for week in response.context["weeks"] for d in week}
    assert [(e.partnership, e.kind) for e in day[datetime.date(2026, 12, 10)]["events"]] == [
        (ours, "go_live")
    ]
    assert [(e.partnership, e.kind) for e in day[datetime.date(2026, 12, 24)]["events"]] == [
        (coming_down, "take_down")
    ]
    assertContains(response, f'href="{change_url(ours)}"')
    assertContains(response, "18:30")
    assertNotContains(response, "Beijing")  # Berlin's partnership, not the editor's
    assertNotContains(response, change_url(january))
    assertContains(response, '?month=2026-11"')
    assertContains(response, '?month=2027-01"')
    with at(T):
        january_page = client.get(calendar_url("2027-01"))
    assertContains(january_page, change_url(january))
    assertNotContains(january_page, change_url(ours))


@pytest.mark.parametrize("month", ["", "2026-13", "abc", "0000-01", "2026-1"])
def test_the_calendar_shows_this_month_for_anything_else(admin_client, month):
    with at(T):
        response = admin_client.get(calendar_url(month))
    assertContains(response, "<caption>December 2026</caption>", html=True)


def test_the_calendar_and_report_are_linked_from_the_list(admin_client):
    response = admin_client.get(reverse("admin:partnerships_partnership_changelist"))
    assertContains(response, calendar_url())
    assertContains(response, reverse("admin:partnerships_partnership_due_for_review"))


def test_the_calendar_is_for_staff_only(client, world):
    response = client.get(calendar_url())
    assert response.status_code == 302
    assert reverse("admin:login") in response["Location"]


@pytest.mark.parametrize("size", [5, 50])
def test_the_calendars_queries_do_not_grow(client, world, size, django_assert_max_num_queries):
    cities = bulk_cities(size, "Partner")
    Partnership.objects.bulk_create(
        Partnership(
            city_a=world.dresden,
            city_b=city,
            slug=f"scheduled-{i}",
            state="draft",
            go_live_at=T + datetime.timedelta(hours=i),
            take_down_at=T + datetime.timedelta(days=2, hours=i),
            scheduled_by=world.publisher,
        )
        for i, city in enumerate(cities)
    )
    client.force_login(world.editor)
    with at(T), django_assert_max_num_queries(CALENDAR_QUERIES):
        response = client.get(calendar_url("2026-12"))
    events = [e for week in response.context["weeks"] for d in week for e in d["events"]]
    assert len(events) == 2 * size
