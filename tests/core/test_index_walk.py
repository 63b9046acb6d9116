"""Pages read in index order (core/index_walk.py): the same rows, in the same order, as the
plain slice of the list, on every page, in every sort and language."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from core import index_walk
from partnerships.filters import PartnershipFilter
from partnerships.models import Activity, Partnership
from partnerships.views import PartnershipPaginator, PublishedRecordPaginator

SQLITE = connection.vendor == "sqlite"


@pytest.fixture
def small_lists_walk(monkeypatch):
    """As if these few rows were a long list: walked (or chosen by their keys) from the first."""
    monkeypatch.setattr(index_walk, "WALK_FROM", 1)


@pytest.fixture
def world(make_city, make_partnership, make_activity):
    names = ["Zwickau", "Aachen", "Münster", "Berlin", "Berlin", "Lyon", "Ōsaka", "Kyiv"]
    cities = [
        make_city(name=name, name_de=f"{name} (de)" if i % 2 else "")
        for i, name in enumerate(names)
    ]
    partnerships = [
        make_partnership(
            city_a=cities[i],
            city_b=cities[(i * 3 + 1) % len(cities)],
            established=datetime.date(1950 + i % 3, 1, 1),
        )
        for i in range(len(cities))
    ]
    make_partnership(city_a=cities[2], city_b=cities[0], state="draft")
    for i, partnership in enumerate(partnerships * 2):
        make_activity(
            partnership,
            start_date=None if i % 5 == 0 else datetime.date(2000 + i % 4, 1, 1),
        )
    return partnerships


def pages(paginator):
    return [
        [obj.pk for obj in paginator.page(number).object_list] for number in paginator.page_range
    ]


def plain(queryset, per_page):
    rows = list(queryset.values_list("pk", flat=True))
    return [rows[i : i + per_page] for i in range(0, len(rows), per_page)]


@pytest.mark.parametrize("language", ["en", "de"])
@pytest.mark.parametrize("sort", ["", "name", "-name", "-established", "updated"])
@pytest.mark.parametrize("walk_rows", [1, 10**6])  # never worth a walk; always
def test_partnership_pages_are_the_list_in_its_order(
    world, small_lists_walk, monkeypatch, language, sort, walk_rows
):
    monkeypatch.setattr(index_walk, "WALK_ROWS", walk_rows)
    with translation.override(language):
        queryset = PartnershipFilter(
            {"sort": sort} if sort else {}, queryset=Partnership.objects.listed()
        ).qs
        assert pages(PartnershipPaginator(queryset, 3)) == plain(queryset, 3)


@pytest.mark.parametrize("walk_rows", [1, 10**6])
def test_activity_pages_are_the_list_in_its_order(world, small_lists_walk, monkeypatch, walk_rows):
    monkeypatch.setattr(index_walk, "WALK_ROWS", walk_rows)
    paginator = PublishedRecordPaginator(Activity.objects.listing(), 4)
    assert paginator.count == 16  # the draft's activities are not listed
    assert pages(paginator) == plain(Activity.objects.listing().published(), 4)


@pytest.mark.skipif(not SQLITE, reason="PostgreSQL plans the walk itself")
def test_sqlite_walks_the_city_names_for_the_first_pages(world, small_lists_walk):
    paginator = PartnershipPaginator(Partnership.objects.listed(), 3)
    with CaptureQueriesContext(connection) as queries:
        list(paginator.page(1).object_list)
    page_query = next(q["sql"] for q in queries if "LIMIT 3" in q["sql"])
    assert 'FROM "cities_city" CROSS JOIN "partnerships_partnership"' in page_query


def test_a_short_list_is_sliced_as_ever(world):
    paginator = PartnershipPaginator(Partnership.objects.listed(), 3)
    with CaptureQueriesContext(connection) as queries:
        list(paginator.page(1).object_list)
    assert not any("CROSS JOIN" in q["sql"] or "MAX(" in q["sql"] for q in queries)
