"""Figures for the statistics page, the home page's world map and a city page: published
records only, one query per function.

Each function returns plain data (lists of dicts) for core.charts to draw and the
page's tables to list. Gaps in the time series (years or decades without any) are filled
with zeros in Python, so a chart's axis keeps its scale.
"""

import functools
from collections import Counter
from dataclasses import dataclass

from django.db import connection
from django.db.models import Case, Count, F, Subquery, When
from django.db.models.functions import Coalesce
from django.utils.translation import get_language, gettext

from core.choices import country_name, country_names
from core.compiled_rows import CompiledRows
from core.dates import DatePart
from core.translated import by_name, translated

from .maps import CountryLink, CountryTotals
from .models import (
    Activity,
    ActivityYearFigure,
    CityPartnershipCount,
    CountryFigure,
    CountryPairFigure,
    FocusArea,
    FoundingYearFigure,
    Partnership,
    public_cities,
)

TOP = 20
# Time series longer than this (bad data, e.g. a year 1200) are not padded with empty years.
MAX_FILLED_SPAN = 300


def partnerships_per_country(limit=TOP):
    """The countries with most published partnerships, most first.

    A partnership counts for each of its two countries; for one country only once when
    both cities are in it.
    """
    totals, _links = partnerships_by_country_pair(links=False)
    top = sorted(totals, key=lambda c: (-c.partnerships, c.name))[:limit]
    return [{"code": c.code, "label": c.name, "value": c.partnerships} for c in top]


def _filled(counts, step):
    """[(key, count)] for every `step` from the first key to the last, zeros in the gaps."""
    if not counts:
        return []
    first, last = min(counts), max(counts)
    if (last - first) // step > MAX_FILLED_SPAN:
        keys = sorted(counts)
    else:
        keys = range(first, last + 1, step)
    return [(key, counts.get(key, 0)) for key in keys]


def decade_label(decade):
    """ "1990s" in the active language ("1990er", "1990年代")."""
    # Translators: a decade, as in "the 1990s" (German "1990er", Chinese "1990年代").
    return gettext("%(decade)ss") % {"decade": decade}


