"""The cities' section of the sitemap (the index: twinning/sitemaps.py)."""

from django.db.models import Max
from django.urls import reverse

from core.sitemaps import LanguageSitemap

from .models import City


class CitySitemap(LanguageSitemap):
    def items(self):
        return City.objects.public().order_by("pk").values("slug", "updated_at")

    def location(self, city):
        return reverse("city_detail", kwargs={"slug": city["slug"]})

    def lastmod(self, city):
        # The city's own record. Its page also lists its partnerships, whose changes this
        # does not reflect; crawlers find those through the partnership pages' lastmod.
        return city["updated_at"]

    def get_latest_lastmod(self):
        return City.objects.public().order_by().aggregate(latest=Max("updated_at"))["latest"]
