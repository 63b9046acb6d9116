"""A partnership's vitality from its dated records (partnerships/vitality.py), at the rules'
boundaries, in words, and at a fixed number of queries."""

import datetime

import pytest
import time_machine
from django.core.management import call_command
from django.utils import translation

from partnerships import vitality
from partnerships.models import Partnership, Plan

Vitality = Partnership.Vitality
TODAY = datetime.date(2026, 12, 6)


def state_of(partnership, today=TODAY):
    vitality.refresh(Partnership.objects.filter(pk=partnership.pk), today=today)
    partnership.refresh_from_db()
    return partnership.vitality


@pytest.fixture
def partnership(make_partnership):
    return make_partnership()


@pytest.mark.django_db
class TestStates:
    def test_no_dated_record_is_unknown_not_dormant(self, partnership, make_activity):
        make_activity(partnership, start_date=None)  # ongoing, undated
        assert state_of(partnership) == Vitality.UNKNOWN
        with translation.override("en"):
            assert vitality.reason(partnership, TODAY) == (
                "no dated activities or milestones recorded"
            )

    def test_a_record_within_twelve_months_is_active(self, partnership, make_activity):
        make_activity(partnership, start_date=datetime.date(2025, 12, 6))  # 12 months to the day
        assert state_of(partnership) == Vitality.ACTIVE

    def test_a_day_past_twelve_months_is_quiet(self, partnership, make_activity):
        make_activity(partnership, start_date=datetime.date(2025, 12, 5))
        assert state_of(partnership) == Vitality.QUIET

    def test_thirty_six_months_is_quiet_a_day_more_is_dormant(self, partnership, make_milestone):
        milestone = make_milestone(partnership, date=datetime.date(2023, 12, 6))
        assert state_of(partnership) == Vitality.QUIET
        milestone.date = datetime.date(2023, 12, 5)
        milestone.save()
        assert state_of(partnership) == Vitality.DORMANT

    def test_records_in_the_future_do_not_count(self, partnership, make_activity):
        make_activity(partnership, start_date=datetime.date(2027, 5, 1))
        assert state_of(partnership) == Vitality.UNKNOWN

    def test_a_programme_running_until_now_counts_as_recent(self, partnership, make_activity):
        make_activity(
            partnership,
            start_date=datetime.date(2019, 3, 1),
            end_date=datetime.date(2027, 3, 1),
        )
        assert state_of(partnership) == Vitality.ACTIVE
        partnership.refresh_from_db()
        assert partnership.last_record_on == TODAY

    def test_a_drop_against_its_own_past_is_quiet(self, partnership, make_activity):
        # Three a year in the three years before; one in the last twelve months.
        for year in (2023, 2024, 2025):
            for month in (2, 5, 9):
                make_activity(partnership, start_date=datetime.date(year, month, 1))
        make_activity(partnership, start_date=datetime.date(2026, 3, 1))
        assert state_of(partnership) == Vitality.QUIET
        with translation.override("en"):
            assert vitality.reason(partnership, TODAY) == (
                "last dated record 9 months ago; 1 in the last 12 months against 3 a year before"
            )

    def test_half_of_its_usual_pace_is_still_active(self, partnership, make_activity):
        for year in (2023, 2024):
            for month in (2, 5, 9):
                make_activity(partnership, start_date=datetime.date(year, month, 1))
        # Six in the three years before: two a year; one now is half of that, not fewer.
        make_activity(partnership, start_date=datetime.date(2026, 3, 1))
        assert state_of(partnership) == Vitality.ACTIVE

    def test_a_drop_needs_a_usual_pace_to_drop_from(self, partnership, make_activity):
        # A programme running until now, nothing else in the last 12 months.
        make_activity(
            partnership, start_date=datetime.date(2015, 1, 1), end_date=datetime.date(2027, 1, 1)
        )
        for month in (2, 5, 9, 11):  # four in the three years before: under two a year
            make_activity(partnership, start_date=datetime.date(2024, month, 1))
        assert state_of(partnership) == Vitality.ACTIVE
        make_activity(partnership, start_date=datetime.date(2025, 3, 1))
        make_activity(partnership, start_date=datetime.date(2025, 4, 1))  # six: two a year
        assert state_of(partnership) == Vitality.QUIET

    def test_overdue_plans_are_counted_and_named(self, partnership, make_activity, make_plan):
        make_activity(partnership, start_date=datetime.date(2026, 10, 1))
        make_plan(partnership, target_year=2025, status=Plan.Status.IN_PROGRESS)
        make_plan(partnership, target_year=2024, status=Plan.Status.PLANNED)
        make_plan(partnership, target_year=2024, status=Plan.Status.DONE)
        make_plan(partnership, target_year=2026, status=Plan.Status.PLANNED)  # not yet overdue
        assert state_of(partnership) == Vitality.ACTIVE
        assert partnership.overdue_plans == 2
        with translation.override("en"):
            assert vitality.reason(partnership, TODAY).endswith("; 2 plans overdue")
            assert vitality.next_steps(partnership) == [
                "Update the 2 overdue plans: done, dropped, or a new target year."
            ]

    def test_thresholds_are_settings(self, partnership, make_activity, settings):
        make_activity(partnership, start_date=datetime.date(2026, 4, 1))
        assert state_of(partnership) == Vitality.ACTIVE
        settings.VITALITY_QUIET_AFTER_MONTHS = 6
        assert state_of(partnership) == Vitality.QUIET


