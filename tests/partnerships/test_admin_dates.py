"""Dates typed in the admin as people write them: one field gives the date and its precision."""

import datetime

import pytest
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from partnerships.models import Activity, Milestone, Partnership
from tests.partnerships.test_admin import admin_url, inline_formset, partnership_form_data
from tests.partnerships.test_history import posted
from tests.translations import in_english

pytestmark = pytest.mark.django_db
D = datetime.date

ACCEPTED = (
    "Write the date as a year, a month or a day, for example 2016, 2011-05, May 2011, "
    "29.05.1986 or 1986-05-29."
)


def add_milestone(client, partnership, date):
    return client.post(
        admin_url(Milestone, "add"),
        in_english(
            Milestone,
            {
                "partnership": partnership.pk,
                "date": date,
                "kind": Milestone.Kind.MEMORANDUM,
                "title": "Memorandum",
            },
        ),
    )


@pytest.mark.parametrize(
    ("typed", "shown", "not_shown"),
    [
        ("May 2011", "May 2011", "1 May 2011"),
        ("Mai 2011", "May 2011", "1 May 2011"),
        ("2011年5月", "May 2011", "1 May 2011"),
        ("2016", "2016", "1 January 2016"),
        ("29.05.1986", "29 May 1986", None),
    ],
)
def test_a_milestone_shows_as_precisely_as_it_was_typed(
    admin_client, client, make_partnership, typed, shown, not_shown
):
    partnership = make_partnership()
    response = add_milestone(admin_client, partnership, typed)
    assertRedirects(response, admin_url(Milestone, "changelist"))

    page = client.get(partnership.get_absolute_url())
    assertContains(page, f"{shown}")
    if not_shown:
        assertNotContains(page, not_shown)


def test_a_date_not_understood_says_which_forms_are(admin_client, make_partnership):
    response = add_milestone(admin_client, make_partnership(), "yesterday")
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["date"] == [ACCEPTED]
    assertContains(response, ACCEPTED)
    assert not Milestone.objects.exists()


def test_the_form_shows_the_date_back_in_its_written_form(admin_client, make_partnership):
    partnership = make_partnership(established=D(1994, 4, 1), established_precision="month")
    milestone = Milestone.objects.create(
        partnership=partnership, date=D(2016, 1, 1), date_precision="year", kind="other", title="X"
    )
    page = admin_client.get(admin_url(Milestone, "change", milestone.pk))
    form = page.context["adminform"].form
    assert "date_precision" not in form.fields
    assertContains(page, 'name="date" value="2016"')

    page = admin_client.get(admin_url(Partnership, "change", partnership.pk))
    assertContains(page, 'name="established" value="1994-04"')
    assert "established_precision" not in page.context["adminform"].form.fields
    assertContains(page, 'name="milestones-0-date" value="2016"')


def test_an_activity_saved_unchanged_keeps_its_dates(admin_client, make_partnership):
    partnership = make_partnership()
    activity = Activity.objects.create(
        partnership=partnership,
        title="Exhibition",
        kind=Activity.Kind.EXHIBITION,
        start_date=D(2002, 1, 1),
        start_precision="year",
        end_date=D(2010, 5, 31),
        end_precision="month",
    )
    url = admin_url(Activity, "change", activity.pk)
    page = admin_client.get(url)
    assertContains(page, 'name="start_date" value="2002"')
    assertContains(page, 'name="end_date" value="2010-05"')
    data = posted(page)
    assert page.context["adminform"].form.__class__(data, instance=activity).changed_data == []

    response = admin_client.post(url, data)
    assertRedirects(response, admin_url(Activity, "changelist"))
    activity.refresh_from_db()
    assert (activity.start_date, activity.start_precision) == (D(2002, 1, 1), "year")
    assert (activity.end_date, activity.end_precision) == (D(2010, 5, 31), "month")
    assert activity.when_display == "2002 – May 2010"


def test_an_activity_changed_to_another_precision(admin_client, make_partnership):
    activity = Activity.objects.create(
        partnership=make_partnership(), title="Choir", kind=Activity.Kind.EXCHANGE
    )
    url = admin_url(Activity, "change", activity.pk)
    data = posted(admin_client.get(url)) | {"start_date": "15 May 2010", "end_date": "Juni 2010"}
    assertRedirects(admin_client.post(url, data), admin_url(Activity, "changelist"))
    activity.refresh_from_db()
    assert activity.when_display == "15 May 2010 – June 2010"
    assert activity.end_date == D(2010, 6, 30)


