"""The statistics page: its aggregations, its SVG charts and their data tables."""

import datetime
import re
from html.parser import HTMLParser

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from cities.models import City
from core import charts
from partnerships import statistics
from partnerships.models import Activity, FocusArea, Partnership

pytestmark = pytest.mark.django_db

# The page's queries: one per chart (countries, decades, activity years, focus areas, cities).
MAX_QUERIES = 6  # one per chart


def day(year):
    return datetime.date(year, 6, 1)


# Aggregations


def test_a_partnership_counts_for_both_countries_and_drafts_never(make_city, make_partnership):
    berlin = make_city(name="Berlin", country="DE")
    paris = make_city(name="Paris", country="FR")
    lyon = make_city(name="Lyon", country="FR")
    make_partnership(city_a=berlin, city_b=paris)
    make_partnership(city_a=lyon, city_b=berlin)
    make_partnership(city_a=paris, city_b=lyon)  # both in France: counts once for it
    make_partnership(city_a=berlin, city_b=make_city(country="IT"), state="draft")
    make_partnership(city_a=berlin, city_b=make_city(country="ES"), state="in_review")

    rows = statistics.partnerships_per_country()

    assert [(row["code"], row["value"]) for row in rows] == [("FR", 3), ("DE", 2)]
    assert rows[0]["label"] == "France"


def test_countries_are_the_top_twenty_most_first(make_city, make_partnership):
    hub = make_city(country="DE")
    codes = ["AT", "BE", "CH", "CZ", "DK", "EE", "ES", "FI", "FR", "GR", "HU", "IE"]
    codes += ["IT", "LT", "LU", "LV", "NL", "NO", "PL", "PT", "SE", "SI"]
    for code in codes:
        make_partnership(city_a=hub, city_b=make_city(country=code))
    make_partnership(city_a=hub, city_b=make_city(country="SK"))
    make_partnership(city_a=hub, city_b=make_city(country="SK"))

    rows = statistics.partnerships_per_country()

    assert len(rows) == 20
    assert [row["code"] for row in rows[:3]] == ["DE", "SK", "AT"]
    assert rows[0]["value"] == len(codes) + 2


def test_country_pairs_for_the_world_map(make_city, make_partnership):
    berlin = make_city(name="Berlin", country="DE", latitude="52.5", longitude="13.4")
    dresden = make_city(name="Dresden", country="DE", latitude="51.0", longitude="13.8")
    paris = make_city(name="Paris", country="FR", latitude="48.9", longitude="2.35")
    pristina = make_city(name="Pristina", country="XK", latitude=None, longitude=None)
    make_partnership(city_a=berlin, city_b=paris)
    make_partnership(city_a=paris, city_b=dresden)
    make_partnership(city_a=berlin, city_b=dresden)  # within Germany: once, and no line
    make_partnership(city_a=pristina, city_b=berlin)  # a city without coordinates
    make_partnership(city_a=berlin, city_b=make_city(country="IT"), state="draft")

    countries, links = statistics.partnerships_by_country_pair()

    by_code = {country.code: country for country in countries}
    assert {code: c.partnerships for code, c in by_code.items()} == {"DE": 4, "FR": 2, "XK": 1}
    # Germany's centre: its cities weighted by their partnerships (Berlin 3, Dresden 2).
    lon, lat = by_code["DE"].centre
    assert lat == pytest.approx((3 * 52.5 + 2 * 51.0) / 5)
    assert lon == pytest.approx(13.56, abs=0.01)
    assert by_code["XK"].centre is None
    assert sorted(
        (link.country_a.code, link.country_b.code, link.partnerships) for link in links
    ) == [
        ("DE", "FR", 2),
        ("DE", "XK", 1),
    ]


