"""The server-rendered SVG maps: projection, TopoJSON decoding, great-circle arcs, pages."""

import itertools
import math
import random
import re
from dataclasses import replace
from types import SimpleNamespace

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from pytest_django.asserts import assertContains, assertNotContains

from cities import maps


def city(name, lon, lat, pk=None):
    return SimpleNamespace(
        pk=pk or name,
        name=name,
        longitude=lon,
        latitude=lat,
        has_coordinates=lon is not None and lat is not None,
        get_absolute_url=lambda: f"/en/cities/{name.lower()}/",
    )


class TestProjection:
    def test_origin_is_the_centre(self):
        assert maps.project(0, 0) == (maps.WIDTH / 2, maps.HEIGHT / 2)

    def test_antimeridian_is_the_left_and_right_edges(self):
        assert maps.project(-180, 0)[0] == 0
        assert maps.project(180, 0)[0] == maps.WIDTH

    def test_north_is_up_and_south_down(self):
        assert maps.project(0, 90)[1] == 0
        assert maps.project(0, -90)[1] == maps.HEIGHT
        assert maps.project(0, 51)[1] < maps.HEIGHT / 2 < maps.project(0, -33)[1]

    def test_east_is_right(self):
        assert maps.project(-74, 40)[0] < maps.WIDTH / 2 < maps.project(116, 40)[0]

    def test_accepts_decimals(self):
        from decimal import Decimal

        assert maps.project(Decimal("90"), Decimal("45")) == (750, 125)


class TestTopoJSON:
    # Two arcs, quantized: arc 0 runs (0,0) → (2,0) → (2,1); arc 1 runs (2,1) → (0,1) → (0,0).
    TOPOLOGY = {
        "type": "Topology",
        "transform": {"scale": [10, 5], "translate": [-20, 10]},
        "arcs": [[[0, 0], [2, 0], [0, 1]], [[2, 1], [-2, 0], [0, -1]]],
        "objects": {"land": {"type": "Polygon", "arcs": [[0, 1]]}},
    }

    def test_arcs_are_delta_decoded_then_transformed(self):
        arcs = maps.decode_arcs(self.TOPOLOGY)
        assert arcs[0] == [(-20, 10), (0, 10), (0, 15)]
        assert arcs[1] == [(0, 15), (-20, 15), (-20, 10)]

    def test_arcs_without_transform_are_absolute(self):
        assert maps.decode_arcs({"arcs": [[[1.5, 2.5], [3, 4]]]}) == [[(1.5, 2.5), (3, 4)]]

    def test_rings_join_arcs_without_repeating_the_shared_point(self):
        arcs = maps.decode_arcs(self.TOPOLOGY)
        [ring] = maps.geometry_rings(arcs, self.TOPOLOGY["objects"]["land"])
        assert ring == [(-20, 10), (0, 10), (0, 15), (-20, 15), (-20, 10)]

    def test_negative_index_walks_an_arc_backwards(self):
        arcs = maps.decode_arcs(self.TOPOLOGY)
        assert maps.ring(arcs, [~0]) == [(0, 15), (0, 10), (-20, 10)]

    def test_multipolygons_and_collections(self):
        arcs = maps.decode_arcs(self.TOPOLOGY)
        collection = {
            "type": "GeometryCollection",
            "geometries": [
                {"type": "MultiPolygon", "arcs": [[[0, 1]], [[0, 1]]]},
                {"type": "Point", "coordinates": [0, 0]},
            ],
        }
        assert len(maps.geometry_rings(arcs, collection)) == 2

    def test_ring_path(self):
        path = maps.rings_path([[(-180, 90), (0, 90), (0, 0), (-180, 90)]])
        assert path == "M0 0l500 0 0 250 -500 -250z"

    def test_ring_across_the_antimeridian_is_drawn_on_both_edges(self):
        # A square from 170°E to 170°W, given as the data has it (jumping from +180 to -180).
        ring = [(170, 10), (180, 10), (-180, 10), (-170, 10), (-170, 0), (-180, 0), (180, 0)]
        ring += [(170, 0), (170, 10)]
        pieces = maps.unwrap_ring(ring)
        assert len(pieces) == 2
        assert all(max(lon for lon, _ in p) - min(lon for lon, _ in p) == 20 for p in pieces)

    def test_world_outline_is_built_once_from_the_shipped_file(self):
        path = maps.world_path()
        assert path.startswith("M") and path.count("z") > 100
        assert maps.world_path() is path


