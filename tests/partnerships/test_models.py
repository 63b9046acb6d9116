"""Partnership rules, partial dates, querysets and anniversaries."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from core.dates import period_end
from partnerships.anniversaries import (
    Jubilee,
    Jubilees,
    jubilee_queryset,
    next_jubilee,
    upcoming_jubilees,
)
from partnerships.models import (
    Activity,
    FocusArea,
    Milestone,
    Partnership,
    PartnershipFigure,
    Plan,
    Source,
    partnership_keys_and_dates,
    public_cities,
)

pytestmark = pytest.mark.django_db

D = datetime.date
TODAY = D(2024, 6, 15)


def errors_of(instance):
    with pytest.raises(ValidationError) as excinfo:
        instance.full_clean()
    return excinfo.value.message_dict


def refused_by_database(match, create, **kwargs):
    with pytest.raises(IntegrityError, match=match), transaction.atomic():
        create(**kwargs)


@pytest.fixture
def dresden(make_city):
    return make_city(name="Dresden", slug="dresden")


@pytest.fixture
def hangzhou(make_city):
    return make_city(name="Hangzhou", slug="hangzhou", country="CN")


@pytest.fixture
def partnership(make_partnership, dresden, hangzhou):
    return make_partnership(city_a=dresden, city_b=hangzhou)


# --- Pair rules -------------------------------------------------------------------------------


class TestPairRules:
    def test_same_city_on_both_sides(self, dresden):
        errors = errors_of(Partnership(city_a=dresden, city_b=dresden))
        assert errors == {
            "city_b": ["A city cannot be its own partner: choose two different cities."]
        }
        refused_by_database(
            "partnership_cities_differ",
            Partnership.objects.create,
            city_a=dresden,
            city_b=dresden,
            slug="dresden-dresden",
        )

    @pytest.mark.parametrize("swap", [False, True], ids=["same-order", "reversed"])
    def test_duplicate_pair(self, partnership, dresden, hangzhou, swap):
        a, b = (hangzhou, dresden) if swap else (dresden, hangzhou)
        errors = errors_of(Partnership(city_a=a, city_b=b))
        assert errors == {
            "city_b": [f"{a} and {b} already have a partnership: “Dresden – Hangzhou”."]
        }
        refused_by_database(
            "partnership_unique_pair",
            Partnership.objects.create,
            city_a=a,
            city_b=b,
            slug="another-slug",
        )

    def test_an_existing_partnership_is_not_its_own_duplicate(self, partnership):
        partnership.full_clean()

    def test_slug_made_from_the_city_names(self, dresden, hangzhou):
        partnership = Partnership(city_a=dresden, city_b=hangzhou)
        partnership.full_clean()
        assert partnership.slug == "dresden-hangzhou"

    def test_slug_made_on_save_without_clean(self, dresden, hangzhou):
        partnership = Partnership.objects.create(city_a=dresden, city_b=hangzhou)
        assert partnership.slug == "dresden-hangzhou"

    def test_given_slug_is_kept(self, dresden, hangzhou):
        partnership = Partnership(city_a=dresden, city_b=hangzhou, slug="elbe-westlake")
        partnership.full_clean()
        assert partnership.slug == "elbe-westlake"

    def test_city_in_use_cannot_be_deleted(self, partnership, dresden):
        from django.db.models import ProtectedError

        with pytest.raises(ProtectedError):
            dresden.delete()


# --- Activities -------------------------------------------------------------------------------


class TestActivityRules:
    def test_end_before_start(self, partnership):
        activity = Activity(
            partnership=partnership,
            title="Exhibition",
            kind=Activity.Kind.EXHIBITION,
            start_date=D(2010, 5, 1),
            end_date=D(2010, 4, 30),
        )
        assert errors_of(activity) == {
            "end_date": ["The end (30 April 2010) is before the start (1 May 2010)."]
        }
        refused_by_database("activity_end_not_before_start", activity.save)

    def test_end_without_start(self, partnership):
        activity = Activity(
            partnership=partnership, title="X", kind=Activity.Kind.OTHER, end_date=D(2010, 1, 1)
        )
        assert errors_of(activity) == {"end_date": ["Give a start date before an end date."]}
        refused_by_database("activity_end_not_before_start", activity.save)

    def test_one_day_activity(self, partnership):
        Activity(
            partnership=partnership,
            title="Concert",
            kind=Activity.Kind.FESTIVAL,
            start_date=D(2010, 5, 1),
            end_date=D(2010, 5, 1),
        ).full_clean()

    def test_dates_normalised_to_their_precision(self, partnership):
        activity = Activity(
            partnership=partnership,
            title="School partnership",
            kind=Activity.Kind.SCHOOL_PARTNERSHIP,
            start_date=D(2002, 9, 3),
            start_precision="year",
            end_date=D(2011, 1, 20),
            end_precision="month",
        )
        activity.full_clean()
        assert (activity.start_date, activity.end_date) == (D(2002, 1, 1), D(2011, 1, 31))

    @pytest.mark.parametrize(
        ("start", "start_precision", "end", "end_precision", "expected"),
        [
            (D(2002, 1, 1), "year", D(2011, 1, 1), "month", "2002 – January 2011"),
            (D(2010, 1, 1), "month", None, "day", "January 2010"),
            (D(2009, 10, 16), "day", D(2009, 10, 18), "day", "16 October 2009 – 18 October 2009"),
            (D(2010, 1, 1), "year", D(2010, 1, 1), "year", "2010"),
            (None, "day", None, "day", ""),
        ],
    )
    def test_when_display(self, start, start_precision, end, end_precision, expected):
        activity = Activity(
            start_date=start,
            start_precision=start_precision,
            end_date=end,
            end_precision=end_precision,
        )
        assert activity.when_display == expected


class TestPartialDates:
    def test_month_precise_milestone(self, partnership):
        milestone = Milestone(
            partnership=partnership,
            date=D(2007, 11, 15),
            date_precision="month",
            kind=Milestone.Kind.MEMORANDUM,
            title="Memorandum",
        )
        milestone.full_clean()
        assert milestone.date == D(2007, 11, 1)
        assert milestone.date_display == "November 2007"
        assert str(milestone) == "November 2007: Memorandum"

    def test_year_precise_founding(self, dresden, hangzhou):
        partnership = Partnership(
            city_a=dresden, city_b=hangzhou, established=D(1994, 4, 5), established_precision="year"
        )
        partnership.full_clean()
        assert partnership.established == D(1994, 1, 1)
        assert partnership.established_display == "1994"


# --- Display ----------------------------------------------------------------------------------


class TestDisplay:
    def test_partnership(self, partnership):
        assert partnership.title == "Dresden – Hangzhou"
        assert str(partnership) == "Dresden – Hangzhou"
        assert partnership.get_absolute_url() == "/en/partnerships/dresden-hangzhou/"
        assert partnership.established_display == "16 October 2009"
        assert partnership.cities == (partnership.city_a, partnership.city_b)

    @pytest.mark.parametrize(
        ("precision", "expected"),
        [("day", "16 October 2009"), ("month", "October 2009"), ("year", "2009")],
    )
    def test_established_display(self, partnership, precision, expected):
        partnership.established_precision = precision
        assert partnership.established_display == expected

    def test_established_unknown(self, partnership):
        partnership.established = None
        assert partnership.established_display == ""
        assert partnership.age_in_years(TODAY) is None

    @pytest.mark.parametrize(
        ("today", "years"),
        [(D(2019, 10, 15), 9), (D(2019, 10, 16), 10), (D(2009, 10, 16), 0), (D(2000, 1, 1), 0)],
    )
    def test_age_in_years(self, partnership, today, years):
        assert partnership.age_in_years(today) == years

    def test_others(self, partnership):
        topic = FocusArea(name="Flood protection", slug="flood-protection")
        assert str(topic) == "Flood protection"
        assert topic.get_absolute_url() == "/en/topics/flood-protection/"
        assert str(Activity(title="Choir exchange")) == "Choir exchange"
        assert str(Plan(title="Climate partnership")) == "Climate partnership"
        assert str(Source(title="Case study")) == "Case study"
        figure = PartnershipFigure(
            label="Students", qualifier="more_than", value=Decimal(300), unit="students"
        )
        assert str(figure) == "Students: more than 300 students"
        assert PartnershipFigure(
            value=Decimal("15"), unit="%", qualifier="up_to"
        ).value_display == ("up to 15 %")


# --- Querysets --------------------------------------------------------------------------------


class TestActivityTiming:
    @pytest.fixture
    def activities(self, partnership, make_activity):
        def make(title, start, precision="day", end=None, end_precision="day"):
            return make_activity(
                partnership,
                title=title,
                start_date=start,
                start_precision=precision,
                end_date=end,
                end_precision=end_precision,
            )

        return {
            activity.title: activity
            for activity in [
                make("today", D(2024, 6, 15)),
                make("yesterday", D(2024, 6, 14)),
                make("this month", D(2024, 6, 1), "month"),
                make("last month", D(2024, 5, 1), "month"),
                make("this year", D(2024, 1, 1), "year"),
                make("last year", D(2023, 1, 1), "year"),
                make("running until December", D(2020, 1, 1), "year", D(2024, 12, 1), "month"),
                make("ended yesterday", D(2020, 1, 1), "year", D(2024, 6, 14)),
                make("running this year", D(2022, 3, 1), "month", D(2024, 1, 1), "year"),
                make("undated", None),
            ]
        }

    UPCOMING = {"today", "this month", "this year", "running until December", "running this year"}
    PAST = ["yesterday", "last month", "last year", "ended yesterday"]

    def test_upcoming(self, activities):
        assert {a.title for a in Activity.objects.upcoming(TODAY)} == self.UPCOMING

    def test_past_newest_first(self, activities):
        past = [a.title for a in Activity.objects.past(TODAY)]
        assert sorted(past) == sorted(self.PAST)
        assert past == ["yesterday", "last month", "last year", "ended yesterday"]

    def test_the_database_works_out_the_last_day_as_python_does(self, activities):
        # upcoming_until is a generated column; period_end() is its Python twin.
        for activity in Activity.objects.all():
            expected = activity.end_date or period_end(
                activity.start_date, activity.start_precision
            )
            assert activity.upcoming_until == expected, activity.title

    def test_the_last_day_follows_an_edit(self, activities):
        activity = activities["last year"]
        activity.start_date, activity.start_precision = D(2024, 2, 1), "month"
        activity.save()
        activity.refresh_from_db()
        assert activity.upcoming_until == D(2024, 2, 29)  # a leap year's February
        assert "last year" not in {a.title for a in Activity.objects.upcoming(TODAY)}

    def test_soonest_only_of_published_partnerships(self, activities, make_partnership):
        # The soonest of all, but of a draft and of one in review: never shown, however the
        # caller asks (soonest() checks the partnership's state itself).
        for state in ("draft", "in_review"):
            hidden = make_partnership(state=state)
            Activity.objects.create(
                partnership=hidden,
                title=state,
                kind="other",
                start_date=D(2019, 1, 1),
                start_precision="year",
                end_date=D(2030, 12, 31),
            )
        for activities_of in (Activity.objects.all(), Activity.objects.published()):
            soonest = [a.title for a in activities_of.soonest(3, TODAY)]
            assert soonest == ["running until December", "running this year", "this year"]

    def test_soonest_are_the_first_upcoming_whatever_the_day_and_number(
        self, activities, partnership
    ):
        # soonest() takes those under way since an earlier year (they have an end) and the
        # first of those that start this year or later apart: together, always the head of
        # upcoming() itself, also on the first and last day of a year, for any number asked.
        for title, start, precision, end in [
            ("decade", D(2015, 1, 1), "year", D(2030, 12, 31)),
            ("new year's day", D(2025, 1, 1), "day", None),
            ("next year", D(2025, 1, 1), "year", None),
            ("since December", D(2024, 12, 1), "month", D(2025, 2, 28)),
        ]:
            Activity.objects.create(
                partnership=partnership,
                title=title,
                kind="other",
                start_date=start,
                start_precision=precision,
                end_date=end,
            )
        for today in (D(2024, 1, 1), TODAY, D(2024, 12, 31), D(2025, 1, 1), D(2025, 3, 1)):
            expected = [a.title for a in Activity.objects.upcoming(today)]
            assert expected, today
            for limit in range(1, len(expected) + 2):
                soonest = [a.title for a in Activity.objects.soonest(limit, today)]
                assert soonest == expected[:limit], (today, limit)

    @pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's plan")
    def test_soonest_sorts_no_upcoming_activity_but_the_chosen(self, activities):
        # On SQLite no index covers a query of the generated upcoming_until: sorting every
        # upcoming activity read each from the table. Now the start-date index gives the order
        # and the partial index of ends finds those under way since an earlier year.
        plan = Activity.objects.soonest(5, TODAY).explain()
        assert "activity_end_idx" in plan, plan
        assert "activity_upcoming_cover_idx" not in plan, plan

    def test_sections_sort_and_count(self, activities):
        sections = Activity.objects.sections(TODAY, size=20)
        assert [a.title for a in sections["upcoming"].activities] == [
            "running until December",
            "running this year",
            "this year",
            "this month",
            "today",
        ]
        assert [a.title for a in sections["past"].activities] == self.PAST
        assert [a.title for a in sections["undated"].activities] == ["undated"]
        assert {name: s.total for name, s in sections.items()} == {
            "upcoming": 5,
            "past": 4,
            "undated": 1,
        }
        assert all(section.more == 0 for section in sections.values())

    def test_sections_stop_at_their_size_and_say_how_many_more(self, activities):
        sections = Activity.objects.sections(TODAY, size=2)
        assert [a.title for a in sections["past"].activities] == ["yesterday", "last month"]
        assert (sections["past"].total, sections["past"].more) == (4, 2)
        assert (sections["undated"].total, sections["undated"].more) == (1, 0)

    @pytest.mark.parametrize("size", [1, 2, 20])
    def test_sections_sorted_here_are_those_sorted_by_the_database(
        self, activities, size, monkeypatch, django_assert_num_queries, make_activity,
        make_focus_area, partnership,
    ):  # fmt: skip
        # Ties on the date (sorted by key, upcoming ascending, past descending), and areas.
        area = make_focus_area(name="Sport")
        for start in (D(2024, 6, 15), D(2024, 6, 14), D(2024, 6, 14), None):
            make_activity(partnership, start_date=start, focus_areas=[area])

        def shown(sections):
            return {
                name: (
                    [a.pk for a in s.activities],
                    s.total,
                    [[(f.slug, f.name) for f in a.focus_area_list()] for a in s.activities],
                )
                for name, s in sections.items()
            }

        with django_assert_num_queries(3):  # the dates, the activities shown, their areas
            sorted_here = Activity.objects.sections(TODAY, size=size)
        by_queries = Activity.objects.sections_by_queries(TODAY, size=size)
        assert shown(sorted_here) == shown(by_queries)
        # More activities than sections() sorts itself: the database's sections.
        monkeypatch.setattr("partnerships.models.records.SECTION_DATES_READ", 3)
        with django_assert_num_queries(1 + 5):  # the dates it stopped reading, then five
            assert shown(Activity.objects.sections(TODAY, size=size)) == shown(by_queries)

    def test_a_partnerships_dates_from_the_compiled_statement_are_its_querysets(
        self, activities, partnership, make_partnership, make_activity, monkeypatch,
        django_assert_num_queries,
    ):  # fmt: skip
        make_activity(make_partnership(), title="elsewhere", start_date=D(2020, 1, 1))
        with django_assert_num_queries(1):
            dates = partnership_keys_and_dates(partnership)
        assert sorted(dates) == sorted(partnership.activities.all().keys_and_dates())
        # Read afresh: an edit shows at once.
        Activity.objects.filter(pk=dates[0][0]).update(start_date=D(1999, 1, 1))
        assert (dates[0][0], D(1999, 1, 1)) in {
            row[:2] for row in partnership_keys_and_dates(partnership)
        }
        # More than it sorts itself: None, as keys_and_dates() says.
        monkeypatch.setattr("partnerships.models.records.SECTION_DATES_READ", 3)
        assert partnership_keys_and_dates(partnership) is None

    def test_no_activities_one_query(self, partnership, django_assert_num_queries):
        with django_assert_num_queries(1):
            sections = partnership.activities.sections(TODAY)
        assert all(s.activities == [] and s.total == 0 for s in sections.values())

    def test_published_only(self, activities, make_partnership, make_activity):
        make_activity(make_partnership(state="draft"), title="secret")
        assert "secret" not in {a.title for a in Activity.objects.published()}
        assert Activity.objects.published().count() == len(activities)


class TestPartnershipQuerySet:
    def test_published(self, partnership, make_partnership):
        make_partnership(state="draft")
        assert list(Partnership.objects.published()) == [partnership]

    def test_involving_either_side(self, partnership, dresden, make_partnership, make_city):
        second = make_partnership(city_a=make_city(name="Breslau"), city_b=dresden)
        make_partnership()
        assert set(Partnership.objects.involving(dresden)) == {partnership, second}

    def test_public_cities(self, dresden, hangzhou, make_city, make_partnership):
        prepared = make_city(name="Prepared")
        lonely = make_city(name="Lonely")  # no partnership at all
        strasbourg = make_city(name="Strasbourg", country="FR")
        make_partnership(city_a=dresden, city_b=hangzhou)
        make_partnership(city_a=strasbourg, city_b=dresden)
        make_partnership(city_a=dresden, city_b=prepared, state="draft")

        counts = {city.name: city.partnership_count for city in public_cities()}

        assert counts == {"Dresden": 2, "Hangzhou": 1, "Strasbourg": 1}
        assert prepared.name not in counts
        assert lonely.name not in counts


class TestJubilees:
    def test_25th_anniversary_of_a_month_precise_founding(self, make_partnership):
        berlin_beijing = make_partnership(established=D(1994, 4, 1), established_precision="month")
        make_partnership(established=D(1995, 4, 1))  # 24 years: not a round anniversary

        (jubilee,) = upcoming_jubilees(Partnership.objects.all(), today=D(2019, 1, 10))

        assert jubilee.partnership == berlin_beijing
        assert jubilee.years == 25
        assert jubilee.date == D(2019, 4, 1)
        assert jubilee.date_display == "April 2019"

    def test_founded_on_29_february(self, make_partnership):
        leap = make_partnership(established=D(1996, 2, 29))
        (jubilee,) = upcoming_jubilees(Partnership.objects.all(), today=D(2021, 1, 10))
        assert (jubilee.partnership, jubilee.years) == (leap, 25)
        assert jubilee.date == D(2021, 2, 28)

    def test_year_precise_jubilee_lasts_the_whole_year(self, make_partnership):
        make_partnership(established=D(1989, 1, 1), established_precision="year")
        (jubilee,) = upcoming_jubilees(Partnership.objects.all(), today=D(2019, 6, 10))
        assert (jubilee.years, jubilee.date_display) == (30, "2019")

    def test_past_and_distant_jubilees_left_out(self, make_partnership):
        make_partnership(established=D(1994, 1, 5))  # 25 years, five days ago
        make_partnership(established=D(1995, 3, 1))  # 25 years, but over a year ahead
        assert list(upcoming_jubilees(Partnership.objects.all(), today=D(2019, 1, 10))) == []

    def test_limit_and_order(self, make_partnership):
        later = make_partnership(established=D(1999, 9, 1))
        sooner = make_partnership(established=D(2009, 3, 1))
        make_partnership(established=D(2014, 12, 1))
        jubilees = upcoming_jubilees(Partnership.objects.all(), today=D(2019, 1, 10), limit=2)
        assert [j.partnership for j in jubilees] == [sooner, later]
        assert [j.years for j in jubilees] == [10, 20]


class TestJubileeWindow:
    """Which jubilees the database finds, at the edges of the twelve-month window."""

    def found(self, today, within_days=365):
        return [
            (j.partnership.pk, j.years, j.date)
            for j in upcoming_jubilees(Partnership.objects.all(), today, within_days)
        ]

    def test_the_window_crosses_new_year(self, make_partnership):
        january = make_partnership(established=D(2000, 1, 20))
        december = make_partnership(established=D(1999, 12, 20))
        assert self.found(D(2024, 12, 1)) == [
            (december.pk, 25, D(2024, 12, 20)),
            (january.pk, 25, D(2025, 1, 20)),
        ]

    def test_a_month_precise_jubilee_counts_all_month(self, make_partnership):
        april = make_partnership(established=D(1994, 4, 1), established_precision="month")
        assert self.found(D(2019, 4, 30)) == [(april.pk, 25, D(2019, 4, 1))]
        assert self.found(D(2019, 5, 1)) == []

    def test_29_february_at_the_far_end_of_the_window(self, make_partnership):
        leap = make_partnership(established=D(1996, 2, 29))
        # The window ends on 28 February 2021, the day a common year marks it.
        assert self.found(D(2021, 1, 1), within_days=58) == [(leap.pk, 25, D(2021, 2, 28))]
        assert self.found(D(2021, 1, 1), within_days=57) == []

    def test_every_fifth_year_counts_over_the_centuries(self, make_partnership):
        # Found by arithmetic on the founding year (not a list of years): each of the two
        # target years of a window across the year end, from a millennium back to five years.
        millennium = make_partnership(established=D(1025, 12, 20))
        make_partnership(established=D(1026, 12, 20))  # 999 years: not round
        fifth = make_partnership(established=D(2021, 1, 20))
        make_partnership(established=D(2024, 12, 20))  # the first anniversary: not a jubilee
        assert self.found(D(2025, 12, 1)) == [
            (millennium.pk, 1000, D(2025, 12, 20)),
            (fifth.pk, 5, D(2026, 1, 20)),
        ]

    def test_the_first_anniversaries_are_not_jubilees(self, make_partnership):
        make_partnership(established=D(2024, 3, 1))
        assert self.found(D(2024, 1, 1)) == []

    def test_the_database_agrees_with_next_jubilee(self, make_partnership):
        # The query's CASE (JubileeYear, written as SQL by hand) against the Python rule, for
        # every precision, 29 February, the year's ends, over windows long and short.
        founded = [
            (D(1996, 2, 29), "day"),
            (D(2001, 2, 28), "day"),
            (D(1999, 12, 31), "day"),
            (D(2000, 1, 1), "day"),
            (D(1990, 7, 15), "day"),
            (D(1994, 4, 1), "month"),
            (D(2003, 12, 1), "month"),
            (D(1989, 1, 1), "year"),
            (D(2002, 1, 1), "year"),
        ]
        partnerships = [
            make_partnership(established=day, established_precision=precision)
            for day, precision in founded
        ]
        for today in (
            D(2020, 12, 31),
            D(2021, 1, 1),
            D(2024, 2, 29),
            D(2024, 4, 30),
            D(2025, 7, 15),
        ):
            for within_days in (0, 60, 365, 1000):
                horizon = today + datetime.timedelta(days=within_days)
                expected = set()
                for partnership in partnerships:
                    jubilee = next_jubilee(
                        partnership.established, partnership.established_precision, today
                    )
                    if jubilee.date <= horizon:
                        expected.add((partnership.pk, jubilee.years, jubilee.date))
                assert set(self.found(today, within_days)) == expected, (today, within_days)

    def test_a_page_of_jubilees_costs_two_queries(
        self, make_partnership, django_assert_num_queries
    ):
        for year in range(1964, 2024, 5):  # each has a jubilee on 1 August 2024
            make_partnership(established=D(year, 8, 1))
        jubilees = Jubilees(jubilee_queryset(Partnership.objects.all(), D(2024, 6, 1)))
        with django_assert_num_queries(2):
            assert jubilees.count() == 12
            page = jubilees[:5]
        assert len(page) == 5
        assert {(j.date, j.years % 5) for j in page} == {(D(2024, 8, 1), 0)}

    def test_an_overlong_window_is_refused(self, db):
        with pytest.raises(ValueError, match="within_days"):
            jubilee_queryset(Partnership.objects.all(), D(2024, 1, 1), within_days=3000)


class TestNextJubilee:
    @pytest.mark.parametrize(
        ("established", "precision", "today", "expected"),
        [
            (D(1994, 4, 1), "month", D(2019, 1, 10), (25, D(2019, 4, 1), "April 2019")),
            (D(1994, 4, 1), "month", D(2019, 4, 30), (25, D(2019, 4, 1), "April 2019")),
            (D(1994, 4, 1), "month", D(2019, 5, 1), (30, D(2024, 4, 1), "April 2024")),
            (D(1989, 1, 1), "year", D(2019, 12, 31), (30, D(2019, 1, 1), "2019")),
            (D(2009, 10, 16), "day", D(2024, 10, 16), (15, D(2024, 10, 16), "16 October 2024")),
            (D(2009, 10, 16), "day", D(2024, 10, 17), (20, D(2029, 10, 16), "16 October 2029")),
            (D(1996, 2, 29), "day", D(2021, 1, 1), (25, D(2021, 2, 28), "28 February 2021")),
            (D(2024, 3, 1), "day", D(2024, 6, 1), (5, D(2029, 3, 1), "1 March 2029")),
        ],
    )
    def test_next_jubilee(self, established, precision, today, expected):
        jubilee = next_jubilee(established, precision, today)
        assert (jubilee.years, jubilee.date, jubilee.date_display) == expected

    def test_no_founding_date_no_jubilee(self):
        assert next_jubilee(None, "day", D(2024, 1, 1)) is None

    @pytest.mark.parametrize(
        ("years", "ordinal"), [(5, "5th"), (10, "10th"), (11, "11th"), (21, "21st"), (50, "50th")]
    )
    def test_ordinal(self, years, ordinal):
        assert Jubilee(None, years, D(2024, 1, 1), "day").ordinal == ordinal


class TestFixesFromReview:
    """Rules a member of staff would otherwise trip over."""

    def test_an_end_within_the_start_month_is_accepted(self, make_partnership):
        partnership = make_partnership()
        activity = Activity(
            partnership=partnership,
            title="Festival week",
            kind=Activity.Kind.FESTIVAL,
            start_date=D(2010, 5, 15),
            start_precision="day",
            end_date=D(2010, 5, 1),
            end_precision="month",
        )
        activity.full_clean()
        activity.save()
        assert activity.end_date == D(2010, 5, 31)
        assert activity.when_display == "15 May 2010 – May 2010"

    def test_same_named_cities_get_distinct_partnership_slugs(self, make_city, make_partnership):
        first = make_partnership(
            city_a=make_city(name="Frankfurt"), city_b=make_city(name="Krakow")
        )
        second = Partnership(city_a=make_city(name="Frankfurt"), city_b=make_city(name="Krakow"))
        second.full_clean()
        second.save()
        assert (first.slug, second.slug) == ("frankfurt-krakow", "frankfurt-krakow-2")

    def test_undated_activities_sort_last(self, make_partnership, make_activity):
        partnership = make_partnership()
        make_activity(partnership, title="Undated", start_date=None)
        make_activity(partnership, title="Dated", start_date=D(2010, 1, 1))
        assert [a.title for a in partnership.activities.all()] == ["Dated", "Undated"]

    def test_age_and_jubilee_agree_on_29_february(self, make_partnership):
        partnership = make_partnership(established=D(1996, 2, 29))
        [jubilee] = upcoming_jubilees(Partnership.objects.all(), D(2021, 2, 1), within_days=60)
        assert (jubilee.years, jubilee.date) == (25, D(2021, 2, 28))
        assert partnership.age_in_years(today=jubilee.date) == 25


def test_not_unpublished_is_published_written_otherwise(make_partnership, make_activity):
    """The activity list's and topic page's walked form of published() (core/index_walk.py)."""
    for state in Partnership.State.values:
        partnership = make_partnership(state=state)
        make_activity(partnership)
        make_activity(partnership, start_date=None)
    published = Activity.objects.published().order_by("pk")

    assert list(Activity.objects.not_unpublished().order_by("pk")) == list(published)
    assert published.count() == 2