def test_the_busiest_country_pairs_only(make_city, make_partnership):
    # The home map asks for the links it can draw (both countries located) as busy as the
    # n-th of those or busier, ties for the last place included: not all 2,000 at world scale.
    def city(code, located=True):
        coordinates = ("10.0", "20.0") if located else (None, None)
        return make_city(country=code, latitude=coordinates[0], longitude=coordinates[1])

    located = ("DE", "FR", "IT", "PL", "CN")
    pairs = {("DE", "FR"): 4, ("DE", "IT"): 3, ("FR", "IT"): 2, ("DE", "PL"): 2, ("CN", "PL"): 1}
    for (a, b), n in pairs.items():
        for _ in range(n):
            make_partnership(city_a=city(a), city_b=city(b))
    for _ in range(5):  # the busiest of all, but the map cannot draw it
        make_partnership(city_a=city("DE"), city_b=city("XK", located=False))
    make_partnership(city_a=city("DE"), city_b=city("CN"), state="draft")

    def busiest(n, **kwargs):
        countries, links = statistics.partnerships_by_country_pair(busiest=n, **kwargs)
        assert {c.code for c in countries} == ({*located, "XK"} if links else set())
        return {(link.country_a.code, link.country_b.code): link.partnerships for link in links}

    assert busiest(1) == {("DE", "FR"): 4}
    assert busiest(2) == {("DE", "FR"): 4, ("DE", "IT"): 3}
    assert (
        busiest(3)
        == busiest(4)
        == {("DE", "FR"): 4, ("DE", "IT"): 3, ("FR", "IT"): 2, ("DE", "PL"): 2}
    )
    assert busiest(5) == busiest(50) == pairs
    # Of one vitality: without records, each is of unknown vitality.
    assert busiest(2, vitality=Partnership.Vitality.UNKNOWN) == busiest(2)
    assert busiest(50, vitality=Partnership.Vitality.ACTIVE) == {}
    # Every country placed (as at world scale, where the test of each pair is skipped): the
    # same links.
    City.objects.filter(country="XK").update(latitude="10.0", longitude="20.0")
    located += ("XK",)
    assert busiest(1) == {("DE", "XK"): 5}
    assert busiest(2) == {("DE", "XK"): 5, ("DE", "FR"): 4}
    assert busiest(50) == {**pairs, ("DE", "XK"): 5}


def test_the_counts_by_vitality_with_the_map_are_of_all_and_follow_an_edit(
    make_city, make_partnership
):
    """The home page reads partnerships_by_vitality()'s rows with the map's countries and
    links, in one statement: the same rows, of all partnerships even with the map of one
    vitality, changed on the next call after an edit."""
    de, fr = make_city(country="DE"), make_city(country="FR")
    partnership = make_partnership(city_a=de, city_b=fr)
    make_partnership(city_a=de, city_b=make_city(country="DE"))

    def joined(**kwargs):
        result = statistics.partnerships_by_country_pair(by_vitality=True, **kwargs)
        assert len(result) == 3
        return result[2]

    expected = statistics.partnerships_by_vitality()
    assert [(row["slug"], row["value"]) for row in expected] == [
        ("active", 0),
        ("quiet", 0),
        ("dormant", 0),
        ("unknown", 2),
    ]
    assert joined() == joined(busiest=1) == joined(links=False) == expected
    assert joined(busiest=1, vitality=Partnership.Vitality.ACTIVE) == expected
    # The figures follow the edit (the database's triggers).
    Partnership.objects.filter(pk=partnership.pk).update(vitality=Partnership.Vitality.ACTIVE)
    edited = statistics.partnerships_by_vitality()
    assert [row["value"] for row in edited] == [1, 0, 0, 1]
    assert joined(busiest=1) == edited


def test_decades_of_founding_with_empty_decades_filled(make_partnership):
    for year in (1958, 1990, 1991, 1999, 2000, 2009):
        make_partnership(established=day(year))
    make_partnership(established=None)
    make_partnership(established=day(1995), state="draft")

    rows = statistics.partnerships_per_decade()

    assert [(row["label"], row["value"]) for row in rows] == [
        ("1950s", 1),
        ("1960s", 0),
        ("1970s", 0),
        ("1980s", 0),
        ("1990s", 3),
        ("2000s", 2),
    ]


def test_activities_per_year_dated_and_published_only(make_partnership, make_activity):
    published = make_partnership()
    draft = make_partnership(state="draft")
    make_activity(published, start_date=day(2010))
    make_activity(published, start_date=datetime.date(2010, 12, 31))
    make_activity(published, start_date=day(2013))
    make_activity(published, start_date=None)
    make_activity(draft, start_date=day(2011))

    rows = statistics.activities_per_year()

    assert [(row["year"], row["value"]) for row in rows] == [
        (2010, 2),
        (2011, 0),
        (2012, 0),
        (2013, 1),
    ]