def _per_decade(year_counts):
    """{year: count} → rows by decade, oldest first, gaps filled: label "1990s"."""
    decades = Counter()
    for year, n in year_counts.items():
        decades[int(year) // 10 * 10] += n
    return [
        {"decade": decade, "label": decade_label(decade), "value": n}
        for decade, n in _filled(decades, 10)
    ]


def partnerships_per_decade():
    """Published partnerships by decade of founding, oldest first: label "1990s". From the
    maintained counts per year (models/figures.py)."""
    return _per_decade(dict(FoundingYearFigure.objects.values_list("year", "n")))


def activities_per_year(activities=None, years=None):
    """Dated activities of published partnerships (the maintained counts: models/figures.py),
    or of the given ones, or the given counts ({year: activities}), by the year they started,
    oldest first."""
    if years is None and activities is None:
        years = dict(ActivityYearFigure.objects.values_list("year", "n"))
    elif years is None:
        rows = (
            activities.filter(start_date__isnull=False)
            .annotate(year=DatePart("start_date", "year"))
            .values("year")
            .annotate(n=Count("*"))
            .order_by("year")
        )
        years = {int(row["year"]): row["n"] for row in rows}
    return [{"year": year, "label": str(year), "value": n} for year, n in _filled(years, 1)]


def focus_area_shares():
    """Focus areas by how many published partnerships work on them, most first.

    `share` is the percentage of all focus-area assignments (a partnership with two focus
    areas counts for both), so the shares add up to 100.
    """
    rows = _focus_area_counts(get_language()).rows()
    total = sum(n for _name, _slug, n in rows)
    return [
        {"label": name, "slug": slug, "value": n, "share": round(100 * n / total, 1)}
        for name, slug, n in rows
    ]


# The statistics page's queries of rows by name, compiled once per language (and limit): SQL
# and parameters, never rows (rows() runs them each time), so an edit shows on the next
# request. Building and compiling them through modeltranslation took longer than running them.
# The names are read as the page shows them, the active language's else the original
# (translated(), as modeltranslation's values() falls back), as plain tuples (rewrite(False)).


@functools.lru_cache(maxsize=8)
def _focus_area_counts(language):
    return CompiledRows(
        FocusArea.objects.annotate(n=F("published_count__n"))  # kept: models/figures.py
        .filter(n__gt=0)
        .order_by("-n", by_name("name"))
        .rewrite(False)
        .values_list(translated("name", language), "slug", "n")
    )


def partnerships_by_vitality():
    """Published partnerships by vitality (partnerships/vitality.py), in the states' order,
    each with its share of all: one query on the maintained country pairs, a filtered sum per
    state in one pass (grouped by vitality, SQLite sorted the 4,000 pairs first: 0.8 ms)."""
    table = connection.ops.quote_name(CountryPairFigure._meta.db_table)
    with connection.cursor() as cursor:  # the model's table; the states are parameters
        cursor.execute(f"SELECT {_VITALITY_SUMS} FROM {table}", Partnership.Vitality.values)  # noqa: S608
        return _vitality_shares(cursor.fetchone())


# The published partnerships of each state, Partnership.Vitality's order, from the pairs.
_VITALITY_SUMS = ", ".join(["SUM(n) FILTER (WHERE vitality = %s)"] * len(Partnership.Vitality))


def _vitality_shares(sums):
    """partnerships_by_vitality()'s rows from the states' sums (a row of _VITALITY_SUMS:
    None for none; a whole number of any type, as a union's column may give it)."""
    counts = {
        state: int(n or 0) for state, n in zip(Partnership.Vitality.values, sums, strict=True)
    }
    total = sum(counts.values())
    return [
        {
            "label": label,
            "slug": state,
            "value": counts.get(state, 0),
            "share": round(100 * counts.get(state, 0) / total, 1) if total else 0,
        }
        for state, label in Partnership.Vitality.choices
    ]


def most_connected_cities(limit=TOP):
    """The cities with most published partnerships, most first (then by name): those whose
    count reaches the `limit`-th largest, ties for the last place included, from the top of the
    maintained counts' index."""
    if limit <= 0:
        return []
    names = country_names()
    return [
        {"label": name, "slug": slug, "country": names.get(country, ""), "value": n}
        for name, slug, country, n in _most_connected(get_language(), limit).rows()
    ]


@functools.lru_cache(maxsize=8)
def _most_connected(language, limit):
    last_place = CityPartnershipCount.objects.order_by("-n").values("n")[limit - 1 : limit]
    return CompiledRows(
        public_cities()
        .filter(partnership_count__gte=Coalesce(Subquery(last_place), 0))
        .order_by("-partnership_count", by_name("name"), "pk")[:limit]
        .rewrite(False)
        .values_list(translated("name", language), "slug", "country", "partnership_count")
    )


def _country_pair_sql(vitality, links, busiest=None, by_vitality=False):
    """One query over the maintained figures (models/figures.py): a row per country ("c",
    code, None, partnerships, located, latitude, east, north sums), a partnership counted once
    for a country even with both its cities there; and, with `links`, a row per pair of
    two countries ("l", code_a, code_b, partnerships; the lesser code first). Of one vitality
    if given. With `busiest`, only the pairs of two countries with located cities, as many
    partnerships as the `busiest`-th of those or more. With `by_vitality`, one row more: "v"
    and partnerships_by_vitality()'s sums of every state (of all, whatever `vitality`)."""
    sql, params = _country_pair_rows_sql(vitality, links, busiest)
    if by_vitality:
        table = connection.ops.quote_name(CountryPairFigure._meta.db_table)
        unused = ", NULL" * (5 - len(Partnership.Vitality))  # the row's other columns
        sql += f"UNION ALL SELECT 'v', NULL, NULL, {_VITALITY_SUMS}{unused} FROM {table}"  # noqa: S608
        params = [*params, *Partnership.Vitality.values]
    return sql, params


def _country_pair_rows_sql(vitality, links, busiest):
    quote = connection.ops.quote_name
    countries_table = quote(CountryFigure._meta.db_table)
    pairs_table = quote(CountryPairFigure._meta.db_table)
    of_vitality, params = ("vitality = %s AND", [vitality]) if vitality else ("", [])
    sql = f"""
        SELECT 'c', country, NULL, SUM(n), SUM(located), SUM(latitude), SUM(east), SUM(north)
        FROM {countries_table} WHERE {of_vitality} TRUE GROUP BY country
    """  # noqa: S608 (the tables' names from the models' options; the value is a parameter)
    if not links:
        return sql, params
    if busiest is None:
        sql += f"""
            UNION ALL
            SELECT 'l', country_a, country_b, SUM(n), NULL, NULL, NULL, NULL
            FROM {pairs_table} WHERE {of_vitality} country_a <> country_b
            GROUP BY country_a, country_b
        """  # noqa: S608 (as above)
        return sql, params * 2
    # The database picks the busiest (the last place's ties included), so that the 2,000
    # pairs at world scale need not all become objects: those with a centre at both ends.
    sql = f"""
        WITH country AS MATERIALIZED (
            SELECT country, SUM(n) AS n, SUM(located) AS located, SUM(latitude) AS latitude,
                SUM(east) AS east, SUM(north) AS north
            FROM {countries_table} WHERE {of_vitality} TRUE GROUP BY country
        ), placed AS MATERIALIZED (
            SELECT country FROM country WHERE located > 0
        ), linked AS MATERIALIZED (
            SELECT country_a, country_b, SUM(n) AS n FROM {pairs_table}
            WHERE {of_vitality} country_a <> country_b
            GROUP BY country_a, country_b
            -- Tested once a pair, not once a row of each vitality (SQLite: 0.2 ms of 2.5),
            -- and not at all when every country is placed, as at world scale (SQLite: the
            -- 2,000 pairs' 4,000 lookups 0.7 ms of 3.1; the first test is run once).
            HAVING NOT EXISTS (SELECT 1 FROM country WHERE located = 0)
            OR (country_a IN (SELECT country FROM placed)
                AND country_b IN (SELECT country FROM placed))
        )
        SELECT 'c', country, NULL, n, located, latitude, east, north FROM country
        UNION ALL
        SELECT 'l', country_a, country_b, n, NULL, NULL, NULL, NULL FROM linked
        WHERE n >= COALESCE((SELECT n FROM linked ORDER BY n DESC LIMIT 1 OFFSET %s), 0)
    """  # noqa: S608 (as above; the number is a parameter)
    return sql, params * 2 + [busiest - 1]


def partnerships_by_country_pair(vitality=None, links=True, busiest=None, by_vitality=False):
    """The world overview map's data: for each pair of countries (a partnership's two cities'
    countries), how many published partnerships join them, and where each country's cities
    lie (sums for CountryTotals), from the maintained figures. Returns ([CountryTotals],
    [CountryLink]) with each partnership counted once per country it touches; of one vitality
    if given; without the links if `links` is false; with `busiest` (a number), only the
    links between countries with located cities (those a map can draw) as busy as the
    `busiest`-th of them or busier: all a map needs that draws and lists fewer. With
    `by_vitality`, partnerships_by_vitality() third, from the same statement (the home page)."""
    with connection.cursor() as cursor:
        cursor.execute(*_country_pair_sql(vitality, links, busiest, by_vitality))
        rows = cursor.fetchall()
    totals = {}
    pairs = {}
    names = country_names()
    shares = None
    for kind, a, b, n, located, latitude, east, north in rows:  # pairs: the lesser code first
        if kind == "l":
            pairs[a, b] = n
            continue
        if kind == "v":
            shares = _vitality_shares(
                (n, located, latitude, east, north)[: len(Partnership.Vitality)]
            )
            continue
        totals[a] = CountryTotals(
            a,
            names.get(a) or a,
            partnerships=n,
            located=located,
            latitude_sum=float(latitude),
            east_sum=float(east),
            north_sum=float(north),
        )
    country_links = [CountryLink(totals[a], totals[b], n) for (a, b), n in pairs.items()]
    if by_vitality:
        return list(totals.values()), country_links, shares
    return list(totals.values()), country_links


CITY_TOP_COUNTRIES = 10


@dataclass
class CityFigures:
    """A city page's own small figures: its partnerships by the partner's country and by
    decade of founding, its activities per year, and the headline numbers."""

    partner_countries: list
    decades: list
    activity_years: list
    country_count: int
    first_year: int | None
    activity_count: int
    partnership_count: int  # its published partnerships


def city_figures(city, activity_years=None, partnerships=None):
    """Two queries: the city's published partnerships grouped by partner country and year
    of founding, and its partnerships' dated activities per year; one when the caller has
    those counts already (`activity_years`, {year: activities}: the city page reads them with
    the milestones for its report links, reports.record_years); none when it has both, with
    `partnerships`: (partner's country, date of founding or None) of every one of the city's
    published partnerships (the city page's list, when it lists them all)."""
    per_country, per_year = Counter(), Counter()
    if partnerships is not None:
        for country, established in partnerships:
            per_country[country] += 1
            if established is not None:
                per_year[established.year] += 1
    else:
        partner_country = Case(
            When(city_a=city, then=F("city_b__country")), default=F("city_a__country")
        )
        rows = (
            Partnership.objects.published()
            .involving(city)
            .order_by()
            .annotate(partner_country=partner_country, year=DatePart("established", "year"))
            .values("partner_country", "year")
            .annotate(n=Count("*"))
        )
        for row in rows:
            per_country[row["partner_country"]] += row["n"]
            if row["year"] is not None:
                per_year[row["year"]] += row["n"]
    named = [
        {"code": code, "label": country_name(code) or code, "value": n}
        for code, n in per_country.items()
    ]
    activity_years = activities_per_year(
        Activity.objects.published().involving(city) if activity_years is None else None,
        activity_years,
    )
    return CityFigures(
        partner_countries=sorted(named, key=lambda row: (-row["value"], row["label"]))[
            :CITY_TOP_COUNTRIES
        ],
        decades=_per_decade(per_year),
        activity_years=activity_years,
        country_count=len(per_country),
        first_year=int(min(per_year)) if per_year else None,
        activity_count=sum(row["value"] for row in activity_years),
        partnership_count=sum(per_country.values()),
    )
