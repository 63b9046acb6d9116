"""World maps drawn on the server as SVG, from shapes that ship with the project.

The land outline is Natural Earth's 1:110m data as TopoJSON (cities/data/, see its README),
decoded here, projected with the equirectangular (plate carrée) projection onto a
1000 × 500 canvas and saved as the static file static/maps/land-110m.svg
(`python -m cities.maps` writes it anew). Every map refers to that file with `<use>`, so a
browser fetches the 56 KB outline once and caches it, instead of every page carrying it.
A map of some cities draws the cities as points and the partnerships between them as
great-circle arcs, and crops its view box to the cities; the home page's map of the whole
world, which gathers partnerships by country, is drawn with these pieces by
partnerships/maps.py. No tile server, no script, no network.
"""

import functools
import html
import json
import math
import re
import sys
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

from django.templatetags.static import static
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext

WORLD_FILE = Path(__file__).resolve().parent / "data" / "countries-110m.json"
# The outline as a static file: its path under STATIC, and where it lives in the repository.
LAND_STATIC_PATH = "maps/land-110m.svg"
LAND_FILE = Path(__file__).resolve().parent.parent / "static" / LAND_STATIC_PATH

# Equirectangular: 360 degrees of longitude → WIDTH, 180 degrees of latitude → HEIGHT.
WIDTH = 1000
HEIGHT = 500
# One interpolated point per this many degrees along a great circle.
ARC_STEP_DEGREES = 2.0
# The smallest view box a cropped map shows (in canvas units, about 36 × 18 degrees), so two
# neighbouring towns still show the coastline around them.
MIN_VIEW_WIDTH = 100
HIT_SHARE = 24  # a linked point answers a tap within 1/24 of the map's width: 14 px on a phone


# TopoJSON -----------------------------------------------------------------------------------


def decode_arcs(topology):
    """The topology's arcs as lists of (longitude, latitude): quantized arcs are delta-encoded
    integers, undone by a running sum and then scaled and translated by the transform."""
    transform = topology.get("transform")
    arcs = []
    for arc in topology["arcs"]:
        if transform:
            (scale_x, scale_y), (translate_x, translate_y) = (
                transform["scale"],
                transform["translate"],
            )
            x = y = 0
            points = []
            for position in arc:
                x += position[0]
                y += position[1]
                points.append((x * scale_x + translate_x, y * scale_y + translate_y))
        else:
            points = [(position[0], position[1]) for position in arc]
        arcs.append(points)
    return arcs


def ring(arcs, indexes):
    """One closed ring from arc indexes; a negative index ~i is arc i walked backwards. Each
    arc after the first starts where the previous one ended, so that point is not repeated."""
    points = []
    for index in indexes:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def geometry_rings(arcs, geometry):
    """Every ring of a (Multi)Polygon or of a GeometryCollection of them; other types have
    no area to draw."""
    kind = geometry.get("type")
    if kind == "Polygon":
        return [ring(arcs, indexes) for indexes in geometry["arcs"]]
    if kind == "MultiPolygon":
        return [ring(arcs, indexes) for polygon in geometry["arcs"] for indexes in polygon]
    if kind == "GeometryCollection":
        return [r for child in geometry["geometries"] for r in geometry_rings(arcs, child)]
    return []


# Projection ---------------------------------------------------------------------------------


def project(longitude, latitude):
    """Equirectangular: (0, 0) is the centre, longitude ±180 the left and right edges,
    north up (SVG's y grows downwards)."""
    x = (float(longitude) + 180.0) / 360.0 * WIDTH
    y = (90.0 - float(latitude)) / 180.0 * HEIGHT
    return x, y


def svg_number(value):
    """Canvas units to one decimal, without a trailing ".0" or a negative zero."""
    text = f"{value:.1f}"
    if text.endswith(".0"):  # thousands per map: slicing is quicker than stripping
        text = text[:-2]
        return "0" if text == "-0" else text
    return text