def test_focus_area_shares(make_partnership, make_focus_area):
    culture = make_focus_area(name="Culture")
    climate = make_focus_area(name="Climate")
    unused = make_focus_area(name="Unused")
    make_partnership(focus_areas=[culture, climate])
    make_partnership(focus_areas=[culture])
    make_partnership(focus_areas=[culture])
    make_partnership(focus_areas=[unused, climate], state="draft")

    rows = statistics.focus_area_shares()

    assert [(row["label"], row["value"], row["share"]) for row in rows] == [
        ("Culture", 3, 75.0),
        ("Climate", 1, 25.0),
    ]


def test_most_connected_cities(make_city, make_partnership):
    hub = make_city(name="Hub")
    second = make_city(name="Second", country="FR")
    for _ in range(3):
        make_partnership(city_a=hub)
    make_partnership(city_a=make_city(), city_b=second)
    make_partnership(city_a=second, city_b=hub)
    for _ in range(5):
        make_partnership(city_a=make_city(name="Drafty"), state="draft")

    rows = statistics.most_connected_cities()

    assert [(row["label"], row["value"]) for row in rows[:2]] == [("Hub", 4), ("Second", 2)]
    assert rows[1]["country"] == "France"
    assert "Drafty" not in {row["label"] for row in rows}
    assert len(rows) == 6  # Hub, Second and the four partners of published partnerships


def test_most_connected_cities_cut_at_the_limit_by_count_then_name(make_city, make_partnership):
    # Three cities tie for the second place; a limit of 2 keeps the first of them by name.
    hub = make_city(name="Hub")
    tied = [make_city(name=name) for name in ("Zeta", "Alpha", "Mu")]
    for city in tied:
        make_partnership(city_a=hub, city_b=city)
        make_partnership(city_a=city)
    make_partnership(city_a=make_city(name="Lone"), city_b=make_city(name="Other"), state="draft")

    top = statistics.most_connected_cities(limit=2)
    top_four = statistics.most_connected_cities(limit=4)

    assert [(row["label"], row["value"]) for row in top] == [("Hub", 3), ("Alpha", 2)]
    assert [row["label"] for row in top_four] == ["Hub", "Alpha", "Mu", "Zeta"]
    assert statistics.most_connected_cities(limit=0) == []


def test_no_data_gives_empty_lists():
    assert statistics.partnerships_per_country() == []
    assert statistics.partnerships_per_decade() == []
    assert statistics.activities_per_year() == []
    assert statistics.focus_area_shares() == []
    assert statistics.most_connected_cities() == []


# Charts


def drawn(chart):
    """A chart as a page lays it out."""
    return render_to_string("includes/chart.html", {"chart": chart})


def attributes(svg, tag):
    return [
        dict(re.findall(r'(\w[\w-]*)="([^"]*)"', m)) for m in re.findall(rf"<{tag}\b([^>]*)>", svg)
    ]


def test_bars_are_proportional_to_the_values():
    rows = [{"label": "A", "value": 10}, {"label": "B", "value": 5}, {"label": "C", "value": 1}]
    svg = drawn(charts.bar_chart(rows, chart_id="c", title="Test"))
    widths = [float(rect["width"]) for rect in attributes(svg, "rect")]
    assert len(widths) == 3
    assert widths[0] == pytest.approx(2 * widths[1])
    assert widths[0] == pytest.approx(10 * widths[2])
    assert widths[0] <= charts.WIDTH


def test_columns_are_proportional_to_the_values():
    rows = [{"label": str(y), "value": v} for y, v in [(2000, 4), (2001, 0), (2002, 2)]]
    svg = drawn(charts.column_chart(rows, chart_id="c", title="Test"))
    heights = [float(rect["height"]) for rect in attributes(svg, "rect")]
    assert heights == [charts.COLUMN_HEIGHT, 0, charts.COLUMN_HEIGHT / 2]


@pytest.mark.parametrize("draw", [charts.bar_chart, charts.column_chart])
def test_charts_are_named_images(draw):
    svg = drawn(draw([{"label": "A", "value": 1}], chart_id="chart-x", title="Counts"))
    assert svg.startswith("<svg")
    assert 'role="img"' in svg
    assert 'aria-labelledby="chart-x-title"' in svg
    assert '<title id="chart-x-title">Counts</title>' in svg
    assert "style=" not in svg


@pytest.mark.parametrize("draw", [charts.bar_chart, charts.column_chart])
def test_labels_and_titles_are_escaped(draw):
    rows = [{"label": "<script>", "value": 3}]
    svg = drawn(draw(rows, chart_id="c", title='Cities & "towns" <b>'))
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg
    assert "<b>" not in svg
    assert "Cities &amp; &quot;towns&quot; &lt;b&gt;" in svg


