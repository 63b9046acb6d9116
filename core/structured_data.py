"""schema.org JSON-LD for the public pages: what search engines read besides the HTML.

Builders take the objects a page already has (no queries of their own) and a request, for
absolute URLs; templates emit the result with the `json_ld` tag (templatetags/seo_tags.py).
"""

import json

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from core.dates import iso_partial_date
from core.markdown import markdown_to_text
from core.text_hygiene import strip_control_characters

CONTEXT = "https://schema.org"
DESCRIPTION_WORDS = 60

# What json_script escapes, so no text in the data can end the <script> element early.
_ESCAPES = {ord(">"): "\\u003E", ord("<"): "\\u003C", ord("&"): "\\u0026"}


def dumps(data):
    """The JSON text, safe inside a <script> element."""
    # Without control characters: JSON would keep them, escaped, for search engines to read.
    data = strip_control_characters(data)
    text = json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False).translate(_ESCAPES)
    return mark_safe(text)  # noqa: S308 - no <, > or & is left to end the element


def plain_text(markdown):
    """Staff Markdown as short plain text (entities decoded: JSON is not HTML)."""
    return Truncator(markdown_to_text(markdown)).words(DESCRIPTION_WORDS, truncate="…")


def _compact(data):
    """Leave out empty properties rather than state them as empty."""
    return {key: value for key, value in data.items() if value not in (None, "", [], {})}


def place(city, request):
    """A City (a schema.org Place) with its coordinates."""
    geo = None
    if city.has_coordinates:
        geo = {
            "@type": "GeoCoordinates",
            "latitude": float(city.latitude),
            "longitude": float(city.longitude),
        }
    picture = city.picture if city.image else None
    return _compact(
        {
            "@type": "City",
            "name": city.name,
            "url": request.build_absolute_uri(city.get_absolute_url()),
            "description": city.summary,
            "address": _compact(
                {
                    "@type": "PostalAddress",
                    "addressRegion": city.region,
                    "addressCountry": city.country.code if city.country else None,
                }
            ),
            "geo": geo,
            "image": request.build_absolute_uri(picture.src) if picture else None,
            "sameAs": city.website,
        }
    )


def event(activity, partnership, request):
    """An activity as an Event. Activities have no page of their own, so the URL is the
    partnership's page. An undated one (ongoing cooperation) has no startDate. Dates keep
    their precision (schema.org Date accepts "2019" or "2019-05"; a made-up day would be
    false)."""
    return _compact(
        {
            "@type": "Event",
            "name": activity.title,
            "startDate": iso_partial_date(activity.start_date, activity.start_precision),
            "endDate": iso_partial_date(activity.end_date, activity.end_precision),
            "description": plain_text(activity.description),
            "location": {"@type": "Place", "name": activity.location}
            if activity.location
            else None,
            "url": request.build_absolute_uri(partnership.get_absolute_url()),
            "about": [area.name for area in activity.focus_areas.all()],
        }
    )


def partnership_page(partnership, activities, request):
    """The partnership page: its two cities and its dated activities as events (undated
    cooperation is described on the page, but is no event)."""
    graph = [place(partnership.city_a, request), place(partnership.city_b, request)]
    graph += [
        event(activity, partnership, request)
        for activity in activities
        if activity.start_date is not None
    ]
    return {"@context": CONTEXT, "@graph": graph}


def city_page(city, request):
    return {"@context": CONTEXT, **place(city, request)}


def _numbered_list(entries, page_obj, total):
    """A schema.org ItemList of a list page's entries (ListItem bodies), numbered across pages."""
    start = page_obj.start_index() if page_obj else 1
    return _compact(
        {
            "@context": CONTEXT,
            "@type": "ItemList",
            "numberOfItems": total,
            "itemListElement": [
                {"@type": "ListItem", "position": start + i, **entry}
                for i, entry in enumerate(entries)
            ],
        }
    )


def item_list(objects, request, page_obj=None, total=None):
    """An ItemList of the linked objects on a list page."""
    return _numbered_list(
        (
            {"url": request.build_absolute_uri(obj.get_absolute_url()), "name": str(obj)}
            for obj in objects
        ),
        page_obj,
        total,
    )


def activity_list(activities, request, page_obj=None, total=None):
    """The activity list: an ItemList of Events (each with its partnership's page)."""
    return _numbered_list(
        ({"item": event(activity, activity.partnership, request)} for activity in activities),
        page_obj,
        total,
    )
