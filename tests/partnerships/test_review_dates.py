"""Review dates (issue 19, item 5): each published partnership is due for review
REVIEW_INTERVAL_MONTHS after its publication or last review; a report lists the overdue ones
per city; "Reviewed, still correct" moves the date on and is recorded in the history."""

import datetime
from importlib import import_module
from io import StringIO
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import connection
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects
from reversion.models import Version

from core.dates import months_after
from partnerships import scheduling
from partnerships.models import Partnership
from tests.partnerships.test_admin import bulk_cities
from tests.partnerships.test_import import GENERIC
from tests.partnerships.test_permissions import staff
from twinning.roles import EDITOR, PUBLISHER, setup_roles

pytestmark = pytest.mark.django_db

BERLIN = ZoneInfo("Europe/Berlin")
TODAY = datetime.date(2026, 12, 10)
NOON = datetime.datetime(2026, 12, 10, 12, 0, tzinfo=BERLIN)
REPORT_QUERIES = 6  # session, user, its permissions (user, groups), its cities, the partnerships


def at(moment):
    return time_machine.travel(moment, tick=False)


@pytest.fixture
def world(make_city, make_partnership):
    setup_roles()
    dresden = make_city(name="Dresden", slug="dresden")
    berlin = make_city(name="Berlin", slug="berlin")
    overdue = datetime.date(2026, 11, 30)
    return SimpleNamespace(
        dresden=dresden,
        berlin=berlin,
        ours=make_partnership(
            city_a=dresden, city_b=make_city(name="Hangzhou", country="CN"), review_by=overdue
        ),
        theirs=make_partnership(
            city_a=berlin, city_b=make_city(name="Beijing", country="CN"), review_by=overdue
        ),
        ours_not_yet=make_partnership(
            city_a=dresden, city_b=make_city(name="Ostrava", country="CZ"), review_by=TODAY
        ),
        ours_draft=make_partnership(
            city_a=dresden,
            city_b=make_city(name="Wrocław", country="PL"),
            state="draft",
            review_by=overdue,
        ),
        editor=staff(EDITOR, dresden, "dresden-editor"),
        publisher=staff(PUBLISHER, dresden, "dresden-publisher"),
    )


def report_url():
    return reverse("admin:partnerships_partnership_due_for_review")


def reviewed_url(partnership):
    return reverse("admin:partnerships_partnership_reviewed", args=[partnership.pk])


def change_url(partnership):
    return reverse("admin:partnerships_partnership_change", args=[partnership.pk])


# --- The date ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (datetime.date(2026, 12, 10), 12, datetime.date(2027, 12, 10)),
        (datetime.date(2026, 1, 31), 1, datetime.date(2026, 2, 28)),
        (datetime.date(2028, 2, 29), 12, datetime.date(2029, 2, 28)),
        (datetime.date(2026, 11, 15), 3, datetime.date(2027, 2, 15)),
    ],
)
def test_months_after(start, months, expected):
    assert months_after(start, months) == expected


def test_publishing_sets_the_review_date(world, make_partnership, settings):
    draft = make_partnership(city_a=world.dresden, state="draft")
    with at(NOON):
        draft.publish(world.publisher)
    assert draft.review_by == datetime.date(2027, 12, 10)
    settings.REVIEW_INTERVAL_MONTHS = 6
    another = make_partnership(city_a=world.dresden, state="in_review")
    with at(NOON):
        another.publish(world.publisher)
    another.refresh_from_db()
    assert another.review_by == datetime.date(2027, 6, 10)


def test_a_later_review_date_chosen_by_staff_is_kept_on_publication(world, make_partnership):
    draft = make_partnership(
        city_a=world.dresden, state="draft", review_by=datetime.date(2028, 6, 1)
    )
    with at(NOON):
        draft.publish(world.publisher)
    assert draft.review_by == datetime.date(2028, 6, 1)


def test_due_a_year_after_publication_not_a_day_before(world, make_partnership):
    partnership = make_partnership(city_a=world.dresden, state="draft")
    with at(NOON):
        partnership.publish(world.publisher)
    everything = Partnership.objects.filter(pk=partnership.pk)
    assert not scheduling.due_for_review(everything, datetime.date(2027, 12, 10)).exists()
    assert scheduling.due_for_review(everything, datetime.date(2027, 12, 11)).get() == partnership


def test_the_migration_backfills_published_partnerships(world, make_partnership):
    migration = import_module("partnerships.migrations.0012_schedule_and_review_dates")
    published_long_ago = make_partnership(
        city_a=world.dresden, published_at=datetime.datetime(2020, 3, 31, 22, 30, tzinfo=BERLIN)
    )
    never_stamped = make_partnership(city_a=world.dresden)
    draft = make_partnership(city_a=world.dresden, state="draft")
    with at(NOON):
        migration.backfill_review_dates(apps, SimpleNamespace(connection=connection))
    values = dict(Partnership.objects.values_list("pk", "review_by"))
    assert values[published_long_ago.pk] == datetime.date(2021, 3, 31)
    assert values[never_stamped.pk] == datetime.date(2027, 12, 10)
    assert values[draft.pk] is None
    assert values[world.ours.pk] == datetime.date(2026, 11, 30)  # already set: kept


def test_the_demo_and_imports_get_review_dates(db):
    with at(NOON):
        call_command("load_demo", verbosity=0)
        call_command("import_twinnings", str(GENERIC), stdout=StringIO())
    published = Partnership.objects.filter(state="published")
    assert published.count() > 2  # both case studies and the imported pairs
    assert not published.filter(review_by__isnull=True).exists()
    assert published.filter(review_by=datetime.date(2027, 12, 10)).exists()


