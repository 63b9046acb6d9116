"""The maintained world-wide figures (partnerships/figures.py): kept exact by the database's
triggers through every way of changing the data, equal to a rebuild from scratch and to the
figures counted from the rows themselves."""

import datetime
import io
import json
import math
from collections import Counter, defaultdict

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from cities.models import City
from partnerships import figures
from partnerships.models import (
    Activity,
    ActivityYearFigure,
    CityPartnershipCount,
    CountryFigure,
    CountryPairFigure,
    FocusAreaActivityFigure,
    FocusAreaFigure,
    FoundingYearFigure,
    Partnership,
)

pytestmark = pytest.mark.django_db


def maintained():
    """The figure tables as they are: floats rounded (sums added and subtracted may differ
    from a fresh sum in the last bits)."""
    pairs = {
        (row.country_a, row.country_b, row.vitality): row.n
        for row in CountryPairFigure.objects.all()
    }
    countries = {
        (row.country, row.vitality): (
            row.n,
            row.located,
            round(float(row.latitude), 6),
            round(row.east, 9),
            round(row.north, 9),
        )
        for row in CountryFigure.objects.all()
    }
    years = dict(ActivityYearFigure.objects.values_list("year", "n"))
    foundings = dict(FoundingYearFigure.objects.values_list("year", "n"))
    focus_areas = dict(FocusAreaFigure.objects.values_list("focus_area_id", "n"))
    cities = dict(CityPartnershipCount.objects.values_list("city_id", "n"))
    topics = dict(FocusAreaActivityFigure.objects.values_list("focus_area_id", "n"))
    return pairs, countries, years, foundings, focus_areas, cities, topics


def counted():
    """The same figures counted in Python from the rows, as the pages counted them before."""
    pairs = Counter()
    sums = defaultdict(lambda: [0, 0, 0.0, 0.0, 0.0])
    cities = Counter()
    published = Partnership.objects.published().select_related("city_a", "city_b")
    for partnership in published:
        a, b = partnership.city_a, partnership.city_b
        pairs[(*sorted((a.country.code, b.country.code)), partnership.vitality)] += 1
        for city in (a, b):
            row = sums[(city.country.code, partnership.vitality)]
            if city is a or b.country != a.country:
                row[0] += 1  # once for a country, also with both cities there
            if city.latitude is not None:
                row[1] += 1
                row[2] += float(city.latitude)
                row[3] += math.cos(math.radians(float(city.longitude)))
                row[4] += math.sin(math.radians(float(city.longitude)))
        cities[a.pk] += 1
        cities[b.pk] += 1
    countries = {
        key: (n, located, round(latitude, 6), round(east, 9), round(north, 9))
        for key, (n, located, latitude, east, north) in sums.items()
    }
    years = Counter(
        activity.start_date.year
        for activity in Activity.objects.published().filter(start_date__isnull=False)
    )
    foundings = Counter(
        partnership.established.year
        for partnership in published
        if partnership.established is not None
    )
    focus_areas = Counter(
        area.pk for partnership in published for area in partnership.focus_areas.all()
    )
    topics = Counter(
        area.pk for activity in Activity.objects.published() for area in activity.focus_areas.all()
    )
    return (
        dict(pairs),
        countries,
        dict(years),
        dict(foundings),
        dict(focus_areas),
        dict(cities),
        dict(topics),
    )


EMPTY = ({}, {}, {}, {}, {}, {}, {})


def assert_exact():
    """The maintained figures equal those counted from the rows, and a rebuild changes none."""
    kept = maintained()
    assert kept == counted()
    figures.rebuild()
    assert maintained() == kept