def test_the_partnership_form_takes_every_date_as_written(admin_client, make_city):
    data = partnership_form_data(
        make_city(name="Dresden"),
        make_city(name="Hangzhou", country="CN"),
        established="2009年10月",
        inlines={
            "milestones": [
                {"date": "Nov. 2007", "kind": Milestone.Kind.MEMORANDUM, "title": "Memorandum"}
            ],
            "activities": [
                {
                    "title": "Choir exchange",
                    "kind": Activity.Kind.EXCHANGE,
                    "start_date": "2002",
                    "end_date": "20.01.2011",
                }
            ],
        },
    )
    response = admin_client.post(admin_url(Partnership, "add"), data)
    assertRedirects(response, admin_url(Partnership, "changelist"))
    partnership = Partnership.objects.get()
    assert (partnership.established, partnership.established_precision) == (
        D(2009, 10, 1),
        "month",
    )
    assert partnership.milestones.get().date_display == "November 2007"
    assert partnership.activities.get().when_display == "2002 – 20 January 2011"


def test_the_partnership_form_refuses_a_date_it_cannot_read(admin_client, make_city):
    data = partnership_form_data(
        make_city(),
        make_city(country="CN"),
        established="31.02.2011",
        inlines={"activities": [{"title": "A", "kind": "exchange", "start_date": "2011-13"}]},
    )
    response = admin_client.post(admin_url(Partnership, "add"), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["established"] == [ACCEPTED]
    assert inline_formset(response, "activities").errors[0]["start_date"] == [ACCEPTED]
    assert not Partnership.objects.exists()


def test_a_founded_date_is_shown_read_only_at_its_precision(admin_client, make_partnership):
    partnership = make_partnership()
    agreement = Milestone.objects.create(
        partnership=partnership,
        date=D(1994, 4, 1),
        date_precision="month",
        kind=Milestone.Kind.AGREEMENT,
        title="Agreement",
    )
    partnership.founding_milestone = agreement
    partnership.save()
    page = admin_client.get(admin_url(Partnership, "change", partnership.pk))
    assert "established" not in page.context["adminform"].form.fields
    assertContains(page, '<div class="readonly">April 1994</div>', html=True)
    assertNotContains(page, "1 April 1994")


def test_a_precision_changed_by_someone_else_meanwhile_is_an_edit_conflict(
    admin_client, make_partnership
):
    activity = Activity.objects.create(
        partnership=make_partnership(),
        title="Exhibition",
        kind=Activity.Kind.EXHIBITION,
        start_date=D(2010, 5, 1),
        start_precision="day",
    )
    url = admin_url(Activity, "change", activity.pk)
    data = posted(admin_client.get(url)) | {"title_en": "Porcelain exhibition"}
    # Meanwhile: the same stored day, now meaning all of May 2010.
    Activity.objects.filter(pk=activity.pk).update(start_precision="month")

    response = admin_client.post(url, data)
    assert response.status_code == 200
    assertContains(response, "changed Start date since you opened this page")
    activity.refresh_from_db()
    assert (activity.title, activity.start_precision) == ("Exhibition", "month")


@pytest.mark.parametrize("language", ["de", "zh-hans"])
def test_the_admin_in_german_and_chinese_reads_every_form(admin_client, make_partnership, language):
    partnership = make_partnership()
    page = admin_client.get(admin_url(Milestone, "add"), HTTP_ACCEPT_LANGUAGE=language)
    assertContains(page, f'<html lang="{language}"')
    assertContains(page, 'name="date"')
    assertNotContains(page, 'name="date_precision"')
    for typed, expected in [("Mai 2011", "month"), ("2011年5月", "month"), ("May 29, 1986", "day")]:
        response = admin_client.post(
            admin_url(Milestone, "add"),
            in_english(
                Milestone,
                {"partnership": partnership.pk, "date": typed, "kind": "other", "title": typed},
            ),
            HTTP_ACCEPT_LANGUAGE=language,
        )
        assert response.status_code == 302
        assert Milestone.objects.get(title_en=typed).date_precision == expected
