"""The partnerships' and topics' sections of the sitemap (the index: twinning/sitemaps.py)."""

from django.db.models import Max

from core.sitemaps import LanguageSitemap

from .models import FocusArea, Partnership


class PartnershipSitemap(LanguageSitemap):
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


class TopicSitemap(LanguageSitemap):
    """Focus areas have no publication state: every topic page is public."""

    def items(self):
        return FocusArea.objects.order_by("pk").only("slug")