def unwrap_ring(points):
    """A ring that crosses the antimeridian (Fiji, Chukotka, Antarctica), drawn whole: its
    longitudes made continuous (some beyond ±180), plus a copy shifted by 360 degrees for
    the part that falls off one edge, so each side of the map shows its half (the SVG clips
    the rest). A ring around a pole, which comes back 360 degrees away from where it
    started, is closed along the pole's latitude instead of straight across the map."""
    unwrapped = [points[0]]
    shift = 0.0
    for (lon0, _), (lon1, lat1) in pairwise(points):
        if lon1 - lon0 > 180:
            shift -= 360
        elif lon0 - lon1 > 180:
            shift += 360
        unwrapped.append((lon1 + shift, lat1))
    if shift == 0 and all(-180 <= lon <= 180 for lon, _ in unwrapped):
        return [points]
    if shift:
        pole = -90.0 if sum(lat for _, lat in points) < 0 else 90.0
        unwrapped += [(unwrapped[-1][0], pole), (unwrapped[0][0], pole)]
    lons = [lon for lon, _ in unwrapped]
    rings = [unwrapped]
    if min(lons) < -180:
        rings.append([(lon + 360, lat) for lon, lat in unwrapped])
    if max(lons) > 180:
        rings.append([(lon - 360, lat) for lon, lat in unwrapped])
    return rings


def rings_path(rings):
    """SVG path data for closed rings: absolute start, then relative steps in tenths of a
    unit (computed on rounded positions, so rounding never drifts); repeated points after
    rounding are dropped."""
    parts = []
    for points in (piece for r in rings for piece in unwrap_ring(r)):
        tenths = [tuple(round(c * 10) for c in project(lon, lat)) for lon, lat in points]
        steps = []
        for (x0, y0), (x1, y1) in pairwise(tenths):
            if (x0, y0) != (x1, y1):
                steps.append(f"{svg_number((x1 - x0) / 10)} {svg_number((y1 - y0) / 10)}")
        if len(steps) < 2:
            continue
        x, y = tenths[0]
        parts.append(f"M{svg_number(x / 10)} {svg_number(y / 10)}l" + " ".join(steps) + "z")
    return "".join(parts)


# svg_number() on a whole path's "%.1f" numbers at once: a ".0" dropped, a "-0" made "0".
_ZERO_DECIMAL = re.compile(r"\.0(?![0-9])")
_NEGATIVE_ZERO = re.compile(r"(?<![0-9.])-0(?![0-9.])")


def line_path(segments):
    """SVG path data for open polylines of (longitude, latitude)."""
    parts = []
    for segment in segments:
        if segment:
            # project() written out, every point formatted by one "%" of a whole segment: the
            # world map's lines have some 6,000 points, a city map's arcs thousands.
            flat = []
            for lon, lat in segment:
                flat += ((float(lon) + 180.0) / 360.0 * WIDTH, (90.0 - float(lat)) / 180.0 * HEIGHT)
            parts.append("M" + "L".join(["%.1f %.1f"] * len(segment)) % tuple(flat))
    return _NEGATIVE_ZERO.sub("0", _ZERO_DECIMAL.sub("", "".join(parts)))


@functools.cache
def world_path():
    """The land of the world as SVG path data, built once per process."""
    with WORLD_FILE.open(encoding="utf-8") as handle:
        topology = json.load(handle)
    return rings_path(geometry_rings(decode_arcs(topology), topology["objects"]["land"]))


def land_svg():
    """The static outline file's content: one path with the id maps refer to. It carries no
    colours, so each map's stylesheet paints it (fill and stroke inherit through `<use>`)."""
    size = f'viewBox="0 0 {WIDTH} {HEIGHT}" width="{WIDTH}" height="{HEIGHT}"'
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" {size}>'
        f'<path id="land" vector-effect="non-scaling-stroke" d="{world_path()}"/></svg>\n'
    )


# Great circles ------------------------------------------------------------------------------


def _vector(longitude, latitude):
    lam, phi = math.radians(float(longitude)), math.radians(float(latitude))
    return (math.cos(phi) * math.cos(lam), math.cos(phi) * math.sin(lam), math.sin(phi))


