"""The home page's world map: every published partnership by country, drawn with the pieces of
cities/maps.py (projection, great circles, the map's points and lines)."""

import functools
import heapq
import math
from dataclasses import dataclass
from urllib.parse import quote_plus

from django.urls import reverse
from django.utils import numberformat
from django.utils.formats import get_format
from django.utils.translation import get_language, gettext, ngettext

from cities.maps import MapLink, MapPoint, WorldMap, arc_path, project, svg_number

# At world scale (25,000 partnerships, 17,000 cities) single cities and arcs would be an
# unreadable web, so the overview gathers them by country: a circle per country, its area
# growing with the country's partnerships, and lines between countries, their width growing
# with the partnerships between them.
MAX_COUNTRY_RADIUS = 16.0
MIN_COUNTRY_RADIUS = 1.6
# Only the busiest connections are drawn; the rest would be a grey web again.
MAX_LINKS = 120
MAX_LINK_WIDTH = 4.0
MIN_LINK_WIDTH = 0.5
# How many countries and connections the text alternative lists.
LISTED = 10
# overview_map() needs only the links as busy as this many-th located one or busier: it draws
# and lists the busiest and says whether more than MAX_LINKS could be drawn
# (partnerships_by_country_pair's `busiest`).
LINKS_NEEDED = max(MAX_LINKS, LISTED) + 1


@dataclass
class CountryTotals:
    """One country's partnerships and where its cities lie on average: sums of the
    latitude and of the longitude as a unit vector (so Fiji's cities on both sides of the
    antimeridian average to Fiji, not to Africa), over `located` city mentions."""

    code: str
    name: str
    partnerships: int = 0
    located: int = 0
    latitude_sum: float = 0.0
    east_sum: float = 0.0  # sum of cos(longitude)
    north_sum: float = 0.0  # sum of sin(longitude)

    @property
    def centre(self):
        """(longitude, latitude) of the mean position, or None without located cities."""
        if not self.located:
            return None
        longitude = math.degrees(math.atan2(self.north_sum, self.east_sum))
        return longitude, self.latitude_sum / self.located


@dataclass  # not frozen: a frozen dataclass's __init__ is three times slower, 2,000 links a page
class CountryLink:
    country_a: CountryTotals
    country_b: CountryTotals
    partnerships: int


def grouped_numbers():
    """number_format(n, force_grouping=True) in the active language, its separators looked up
    once: a world map writes some 330 counts, and each lookup asks for three formats."""
    lang = get_language()
    decimal, grouping, thousands = (
        get_format(name, lang, use_l10n=True)
        for name in ("DECIMAL_SEPARATOR", "NUMBER_GROUPING", "THOUSAND_SEPARATOR")
    )

    def grouped(count):
        if type(count) is int and grouping == 3:  # every language here: Python's own grouping
            return f"{count:,}".replace(",", thousands)
        return numberformat.format(
            count, decimal, None, grouping, thousands, force_grouping=True, use_l10n=True
        )

    return grouped


@functools.lru_cache(maxsize=4096)
def _partnerships(language, count):
    """ "1 partnership", "1,234 partnerships" in `language`, the active one: a pure function
    of the two, kept for the 100-odd counts a world map words (12 µs each through ngettext()
    and the number's format)."""
    number = grouped_numbers()(count)
    return ngettext("%(count)s partnership", "%(count)s partnerships", count) % {"count": number}


def overview_map(countries, links):
    """The home page's map of every partnership by country. `countries` are CountryTotals,
    `links` CountryLink between two different countries; both as
    partnerships.statistics.partnerships_by_country_pair() gathers them. Countries without a
    located city are listed but not drawn. None when nothing can be drawn."""
    # Each country's centre worked out once: the 2,000 links at world scale ask for it twice
    # each, then twice again for each of the 120 drawn.
    centres = {id(country): country.centre for country in countries}

    def centre(country):
        found = centres.get(id(country), centres)
        return country.centre if found is centres else found

    drawn = sorted(
        (c for c in countries if centres[id(c)] is not None),
        key=lambda c: (-c.partnerships, c.name),
    )
    if not drawn:
        return None
    busiest = drawn[0].partnerships
    grouped = grouped_numbers()
    list_url = reverse("partnership_list")  # a country's circle leads to its partnerships
    points, language = [], get_language()
    for country in drawn:  # largest first, so smaller circles lie on top and stay visible
        # As urlencode() writes the code; a country's (two letters) needs no quoting.
        code = country.code if country.code.isalnum() and country.code.isascii() else None
        share = math.sqrt(country.partnerships / busiest)
        partnerships = _partnerships(language, country.partnerships)
        points.append(
            MapPoint(
                *project(*centres[id(country)]),
                name=country.name,
                radius=svg_number(max(MIN_COUNTRY_RADIUS, MAX_COUNTRY_RADIUS * share)),
                note=f"{country.name}: {partnerships}",
                url=f"{list_url}?country={code or quote_plus(country.code)}",
                label=f"{country.name}: {partnerships}",
            )
        )
    located = [link for link in links if centre(link.country_a) and centre(link.country_b)]
    # Only the busiest are drawn and listed: the first of the 2,000 links at world scale, as
    # sorted() would order them (nsmallest gives the first n of sorted()), without sorting all.
    shown = heapq.nsmallest(
        max(MAX_LINKS, LISTED),
        located,
        key=lambda link: (-link.partnerships, link.country_a.name, link.country_b.name),
    )
    strongest = shown[0].partnerships if shown else 1
    lines = [
        MapLink(
            # The arc's path from cities.maps' memo of the pure function of the two centres
            # (the centres move only when a country's partnerships change: then the key is new).
            path=arc_path(*centre(link.country_a), *centre(link.country_b))[0],
            width=svg_number(max(MIN_LINK_WIDTH, MAX_LINK_WIDTH * link.partnerships / strongest)),
            note=f"{link.country_a.name} – {link.country_b.name}: {grouped(link.partnerships)}",
        )
        # Thinnest first, so the strongest connections are drawn on top.
        for link in reversed(shown[:MAX_LINKS])
    ]
    if len(located) > MAX_LINKS:
        description = gettext(
            "A circle for each country, its area growing with the country's partnerships, "
            "and lines between countries, their width growing with the partnerships between "
            "them (the %(count)s busiest connections are drawn). "
            "The countries and connections with most partnerships are listed below the map."
        ) % {"count": MAX_LINKS}
    else:
        description = gettext(
            "A circle for each country, its area growing with the country's partnerships, "
            "and lines between countries, their width growing with the partnerships between "
            "them. "
            "The countries and connections with most partnerships are listed below the map."
        )
    count = len(drawn)
    return WorldMap(
        title=ngettext(
            "Map: partnerships in %(count)s country",
            "Map: partnerships in %(count)s countries",
            count,
        )
        % {"count": grouped(count)},
        description=description,
        points=points,
        links=lines,
        countries=sorted(countries, key=lambda c: (-c.partnerships, c.name))[:LISTED],
        top_links=shown[:LISTED],
    )
