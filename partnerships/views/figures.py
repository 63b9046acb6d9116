"""Partnerships in figures: the anniversaries and the statistics."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import ListView, TemplateView

from core import charts

from .. import statistics, vitality
from ..anniversaries import Jubilees, jubilee_queryset
from ..models import Partnership
from . import PAGE_SIZE


class AnniversaryListView(ListView):
    """/anniversaries/: the round anniversaries of the coming twelve months, soonest first."""

    template_name = "partnerships/anniversary_list.html"
    context_object_name = "jubilees"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        published = Partnership.objects.published().named()
        return Jubilees(jubilee_queryset(published, timezone.localdate()))


class StatisticsView(TemplateView):
    """/statistics/: charts of the published partnerships, each followed by its data table."""

    template_name = "partnerships/statistics.html"
    # (name, the aggregation, how it is drawn, the chart's title)
    CHARTS = [
        (
            "countries",
            statistics.partnerships_per_country,
            charts.bar_chart,
            _("Partnerships per country, top 20"),
        ),
        (
            "decades",
            statistics.partnerships_per_decade,
            charts.column_chart,
            _("Partnerships per decade of founding"),
        ),
        ("years", statistics.activities_per_year, charts.column_chart, _("Activities per year")),
        (
            "focus_areas",
            statistics.focus_area_shares,
            charts.bar_chart,
            _("Partnerships per focus area"),
        ),
        (
            "cities",
            statistics.most_connected_cities,
            charts.bar_chart,
            _("The most connected cities, top 20"),
        ),
        (
            "vitality",
            statistics.partnerships_by_vitality,
            charts.bar_chart,
            _("Partnerships by vitality"),
        ),
    ]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["charts"] = {}
        for name, aggregate, draw, title in self.CHARTS:
            rows = aggregate()
            chart_id = "chart-" + name.replace("_", "-")
            context["charts"][name] = {
                "rows": rows,
                "drawings": charts.responsive(draw, rows, chart_id=chart_id, title=title),
            }
        context["vitality_rules"] = vitality.rules()
        return context