@pytest.mark.parametrize("draw", [charts.bar_chart, charts.column_chart])
def test_narrow_drawing_fits_a_phone_with_readable_labels(draw):
    rows = [{"label": f"Environment and climate {i}", "value": i + 1} for i in range(30)]
    both = "".join(map(drawn, charts.responsive(draw, rows, chart_id="c", title="Counts")))
    wide, narrow = re.findall(r"<svg\b[^>]*>", both)
    assert 'class="chart chart-wide"' in wide and 'id="c"' in wide
    assert 'class="chart chart-narrow"' in narrow and 'id="c-narrow"' in narrow
    assert f'viewBox="0 0 {charts.NARROW_WIDTH} ' in narrow
    # A phone shows 360 units at about 340 px: labels stay near their 13 px.
    assert charts.NARROW_WIDTH <= 400
    svg = drawn(draw(rows, chart_id="c", title="Counts", narrow=True))
    xs = [float(x) for x in re.findall(r'<(?:rect|text)[^>]* x="([\d.]+)"', svg)]
    assert max(xs) <= charts.NARROW_WIDTH


@pytest.mark.parametrize("draw", [charts.bar_chart, charts.column_chart])
def test_empty_data_says_no_data(draw):
    for rows in ([], [{"label": "A", "value": 0}]):
        svg = drawn(draw(rows, chart_id="c", title="Nothing"))
        assert 'role="img"' in svg
        assert "No data" in svg
        assert "<rect" not in svg


# The page


class Tables(HTMLParser):
    """Which elements follow each other: svg charts and the tables after them."""

    def __init__(self):
        super().__init__()
        self.sequence = []
        self.captions = []
        self.scopes = []
        self._in_caption = False

    def handle_starttag(self, tag, attrs):
        if tag in ("svg", "table"):
            self.sequence.append(tag)
        if tag == "caption":
            self._in_caption = True
        if tag == "th":
            self.scopes.append(dict(attrs).get("scope"))

    def handle_endtag(self, tag):
        if tag == "caption":
            self._in_caption = False

    def handle_data(self, data):
        if self._in_caption and data.strip():
            self.captions.append(data.strip())


def test_page_has_each_chart_followed_by_its_table(client, make_partnership, make_activity):
    make_activity(make_partnership(), start_date=day(2012))
    response = client.get(reverse("statistics"))
    assert response.status_code == 200
    assert reverse("statistics") == "/en/statistics/"
    parsed = Tables()
    parsed.feed(response.content.decode())
    # Each chart drawn wide and narrow (the stylesheet shows one), then its table.
    assert parsed.sequence == ["svg", "svg", "table"] * 6
    assert len(parsed.captions) == 6
    assert parsed.scopes and all(scope in ("col", "row") for scope in parsed.scopes)
    assert b'aria-current="page">Statistics</a>' in response.content


def test_page_without_data(client):
    response = client.get(reverse("statistics"))
    assert response.status_code == 200
    assert response.content.decode().count("No data") >= 10  # five charts, five tables


def test_hostile_names_stay_text(client, make_city, make_partnership, make_focus_area):
    city = make_city(name="<script>alert(1)</script>")
    topic = make_focus_area(name="<img src=x onerror=alert(1)>")
    make_partnership(city_a=city, focus_areas=[topic])
    content = client.get(reverse("statistics")).content.decode()
    assert "<script>alert(1)" not in content
    assert "<img src=x" not in content
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content


# Query counts


def build(size):
    """`size` published partnerships around one hub (plus as many drafts), with activities
    over many years and focus areas."""
    topics = FocusArea.objects.bulk_create(
        FocusArea(name=f"Topic {i}", slug=f"topic-{i}") for i in range(5)
    )
    codes = ["DE", "FR", "CN", "US", "PL", "IT", "JP", "BR", "KE", "IN"]
    cities = City.objects.bulk_create(
        City(name=f"City {i}", slug=f"city-{i}", country=codes[i % len(codes)])
        for i in range(size + 2)
    )
    hubs = {"published": cities[0], "draft": cities[-1]}
    partnerships = Partnership.objects.bulk_create(
        Partnership(
            slug=f"p-{i}-{state}",
            city_a=hubs[state],
            city_b=cities[i],
            state=state,
            established=day(1950 + i % 70),
            summary="Summary",
        )
        for i in range(1, size + 1)
        for state in ("published", "draft")
    )
    for partnership in partnerships:
        partnership.focus_areas.set(topics[: 1 + partnership.pk % 5])
    Activity.objects.bulk_create(
        Activity(
            partnership=partnership,
            title=f"Activity {i}",
            kind=Activity.Kind.EXCHANGE,
            start_date=day(1960 + i % 60) if i % 3 else None,
        )
        for i, partnership in enumerate(partnerships)
    )


