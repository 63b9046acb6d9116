"""Two members of staff open the same change form; the second save must not undo the first.

The second save is refused with an error saying who changed what since the page was opened,
with a link to reload it; what the second person typed stays in the form.
"""

import datetime

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, time_format
from pytest_django.asserts import assertContains, assertNotContains
from reversion.models import Revision

from cities.models import City
from partnerships.models import Activity, FocusArea, Milestone, Partnership, Plan, Source
from tests.partnerships.test_history import posted
from tests.translations import in_english

pytestmark = pytest.mark.django_db


def change_url(obj):
    opts = obj._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])


@pytest.fixture
def staff(django_user_model):
    """A logged-in client for a superuser with the given full name."""

    def login(first_name, last_name):
        user = django_user_model.objects.create_superuser(
            first_name.lower(),
            password="x-Very-long-pass-42",
            first_name=first_name,
            last_name=last_name,
        )
        client = Client()
        client.force_login(user)
        return client

    return login


@pytest.fixture
def anna(staff):
    return staff("Anna", "Editor")


@pytest.fixture
def ben(staff):
    return staff("Ben", "Publisher")


def opened(client, obj):
    """What `client` would post back from the change form of `obj` as it is now."""
    return posted(client.get(change_url(obj)))


def save(client, obj, data, **fields):
    return client.post(change_url(obj), {**data, **in_english(type(obj), fields)})


def last_change_time():
    return time_format(timezone.localtime(Revision.objects.latest("date_created").date_created))


def refused(response):
    assert response.status_code == 200, "the second save went through"
    return response.context["adminform"].form.non_field_errors()


@pytest.fixture
def partnership(make_partnership, make_milestone, make_city):
    partnership = make_partnership(
        city_a=make_city(name="Dresden"),
        city_b=make_city(name="Hangzhou", country="CN"),
        summary="Two cities on two rivers.",
    )
    make_milestone(partnership, title="Letter of intent")
    return partnership


class TestPartnershipWithMilestones:
    def test_second_save_is_refused_naming_who_changed_what(self, anna, ben, partnership):
        milestone = partnership.milestones.get()
        first, second = opened(anna, partnership), opened(ben, partnership)
        first["summary_en"] = "Anna's summary."
        first["milestones-0-title_en"] = "Anna's title"
        assert save(anna, partnership, first).status_code == 302
        second["milestones-0-title_en"] = "Ben's title"

        response = save(ben, partnership, second)

        (error,) = refused(response)
        assert error.startswith(
            f"Anna Editor changed Summary (English) and Milestones since you opened this page, "
            f"at {last_change_time()}. Nothing was saved."
        )
        assertContains(response, f'<a href="{change_url(partnership)}">Reload the page</a>')
        assertContains(response, "Anna Editor changed Title (English) since you opened this page")
        assertContains(response, 'value="Ben&#x27;s title"')  # to copy from
        partnership.refresh_from_db()
        milestone.refresh_from_db()
        assert partnership.summary == "Anna's summary."
        assert milestone.title == "Anna's title"

    def test_a_row_changed_on_its_own_page_is_not_overwritten(self, anna, ben, partnership):
        milestone = partnership.milestones.get()
        second = opened(ben, partnership)
        save(anna, milestone, opened(anna, milestone), title="Treaty signed")
        second["summary_en"] = "Ben's summary."

        (error,) = refused(save(ben, partnership, second))

        assert error.startswith("Anna Editor changed Milestones since you opened this page")
        milestone.refresh_from_db()
        partnership.refresh_from_db()
        assert milestone.title == "Treaty signed"
        assert partnership.summary == "Two cities on two rivers."

    def test_a_row_deleted_meanwhile_is_a_clear_error(self, anna, ben, partnership):
        milestone = partnership.milestones.get()
        second = opened(ben, partnership)
        delete = reverse("admin:partnerships_milestone_delete", args=[milestone.pk])
        assert anna.post(delete, {"post": "yes"}).status_code == 302
        second["milestones-0-title_en"] = "Ben's title"

        response = save(ben, partnership, second)

        (error,) = refused(response)
        assert error.startswith(
            f"Anna Editor changed Milestones since you opened this page, at {last_change_time()}."
            " Deleted meanwhile, and so no longer shown below: Milestone “16 October 2009: Letter"
            " of intent”. Nothing was saved."
        )
        assert not Milestone.objects.exists()

    def test_deleting_a_row_someone_deleted_already_is_no_conflict(self, anna, ben, partnership):
        milestone = partnership.milestones.get()
        second = opened(ben, partnership)
        anna.post(
            reverse("admin:partnerships_milestone_delete", args=[milestone.pk]), {"post": "yes"}
        )
        second["milestones-0-DELETE"] = "on"
        assert save(ben, partnership, second).status_code == 302

    def test_a_change_made_outside_the_admin_is_someones(self, ben, partnership):
        second = opened(ben, partnership)
        Partnership.objects.filter(pk=partnership.pk).update(summary_en="Imported.")
        (error,) = refused(save(ben, partnership, second, summary="Ben's summary."))
        assert error.startswith("Someone changed Summary (English) since you opened this page.")
        partnership.refresh_from_db()
        assert partnership.summary == "Imported."

    def test_a_tampered_token_is_refused(self, ben, partnership):
        second = opened(ben, partnership)
        second["edit_token"] = second["edit_token"][:-2] + "xx"
        (error,) = refused(save(ben, partnership, second, summary="Ben's summary."))
        assert error.startswith("This page could not be checked against the stored record.")


