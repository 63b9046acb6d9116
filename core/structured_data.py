"""schema.org JSON-LD for the public pages: what search engines read besides the HTML.

Builders take the objects a page already has (no queries of their own) and a request, for
absolute URLs; templates emit the result with the `json_ld` tag (templatetags/seo_tags.py).
"""

import json
import re

from django.core.serializers.json import DjangoJSONEncoder
from django.utils.safestring import mark_safe
from django.utils.text import Truncator

from core.addresses import Addresses
from core.dates import iso_partial_date
from core.markdown import markdown_to_text
from core.text_hygiene import dumps_without_control_characters

CONTEXT = "https://schema.org"
DESCRIPTION_WORDS = 60

# What json_script escapes, so no text in the data can end the <script> element early; one
# str.replace() each, which is many times quicker than str.translate() on a page's JSON-LD
# (none of the escapes holds a character another one replaces).
_ESCAPES = ((">", "\\u003E"), ("<", "\\u003C"), ("&", "\\u0026"))


def _json(data):
    return json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False)


def dumps(data):
    """The JSON text, safe inside a <script> element."""
    # Without control characters: JSON would keep them, escaped, for search engines to read
    # (the data cleaned only when the text shows one: walking it all cost more than writing it).
    text = dumps_without_control_characters(_json, data)
    for character, escape in _ESCAPES:
        text = text.replace(character, escape)
    return mark_safe(text)  # noqa: S308 - no <, > or & is left to end the element


def plain_text(markdown):
    """Staff Markdown as short plain text (entities decoded: JSON is not HTML)."""
    text = markdown_to_text(markdown)  # its white space collapsed already
    if len(text.split()) <= DESCRIPTION_WORDS:
        # What Truncator.words() gives a text it need not cut, without its lazy wrapping
        # (two thirds of the time of a partnership page's 40 descriptions).
        return text
    return Truncator(text).words(DESCRIPTION_WORDS, truncate="…")


def _compact(data):
    """Leave out empty properties rather than state them as empty."""
    return {key: value for key, value in data.items() if value not in (None, "", [], {})}


def postal_address(city, name=None):
    """Where a city is, as schema.org wants every Place's address: its name (`name`, if the
    caller has read it already) as the locality."""
    # Each translated field and the country are descriptors that work their value out on
    # every read: an activity list reads them for 40 cities.
    country = city.country
    return _compact(
        {
            "@type": "PostalAddress",
            "addressLocality": city.name if name is None else name,
            "addressRegion": city.region,
            "addressCountry": country.code if country else None,
        }
    )


def _geo(city):
    if not city.has_coordinates:
        return None
    return {
        "@type": "GeoCoordinates",
        "latitude": float(city.latitude),
        "longitude": float(city.longitude),
    }


def place(city, request):
    """A City (a schema.org Place) with its address and coordinates."""
    picture = city.picture if city.image else None
    return _compact(
        {
            "@type": "City",
            "name": city.name,
            "url": request.build_absolute_uri(city.get_absolute_url()),
            "description": city.summary,
            "address": postal_address(city),
            "geo": _geo(city),
            "image": request.build_absolute_uri(picture.src) if picture else None,
            "sameAs": city.website,
        }
    )


def city_reference(city, request, url=None):
    """A city as an event's location: the Place without its description and picture."""
    name = city.name
    return _compact(
        {
            "@type": "City",
            "name": name,
            "url": url or request.build_absolute_uri(city.get_absolute_url()),
            "address": postal_address(city, name),
            "geo": _geo(city),
        }
    )


def _mentions(text, name):
    """Whether `text` names the city `name` as a word of its own ("Dresden", "Zwinger,
    Dresden"; not "Dresdner Bank")."""
    pattern = rf"(?<!\w){re.escape(name.casefold())}(?!\w)"
    return bool(name) and re.search(pattern, text.casefold()) is not None


