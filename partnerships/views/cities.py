"""The city directory and a city's profile: its partnerships, map and figures."""

import datetime
import functools
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Exists, F, OuterRef
from django.http import Http404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView
from django_filters.views import FilterView

from cities import maps
from cities.models import City, CityFigure
from core import charts
from core.addresses import slug_addresses
from core.choices import choice_label, country_name
from core.compiled_rows import SLOT, TEXT_SLOT, CompiledRows
from core.dates import format_partial_date
from core.translated import ORIGINAL, column

from .. import reports, statistics
from ..filters import CityFilter
from ..models import (
    PartnerSearch,
    Partnership,
    listed_cities,
)
from . import PAGE_SIZE

# The most partners a city page lists; the rest are one click away in the filtered list.
CITY_PARTNER_LIMIT = 100


@dataclass(frozen=True, slots=True)
class ListedPartnership:
    """What the city page reads of a listed partnership (CityDetailView.partners)."""

    slug: str
    kind: str
    status: str
    established: datetime.date | None
    established_precision: str

    @property
    def established_display(self):
        return format_partial_date(self.established, self.established_precision)


@dataclass(frozen=True, slots=True)
class PartnerCity:
    """What the city page and its map (cities.maps.city_map) read of a partner city: its
    name in the visitor's language and its country's code."""

    pk: int
    name: str
    country: str
    latitude: Decimal | None
    longitude: Decimal | None

    has_coordinates = City.has_coordinates


_SIDE = 6  # the columns of each city in a row of _partners_query()
_CITY_FIELDS = [field.attname for field in City._meta.concrete_fields]
_FIGURE_FIELDS = [field.attname for field in CityFigure._meta.concrete_fields]


@dataclass(frozen=True)
class _CityStatements:
    city: CompiledRows  # by slug: its fields (_CITY_FIELDS), then whether it seeks a partner
    figures: CompiledRows  # by the city's key: its key figures' fields (_FIGURE_FIELDS)


@functools.lru_cache(maxsize=4)
def _city_statements(alias, today):
    """CityDetailView.get_object()'s statements, compiled once a day (the listings current
    on `today`)."""
    seeking = PartnerSearch.objects.current(today).filter(city=OuterRef("pk"))
    return _CityStatements(
        CompiledRows(
            City.objects.using(alias)
            .rewrite(False)
            .filter(slug=TEXT_SLOT)
            .order_by()
            .annotate(is_seeking=Exists(seeking))
            .values_list(*_CITY_FIELDS, "is_seeking")
        ),
        CompiledRows(
            CityFigure.objects.using(alias)
            .rewrite(False)
            .filter(city=SLOT)
            .values_list(*_FIGURE_FIELDS)
        ),
    )


@functools.lru_cache(maxsize=8)
def _partners_query(language, alias):
    """CityDetailView.partners()' statement, compiled once per language: building and compiling
    the query cost more than running it."""
    names = [column("name", language), column("name", ORIGINAL)]
    city_columns = ["id", *names, "country", "latitude", "longitude"]
    rows = (
        Partnership.objects.using(alias)
        .rewrite(False)
        .published()
        .involving(SLOT)
        .order_by(F("established").asc(nulls_last=True), "id")
        .values_list(
            "slug",
            "kind",
            "status",
            "established",
            "established_precision",
            *(f"{side}__{name}" for side in ("city_a", "city_b") for name in city_columns),
        )
    )[:CITY_PARTNER_LIMIT]
    return CompiledRows(rows)


class CityListView(FilterView):
    filterset_class = CityFilter
    template_name = "cities/city_list.html"
    context_object_name = "cities"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return listed_cities()

    def get_paginator(self, *args, **kwargs):
        paginator = super().get_paginator(*args, **kwargs)
        count = self.filterset.figure_count()
        if count is not None:
            paginator.count = count  # every public city: counted by the maintained counts
        return paginator


