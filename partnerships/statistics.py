"""Figures for the statistics page, the home page's world map and a city page: published
records only, one query per function.

Each function returns plain data (lists of dicts) for core.charts to draw and the
page's tables to list. Gaps in the time series (years or decades without any) are filled
with zeros in Python, so a chart's axis keeps its scale.
"""

from collections import Counter
from dataclasses import dataclass

from django.db import connection
from django.db.models import Case, Count, F, FloatField, Q, Sum, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Cos, Radians, Sin
from django.utils.translation import gettext
from django_countries import countries

from core.dates import DatePart
from core.translated import by_name

from .maps import CountryLink, CountryTotals
from .models import Activity, FocusArea, Partnership, public_cities

TOP = 20
# Time series longer than this (bad data, e.g. a year 1200) are not padded with empty years.
MAX_FILLED_SPAN = 300


def partnerships_per_country(limit=TOP):
    """The countries with most published partnerships, most first.

    A partnership counts for each of its two countries; for one country only once when
    both cities are in it.
    """
    totals, _links = partnerships_by_country_pair()
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
    """Published partnerships by decade of founding, oldest first: label "1990s"."""
    rows = (
        Partnership.objects.published()
        .filter(established__isnull=False)
        .annotate(year=DatePart("established", "year"))
        .values("year")
        .annotate(n=Count("*"))
        .order_by("year")
    )
    return _per_decade({row["year"]: row["n"] for row in rows})


def activities_per_year(activities=None):
    """Dated activities of published partnerships (or the given ones) by the year they
    started, oldest first."""
    rows = (
        (Activity.objects.published() if activities is None else activities)
        .filter(start_date__isnull=False)
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
    rows = list(
        FocusArea.objects.annotate(
            n=Count("partnerships", filter=Q(partnerships__state=Partnership.State.PUBLISHED))
        )
        .filter(n__gt=0)
        .order_by("-n", by_name("name"))
        .values("name", "slug", "n")
    )
    total = sum(row["n"] for row in rows)
    return [
        {
            "label": row["name"],
            "slug": row["slug"],
            "value": row["n"],
            "share": round(100 * row["n"] / total, 1),
        }
        for row in rows
    ]


def partnerships_by_vitality():
    """Published partnerships by vitality (partnerships/vitality.py), in the states' order,
    each with its share of all: one query on the stored state."""
    counts = dict(
        Partnership.objects.published()
        .order_by()
        .values("vitality")
        .annotate(n=Count("*"))
        .values_list("vitality", "n")
    )
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


def _most_connected_ids(limit):
    """SQL for the ids of the cities with the `limit` largest numbers of published
    partnerships, ties for the last place included: one grouped pass over both sides' city
    columns, read from their narrow indexes. (Ordering every public city by a count
    subquery each made the database count for tens of thousands of cities.)"""
    quote = connection.ops.quote_name
    table = quote(Partnership._meta.db_table)
    city_a, city_b = (quote(Partnership._meta.get_field(f).column) for f in ("city_a", "city_b"))
    state = Partnership.State.PUBLISHED
    sql = f"""
        WITH sides AS (
            SELECT {city_a} AS city FROM {table} WHERE state = %s
            UNION ALL SELECT {city_b} FROM {table} WHERE state = %s
        ), counts AS (SELECT city, COUNT(*) AS n FROM sides GROUP BY city)
        SELECT city FROM counts
        WHERE n >= COALESCE((SELECT n FROM counts ORDER BY n DESC LIMIT 1 OFFSET %s), 0)
    """  # noqa: S608 (names quoted from the model's own options; values are parameters)
    return RawSQL(sql, [state, state, limit - 1])  # noqa: S611 (as above)


def most_connected_cities(limit=TOP):
    """The cities with most published partnerships, most first (then by name)."""
    if limit <= 0:
        return []
    rows = (
        public_cities()
        .filter(pk__in=_most_connected_ids(limit))
        .order_by("-partnership_count", by_name("name"), "pk")[:limit]
    )
    return [
        {
            "label": row["name"],
            "slug": row["slug"],
            "country": countries.name(row["country"]),
            "value": row["partnership_count"],
        }
        for row in rows.values("name", "slug", "country", "partnership_count")
    ]


def partnerships_by_country_pair(vitality=None):
    """The world overview map's data in one grouped query: for each pair of countries
    (a partnership's two cities' countries), how many published partnerships join them and
    where their cities lie (sums for CountryTotals). Returns ([CountryTotals], [CountryLink])
    with each partnership counted once per country it touches; of one vitality if given."""
    published = Partnership.objects.published()
    if vitality:
        published = published.filter(vitality=vitality)
    located = {}
    for side in ("city_a", "city_b"):
        lat = F(f"{side}__latitude")
        lon = Radians(f"{side}__longitude")
        has = Q(**{f"{side}__latitude__isnull": False})
        located[side] = {
            f"{side}_located": Count("pk", filter=has),
            f"{side}_lat": Sum(lat, filter=has, output_field=FloatField()),
            f"{side}_east": Sum(Cos(lon), filter=has, output_field=FloatField()),
            f"{side}_north": Sum(Sin(lon), filter=has, output_field=FloatField()),
        }
    rows = (
        published.order_by()
        .values("city_a__country", "city_b__country")
        .annotate(n=Count("*"), **located["city_a"], **located["city_b"])
    )
    totals = {}

    def country(code):
        found = totals.get(code)
        if found is None:
            found = totals[code] = CountryTotals(code, countries.name(code) or code)
        return found

    pairs = Counter()
    for row in rows:
        a, b = row["city_a__country"], row["city_b__country"]
        for side, code in (("city_a", a), ("city_b", b)):
            totals_for = country(code)
            totals_for.located += row[f"{side}_located"]
            totals_for.latitude_sum += row[f"{side}_lat"] or 0.0
            totals_for.east_sum += row[f"{side}_east"] or 0.0
            totals_for.north_sum += row[f"{side}_north"] or 0.0
        country(a).partnerships += row["n"]
        if b != a:
            country(b).partnerships += row["n"]
            pairs[tuple(sorted((a, b)))] += row["n"]
    links = [CountryLink(totals[a], totals[b], n) for (a, b), n in pairs.items()]
    return list(totals.values()), links


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


def city_figures(city):
    """Two queries: the city's published partnerships grouped by partner country and year
    of founding, and its partnerships' dated activities per year."""
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
    per_country, per_year = Counter(), Counter()
    for row in rows:
        per_country[row["partner_country"]] += row["n"]
        if row["year"] is not None:
            per_year[row["year"]] += row["n"]
    named = [
        {"code": code, "label": countries.name(code) or code, "value": n}
        for code, n in per_country.items()
    ]
    activity_years = activities_per_year(Activity.objects.published().involving(city))
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
