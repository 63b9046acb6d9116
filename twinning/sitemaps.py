"""/sitemap.xml: an index of the sections each app gives (core/sitemaps.py says how they are
built), and the pages that are not a record."""

from django.urls import reverse

from cities.sitemaps import CitySitemap
from core.sitemaps import LanguageSitemap
from partnerships.sitemaps import PartnershipSitemap, TopicSitemap


class StaticSitemap(LanguageSitemap):
    """The pages that are not a record: home and the lists (search is noindex: left out)."""

    def items(self):
        return [
            "home",
            "partnership_list",
            "city_list",
            "activity_list",
            "anniversary_list",
            "statistics",
        ]

    def location(self, name):
        return reverse(name)


SITEMAPS = {
    "pages": StaticSitemap,
    "partnerships": PartnershipSitemap,
    "cities": CitySitemap,
    "topics": TopicSitemap,
}