class CityDetailView(DetailView):
    template_name = "cities/city_detail.html"
    context_object_name = "city"

    def get_object(self, queryset=None):
        """The city by its slug, whether it has a current "seeking a partner" listing (a notice)
        and its key figures (`key_figures`), by statements compiled once a day: building them
        took half of the view's time. Public (with a published partnership): told by its list
        of partnerships, read in any case (get_context_data), not by a test here
        (finder.public_q, a query's worth of work); its partnership_count comes with its
        figures."""
        statements = _city_statements(City.objects.db, timezone.localdate())
        found = statements.city.rows(self.kwargs[self.slug_url_kwarg])
        if not found:
            raise Http404("No city with this address.")
        *values, is_seeking = found[0]
        city = City.from_db(statements.city.db, _CITY_FIELDS, values)
        city.is_seeking = is_seeking
        self.key_figures = [
            CityFigure.from_db(statements.figures.db, _FIGURE_FIELDS, row)
            for row in statements.figures.rows(city.pk)
        ]
        return city

    def get_context_data(self, **kwargs):
        city = self.object
        partners = self.partners(city)
        if not partners:
            raise Http404("No published partnership: not a public city.")
        # The years with records, for the report links; their activities are the figures' too.
        years = reports.city_record_years(city)
        figures = statistics.city_figures(
            city,
            {year: n for year, (n, _milestones) in years.items() if n},
            # All of its partnerships, when all are listed: the figures count them here.
            [(partner.country, p.established) for p, partner in partners]
            if len(partners) < CITY_PARTNER_LIMIT
            else None,
        )
        city.partnership_count = figures.partnership_count
        # Linked twice each (the list and the map): one reverse() for all of them.
        urls = slug_addresses("partnership_detail", [p.slug for p, _partner in partners])
        return super().get_context_data(
            partners=self.partner_rows(partners, urls),
            map=maps.city_map(city, partners, urls),
            figures=figures,
            charts=self.charts(city, figures),
            report_links=self.report_links(city, [p for p, _partner in partners], years),
            key_figures=self.key_figures,
            **kwargs,
        )

    @staticmethod
    def partners(city):
        """(partnership, partner city) of the partnerships listed, earliest first, as light
        objects with what the list, the map and the report links read: the partnerships'
        and both cities' whole rows (every text in every language) cost more to build than
        the rest of the page's list."""
        rows = _partners_query(get_language(), Partnership.objects.db).rows(city.pk)
        partners = []
        for slug, kind, status, established, precision, *sides in rows:
            # Each side: its key, name in the language and the original, country and place.
            a, b = sides[:_SIDE], sides[_SIDE:]
            pk, name, original, country, latitude, longitude = b if a[0] == city.pk else a
            partners.append(
                (
                    ListedPartnership(slug, kind, status, established, precision),
                    # The name as City.name reads it: else the original.
                    PartnerCity(pk, name or original, country, latitude, longitude),
                )
            )
        return partners

    @staticmethod
    def partner_rows(partners, urls):
        """What the list shows of each partnership, as plain values: the template's lookups of
        model attributes cost more than the rest of a row (country names from the per-language
        table of core.choices)."""
        labels = {}  # each kind and status translated once, not once per row

        def label(choices, value):
            if (choices, value) not in labels:
                labels[choices, value] = str(choice_label(choices, value))
            return labels[choices, value]

        rows = []
        for (partnership, partner), url in zip(partners, urls, strict=True):
            rows.append(
                {
                    "url": url,
                    "name": partner.name,
                    "country": country_name(partner.country),
                    "kind": label(Partnership.Kind, partnership.kind),
                    "since": partnership.established_display,  # "" when not known
                    "status": label(Partnership.Status, partnership.status),
                }
            )
        return rows

    @staticmethod
    def report_links(city, partnerships, years):
        """The years with a record (`years`: reports.record_years) of the city's published
        partnerships, newest first, each with its annual report's address. Its earliest
        partnership is among those listed: they come earliest first."""
        today = timezone.localdate()
        years = reports.years_with_records(
            years, reports.beginning(partnerships[:1], years, today), today
        )
        return reports.year_links("city_report", city.slug, years)

    @staticmethod
    def charts(city, figures):
        """The city's small charts, by name; a series of one bar or column is left out, as it
        says nothing the headline numbers don't."""
        names = {"city": city.name}
        series = [
            ("countries", figures.partner_countries, charts.bar_chart,
             _("Partnerships of %(city)s by the partner’s country") % names),
            ("decades", figures.decades, charts.column_chart,
             _("Partnerships of %(city)s by decade of founding") % names),
            ("years", figures.activity_years, charts.column_chart,
             _("Activities of the partnerships of %(city)s per year") % names),
        ]  # fmt: skip
        return {
            name: {
                "rows": rows,
                "drawings": charts.responsive(
                    draw, rows, chart_id=f"city-chart-{name}", title=title
                ),
            }
            for name, rows, draw, title in series
            if len(rows) > 1
        }
