"""Many addresses of one URL pattern from a single reverse(): a page or an export that links
dozens of partnerships would otherwise spend more on reverse() than on the rest of each row."""

from django.conf import settings
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.translation import get_language

SLUG_MARKER = "slug-placeholder"

_slug_addresses = {}  # (name, language, default language, URLconf, script prefix) -> address


def slug_address(name):
    """The address of the URL pattern `name` for any slug: address.replace(SLUG_MARKER, slug)
    (a slug needs no quoting). Reversed once per process for each key: the address is a pure
    function of the name, the active language, the URLconf and the script prefix (a few dozen
    addresses in all; 25-40 µs a reverse() otherwise, up to 60 on one page)."""
    key = (
        name,
        get_language(),
        settings.LANGUAGE_CODE,
        get_urlconf() or settings.ROOT_URLCONF,
        get_script_prefix(),
    )
    address = _slug_addresses.get(key)
    if address is None:
        address = _slug_addresses[key] = reverse(name, kwargs={"slug": SLUG_MARKER})
    return address


def address_for(name, slug):
    """reverse(name, kwargs={"slug": slug}), through slug_address(). A missing slug still
    raises NoReverseMatch, as reverse() does."""
    if not slug:
        return reverse(name, kwargs={"slug": slug})
    return slug_address(name).replace(SLUG_MARKER, slug, 1)


def slug_addresses(name, slugs):
    """The addresses of the URL pattern `name` for each of `slugs`, as reverse() gives them."""
    address = slug_address(name)
    return [address.replace(SLUG_MARKER, slug, 1) for slug in slugs]


class Addresses:
    """The absolute addresses of pages of slugs for one request, in its language: one reverse()
    and build_absolute_uri() per pattern (a slug needs no quoting), where a list of dozens of
    partnerships and cities took one of each per link."""

    def __init__(self, request):
        self.request = request
        self._pages = {}

    @classmethod
    def of(cls, request):
        """This request's Addresses (made at its first use, for the rest of the request)."""
        addresses = getattr(request, "_addresses", None)
        if addresses is None:
            addresses = request._addresses = cls(request)
        return addresses

    def __call__(self, name, slug):
        key = (name, get_language())
        page = self._pages.get(key)
        if page is None:
            page = self._pages[key] = self.request.build_absolute_uri(slug_address(name)).rsplit(
                SLUG_MARKER, 1
            )
        return f"{page[0]}{slug}{page[1]}"
