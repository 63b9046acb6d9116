"""Many addresses of one URL pattern from a single reverse(): a page or an export that links
dozens of partnerships would otherwise spend more on reverse() than on the rest of each row."""

from django.urls import reverse

SLUG_MARKER = "slug-placeholder"


def slug_address(name):
    """The address of the URL pattern `name` for any slug: address.replace(SLUG_MARKER, slug)
    (a slug needs no quoting)."""
    return reverse(name, kwargs={"slug": SLUG_MARKER})


def slug_addresses(name, slugs):
    """The addresses of the URL pattern `name` for each of `slugs`, as reverse() gives them."""
    address = slug_address(name)
    return [address.replace(SLUG_MARKER, slug, 1) for slug in slugs]
