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

# URLs per sitemap page: well under the protocol's 50,000 and 50 MB, and quick to render.
PAGE_LIMIT = 10_000


class LanguageSitemap(Sitemap):
    """A section of the sitemap: every page in each language, with its translations as
    alternates and the address without a language as x-default; `PAGE_LIMIT` URLs a page."""

    limit = PAGE_LIMIT
    i18n = True
    alternates = True
    x_default = True