def test_figures_follow_every_kind_of_edit(
    make_city, make_partnership, make_activity, make_focus_area
):
    berlin = make_city(name="Berlin", country="DE", latitude="52.52", longitude="13.405")
    paris = make_city(name="Paris", country="FR", latitude="48.8566", longitude="2.3522")
    lyon = make_city(name="Lyon", country="FR", latitude="45.764", longitude="4.8357")
    suva = make_city(name="Suva", country="FJ", latitude="-18.1416", longitude="178.4419")
    nowhere = make_city(name="Nowhere", country="NZ", latitude=None, longitude=None)
    assert_exact()

    # Created, published and drafts.
    berlin_paris = make_partnership(city_a=berlin, city_b=paris)
    paris_lyon = make_partnership(city_a=paris, city_b=lyon)
    draft = make_partnership(city_a=berlin, city_b=suva, state="draft")
    lyon_nowhere = make_partnership(city_a=lyon, city_b=nowhere)
    make_activity(berlin_paris, start_date=datetime.date(1999, 5, 1))
    make_activity(draft, start_date=datetime.date(2001, 5, 1))
    make_activity(paris_lyon, start_date=None)
    assert_exact()

    # Published and unpublished in the admin's way (a save of the whole row).
    draft.state = Partnership.State.PUBLISHED
    draft.save()
    paris_lyon.state = Partnership.State.IN_REVIEW
    paris_lyon.save()
    assert_exact()

    # Focus areas given, taken away, deleted; a partnership with them unpublished below.
    culture, youth, sport = make_focus_area(), make_focus_area(), make_focus_area()
    berlin_paris.focus_areas.set([culture, youth])
    draft.focus_areas.set([culture])
    paris_lyon.focus_areas.set([youth, sport])  # in review: not counted
    lyon_nowhere.focus_areas.set([sport])
    assert_exact()
    berlin_paris.focus_areas.remove(youth)
    sport.delete()
    assert_exact()

    # Activities on focus areas: given, taken away, of a partnership in review, their links
    # rewritten in place.
    dated = Activity.objects.get(partnership=berlin_paris)
    undated = Activity.objects.get(partnership=paris_lyon)  # in review: not counted
    of_former_draft = Activity.objects.get(partnership=draft)
    dated.focus_areas.set([culture, youth])
    undated.focus_areas.set([culture])
    of_former_draft.focus_areas.set([youth])
    assert_exact()
    dated.focus_areas.remove(culture)
    Activity.focus_areas.through.objects.filter(activity=of_former_draft).update(focusarea=culture)
    assert_exact()

    # Founding dates given, changed, removed.
    berlin_paris.established = datetime.date(1987, 4, 1)
    berlin_paris.save()
    Partnership.objects.filter(pk=draft.pk).update(established=None)
    assert_exact()

    # The nightly vitality refresh: a queryset update of many rows.
    Partnership.objects.filter(pk__in=[berlin_paris.pk, draft.pk]).update(vitality="active")
    Partnership.objects.filter(pk=lyon_nowhere.pk).update(vitality="dormant")
    assert_exact()

    # A city moved to another country, given other coordinates, or none.
    lyon.country = "BE"
    lyon.save()
    suva.latitude, suva.longitude = "-17.7134", "-178.065"
    suva.save()
    paris.latitude = paris.longitude = None
    paris.save()
    nowhere.latitude, nowhere.longitude = "-41.2865", "174.7762"
    nowhere.save()
    assert_exact()

    # Two partner cities changed by one statement.
    City.objects.filter(pk__in=[berlin.pk, paris.pk]).update(country="AT")
    assert_exact()

    # A partnership given another city.
    Partnership.objects.filter(pk=lyon_nowhere.pk).update(city_b=suva)
    assert_exact()

    # Activities loaded in bulk, dated again, moved, deleted.
    Activity.objects.bulk_create(
        [
            Activity(partnership=partnership, title=f"Bulk {n}", kind="exchange", start_date=date)
            for n, (partnership, date) in enumerate(
                [
                    (berlin_paris, datetime.date(2015, 1, 1)),
                    (berlin_paris, datetime.date(2015, 3, 1)),
                    (draft, datetime.date(2016, 1, 1)),
                    (paris_lyon, datetime.date(2017, 1, 1)),  # in review: not counted
                    (lyon_nowhere, None),
                ]
            )
        ]
    )
    activity = Activity.objects.get(title="Bulk 0")
    activity.start_date = datetime.date(2020, 2, 2)
    activity.save()
    Activity.focus_areas.through.objects.bulk_create(
        Activity.focus_areas.through(activity=bulk, focusarea=area)
        for bulk in Activity.objects.filter(title__startswith="Bulk")
        for area in (culture, youth)
    )
    assert_exact()
    Activity.objects.filter(title="Bulk 1").update(partnership=paris_lyon)
    Activity.objects.filter(title="Bulk 3").update(partnership=draft)
    Activity.objects.filter(title="Bulk 2").delete()
    assert_exact()

    # Deleted: a partnership without activities and one with them.
    lyon_nowhere.delete()
    berlin_paris.delete()
    assert_exact()
    assert ActivityYearFigure.objects.filter(year=2020).count() == 0

    # Everything unpublished: nothing left to count.
    Partnership.objects.update(state=Partnership.State.DRAFT)
    assert maintained() == EMPTY
    assert_exact()