@pytest.mark.django_db
class TestKeptUpToDate:
    @time_machine.travel(datetime.datetime(2026, 12, 6, 12, tzinfo=datetime.UTC), tick=False)
    def test_saving_or_deleting_a_record_refreshes_its_partnership(
        self, partnership, make_activity, make_milestone
    ):
        assert partnership.vitality == Vitality.UNKNOWN
        milestone = make_milestone(partnership, date=datetime.date(2010, 5, 1))
        partnership.refresh_from_db()
        assert partnership.vitality == Vitality.DORMANT
        activity = make_activity(partnership, start_date=datetime.date(2026, 11, 1))
        partnership.refresh_from_db()
        assert partnership.vitality == Vitality.ACTIVE
        activity.delete()
        milestone.delete()
        partnership.refresh_from_db()
        assert partnership.vitality == Vitality.UNKNOWN

    def test_the_nightly_run_moves_with_the_day(self, partnership, make_activity):
        with time_machine.travel(datetime.datetime(2026, 1, 10, tzinfo=datetime.UTC), tick=False):
            make_activity(partnership, start_date=datetime.date(2025, 6, 1))
            partnership.refresh_from_db()
            assert partnership.vitality == Vitality.ACTIVE
        with time_machine.travel(datetime.datetime(2026, 6, 2, tzinfo=datetime.UTC), tick=False):
            call_command("refresh_vitality", verbosity=0)
            partnership.refresh_from_db()
            assert partnership.vitality == Vitality.QUIET
            assert partnership.vitality_as_of == datetime.date(2026, 6, 2)

    def test_the_state_is_not_versioned_nor_in_pending_content(self):
        # Derived data: a revision or pending change restored later must not bring back an
        # old state (history and partnerships/pending.py serialise what is serialisable).
        fields = ["vitality", "last_record_on", "records_last_year", "overdue_plans"]
        for name in fields:
            field = Partnership._meta.get_field(name)
            assert not field.serialize and not field.editable


def test_months_between():
    assert vitality.months_between(datetime.date(2025, 10, 1), TODAY) == 14
    assert vitality.months_between(datetime.date(2025, 12, 7), TODAY) == 11
    assert vitality.months_between(datetime.date(2025, 12, 6), TODAY) == 12


@pytest.mark.django_db
def test_reasons_in_german_and_chinese(partnership, make_activity):
    make_activity(partnership, start_date=datetime.date(2025, 10, 1))
    state_of(partnership)
    with translation.override("de"):
        assert "vor 14 Monaten" in vitality.reason(partnership, TODAY)
    with translation.override("zh-hans"):
        assert "14" in vitality.reason(partnership, TODAY)
        assert "months" not in vitality.reason(partnership, TODAY)


