"""sitemap.xml, robots.txt and favicon.ico."""

from django.contrib.sitemaps import views as sitemap_views
from django.urls import path

from core.page_cache import cached_page
from twinning import seo_views
from twinning.sitemaps import SITEMAPS

urlpatterns = [
    path(
        "sitemap.xml",
        cached_page(sitemap_views.index),
        {"sitemaps": SITEMAPS, "sitemap_url_name": "sitemap_section"},
        name="sitemap",
    ),
    path(
        "sitemap-<section>.xml",
        cached_page(sitemap_views.sitemap),
        {"sitemaps": SITEMAPS},
        name="sitemap_section",
    ),
    path("robots.txt", seo_views.robots_txt, name="robots_txt"),
    path("favicon.ico", seo_views.favicon_ico, name="favicon_ico"),
]