def test_rows_at_zero_are_removed(make_partnership, make_activity):
    partnership = make_partnership()
    make_activity(partnership, start_date=datetime.date(2012, 1, 1))

    partnership.delete()

    assert maintained() == EMPTY


def test_the_rebuild_repairs_figures_gone_wrong(make_partnership, make_activity):
    """The nightly task and `manage.py rebuild_figures` compute everything from the rows."""
    make_activity(make_partnership(), start_date=datetime.date(2012, 1, 1))
    expected = maintained()
    CountryPairFigure.objects.update(n=99)
    CountryFigure.objects.update(east=5.0)
    ActivityYearFigure.objects.update(n=7)
    CityPartnershipCount.objects.all().delete()

    call_command("rebuild_figures", verbosity=0)

    assert maintained() == expected


def test_the_nightly_task_rebuilds(settings, make_partnership):
    from partnerships.tasks import rebuild_figures_task

    make_partnership()
    expected = maintained()
    CountryPairFigure.objects.update(n=99)

    rebuild_figures_task.apply()

    assert maintained() == expected
    entry = settings.CELERY_BEAT_SCHEDULE["rebuild-figures-nightly"]
    assert entry["task"] == "partnerships.tasks.rebuild_figures"


def test_a_city_is_public_while_it_has_a_published_partnership(make_city, make_partnership):
    city = make_city()
    assert not City.objects.public().filter(pk=city.pk).exists()
    partnership = make_partnership(city_a=city)
    assert City.objects.public().filter(pk=city.pk).exists()

    partnership.state = Partnership.State.DRAFT
    partnership.save()

    assert not City.objects.public().filter(pk=city.pk).exists()


def test_the_pages_show_an_edit_on_the_next_request(client, make_city, make_partnership):
    berlin = make_city(name="Berlin", country="DE")
    make_partnership(city_a=berlin, city_b=make_city(name="Paris", country="FR"))
    home, statistics = reverse("home"), reverse("statistics")
    assert "Portugal" not in client.get(statistics).text

    partnership = make_partnership(city_a=berlin, city_b=make_city(name="Lisbon", country="PT"))

    assert "Portugal" in client.get(statistics).text
    assert "Portugal" in client.get(home).text

    partnership.delete()

    assert "Portugal" not in client.get(statistics).text
    assert "Portugal" not in client.get(home).text


def test_triggers_lost_with_their_table_come_back_after_migrate(make_city, make_partnership):
    """SQLite's schema editor alters a table by making a new one: its triggers are dropped with
    the old. The next `migrate` makes them again and rebuilds what they missed."""
    berlin = make_city(country="DE")
    make_partnership(city_a=berlin)
    with connection.cursor() as cursor:
        for statement in figures.drop_sql(connection.vendor):
            cursor.execute(statement)
    make_partnership(city_a=berlin, city_b=make_city(country="PT"))  # not counted
    assert maintained() != counted()

    call_command("migrate", verbosity=0)

    assert_exact()
    make_partnership(city_a=berlin, city_b=make_city(country="ES"))  # counted again
    assert_exact()
    assert not figures.ensure()


@pytest.mark.django_db(transaction=True)
def test_flush_leaves_nothing_to_count(make_partnership, make_activity):
    """`flush` (the tests between transactional tests) empties the tables the figures count,
    TRUNCATE on PostgreSQL, DELETE in any order on SQLite: the figures go with them."""
    make_activity(make_partnership(), start_date=datetime.date(2012, 1, 1))
    assert maintained() != EMPTY

    call_command("flush", interactive=False, verbosity=0)

    assert maintained() == EMPTY


def test_dumpdata_leaves_the_figures_out(make_partnership):
    """`loaddata` builds them through the triggers: loaded again, they would count twice."""
    make_partnership()
    out = io.StringIO()

    call_command("dumpdata", "partnerships", "cities", stdout=out)

    dumped = {row["model"] for row in json.loads(out.getvalue())}
    assert "partnerships.partnership" in dumped
    assert not dumped & {
        "partnerships.countrypairfigure",
        "partnerships.countryfigure",
        "partnerships.activityyearfigure",
        "partnerships.foundingyearfigure",
        "partnerships.focusareafigure",
        "partnerships.focusareaactivityfigure",
        "partnerships.citypartnershipcount",
    }