# --- The report --------------------------------------------------------------------------------


def test_the_report_lists_the_overdue_of_the_users_cities(client, world):
    client.force_login(world.editor)
    with at(NOON):
        response = client.get(report_url())
    assert response.status_code == 200
    [(city, partnerships)] = response.context["groups"]
    assert city == world.dresden
    assert partnerships == [world.ours]
    assert partnerships[0].days_overdue == 10
    assertContains(response, "10 days")
    assertContains(response, change_url(world.ours))
    assertNotContains(response, "Beijing")  # Berlin's
    assertNotContains(response, "Ostrava")  # due today, not overdue
    assertNotContains(response, "Wrocław")  # a draft


def test_a_superuser_sees_every_office_in_its_own_group(admin_client, world, make_city):
    staff(EDITOR, world.berlin, "berlin-editor")
    with at(NOON):
        response = admin_client.get(report_url())
    groups = [(city.name, [p.pk for p in ps]) for city, ps in response.context["groups"]]
    assert groups == [("Berlin", [world.theirs.pk]), ("Dresden", [world.ours.pk])]


def test_the_report_is_linked_from_the_list_and_says_when_all_is_well(client, world):
    client.force_login(world.editor)
    assertContains(client.get(reverse("admin:partnerships_partnership_changelist")), report_url())
    with at(datetime.datetime(2026, 11, 1, tzinfo=BERLIN)):
        response = client.get(report_url())
    assertContains(response, "No published partnership of your cities has passed its review date.")


@pytest.mark.parametrize("size", [5, 50])
def test_the_reports_queries_do_not_grow(client, world, size, django_assert_max_num_queries):
    cities = bulk_cities(size, "Partner")
    Partnership.objects.bulk_create(
        Partnership(
            city_a=world.dresden,
            city_b=city,
            slug=f"overdue-{i}",
            state="published",
            review_by=TODAY - datetime.timedelta(days=i + 1),
            last_reviewed_by=world.publisher,
            last_reviewed_at=NOON - datetime.timedelta(days=400),
        )
        for i, city in enumerate(cities)
    )
    client.force_login(world.editor)
    with at(NOON), django_assert_max_num_queries(REPORT_QUERIES):
        response = client.get(report_url())
    [(_, partnerships)] = response.context["groups"]
    assert len(partnerships) == size + 1


# --- Reviewed, still correct ------------------------------------------------------------------


@pytest.mark.parametrize("who", ["editor", "publisher"])
def test_reviewed_still_correct_moves_the_date_and_is_in_the_history(client, world, who):
    user = getattr(world, who)
    client.force_login(user)
    with at(NOON):
        page = client.get(change_url(world.ours))
        assertContains(page, f'action="{reviewed_url(world.ours)}"')
        response = client.post(reviewed_url(world.ours))
    assertRedirects(response, change_url(world.ours), fetch_redirect_response=False)
    world.ours.refresh_from_db()
    assert world.ours.review_by == datetime.date(2027, 12, 10)
    assert world.ours.last_reviewed_at == NOON
    assert world.ours.last_reviewed_by == user
    latest = Version.objects.get_for_object(world.ours).select_related("revision__user").first()
    assert (latest.revision.comment, latest.revision.user) == ("Reviewed, still correct.", user)
    history = client.get(reverse("admin:partnerships_partnership_history", args=[world.ours.pk]))
    assertContains(history, "Reviewed, still correct.")
    with at(NOON):
        report = client.get(report_url())
    assert report.context["groups"] == []


def test_from_the_report_back_to_the_report(client, world):
    client.force_login(world.editor)
    with at(NOON):
        report = client.get(report_url())
        assertContains(report, f'action="{reviewed_url(world.ours)}"')
        response = client.post(reviewed_url(world.ours), {"next": report_url()})
    assertRedirects(response, report_url(), fetch_redirect_response=False)
    offsite = client.post(reviewed_url(world.ours), {"next": "https://evil.example/"})
    assert offsite["Location"] == change_url(world.ours)


def test_the_list_action_marks_the_ticked_ones(client, world):
    client.force_login(world.editor)
    with at(NOON):
        response = client.post(
            reverse("admin:partnerships_partnership_changelist"),
            {
                "action": "mark_reviewed",
                "_selected_action": [world.ours.pk, world.ours_draft.pk],
            },
            follow=True,
        )
    assertContains(response, "1 partnership marked as reviewed, still correct")
    assertContains(response, "is not published: it has no review date")
    world.ours.refresh_from_db()
    assert world.ours.last_reviewed_by == world.editor
    assert world.ours.review_by == datetime.date(2027, 12, 10)


def test_another_citys_partnership_is_not_found(client, world):
    client.force_login(world.editor)
    assert client.post(reviewed_url(world.theirs)).status_code == 404
    world.theirs.refresh_from_db()
    assert world.theirs.last_reviewed_at is None


def test_staff_who_may_only_look_are_refused(client, world):
    from django.contrib.auth.models import Permission

    viewer = get_user_model().objects.create_user("viewer", is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_partnership"))
    viewer.assigned_cities.add(world.dresden)
    client.force_login(viewer)
    assert client.get(report_url()).status_code == 200
    assertNotContains(client.get(change_url(world.ours)), reviewed_url(world.ours))
    assert client.post(reviewed_url(world.ours)).status_code == 403
    world.ours.refresh_from_db()
    assert world.ours.last_reviewed_at is None


def test_reviewed_answers_only_post(client, world):
    client.force_login(world.editor)
    assert client.get(reviewed_url(world.ours)).status_code == 405