class TestGreatCircle:
    def test_endpoints_are_the_two_cities(self):
        [segment] = maps.great_circle(13.74, 51.05, 120.15, 30.27)
        assert segment[0] == (13.74, 51.05)
        assert segment[-1] == (120.15, 30.27)
        assert len(segment) > 10

    def test_route_bends_towards_the_pole(self):
        # Dresden → Hangzhou runs north of both cities' latitudes on the way.
        [segment] = maps.great_circle(13.74, 51.05, 120.15, 30.27)
        assert max(lat for _, lat in segment) > 51.05

    def test_pacific_crossing_is_split_at_the_antimeridian(self):
        # Tokyo → San Francisco.
        segments = maps.great_circle(139.69, 35.69, -122.42, 37.77)
        assert len(segments) == 2
        west, east = segments
        assert west[0] == (139.69, 35.69) and east[-1] == (-122.42, 37.77)
        assert west[-1][0] == 180 and east[0][0] == -180
        assert west[-1][1] == east[0][1] > 37.77
        path = maps.line_path(segments)
        assert path.count("M") == 2 and "M0 " in path and "L1000 " in path

    def test_a_route_through_a_point_on_the_antimeridian_is_cut_there_once(self):
        # Taveuni (Fiji) lies on 180°: the route reaches it from the west and goes on east.
        segments = maps.split_at_antimeridian([(178, -16), (180, -16.8), (-178, -17)])
        assert segments == [[(178, -16), (180, -16.8)], [(-180.0, -16.8), (-178, -17)]]
        assert maps.split_at_antimeridian([(-180, 0), (180, 5)]) == [[(-180, 0), (-180.0, 5)]]

    def test_the_same_place_is_a_single_point_route(self):
        assert maps.great_circle(10, 50, 10, 50) == [[(10.0, 50.0), (10.0, 50.0)]]


class TestMaps:
    def test_partnership_arc_ends_at_the_two_points(self):
        partnership = SimpleNamespace(
            city_a=city("Dresden", 13.74, 51.05), city_b=city("Hangzhou", 120.15, 30.27)
        )
        world_map = maps.partnership_map(partnership)
        a, b = world_map.points
        numbers = [float(n) for n in re.findall(r"-?[\d.]+", world_map.arcs[0])]
        assert (numbers[0], numbers[1]) == pytest.approx((a.x, a.y), abs=0.05)
        assert (numbers[-2], numbers[-1]) == pytest.approx((b.x, b.y), abs=0.05)
        assert world_map.title == "Map: Dresden and Hangzhou"

    def test_view_box_frames_the_cities_inside_the_canvas(self):
        partnership = SimpleNamespace(
            city_a=city("Dresden", 13.74, 51.05), city_b=city("Leipzig", 12.37, 51.34)
        )
        left, top, width, height = maps.partnership_map(partnership).view_box
        assert width == 2 * height and width >= maps.MIN_VIEW_WIDTH
        for point in maps.partnership_map(partnership).points:
            assert left < point.x < left + width and top < point.y < top + height

    def test_cities_without_coordinates_leave_the_map_out(self):
        partnership = SimpleNamespace(
            city_a=city("Dresden", 13.74, 51.05), city_b=city("Nowhere", None, None)
        )
        assert maps.partnership_map(partnership) is None
        assert maps.city_map(city("Nowhere", None, None), []) is None

    def test_city_map_skips_partners_without_coordinates(self):
        home = city("Dresden", 13.74, 51.05)
        partners = [
            (None, city("Hangzhou", 120.15, 30.27)),
            (None, city("Nowhere", None, None)),
            (None, city("Hangzhou", 120.15, 30.27)),  # a second partnership, same city
        ]
        world_map = maps.city_map(home, partners)
        assert [p.name for p in world_map.points] == ["Dresden", "Hangzhou"]
        assert len(world_map.arcs) == 1
        assert world_map.title == "Map: Dresden and its 1 partner city"