@pytest.mark.parametrize("size", [2, 120])
def test_page_queries_do_not_grow_with_the_data(client, django_assert_max_num_queries, size):
    build(size)
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(reverse("statistics"))
    assert response.status_code == 200
    assert response.content.count(b'class="chart-bar"') >= 5  # a bar in every chart


def test_page_has_canonical_open_graph_description_and_no_inline_code(client):
    content = client.get(reverse("statistics")).content.decode()
    assert '<link rel="canonical" href="http://testserver/en/statistics/">' in content
    assert '<meta property="og:url" content="http://testserver/en/statistics/">' in content
    description = re.search(r'<meta name="description" content="([^"]*)">', content)[1]
    assert len(description) > 30
    assert f'<meta property="og:description" content="{description}">' in content
    assert "<script" not in content
    assert "<style" not in content
    assert "style=" not in content


# A city's own figures


def test_city_figures_count_partners_from_either_side(
    make_city, make_partnership, make_activity, django_assert_num_queries
):
    dresden = make_city(name="Dresden", country="DE")
    first = make_partnership(city_a=dresden, city_b=make_city(country="CN"), established=day(1988))
    make_partnership(city_a=make_city(country="CN"), city_b=dresden, established=day(2009))
    make_partnership(city_a=dresden, city_b=make_city(country="FR"), established=None)
    make_partnership(city_a=dresden, city_b=make_city(country="IT"), state="draft")
    make_partnership(city_a=make_city(country="PL"), city_b=make_city(country="CZ"))
    make_activity(first, start_date=day(2010))
    make_activity(first, start_date=day(2012))
    make_activity(first, start_date=None)

    figures = statistics.city_figures(dresden)

    assert [(row["label"], row["value"]) for row in figures.partner_countries] == [
        ("China", 2),
        ("France", 1),
    ]
    assert [(row["label"], row["value"]) for row in figures.decades] == [
        ("1980s", 1),
        ("1990s", 0),
        ("2000s", 1),
    ]
    assert [row["value"] for row in figures.activity_years] == [1, 0, 1]
    assert (figures.country_count, figures.first_year, figures.activity_count) == (2, 1988, 2)
    assert figures.partnership_count == 3  # published, from either side (the city page's count)
    # The activities per year given (the city page reads them with its report links' years).
    given = statistics.city_figures(dresden, {2012: 1, 2010: 1})
    assert given == figures
    assert statistics.city_figures(dresden, {2011: 4}).activity_years == [
        {"year": 2011, "label": "2011", "value": 4}
    ]
    # And its partnerships given, as the city page lists them: no query at all.
    listed = [("CN", day(1988)), ("CN", day(2009)), ("FR", None)]
    with django_assert_num_queries(0):
        assert statistics.city_figures(dresden, {2012: 1, 2010: 1}, listed) == figures


def test_city_page_shows_its_figures_and_leaves_out_one_bar_charts(
    client, make_city, make_partnership
):
    dresden = make_city(name="Dresden", country="DE")
    make_partnership(city_a=dresden, city_b=make_city(country="CN"), established=day(1988))
    make_partnership(city_a=dresden, city_b=make_city(country="FR"), established=day(1989))

    content = client.get(dresden.get_absolute_url()).content.decode()

    assert "Dresden’s partnerships in figures" in content
    assert re.search(r"<dt>Partner countries</dt><dd>2</dd>", content)
    assert re.search(r"<dt>First partnership</dt><dd>1988</dd>", content)
    assert "Partnerships of Dresden by the partner’s country" in content  # the chart's title
    # Both in the 1980s: a single column would say nothing, so no decade chart.
    assert "by decade of founding" not in content
    assert "Activities of the partnerships" not in content
    assert "<caption>Partnerships by the partner’s country</caption>" in content
