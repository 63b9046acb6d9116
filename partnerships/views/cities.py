"""The city directory and a city's profile: its partnerships, map and figures."""

from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView
from django_filters.views import FilterView

from cities import maps
from core import charts
from core.addresses import slug_addresses

from .. import reports, statistics
from ..filters import CityFilter
from ..models import (
    Activity,
    Milestone,
    PartnerSearch,
    Partnership,
    listed_cities,
    public_cities,
)
from . import PAGE_SIZE

# The most partners a city page lists; the rest are one click away in the filtered list.
CITY_PARTNER_LIMIT = 100


class CityListView(FilterView):
    filterset_class = CityFilter
    template_name = "cities/city_list.html"
    context_object_name = "cities"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return listed_cities()


class CityDetailView(DetailView):
    template_name = "cities/city_detail.html"
    context_object_name = "city"

    def get_queryset(self):
        # Whether it has a current "seeking a partner" listing: a notice, at no extra query.
        return (
            public_cities()
            .prefetch_related("figures")
            .annotate(
                is_seeking=Exists(PartnerSearch.objects.current().filter(city=OuterRef("pk")))
            )
        )

    def get_context_data(self, **kwargs):
        city = self.object
        partnerships = (
            Partnership.objects.published()
            .involving(city)
            .select_related("city_a", "city_b")
            .order_by(F("established").asc(nulls_last=True), "id")
        )[:CITY_PARTNER_LIMIT]
        figures = statistics.city_figures(city)
        partners = [(p, p.city_b if p.city_a_id == city.pk else p.city_a) for p in partnerships]
        # Linked twice each (the list and the map): one reverse() for all of them.
        urls = slug_addresses("partnership_detail", [p.slug for p, _partner in partners])
        return super().get_context_data(
            partners=self.partner_rows(partners, urls),
            map=maps.city_map(city, partners, urls),
            figures=figures,
            charts=self.charts(city, figures),
            report_links=self.report_links(city, [p for p, _partner in partners]),
            **kwargs,
        )

    @staticmethod
    def partner_rows(partners, urls):
        """What the list shows of each partnership, as plain values: the template's lookups of
        model attributes cost more than the rest of a row, and a country's name is looked up
        once however many partners it has."""
        country_names = {}
        rows = []
        for (partnership, partner), url in zip(partners, urls, strict=True):
            country = partner.country
            if country.code not in country_names:
                country_names[country.code] = country.name
            rows.append(
                {
                    "url": url,
                    "name": partner.name,
                    "country": country_names[country.code],
                    "kind": partnership.kind_label,
                    "since": partnership.established_display,  # "" when not known
                    "status": partnership.status_label,
                }
            )
        return rows

    @staticmethod
    def report_links(city, partnerships):
        """The years with a record of the city's published partnerships, newest first, each
        with its annual report's address (one query). Its earliest partnership is among those
        listed: they come earliest first."""
        today = timezone.localdate()
        years = reports.record_years(
            Activity.objects.published().involving(city),
            Milestone.objects.published().involving(city),
        )
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