def great_circle(lon_a, lat_a, lon_b, lat_b, step_degrees=ARC_STEP_DEGREES):
    """Points along the shorter great circle from A to B, one about every `step_degrees`,
    both ends exact, as segments split where the route crosses the antimeridian."""
    start, end = (float(lon_a), float(lat_a)), (float(lon_b), float(lat_b))
    a, b = _vector(*start), _vector(*end)
    dot = max(-1.0, min(1.0, sum(p * q for p, q in zip(a, b, strict=True))))
    omega = math.acos(dot)
    sin_omega = math.sin(omega)
    if sin_omega < 1e-9:
        # The same place (nothing to interpolate) or antipodes (no single shortest route).
        return split_at_antimeridian([start, end])
    count = max(1, math.ceil(math.degrees(omega) / step_degrees))
    points = [start]
    # Unrolled, with the functions in locals: a city page draws dozens of arcs.
    (ax, ay, az), (bx, by, bz) = a, b
    sin, degrees, atan2, asin = math.sin, math.degrees, math.atan2, math.asin
    for i in range(1, count):
        t = i / count
        wa, wb = sin((1 - t) * omega) / sin_omega, sin(t * omega) / sin_omega
        x, y, z = wa * ax + wb * bx, wa * ay + wb * by, wa * az + wb * bz
        points.append((degrees(atan2(y, x)), degrees(asin(max(-1, min(1, z))))))
    points.append(end)
    return split_at_antimeridian(points)


def split_at_antimeridian(points):
    """Cut a polyline of (longitude, latitude) where a step jumps more than 180 degrees of
    longitude: the route leaves one edge of the map and comes back at the other, at the
    latitude interpolated at the crossing. A point on the antimeridian itself is named from
    the side it is reached from (+180 or -180), so no part of a single point is left over.

    The one splitter for the maps and the GeoJSON export (partnerships/opendata/exports.py)."""
    segments = [[tuple(points[0])]]
    for lon1, lat1 in points[1:]:
        lon0, lat0 = segments[-1][-1]
        if abs(lon1 - lon0) <= 180:
            segments[-1].append((lon1, lat1))
            continue
        edge = 180.0 if lon0 > 0 else -180.0
        if abs(lon1) == 180:
            segments[-1].append((edge, lat1))
        elif abs(lon0) == 180:
            # Leaving from the antimeridian: go on from its other name.
            if len(segments[-1]) == 1:
                segments[-1] = [(-edge, lat0)]
            else:
                segments.append([(-edge, lat0)])
            segments[-1].append((lon1, lat1))
        else:
            unwrapped = lon1 + 2 * edge  # e.g. -118 continued past +180 as 242
            lat = lat0 + (lat1 - lat0) * (edge - lon0) / (unwrapped - lon0)
            segments[-1].append((edge, lat))
            segments.append([(-edge, lat), (lon1, lat1)])
    return segments


# Maps ---------------------------------------------------------------------------------------


def _e(value):
    """What {{ value }} writes in a template: escaped unless marked safe (conditional_escape),
    plain strings, nearly all of them, escaped directly."""
    if type(value) is str:
        return html.escape(value)
    return conditional_escape(value)


@dataclass(frozen=True)
class MapPoint:
    x: float
    y: float
    name: str
    home: bool = False
    radius: str = ""  # canvas units; empty: the map's standard size
    note: str = ""  # a tooltip
    url: str = ""  # where a tap or click on the point leads; empty: nowhere
    label: str = ""  # the link's accessible name
    target: str = ""  # the radius of the room that answers a tap on a linked point

    @property
    def cx(self):
        return svg_number(self.x)

    @property
    def cy(self):
        return svg_number(self.y)


@dataclass(frozen=True)
class MapLink:
    """A line between two countries on the overview; its width grows with its partnerships."""

    path: str
    width: str
    note: str