@pytest.mark.django_db
class TestPages:
    def test_partnership_page_shows_the_map_with_escaped_names(
        self, client, make_city, make_partnership
    ):
        partnership = make_partnership(
            city_a=make_city(name="<b>Dres&den</b>", latitude="51.05", longitude="13.74"),
            city_b=make_city(name="Hangzhou", latitude="30.27", longitude="120.15"),
        )
        response = client.get(partnership.get_absolute_url())
        assertContains(response, 'role="group"')  # its points are links
        assertContains(response, '<title id="partnership-map-title">Map: &lt;b&gt;Dres&amp;den')
        assertNotContains(response, "<b>Dres")
        assertContains(response, 'class="map-arc"', count=1)
        assertNotContains(response, "style=")

    def test_partnership_page_without_coordinates_has_no_map(
        self, client, make_city, make_partnership
    ):
        partnership = make_partnership(city_b=make_city(latitude=None, longitude=None))
        response = client.get(partnership.get_absolute_url())
        assertContains(response, "The two cities")
        assertNotContains(response, "map-svg")

    def test_city_page_joins_the_city_to_its_partners(self, client, make_city, make_partnership):
        dresden = make_city(name="Dresden", latitude="51.05", longitude="13.74")
        for name, lat, lon in [("Hangzhou", "30.27", "120.15"), ("Columbus", "39.96", "-83")]:
            make_partnership(
                city_a=dresden, city_b=make_city(name=name, latitude=lat, longitude=lon)
            )
        make_partnership(city_a=dresden, city_b=make_city(latitude=None, longitude=None))
        response = client.get(dresden.get_absolute_url())
        assertContains(response, "Map: Dresden and its 2 partner cities")
        assertContains(response, 'class="map-arc"', count=2)
        assertContains(response, 'class="map-city', count=3)

    def test_maps_add_no_queries(self, client, make_city, make_partnership):
        dresden = make_city(name="Dresden")
        partnership = make_partnership(city_a=dresden)
        counts = {}
        for with_coordinates in (False, True):
            type(dresden).objects.update(
                latitude="51.05" if with_coordinates else None,
                longitude="13.74" if with_coordinates else None,
            )
            for url in (partnership.get_absolute_url(), dresden.get_absolute_url()):
                with CaptureQueriesContext(connection) as queries:
                    response = client.get(url)
                assert response.status_code == 200
                assert (b"map-svg" in response.content) is with_coordinates
                counts.setdefault(url, []).append(len(queries))
        for url, (without, with_maps) in counts.items():
            assert with_maps <= without, url


class TestStaticOutline:
    def test_the_shipped_outline_is_the_one_drawn_from_the_shipped_shapes(self):
        # If this fails, the TopoJSON or the drawing changed: run `python -m cities.maps`.
        assert maps.LAND_FILE.read_text(encoding="utf-8") == maps.land_svg()

    def test_maps_refer_to_the_static_outline_instead_of_carrying_it(self):
        partnership = SimpleNamespace(
            city_a=city("Dresden", 13.74, 51.05), city_b=city("Hangzhou", 120.15, 30.27)
        )
        html = render_to_string(
            "includes/map.html", {"map": maps.partnership_map(partnership), "map_id": "m"}
        )
        assert '<use class="map-land" href="/static/maps/land-110m.svg#land"/>' in html
        assert maps.world_path()[:40] not in html
        assert len(html) < 5000


def map_links(html):
    """(href, accessible name) of each link in a page's map."""
    svg = re.search(r'<svg class="map-svg".*?</svg>', html, re.S).group(0)
    return re.findall(r'<a class="map-target" href="([^"]*)" aria-label="([^"]*)">', svg)


