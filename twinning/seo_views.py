"""robots.txt: what crawlers may read, and where the sitemap is; /favicon.ico."""

from functools import cache

from django.conf import settings
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage
from django.http import HttpResponse
from django.urls import reverse
from django.utils.cache import patch_cache_control
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


FAVICON = "img/favicon.ico"


@cache
def _favicon_bytes():
    path = finders.find(FAVICON)
    if path:
        with open(path, "rb") as icon:
            return icon.read()
    with staticfiles_storage.open(FAVICON) as icon:  # collected, without the source folder
        return icon.read()


@require_safe
def favicon_ico(request):
    """The icon at the address browsers (and the admin, which names none) ask for by themselves;
    the pages name the SVG one (base.html)."""
    response = HttpResponse(_favicon_bytes(), content_type="image/x-icon")
    patch_cache_control(response, public=True, max_age=24 * 60 * 60)
    return response
