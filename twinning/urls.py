from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.static import serve

from partnerships import views as partnership_views
from twinning import views
from twinning.page_cache import cached_page

urlpatterns = [
    path("", cached_page(views.HomeView.as_view()), name="home"),
    path("healthz", views.healthz, name="healthz"),
    path(
        "partnerships/",
        cached_page(partnership_views.PartnershipListView.as_view()),
        name="partnership_list",
    ),
    path(
        "partnerships/<slug:slug>/",
        cached_page(partnership_views.PartnershipDetailView.as_view()),
        name="partnership_detail",
    ),
    path("cities/", cached_page(partnership_views.CityListView.as_view()), name="city_list"),
    path(
        "cities/<slug:slug>/",
        cached_page(partnership_views.CityDetailView.as_view()),
        name="city_detail",
    ),
    path(
        "topics/<slug:slug>/",
        cached_page(partnership_views.TopicDetailView.as_view()),
        name="topic_detail",
    ),
    path(
        "activities/",
        cached_page(partnership_views.ActivityListView.as_view()),
        name="activity_list",
    ),
    path("search/", cached_page(partnership_views.SearchView.as_view()), name="search"),
    path(
        "anniversaries/",
        cached_page(partnership_views.AnniversaryListView.as_view()),
        name="anniversary_list",
    ),
    path(
        "statistics/",
        cached_page(partnership_views.StatisticsView.as_view()),
        name="statistics",
    ),
    # Open data: feeds and calendars, exports, and what search engines read.
    path("", include("partnerships.feed_urls")),
    path("", include("partnerships.export_urls")),
    path("", include("twinning.seo_urls")),
    path(settings.ADMIN_URL, admin.site.urls),
]

if settings.SERVE_MEDIA:
    # Uploaded images for the demo and small single-server sites; a proxy serves them otherwise.
    urlpatterns += [
        path(
            f"{settings.MEDIA_URL.strip('/')}/<path:path>",
            serve,
            {"document_root": settings.MEDIA_ROOT},
        )
    ]
