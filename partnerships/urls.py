"""The public pages about partnerships, under each language's prefix (twinning/urls.py puts them
there). The city pages are here too: they show a city's partnerships, and cities do not know
partnerships (an import-linter contract)."""

from django.urls import include, path

from core.page_cache import cached_page

from . import views

urlpatterns = [
    path(
        "partnerships/",
        cached_page(views.PartnershipListView.as_view()),
        name="partnership_list",
    ),
    path(
        "partnerships/<slug:slug>/",
        cached_page(views.PartnershipDetailView.as_view()),
        name="partnership_detail",
    ),
    path("cities/", cached_page(views.CityListView.as_view()), name="city_list"),
    path(
        "cities/<slug:slug>/",
        cached_page(views.CityDetailView.as_view()),
        name="city_detail",
    ),
    path(
        "topics/<slug:slug>/",
        cached_page(views.TopicDetailView.as_view()),
        name="topic_detail",
    ),
    path(
        "activities/",
        cached_page(views.ActivityListView.as_view()),
        name="activity_list",
    ),
    path("search/", cached_page(views.SearchView.as_view()), name="search"),
    path(
        "anniversaries/",
        cached_page(views.AnniversaryListView.as_view()),
        name="anniversary_list",
    ),
    path(
        "statistics/",
        cached_page(views.StatisticsView.as_view()),
        name="statistics",
    ),
    # Feeds and calendars: their titles and texts are in the page's language too.
    path("", include("partnerships.opendata.feed_urls")),
]