class Shared:
    """What every activity of one partnership refers to — its page's URL, its two cities as
    locations — built once for all of them (each took a URL reversal and a country lookup)."""

    def __init__(self, partnership, request, addresses=None):
        self.cities = [partnership.city_a, partnership.city_b]
        if addresses is None:
            self.url = request.build_absolute_uri(partnership.get_absolute_url())
            self.references = [city_reference(city, request) for city in self.cities]
        else:
            self.url = addresses("partnership_detail", partnership.slug)
            self.references = [
                city_reference(city, request, addresses("city_detail", city.slug))
                for city in self.cities
            ]


def activity_location(activity, partnership, request, shared=None):
    """Where an activity took place, every Place with an address.

    The location is free text. When it names exactly one of the partnership's cities, the
    activity took place there: that city, or a Place of that name ("Zwinger, Dresden") in it.
    Otherwise — no location, one that names neither city (its address is not known), or both
    ("Berlin and Beijing") — the partnership's two cities; a place is never given an address
    that is only guessed.
    """
    shared = shared or Shared(partnership, request)
    text = activity.location.strip()
    named = [
        (city, reference)
        for city, reference in zip(shared.cities, shared.references, strict=True)
        if text and _mentions(text, city.name)
    ]
    if len(named) == 1:
        ((city, reference),) = named
        if text.casefold() == city.name.casefold():
            return reference
        return {"@type": "Place", "name": text, "address": postal_address(city)}
    return shared.references


def _focus_areas(activity):
    # An Activity's, as the partnership page read them once (Activity.focus_area_list).
    if hasattr(activity, "focus_area_list"):
        return activity.focus_area_list()
    return activity.focus_areas.all()


def event(activity, partnership, request, shared=None):
    """A dated activity as an Event. Activities have no page of their own, so the URL is the
    partnership's page. Dates keep their precision (schema.org Date accepts "2019" or
    "2019-05"; a made-up day would be false). Every event has a startDate and a location
    (schema.org and search engines require both)."""
    shared = shared or Shared(partnership, request)
    return _compact(
        {
            "@type": "Event",
            "name": activity.title,
            "startDate": iso_partial_date(activity.start_date, activity.start_precision),
            "endDate": iso_partial_date(activity.end_date, activity.end_precision),
            "description": plain_text(activity.description),
            "location": activity_location(activity, partnership, request, shared),
            "url": shared.url,
            "about": [area.name for area in _focus_areas(activity)],
        }
    )


def undated_activity(activity, partnership, request, shared=None):
    """An undated activity (ongoing cooperation) is no Event, which needs a start date: a
    CreativeWork about it, covering the places where it happens."""
    shared = shared or Shared(partnership, request)
    return _compact(
        {
            "@type": "CreativeWork",
            "name": activity.title,
            "description": plain_text(activity.description),
            "spatialCoverage": activity_location(activity, partnership, request, shared),
            "url": shared.url,
            "about": [area.name for area in _focus_areas(activity)],
        }
    )


def activity_item(activity, partnership, request, addresses=None):
    """An activity as what it is: an Event when dated, else a CreativeWork."""
    shared = Shared(partnership, request, addresses)
    if activity.start_date is None:
        return undated_activity(activity, partnership, request, shared)
    return event(activity, partnership, request, shared)


def partnership_page(partnership, activities, request):
    """The partnership page: its two cities and its dated activities as events (undated
    cooperation is described on the page, but is no event)."""
    graph = [place(partnership.city_a, request), place(partnership.city_b, request)]
    shared = Shared(partnership, request)
    graph += [
        event(activity, partnership, request, shared)
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


def item_list(objects, page, request, page_obj=None, total=None):
    """An ItemList of the linked objects on a list page, each on its page of the URL pattern
    `page` (their get_absolute_url(), reversed once)."""
    addresses = Addresses.of(request)
    return _numbered_list(
        ({"url": addresses(page, obj.slug), "name": str(obj)} for obj in objects),
        page_obj,
        total,
    )


def activity_list(activities, request, page_obj=None, total=None):
    """The activity list: an ItemList of Events (each with its partnership's page); undated
    activities, no events, as CreativeWorks."""
    addresses = Addresses.of(request)
    return _numbered_list(
        (
            {"item": activity_item(activity, activity.partnership, request, addresses)}
            for activity in activities
        ),
        page_obj,
        total,
    )
