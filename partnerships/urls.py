"""The public pages about partnerships, under each language's prefix (twinning/urls.py puts them
there). The city pages are here too: they show a city's partnerships, and cities do not know
partnerships (an import-linter contract)."""

from django.urls import include, path, register_converter

from core.page_cache import cached_page

from .views import cities, figures, finder, media, partnerships, reports, search


class YearConverter:
    """A year of four digits: anything else is no match (404)."""

    regex = "[0-9]{4}"

    def to_python(self, value):
        return int(value)

    def to_url(self, value):
        return f"{int(value):04d}"


register_converter(YearConverter, "year")


def report_paths(prefix, view, name):
    """The annual report of a partnership or city: the page, its PDF and its CSV file."""
    return [
        path(f"{prefix}/<slug:slug>/report/<year:year>/", cached_page(view), name=name),
        path(
            f"{prefix}/<slug:slug>/report/<year:year>/report.pdf",
            cached_page(view),
            {"fmt": "pdf"},
            name=f"{name}_pdf",
        ),
        path(
            f"{prefix}/<slug:slug>/report/<year:year>/report.csv",
            cached_page(view),
            {"fmt": "csv"},
            name=f"{name}_csv",
        ),
    ]


urlpatterns = [
    path(
        "partnerships/",
        cached_page(partnerships.PartnershipListView.as_view()),
        name="partnership_list",
    ),
    path(
        "partnerships/<slug:slug>/",
        cached_page(partnerships.PartnershipDetailView.as_view()),
        name="partnership_detail",
    ),
    *report_paths("partnerships", reports.partnership_report, "partnership_report"),
    path("cities/", cached_page(cities.CityListView.as_view()), name="city_list"),
    path(
        "cities/<slug:slug>/",
        cached_page(cities.CityDetailView.as_view()),
        name="city_detail",
    ),
    *report_paths("cities", reports.city_report, "city_report"),
    path(
        "cities/<slug:slug>/partners-like-you/",
        cached_page(finder.PartnerFinderView.as_view()),
        name="partner_finder",
    ),
    path("seeking/", cached_page(finder.SeekingListView.as_view()), name="seeking_list"),
    path(
        "topics/<slug:slug>/",
        cached_page(partnerships.TopicDetailView.as_view()),
        name="topic_detail",
    ),
    path(
        "activities/",
        cached_page(partnerships.ActivityListView.as_view()),
        name="activity_list",
    ),
    path("search/", cached_page(search.SearchView.as_view()), name="search"),
    # Not through the page cache: a file, and its headers are the view's own.
    path("documents/<int:pk>/download/", media.download, name="document_download"),
    path(
        "anniversaries/",
        cached_page(figures.AnniversaryListView.as_view()),
        name="anniversary_list",
    ),
    path(
        "statistics/",
        cached_page(figures.StatisticsView.as_view()),
        name="statistics",
    ),
    # Feeds and calendars: their titles and texts are in the page's language too.
    path("", include("partnerships.opendata.feed_urls")),
]
