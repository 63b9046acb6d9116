from django import forms
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.generic import DetailView, ListView, TemplateView
from django_filters.views import FilterView

from cities import geography, maps
from core import charts
from core.translated import by_name

from . import search, statistics, timeline
from .anniversaries import Jubilees, jubilee_queryset
from .filters import ActivityFilter, CityFilter, PartnershipFilter
from .models import Activity, FocusArea, Partnership, public_cities

PAGE_SIZE = 20
TOPIC_LIST_SIZE = 20
# The most partners a city page lists; the rest are one click away in the filtered list.
CITY_PARTNER_LIMIT = 100
# The most activities each section of a partnership page shows; the rest are in the activity list.
ACTIVITY_SECTION_SIZE = 20


class PartnershipListView(FilterView):
    filterset_class = PartnershipFilter
    template_name = "partnerships/partnership_list.html"
    context_object_name = "partnerships"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        # By name as the visitor reads it (Meta.ordering would use the translation's column
        # alone); a sort or a search chosen in the filters replaces this order.
        return (
            Partnership.objects.published()
            .with_cities()
            .order_by(by_name("city_a__name"), by_name("city_b__name"), "pk")
        )


class PartnershipDetailView(DetailView):
    template_name = "partnerships/partnership_detail.html"
    context_object_name = "partnership"
    # Staff preview, reached only through the admin (which checks login and scope):
    # unpublished partnerships too, under a "not published" banner.
    preview = False

    def get_queryset(self):
        partnerships = (
            Partnership.objects.all() if self.preview else Partnership.objects.published()
        )
        return partnerships.for_page()

    def get_context_data(self, **kwargs):
        sections = self.object.activities.sections(timezone.localdate(), ACTIVITY_SECTION_SIZE)
        return super().get_context_data(
            upcoming=sections["upcoming"],
            past=sections["past"],
            undated=sections["undated"],
            age_in_years=self.object.age_in_years(),
            next_jubilee=self.object.next_jubilee(),
            geography=geography.between(self.object.city_a, self.object.city_b),
            # The two cities are loaded already: the map adds no query.
            map=maps.partnership_map(self.object),
            # From what is loaded already: the prefetched milestones, the sections' activities.
            timeline=timeline.charts(
                self.object.milestones.all(),
                sections["upcoming"].activities + sections["past"].activities,
            ),
            preview=self.preview,
            **kwargs,
        )


class CityListView(FilterView):
    filterset_class = CityFilter
    template_name = "cities/city_list.html"
    context_object_name = "cities"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return public_cities().order_by(by_name("name"), "country", "pk")


class CityDetailView(DetailView):
    template_name = "cities/city_detail.html"
    context_object_name = "city"

    def get_queryset(self):
        return public_cities().prefetch_related("figures")

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
        return super().get_context_data(
            partners=partners,
            map=maps.city_map(city, partners),
            figures=figures,
            charts=self.charts(city, figures),
            **kwargs,
        )

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


class TopicDetailView(DetailView):
    model = FocusArea
    template_name = "partnerships/topic_detail.html"
    context_object_name = "topic"

    def get_context_data(self, **kwargs):
        partnerships = (
            Partnership.objects.published()
            .filter(focus_areas=self.object)
            .with_cities()
            .order_by(by_name("city_a__name"), by_name("city_b__name"), "pk")
        )
        activities = (
            Activity.objects.published()
            .filter(focus_areas=self.object)
            .select_related("partnership__city_a", "partnership__city_b")
            .order_by(F("start_date").desc(nulls_last=True), "-id")
        )
        return super().get_context_data(
            partnerships=partnerships[:TOPIC_LIST_SIZE],
            partnership_count=partnerships.count(),
            activities=activities[:TOPIC_LIST_SIZE],
            activity_count=activities.count(),
            **kwargs,
        )


class ActivityListView(FilterView):
    filterset_class = ActivityFilter
    template_name = "partnerships/activity_list.html"
    context_object_name = "activities"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return (
            Activity.objects.published()
            .select_related("partnership__city_a", "partnership__city_b")
            .prefetch_related("focus_areas")
            .order_by(F("start_date").desc(nulls_last=True), "-id")
        )


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search partnerships"),
        max_length=search.MAX_QUERY_LENGTH,
        error_messages={
            "required": _("Type a word to search for: a city, a topic, an activity."),
            "max_length": _(
                "That is too long to search for: use at most %(limit_value)d characters "
                "(this has %(show_value)d)."
            ),
        },
    )


class SearchView(ListView):
    """/search/?q=…: published partnerships matching the words, best first, with a snippet."""

    template_name = "partnerships/search.html"
    context_object_name = "results"
    paginate_by = PAGE_SIZE

    def get(self, request, *args, **kwargs):
        self.form = SearchForm(request.GET if "q" in request.GET else None)
        self.query = self.form.cleaned_data["q"] if self.form.is_valid() else ""
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if not self.query:
            return Partnership.objects.none()
        found = search.search(
            Partnership.objects.published().select_related("city_a", "city_b"), self.query
        )
        return search.with_snippet_sources(found, self.query)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        results = list(context["object_list"])
        for partnership in results:
            partnership.snippet = search.snippet(partnership, self.query)
        context.update(
            results=results,
            object_list=results,
            form=self.form,
            query=self.query,
            full_text=search.is_full_text(Partnership.objects.db),
        )
        return context


class AnniversaryListView(ListView):
    """/anniversaries/: the round anniversaries of the coming twelve months, soonest first."""

    template_name = "partnerships/anniversary_list.html"
    context_object_name = "jubilees"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        published = Partnership.objects.published().select_related("city_a", "city_b")
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
        return context
