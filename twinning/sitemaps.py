"""The sitemap: every public page, published records only.

/sitemap.xml is an index of sections, each split into pages of `limit` URLs, so the world-scale
data set (some 25,000 partnerships and 17,000 cities) never makes one huge response. Every page
is listed in each language (/en/, /de/, /zh-hans/), with its translations as hreflang
alternates and the address without a language as x-default. For that, Django's sitemap pairs
every item with every language before it cuts a page: each section page and the index read a
section's slugs in one query (up to 25,000 rows of two columns at world scale; the responses
are cached like the pages), not just one page's worth.
"""

from django.contrib.sitemaps import Sitemap
from django.db.models import Max
from django.urls import reverse

from partnerships.models import FocusArea, Partnership, public_cities

# URLs per sitemap page: well under the protocol's 50,000 and 50 MB, and quick to render.
PAGE_LIMIT = 10_000


class PartnershipSitemap(Sitemap):
    limit = PAGE_LIMIT
    i18n = True
    alternates = True
    x_default = True

    def items(self):
        # Only what the URL and lastmod need; ordered by key for stable pages.
        return Partnership.objects.published().order_by("pk").only("slug", "updated_at")

    def lastmod(self, partnership):
        # The partnership record's own last change. Its activities, milestones, plans and
        # sources are edited on their own admin pages and leave updated_at alone, so lastmod
        # does not move when only they change (the page shows them, the date does not).
        return partnership.updated_at

    def get_latest_lastmod(self):
        # Django's default looks at every item; one aggregate does.
        return Partnership.objects.published().aggregate(latest=Max("updated_at"))["latest"]


class CitySitemap(Sitemap):
    limit = PAGE_LIMIT
    i18n = True
    alternates = True
    x_default = True

    def items(self):
        # values() leaves out public_cities()'s partnership counts, which the sitemap
        # does not need and which cost two subqueries per city.
        return public_cities().order_by("pk").values("slug", "updated_at")

    def location(self, city):
        return reverse("city_detail", kwargs={"slug": city["slug"]})

    def lastmod(self, city):
        # The city's own record. Its page also lists its partnerships, whose changes this
        # does not reflect; crawlers find those through the partnership pages' lastmod.
        return city["updated_at"]

    def get_latest_lastmod(self):
        return public_cities().order_by().aggregate(latest=Max("updated_at"))["latest"]


class TopicSitemap(Sitemap):
    """Focus areas have no publication state: every topic page is public."""

    limit = PAGE_LIMIT
    i18n = True
    alternates = True
    x_default = True

    def items(self):
        return FocusArea.objects.order_by("pk").only("slug")


class StaticSitemap(Sitemap):
    """The pages that are not a record: home and the lists (search is noindex: left out)."""

    i18n = True
    alternates = True
    x_default = True

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