class TestWithoutAConflict:
    def test_saves_one_after_another_each_from_a_fresh_page(self, anna, ben, partnership):
        assert save(anna, partnership, opened(anna, partnership), summary="One.").status_code == 302
        assert save(ben, partnership, opened(ben, partnership), summary="Two.").status_code == 302
        partnership.refresh_from_db()
        assert partnership.summary == "Two."

    def test_someone_elses_change_to_another_record_does_not_matter(
        self, anna, ben, partnership, make_partnership
    ):
        other = make_partnership()
        second = opened(ben, partnership)
        save(anna, other, opened(anna, other), summary="Elsewhere.")
        assert save(ben, partnership, second, summary="Ben's summary.").status_code == 302

    def test_a_page_saved_unchanged_after_an_unrelated_field_changed(self, anna, ben, partnership):
        """Ben changes nothing: saving writes nothing over Anna's change."""
        second = opened(ben, partnership)
        first = opened(anna, partnership)
        first["milestones-0-title_en"] = "Anna's title"
        save(anna, partnership, first)
        second["milestones-0-title_en"] = "Anna's title"  # Ben's page, as if reloaded there
        assert save(ben, partnership, second).status_code == 302

    def test_the_add_form_has_no_token_and_saves(self, ben, make_city):
        response = ben.get(reverse("admin:cities_city_add"))
        assertNotContains(response, "edit_token")
        data = posted(response) | in_english(
            City, {"name": "Lyon", "slug": "lyon", "country": "FR"}
        )
        assert ben.post(reverse("admin:cities_city_add"), data).status_code == 302
        assert City.objects.filter(slug="lyon").exists()


def test_a_city_changed_meanwhile(anna, ben, make_city):
    city = make_city(name="Dresden", population=500000)
    second = opened(ben, city)
    assert save(anna, city, opened(anna, city), population="556000").status_code == 302
    (error,) = refused(save(ben, city, second, region="Saxony"))
    assert error.startswith(
        f"Anna Editor changed Population since you opened this page, at {last_change_time()}."
    )
    city.refresh_from_db()
    assert (city.population, city.region) == (556000, "")


def test_an_activity_changed_meanwhile_on_its_own_page(anna, ben, partnership, make_activity):
    activity = make_activity(partnership, title="Choir exchange")
    second = opened(ben, activity)
    assert save(anna, activity, opened(anna, activity), title="Choir festival").status_code == 302
    (error,) = refused(save(ben, activity, second, location="Dresden"))
    assert error.startswith("Anna Editor changed Title (English) since you opened this page")
    activity.refresh_from_db()
    assert (activity.title, activity.location) == ("Choir festival", "")


def test_topics_of_an_activity_changed_meanwhile(
    anna, ben, partnership, make_activity, make_focus_area
):
    """A row's many-to-many choice (tick boxes) counts like any other field."""
    culture, sport = make_focus_area(name="Culture"), make_focus_area(name="Sport")
    activity = make_activity(partnership, title="Choir exchange", focus_areas=[culture])
    second = opened(ben, partnership)
    save(anna, activity, opened(anna, activity), focus_areas=[str(sport.pk)])
    second["activities-0-title_en"] = "Choir festival"

    response = save(ben, partnership, second)

    (error,) = refused(response)
    assert error.startswith("Anna Editor changed Activities since you opened this page")
    assertContains(response, "Anna Editor changed Focus areas since you opened this page")
    activity.refresh_from_db()
    assert (activity.title, list(activity.focus_areas.all())) == ("Choir exchange", [sport])


def test_everyone_who_changed_it_is_named(anna, ben, staff, partnership):
    chen = staff("Chen", "Wei")
    third = opened(chen, partnership)
    save(anna, partnership, opened(anna, partnership), summary="Anna's summary.")
    save(ben, partnership, opened(ben, partnership), funding="Ben's funding.")
    (error,) = refused(save(chen, partnership, third, summary="Chen's summary."))
    assert error.startswith(
        "Anna Editor and Ben Publisher changed Summary (English) and Funding (English) since you "
        f"opened this page, at {last_change_time()}."
    )


def test_the_time_is_a_date_when_not_today(anna, ben, partnership):
    second = opened(ben, partnership)
    save(anna, partnership, opened(anna, partnership), summary="Anna's summary.")
    tomorrow = timezone.now() + datetime.timedelta(days=1)
    Revision.objects.update(date_created=tomorrow)
    (error,) = refused(save(ben, partnership, second, summary="Ben's summary."))
    when = date_format(timezone.localtime(tomorrow), "DATETIME_FORMAT")
    assert f"since you opened this page, at {when}." in error


@pytest.mark.parametrize(
    ("model", "inlines"),
    [
        (Partnership, ["milestones", "activities", "plans", "sources", "figures"]),
        (Activity, []),
        (Milestone, []),
        (Plan, []),
        (Source, []),
        (FocusArea, []),
        (City, ["figures"]),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_every_change_form_and_inline_row_carries_the_token(
    admin_client, model, inlines, make_partnership_figure, make_city_figure, full_world
):
    obj = full_world[model]
    response = admin_client.get(change_url(obj))
    assertContains(response, 'name="edit_token"')
    for prefix in inlines:
        assertContains(response, f'name="{prefix}-0-edit_token"')


@pytest.fixture
def full_world(
    partnership,
    make_focus_area,
    make_activity,
    make_plan,
    make_source,
    make_partnership_figure,
    make_city_figure,
):
    topic = make_focus_area()
    make_partnership_figure(partnership)
    make_city_figure(partnership.city_a)
    return {
        Partnership: partnership,
        Activity: make_activity(partnership),
        Milestone: partnership.milestones.get(),
        Plan: make_plan(partnership),
        Source: make_source(partnership),
        FocusArea: topic,
        City: partnership.city_a,
    }