@pytest.mark.django_db
class TestMapLinks:
    """A map's points are links to the page about them, with a name and a target wide enough to
    tap (issue 21)."""

    def test_a_partnership_map_leads_to_its_two_cities(self, client, make_city, make_partnership):
        dresden = make_city(name="Dresden", latitude="51.05", longitude="13.74")
        hangzhou = make_city(name="Hangzhou", latitude="30.27", longitude="120.15")
        partnership = make_partnership(city_a=dresden, city_b=hangzhou)
        html = client.get(partnership.get_absolute_url()).content.decode()
        assert map_links(html) == [
            (dresden.get_absolute_url(), "Dresden"),
            (hangzhou.get_absolute_url(), "Hangzhou"),
        ]
        assert html.count('class="map-hit"') == 2

    def test_a_city_map_leads_from_each_partner_to_the_partnership(
        self, client, make_city, make_partnership
    ):
        dresden = make_city(name="Dresden", latitude="51.05", longitude="13.74")
        hangzhou = make_city(name="Hangzhou", latitude="30.27", longitude="120.15")
        columbus = make_city(name="Columbus", latitude="39.96", longitude="-83")
        with_hangzhou = make_partnership(city_a=dresden, city_b=hangzhou)
        with_columbus = make_partnership(city_a=columbus, city_b=dresden)
        html = client.get(dresden.get_absolute_url()).content.decode()
        # The city itself is this page: not a link.
        assert sorted(map_links(html)) == sorted(
            [
                (with_columbus.get_absolute_url(), "Partnership with Columbus"),
                (with_hangzhou.get_absolute_url(), "Partnership with Hangzhou"),
            ]
        )

    def test_the_world_map_leads_from_a_country_to_its_partnerships(
        self, client, make_city, make_partnership
    ):
        make_partnership(
            city_a=make_city(name="Dresden", country="DE", latitude="51.05", longitude="13.74"),
            city_b=make_city(name="Hangzhou", country="CN", latitude="30.27", longitude="120.15"),
        )
        html = client.get("/en/").content.decode()
        assert sorted(map_links(html)) == [
            ("/en/partnerships/?country=CN", "China: 1 partnership"),
            ("/en/partnerships/?country=DE", "Germany: 1 partnership"),
        ]

    def test_a_map_without_links_stays_one_picture(self):
        partnership = SimpleNamespace(
            city_a=city("Dresden", 13.74, 51.05), city_b=city("Hangzhou", 120.15, 30.27)
        )
        world_map = maps.partnership_map(partnership)
        world_map.points = [replace(point, url="") for point in world_map.points]
        html = render_to_string("includes/map.html", {"map": world_map, "map_id": "m"})
        assert 'role="img"' in html and "<a " not in html and "map-hit" not in html

    @pytest.mark.parametrize("width", [maps.MIN_VIEW_WIDTH, 400, maps.WIDTH])
    def test_the_tap_target_is_at_least_24_px_on_a_phone(self, width):
        world_map = maps.WorldMap("", "", view_box=(0, 0, width, width / 2))
        phone_map = 320  # px: the narrowest phone, less the page's margins
        assert 2 * float(world_map.target_radius) * phone_map / width >= 24

    def test_crowded_points_share_the_room_between_them(self):
        linked = [
            maps.MapPoint(500, 100, "Berlin", url="/berlin/"),
            maps.MapPoint(504, 97, "Riga", url="/riga/"),  # 5 units away
            maps.MapPoint(590, 140, "Far", url="/far/"),
            maps.MapPoint(501, 100, "Home"),  # not a link: has no target, takes no room
        ]
        box = (400, 50, 200, 100)  # targets of 200 / 24 = 8.3, points of 200 / 120 = 1.7
        world_map = maps.WorldMap("", "", points=linked, view_box=box)
        berlin, riga, far, home = world_map.points
        assert float(berlin.target) == float(riga.target) == 2.5  # they meet half-way
        assert float(far.target) == float(world_map.target_radius) == pytest.approx(200 / 24, 0.01)
        assert home.target == ""
        # Never smaller than the point drawn.
        close = [
            maps.MapPoint(500, 100, "A", url="/a/"),
            maps.MapPoint(500.5, 100, "B", url="/b/"),
        ]
        a, b = maps.WorldMap("", "", points=close, view_box=box).points
        assert float(a.target) == float(b.target) == float(world_map.radius) == 1.7


def test_tap_targets_never_overlap_on_a_crowded_map():
    """However the points fall (across the neighbour grid's cell edges too), a linked point's
    target reaches at most half-way to any other, unless it is only as large as the point."""
    rng = random.Random(23)
    box = (0, 0, 240, 120)  # targets of 10, points of 2
    points = [
        maps.MapPoint(rng.uniform(0, 240), rng.uniform(0, 120), f"P{i}", url=f"/p{i}/")
        for i in range(120)
    ]
    world_map = maps.WorldMap("", "", points=points, view_box=box)
    drawn = float(world_map.radius)
    for a, b in itertools.combinations(world_map.points, 2):
        apart = math.dist((a.x, a.y), (b.x, b.y))
        for point in (a, b):
            assert float(point.target) <= max(drawn, apart / 2) + 0.05, (a, b)
    assert max(float(p.target) for p in world_map.points) == float(world_map.target_radius)