@dataclass
class WorldMap:
    """What templates/includes/map.html draws."""

    title: str
    description: str
    points: list = field(default_factory=list)
    arcs: list = field(default_factory=list)  # SVG path data, one per partnership
    view_box: tuple = (0, 0, WIDTH, HEIGHT)
    links: list = field(default_factory=list)  # MapLink, on the overview only
    countries: list = field(default_factory=list)  # CountryTotals: its text alternative
    top_links: list = field(default_factory=list)  # CountryLink: likewise

    @property
    def land_href(self):
        return static(LAND_STATIC_PATH) + "#land"

    @property
    def view_box_attr(self):
        return " ".join(svg_number(v) for v in self.view_box)

    @property
    def radius(self):
        """Points keep about the same size on screen however far the map is cropped."""
        return svg_number(max(1.5, self.view_box[2] / 120))

    def __post_init__(self):
        self.points = with_targets(self.points, self.view_box[2] / HIT_SHARE, float(self.radius))

    @property
    def target_radius(self):
        """The room around a linked point that answers a tap: at least 24 px across on a
        phone, where the map is about 340 px wide."""
        return svg_number(self.view_box[2] / HIT_SHARE)

    @property
    def has_links(self):
        return any(point.url for point in self.points)

    # The shapes' markup for templates/includes/map.html, written here rather than by template
    # loops: the world map's 330 shapes with up to ten variables each took Django's template
    # engine about 20 ms a page. Each value is escaped as {{ }} in a template would be.

    @property
    def links_svg(self):
        return mark_safe(  # noqa: S308 - every value is escaped
            "".join(
                f'<path class="map-link" d="{_e(link.path)}" stroke-width="{_e(link.width)}">'
                f"<title>{_e(link.note)}</title></path>"
                for link in self.links
            )
        )

    @property
    def arcs_svg(self):
        arcs = "".join(f'<path class="map-arc" d="{_e(arc)}"/>' for arc in self.arcs)
        return mark_safe(arcs)  # noqa: S308 - every value is escaped

    @property
    def points_svg(self):
        """A linked point: the link holds the point and, over it, a wider transparent circle
        that answers a tap."""
        radius = self.radius
        parts = []
        for point in self.points:
            cx, cy = point.cx, point.cy  # svg_number's digits, as is the target: nothing to escape
            # Each text escaped once: the overview's points say the same in note and label.
            note = _e(point.note) if point.note else ""
            if point.url:
                label = note if point.label == point.note else _e(point.label)
                parts.append(f'<a class="map-target" href="{_e(point.url)}" aria-label="{label}">')
            parts.append(
                f'<circle class="map-city{" map-home" if point.home else ""}'
                f'{" map-region" if point.radius else ""}" cx="{cx}" cy="{cy}" '
                f'r="{_e(point.radius or radius)}">'
            )
            if note:
                parts.append(f"<title>{note}</title>")
            parts.append("</circle>")
            if point.url:
                parts.append(
                    f'<circle class="map-hit" cx="{cx}" cy="{cy}" r="{point.target}">'
                    f"<title>{note or label}</title></circle></a>"
                )
        return mark_safe("".join(parts))  # noqa: S308 - every value is escaped


def with_targets(points, radius, point_radius):
    """The points, each linked one with a tap target of `radius` around it, or less where
    another linked point is nearer: half the way to it (but never less than the point itself),
    so that no target covers a neighbour and every point answers a tap on itself.

    Only neighbours nearer than twice `radius` can shrink a target, so the linked points are
    sorted from left to right and each looks to either side only as far across as the nearest
    neighbour it has found: a world map's hundreds of points (Europe's crowd of countries)
    without comparing every pair."""
    reach = 2 * radius
    linked = sorted((p for p in points if p.url), key=lambda p: p.x)
    # Plain lists of the coordinates and indexes rather than slices and attributes: the inner
    # loop runs some 5,000 times for the world map's 200 countries.
    xs = [p.x for p in linked]
    ys = [p.y for p in linked]
    count = len(linked)
    nearest = {}
    dist = math.dist
    for i, point in enumerate(linked):
        x, y = xs[i], ys[i]
        # Look right, then left, only as far across as the nearest neighbour found so far.
        best = reach
        j = i + 1
        while j < count and xs[j] - x < best:  # sorted by x: those beyond lie as far at least
            if -best < ys[j] - y < best:
                best = min(best, dist((x, y), (xs[j], ys[j])))
            j += 1
        j = i - 1
        while j >= 0 and x - xs[j] < best:
            if -best < ys[j] - y < best:
                best = min(best, dist((x, y), (xs[j], ys[j])))
            j -= 1
        nearest[id(point)] = best
    placed = []
    for point in points:
        if not point.url:
            placed.append(point)
            continue
        own = float(point.radius) if point.radius else point_radius
        target = min(radius, max(own, nearest[id(point)] / 2))
        placed.append(_with_target(point, svg_number(target)))
    return placed


def _with_target(point, target):
    """replace(point, target=target) for a MapPoint, whose fields are all plain values: a
    copy of its attributes rather than replace()'s round through the frozen __init__ (a world
    map's 200 points took 0.6 ms that way)."""
    placed = object.__new__(MapPoint)
    placed.__dict__.update(point.__dict__, target=target)
    return placed


