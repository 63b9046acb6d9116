"""robots.txt: what crawlers may read, and where the sitemap is."""

from django.conf import settings
from django.http import HttpResponse
from django.urls import reverse
from django.views.decorators.http import require_safe

DEFAULT_ADMIN_URL = "admin/"


@require_safe
def robots_txt(request):
    # Downloads are for people: a crawler would fetch the whole list once per filter combination.
    lines = ["User-agent: *", f"Disallow: {reverse('partnership_export')}"]
    # A custom ADMIN_URL exists to keep the sign-in unlisted, and robots.txt is public: it is
    # not named here (the admin's pages tell robots not to index them anyway).
    if settings.ADMIN_URL == DEFAULT_ADMIN_URL:
        lines.append(f"Disallow: /{DEFAULT_ADMIN_URL}")
    # Allow comes last: RFC 9309 parsers (Google, protego) take the longest matching rule
    # whatever the order, but Python's urllib.robotparser and other older ones take the
    # first, and an "Allow: /" before the Disallow lines would open everything to them.
    lines.append("Allow: /")
    lines.append(f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}")
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
