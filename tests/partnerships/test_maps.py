"""The home page's world map of partnerships by country (partnerships/maps.py)."""

import math
import re

import pytest

from cities import maps
from partnerships import maps as overview


def totals(code, name, partnerships, *cities):
    """CountryTotals as partnerships.statistics builds them, from (longitude, latitude)."""
    country = overview.CountryTotals(code, name, partnerships)
    for lon, lat in cities:
        country.located += 1
        country.latitude_sum += lat
        country.east_sum += math.cos(math.radians(lon))
        country.north_sum += math.sin(math.radians(lon))
    return country


class TestOverview:
    def test_country_centre_is_where_its_cities_are(self):
        germany = totals("DE", "Germany", 2, (13.4, 52.5), (13.7, 51.0))
        assert germany.centre == pytest.approx((13.55, 51.75), abs=0.01)

    def test_centre_of_cities_on_both_sides_of_the_antimeridian_stays_there(self):
        # Fiji: a plain average of 178°E and 179°W would be 0°, in the Gulf of Guinea.
        fiji = totals("FJ", "Fiji", 2, (178.0, -18.0), (-179.0, -17.0))
        lon, lat = fiji.centre
        assert abs(lon) == pytest.approx(179.5, abs=0.01) and lat == -17.5

    def test_circle_area_grows_with_the_partnerships(self):
        big = totals("DE", "Germany", 400, (10, 51))
        small = totals("FR", "France", 100, (2, 47))
        world_map = overview.overview_map([small, big], [])
        radii = {p.name: float(p.radius) for p in world_map.points}
        assert radii["Germany"] == overview.MAX_COUNTRY_RADIUS
        assert radii["France"] == pytest.approx(overview.MAX_COUNTRY_RADIUS / 2, abs=0.05)
        # Largest drawn first, so the smaller circle lies on top.
        assert [p.name for p in world_map.points] == ["Germany", "France"]

    def test_lines_join_country_centres_busiest_on_top_and_cut(self, monkeypatch):
        monkeypatch.setattr(overview, "MAX_LINKS", 2)
        de, fr, cn = (
            totals("DE", "Germany", 9, (10, 51)),
            totals("FR", "France", 5, (2, 47)),
            totals("CN", "China", 6, (116, 40)),
        )
        links = [
            overview.CountryLink(de, fr, 4),
            overview.CountryLink(de, cn, 5),
            overview.CountryLink(fr, cn, 1),
        ]
        world_map = overview.overview_map([de, fr, cn], links)
        assert [link.note for link in world_map.links] == [
            "Germany – France: 4",
            "Germany – China: 5",
        ]
        assert world_map.links[-1].width == maps.svg_number(overview.MAX_LINK_WIDTH)
        numbers = [float(n) for n in re.findall(r"-?[\d.]+", world_map.links[-1].path)]
        assert (numbers[0], numbers[1]) == pytest.approx(maps.project(10, 51), abs=0.05)
        assert (numbers[-2], numbers[-1]) == pytest.approx(maps.project(116, 40), abs=0.05)
        assert "the 2 busiest connections are drawn" in world_map.description
        # The text alternative lists the busiest connections, busiest first.
        assert [link.partnerships for link in world_map.top_links] == [5, 4, 1]

    def test_countries_without_located_cities_are_listed_not_drawn(self):
        located = totals("DE", "Germany", 1, (10, 51))
        unlocated = totals("XK", "Kosovo", 3)
        world_map = overview.overview_map(
            [located, unlocated], [overview.CountryLink(located, unlocated, 1)]
        )
        assert [p.name for p in world_map.points] == ["Germany"]
        assert world_map.links == []
        assert [c.name for c in world_map.countries] == ["Kosovo", "Germany"]
        assert overview.overview_map([unlocated], []) is None
        assert overview.overview_map([], []) is None