@pytest.mark.django_db
@pytest.mark.parametrize("size", [3, 60])
def test_refreshing_all_takes_two_queries_whatever_the_number(
    size, make_partnership, make_activity, django_assert_num_queries
):
    for n in range(size):
        partnership = make_partnership()
        when = [datetime.date(2026, 6, 1), datetime.date(2025, 3, 1), datetime.date(2021, 1, 1)]
        make_activity(partnership, start_date=when[n % 3])
    # The figures, then the states that changed: two UPDATEs (in a savepoint, as the test
    # runs in a transaction).
    with django_assert_num_queries(4):
        vitality.refresh(today=TODAY)
    counts = {
        state: Partnership.objects.filter(vitality=state).count() for state in Vitality.values
    }
    assert sum(counts.values()) == size
    assert counts[Vitality.ACTIVE] and counts[Vitality.QUIET] and counts[Vitality.DORMANT]


@pytest.mark.django_db
class TestOnThePages:
    @pytest.fixture
    def two(self, make_partnership, make_activity, make_city):
        alive = make_partnership(city_a=make_city(name="Alive"), city_b=make_city(name="Twin"))
        make_activity(alive, start_date=datetime.date.today().replace(day=1))
        silent = make_partnership(
            city_a=make_city(name="Silent", country="FR"), city_b=make_city(name="Partner")
        )
        silent.milestones.create(date=datetime.date(2001, 5, 1), kind="agreement", title="Signed")
        return alive, silent

    def test_the_partnership_page_says_how_alive_and_why(self, client, two):
        alive, silent = two
        page = client.get(silent.get_absolute_url()).content.decode()
        assert 'class="vitality vitality-dormant"' in page
        assert "Vitality: Dormant" in page
        assert "last dated record" in page and "years ago" in page

    def test_an_ended_partnership_shows_no_vitality(self, client, two):
        _, silent = two
        Partnership.objects.filter(pk=silent.pk).update(status=Partnership.Status.ENDED)
        assert "Vitality:" not in client.get(silent.get_absolute_url()).content.decode()

    def test_the_list_filters_by_vitality(self, client, two):
        alive, silent = two
        listed = client.get("/en/partnerships/", {"vitality": "dormant"}).context["partnerships"]
        assert list(listed) == [silent]
        response = client.get("/en/partnerships/", {"vitality": "lively"})
        assert response.status_code == 200
        assert "Select a valid choice" in response.content.decode()

    def test_home_counts_by_vitality_and_maps_the_active_only(self, client, two):
        response = client.get("/en/")
        counts = {row["slug"]: row["value"] for row in response.context["by_vitality"]}
        assert counts == {"active": 1, "quiet": 0, "dormant": 1, "unknown": 0}
        assert response.context["partnership_count"] == 2
        assert 'href="/en/partnerships/?vitality=dormant"' in response.content.decode()
        everything = response.context["world_map"]
        active = client.get("/en/", {"map": "active"}).context["world_map"]
        assert {c.code for c in everything.countries} == {"DE", "FR"}
        assert {c.code for c in active.countries} == {"DE"}

    def test_statistics_count_by_vitality(self, client, two):
        rows = client.get("/en/statistics/").context["charts"]["vitality"]["rows"]
        assert [(row["slug"], row["value"], row["share"]) for row in rows] == [
            ("active", 1, 50.0),
            ("quiet", 0, 0),
            ("dormant", 1, 50.0),
            ("unknown", 0, 0),
        ]


@pytest.mark.django_db
def test_long_silences_are_said_in_years(partnership, make_milestone):
    make_milestone(partnership, date=datetime.date(2009, 10, 16))
    state_of(partnership)
    with translation.override("en"):
        assert vitality.reason(partnership, TODAY) == "last dated record 17 years ago"
