"""JSON, CSV and GeoJSON exports (docs/open-data.md).

The list export lives under /export/ because twinning/urls.py matches /partnerships/<slug>/
before this module: /partnerships/export/ would be read as a partnership called "export".

The partnership and city documents are cached like the pages (core.page_cache); the
cross-origin header is added outside the cache, so a cached copy carries it too. The list export
streams and is never cached: open_access is already part of that view. All of them are in the
original language (English), whatever the client's Accept-Language.
"""

from django.urls import path

from core.page_cache import cached_page
from core.translated import in_original_language

from . import exports

urlpatterns = [
    path(
        "export/partnerships/",
        in_original_language(exports.partnership_export),
        name="partnership_export",
    ),
    path(
        "partnerships/<slug:slug>/data.json",
        in_original_language(exports.open_access(cached_page(exports.partnership_json))),
        name="partnership_data",
    ),
    path(
        "cities/<slug:slug>/data.json",
        in_original_language(exports.open_access(cached_page(exports.city_json))),
        name="city_data",
    ),
]
