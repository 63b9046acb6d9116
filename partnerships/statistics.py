"""Figures for the statistics page: published records only, one query per function.

Each function returns plain data (lists of dicts) for twinning.charts to draw and the
page's tables to list. Gaps in the time series (years or decades without any) are filled
with zeros in Python, so a chart's axis keeps its scale.
"""

from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, ExtractYear
from django_countries import countries

from cities.models import City

from .models import Activity, FocusArea, Partnership, public_cities

TOP = 20
# Time series longer than this (bad data, e.g. a year 1200) are not padded with empty years.
MAX_FILLED_SPAN = 300


def partnerships_per_country(limit=TOP):
    """The countries with most published partnerships, most first.

    A partnership counts for each of its two countries; for one country only once when
    both cities are in it.
    """
    published = Partnership.objects.published().order_by()

    def count_on(side, **exclude):
        found = published.filter(**{side: OuterRef("pk")})
        if exclude:
            found = found.exclude(**exclude)
        return Coalesce(
            Subquery(
                found.values(side).annotate(n=Count("pk")).values("n"),
                output_field=IntegerField(),
            ),
            0,
        )

    rows = (
        City.objects.annotate(
            n=count_on("city_a") + count_on("city_b", city_a__country=F("city_b__country"))
        )
        .values("country")
        .annotate(total=Sum("n"))
        .filter(total__gt=0)
        .order_by("-total", "country")[:limit]
    )
    return [
        {"code": row["country"], "label": countries.name(row["country"]), "value": row["total"]}
        for row in rows
    ]


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


def partnerships_per_decade():
    """Published partnerships by decade of founding, oldest first: label "1990s"."""
    rows = (
        Partnership.objects.published()
        .filter(established__isnull=False)
        .annotate(year=ExtractYear("established"))
        .values("year")
        .annotate(n=Count("pk"))
        .order_by("year")
    )
    decades = {}
    for row in rows:
        decade = int(row["year"]) // 10 * 10
        decades[decade] = decades.get(decade, 0) + row["n"]
    return [
        {"decade": decade, "label": f"{decade}s", "value": n} for decade, n in _filled(decades, 10)
    ]


def activities_per_year():
    """Dated activities of published partnerships by the year they started, oldest first."""
    rows = (
        Activity.objects.published()
        .filter(start_date__isnull=False)
        .annotate(year=ExtractYear("start_date"))
        .values("year")
        .annotate(n=Count("pk"))
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
        .order_by("-n", "name")
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


def most_connected_cities(limit=TOP):
    """The cities with most published partnerships, most first."""
    rows = public_cities().order_by("-partnership_count", "name", "pk")[:limit]
    return [
        {
            "label": row["name"],
            "slug": row["slug"],
            "country": countries.name(row["country"]),
            "value": row["partnership_count"],
        }
        for row in rows.values("name", "slug", "country", "partnership_count")
    ]