def view_box(points, padding=0.15):
    """The smallest box around the points (with padding) in the map's 2:1 shape, at least
    MIN_VIEW_WIDTH wide, kept inside the canvas."""
    xs, ys = [x for x, _ in points], [y for _, y in points]
    width = max(max(xs) - min(xs), 2 * (max(ys) - min(ys)), MIN_VIEW_WIDTH / (1 + 2 * padding))
    width = min(WIDTH, width * (1 + 2 * padding))
    height = width / 2
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    left = min(max(0.0, cx - width / 2), WIDTH - width)
    top = min(max(0.0, cy - height / 2), HEIGHT - height)
    return (round(left, 1), round(top, 1), round(width, 1), round(height, 1))


@functools.lru_cache(maxsize=2048)
def arc_path(lon_a, lat_a, lon_b, lat_b):
    """The great-circle arc from A to B as SVG path data, and two corners of the box around
    its projected points (all view_box() needs of them). A pure function of the coordinates,
    kept for the arcs drawn lately: a city page draws dozens (10 ms for 66), the home map its
    busiest links between countries' centres."""
    segments = great_circle(lon_a, lat_a, lon_b, lat_b)
    points = [project(lon, lat) for segment in segments for lon, lat in segment]
    xs, ys = [x for x, _ in points], [y for _, y in points]
    return line_path(segments), ((min(xs), min(ys)), (max(xs), max(ys)))


def _arc_between(city_a, city_b):
    return arc_path(city_a.longitude, city_a.latitude, city_b.longitude, city_b.latitude)


def _point(city, home=False, url="", label=""):
    return MapPoint(
        *project(city.longitude, city.latitude), name=city.name, home=home, url=url, label=label
    )


def partnership_map(partnership):
    """The two cities and the great-circle arc between them, or None when either city has
    no coordinates."""
    city_a, city_b = partnership.city_a, partnership.city_b
    if not (city_a.has_coordinates and city_b.has_coordinates):
        return None
    arc, corners = _arc_between(city_a, city_b)
    points = [
        _point(city, home=True, url=city.get_absolute_url(), label=city.name)
        for city in (city_a, city_b)
    ]
    return WorldMap(
        title=gettext("Map: %(city_a)s and %(city_b)s")
        % {"city_a": city_a.name, "city_b": city_b.name},
        description=gettext(
            "The two cities on a world map, joined by the shortest route over the globe; "
            "both are described under “The two cities”."
        ),
        points=points,
        arcs=[arc],
        view_box=view_box([*corners, *((p.x, p.y) for p in points)]),
    )


def city_map(city, partners, urls=None):
    """The city, its partner cities and an arc to each; `partners` are the (partnership,
    partner city) pairs the city page lists, `urls` their links if the page has them already.
    None when the city has no coordinates; partners without coordinates are left out."""
    if not city.has_coordinates:
        return None
    home = _point(city, home=True)
    points, arcs, extent = [home], [], [(home.x, home.y)]
    seen = {city.pk}
    label = gettext("Partnership with %(city)s")  # translated once, not once per partner
    for n, (partnership, partner) in enumerate(partners):
        if not partner.has_coordinates or partner.pk in seen:
            continue
        seen.add(partner.pk)
        arc, corners = _arc_between(city, partner)
        arcs.append(arc)
        extent.extend(corners)
        # A partner's point leads to the partnership (the page about the two cities together).
        points.append(
            _point(
                partner,
                url=urls[n] if urls else (partnership or partner).get_absolute_url(),
                label=label % {"city": partner.name},
            )
        )
    shown = len(points) - 1
    return WorldMap(
        title=(
            ngettext(
                "Map: %(city)s and its %(count)d partner city",
                "Map: %(city)s and its %(count)d partner cities",
                shown,
            )
            % {"city": city.name, "count": shown}
            if shown
            else gettext("Map: %(city)s") % {"city": city.name}
        ),
        description=(
            gettext(
                "Each partner city is joined to this city by the shortest route over the globe; "
                "the partnerships are listed under “Partnerships”."
            )
            if shown
            else gettext("Where the city lies on a world map.")
        ),
        points=points,
        arcs=arcs,
        view_box=view_box(extent),
    )


if __name__ == "__main__":
    # python -m cities.maps: write the static outline anew from the shipped TopoJSON.
    LAND_FILE.parent.mkdir(parents=True, exist_ok=True)
    LAND_FILE.write_text(land_svg(), encoding="utf-8")
    sys.stdout.write(f"wrote {LAND_FILE} ({LAND_FILE.stat().st_size:,} bytes)\n")
