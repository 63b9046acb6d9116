"""Being found: sitemap, robots.txt, canonical URLs, Open Graph, descriptions and JSON-LD.

Every output is read with a real parser: the sitemap with ElementTree, the pages with
html.parser, JSON-LD with json.loads.
"""

import datetime
import io
import json
import urllib.robotparser
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from PIL import Image
from protego import Protego

from cities.models import City
from core import structured_data
from core.dates import DatePrecision, iso_partial_date
from partnerships.models import Activity, FocusArea, Partnership
from partnerships.views import PAGE_SIZE
from partnerships.views.partnerships import PartnershipListView
from twinning import sitemaps

pytestmark = pytest.mark.django_db

NS = {"sm": "http://www.sitemaps.org/schemas/sitemap/0.9", "xhtml": "http://www.w3.org/1999/xhtml"}
ORIGIN = "http://testserver"
LANGUAGES = ["en", "de", "zh-hans"]


def in_every_language(path):
    """The English path ("/en/cities/berlin/") and its German and Chinese twins."""
    assert path.startswith("/en/")
    return [f"{ORIGIN}/{language}/{path.removeprefix('/en/')}" for language in LANGUAGES]


# --- helpers -------------------------------------------------------------------------------


class Head(HTMLParser):
    """The head's canonical link, meta tags and the page's JSON-LD blocks."""

    def __init__(self, html):
        super().__init__(convert_charrefs=True)
        self.canonical = []
        self.meta = {}
        self.json_ld = []
        self._in_json_ld = False
        self._buffer = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "link" and attrs.get("rel") == "canonical":
            self.canonical.append(attrs["href"])
        elif tag == "meta" and ("property" in attrs or "name" in attrs):
            self.meta.setdefault(attrs.get("property") or attrs["name"], []).append(
                attrs.get("content")
            )
        elif tag == "script" and attrs.get("type") == "application/ld+json":
            assert "id" not in attrs
            self._in_json_ld, self._buffer = True, []

    def handle_data(self, data):
        if self._in_json_ld:
            self._buffer.append(data)

    def handle_endtag(self, tag):
        if tag == "script" and self._in_json_ld:
            self.json_ld.append(json.loads("".join(self._buffer)))
            self._in_json_ld = False

    def one(self, name):
        values = self.meta.get(name, [])
        assert len(values) == 1, (name, values)
        return values[0]


def head_of(response):
    assert response.status_code == 200
    return Head(response.content.decode())


def xml_of(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    return ET.fromstring(response.content)  # noqa: S314 - our own output, under test


def locs(root, kind="url"):
    return [el.findtext("sm:loc", namespaces=NS) for el in root.findall(f"sm:{kind}", NS)]


def sitemap_urls(client, section):
    """Every <url> of a section, following the index's pages."""
    index = xml_of(client.get("/sitemap.xml"))
    pages = [loc for loc in locs(index, "sitemap") if f"/sitemap-{section}.xml" in loc]
    urls = {}
    for page in pages:
        root = xml_of(client.get(page.removeprefix(ORIGIN)))
        for el in root.findall("sm:url", NS):
            urls[el.findtext("sm:loc", namespaces=NS)] = el.findtext("sm:lastmod", namespaces=NS)
    return urls


def jpeg(size=(64, 48)):
    buffer = io.BytesIO()
    Image.new("RGB", size, "steelblue").save(buffer, "JPEG")
    return SimpleUploadedFile("city.jpg", buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def world(make_city, make_focus_area, make_partnership, make_activity):
    """Published and unpublished partnerships; a city reached only through a draft."""
    topic = make_focus_area(name="Flood protection", slug="flood-protection")
    berlin = make_city(
        name="Berlin", slug="berlin", latitude="52.52000", longitude="13.40500", region="Berlin"
    )
    beijing = make_city(
        name="Beijing", slug="beijing", country="CN", latitude="39.90420", longitude="116.40740"
    )
    hidden = make_city(name="Hidden", slug="hidden")
    published = make_partnership(city_a=berlin, city_b=beijing, focus_areas=[topic])
    draft = make_partnership(city_a=berlin, city_b=hidden, state="draft")
    in_review = make_partnership(city_b=hidden, state="in_review")
    activity = make_activity(
        published,
        focus_areas=[topic],
        title="Flood seminar",
        start_date=datetime.date(2019, 5, 1),
        start_precision=DatePrecision.MONTH,
        location="Dresden",
        description="Engineers **met**.",
    )
    return {
        "topic": topic,
        "berlin": berlin,
        "beijing": beijing,
        "hidden": hidden,
        "published": published,
        "draft": draft,
        "in_review": in_review,
        "activity": activity,
    }


# --- sitemap -------------------------------------------------------------------------------


def test_sitemap_index_lists_every_section_with_absolute_urls(client, world):
    response = client.get("/sitemap.xml")
    root = xml_of(response)
    assert root.tag == f"{{{NS['sm']}}}sitemapindex"
    assert sorted(locs(root, "sitemap")) == sorted(
        f"{ORIGIN}/sitemap-{section}.xml"
        for section in ("pages", "partnerships", "cities", "topics")
    )


def test_sitemap_has_published_partnerships_with_lastmod_and_nothing_unpublished(client, world):
    urls = sitemap_urls(client, "partnerships")
    published = world["published"]
    assert list(urls) == in_every_language(published.get_absolute_url())
    # A day is precise enough for crawlers (Django's sitemap template writes the date).
    lastmod = urls[f"{ORIGIN}{published.get_absolute_url()}"]
    assert lastmod == timezone.localdate(published.updated_at).isoformat()
    everything = b"".join(
        client.get(f"/sitemap-{section}.xml").content
        for section in ("pages", "partnerships", "cities", "topics")
    )
    for unpublished in (world["draft"], world["in_review"]):
        assert unpublished.slug.encode() not in everything
    assert b"/cities/hidden/" not in everything


def test_sitemap_names_each_page_in_the_other_languages(client, world):
    root = xml_of(client.get("/sitemap-partnerships.xml"))
    english = f"{ORIGIN}{world['published'].get_absolute_url()}"
    for url in root.findall("sm:url", NS):
        alternates = {
            link.get("hreflang"): link.get("href") for link in url.findall("xhtml:link", NS)
        }
        assert alternates == {
            **dict(
                zip(
                    LANGUAGES, in_every_language(world["published"].get_absolute_url()), strict=True
                )
            ),
            # Django's choice: the address without a language, which sends each visitor to
            # theirs.
            "x-default": english.replace("/en/", "/", 1),
        }


def test_sitemap_cities_are_the_public_ones_with_lastmod(client, world):
    urls = sitemap_urls(client, "cities")
    assert set(urls) == {
        *in_every_language("/en/cities/berlin/"),
        *in_every_language("/en/cities/beijing/"),
    }
    assert all(urls.values())


def test_sitemap_topics_and_static_pages(client, world):
    assert set(sitemap_urls(client, "topics")) == set(
        in_every_language("/en/topics/flood-protection/")
    )
    pages = ["/en/", "/en/partnerships/", "/en/cities/", "/en/activities/"]
    pages += ["/en/anniversaries/", "/en/statistics/"]
    assert set(sitemap_urls(client, "pages")) == {
        url for page in pages for url in in_every_language(page)
    }


def test_sitemap_is_paginated_beyond_the_limit(client, monkeypatch, make_partnership):
    # Five partnerships in three languages: 15 addresses, 6 to a page.
    monkeypatch.setattr(sitemaps.PartnershipSitemap, "limit", 6)
    made = [make_partnership() for _ in range(5)]
    make_partnership(state="draft")
    index = xml_of(client.get("/sitemap.xml"))
    pages = [loc for loc in locs(index, "sitemap") if "sitemap-partnerships" in loc]
    assert pages == [
        f"{ORIGIN}/sitemap-partnerships.xml",
        f"{ORIGIN}/sitemap-partnerships.xml?p=2",
        f"{ORIGIN}/sitemap-partnerships.xml?p=3",
    ]
    sizes = [
        len(locs(xml_of(client.get("/sitemap-partnerships.xml", {"p": p})))) for p in (1, 2, 3)
    ]
    assert sizes == [6, 6, 3]
    assert set(sitemap_urls(client, "partnerships")) == {
        url for p in made for url in in_every_language(p.get_absolute_url())
    }
    assert client.get("/sitemap-partnerships.xml", {"p": 4}).status_code == 404
    assert client.get("/sitemap-partnerships.xml", {"p": "x"}).status_code == 404
    assert client.get("/sitemap-nothing.xml").status_code == 404


def test_sitemap_index_lastmod_is_the_latest_change(client, world):
    index = xml_of(client.get("/sitemap.xml"))
    by_loc = {
        el.findtext("sm:loc", namespaces=NS): el.findtext("sm:lastmod", namespaces=NS)
        for el in index.findall("sm:sitemap", NS)
    }
    latest = Partnership.objects.published().latest("updated_at").updated_at
    shown = datetime.datetime.fromisoformat(by_loc[f"{ORIGIN}/sitemap-partnerships.xml"])
    assert abs(shown - latest) < datetime.timedelta(seconds=1)
    assert by_loc[f"{ORIGIN}/sitemap-topics.xml"] is None


# Index: count and latest change of partnerships and cities, count of topics.
SITEMAP_QUERIES = {"/sitemap.xml": 5}
SITEMAP_QUERIES.update(
    {f"/sitemap-{section}.xml": 2 for section in ("partnerships", "cities", "topics")}
)
SITEMAP_QUERIES["/sitemap-pages.xml"] = 0


@pytest.mark.parametrize("size", [1, 60], ids=["small", "large"])
@pytest.mark.parametrize("url", sorted(SITEMAP_QUERIES))
def test_sitemap_query_count_does_not_grow(
    client, django_assert_max_num_queries, make_city, make_focus_area, size, url
):
    hub = make_city()
    cities = [make_city() for _ in range(size)]
    Partnership.objects.bulk_create(
        Partnership(slug=f"p-{i}", city_a=hub, city_b=city, state="published")
        for i, city in enumerate(cities)
    )
    for _ in range(size):
        make_focus_area()
    with django_assert_max_num_queries(SITEMAP_QUERIES[url]):
        response = client.get(url)
    assert response.status_code == 200


# --- robots.txt ----------------------------------------------------------------------------


def test_robots_txt_allows_the_site_hides_the_admin_and_names_the_sitemap(client, settings):
    settings.ADMIN_URL = "admin/"
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    lines = response.content.decode().splitlines()
    assert lines[0] == "User-agent: *"
    assert "Allow: /" in lines
    assert "Disallow: /admin/" in lines
    assert "Disallow: /export/partnerships/" in lines  # downloads are for people, not crawlers
    assert f"Sitemap: {ORIGIN}/sitemap.xml" in lines


# Both kinds of parser: urllib.robotparser takes the first rule that matches, RFC 9309
# (protego, as Google) the longest. The rules must mean the same to both.
DISALLOWED = [
    "/admin/",
    "/admin/login/?next=/admin/",
    "/admin/partnerships/partnership/",
    "/export/partnerships/",
    "/export/partnerships/?format=csv",
    "/export/partnerships/?format=geojson&country=DE",
]
ALLOWED = [
    "/",
    "/en/",
    "/de/partnerships/",
    "/en/partnerships/dresden-hangzhou/",
    "/partnerships/dresden-hangzhou/data.json",
    "/en/cities/dresden/",
    "/sitemap.xml",
    "/en/feed/",
    "/administration-guide/",  # only /admin/ itself is closed
]


def robots_parsers(text):
    """Each parser's "may AnyBot fetch this URL?" (their arguments come in opposite orders)."""
    first_match = urllib.robotparser.RobotFileParser()
    first_match.parse(text.splitlines())
    longest_match = Protego.parse(text)
    return {
        "urllib.robotparser": lambda url: first_match.can_fetch("AnyBot", url),
        "protego": lambda url: longest_match.can_fetch(url, "AnyBot"),
    }


@pytest.mark.parametrize("admin_url", ["admin/", "staff-7f3a/"])
def test_robots_txt_means_the_same_to_first_match_and_longest_match_parsers(
    client, settings, admin_url
):
    settings.ADMIN_URL = admin_url
    text = client.get("/robots.txt").content.decode()
    for name, may_fetch in robots_parsers(text).items():
        for path in ALLOWED:
            assert may_fetch(f"{ORIGIN}{path}"), (name, path)
        for path in DISALLOWED:
            # A custom admin address is not named, so nothing closes /admin/.
            expected = admin_url == "staff-7f3a/" and path.startswith("/admin")
            assert may_fetch(f"{ORIGIN}{path}") is expected, (name, path)
    assert list(Protego.parse(text).sitemaps) == [f"{ORIGIN}/sitemap.xml"]


def test_robots_txt_answers_head_but_not_post(client):
    response = client.head("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert client.post("/robots.txt").status_code == 405


def test_robots_txt_does_not_reveal_a_custom_admin_path(client, settings):
    settings.ADMIN_URL = "staff-7f3a/"
    text = client.get("/robots.txt").content.decode()
    assert "staff-7f3a" not in text
    disallowed = [line for line in text.splitlines() if line.startswith("Disallow")]
    assert disallowed == ["Disallow: /export/partnerships/"]


def test_robots_txt_uses_the_host_asked_for(settings):
    settings.ALLOWED_HOSTS = ["twinning.example"]
    response = Client().get("/robots.txt", headers={"host": "twinning.example"}, secure=True)
    assert "Sitemap: https://twinning.example/sitemap.xml" in response.content.decode()


# --- favicon.ico and the sign-in page -------------------------------------------------------


def test_favicon_ico_is_an_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    assert response.content[:4] == b"\x00\x00\x01\x00"  # the ICO file signature
    assert "max-age=86400" in response["Cache-Control"]
    assert client.post("/favicon.ico").status_code == 405


def test_pages_name_their_icons(client, db):
    page = client.get("/en/").content.decode()
    assert '<link rel="icon" href="/favicon.ico" sizes="48x48">' in page
    assert '<link rel="icon" href="/static/img/favicon.svg" type="image/svg+xml">' in page
    for icon in ["favicon.svg", "apple-touch-icon.png"]:
        assert (settings.BASE_DIR / "static" / "img" / icon).exists()


@pytest.mark.parametrize("language, heading", [("en", "Log in"), ("de", "Anmelden")])
def test_the_sign_in_page_has_one_visible_heading(client, db, language, heading):
    page = client.get("/admin/login/", headers={"accept-language": language}).content.decode()
    assert page.count("<h1") == 1
    assert f"<h1>{heading}</h1>" in page
    assert 'href="/static/img/favicon.svg"' in page


# --- canonical, Open Graph and description -------------------------------------------------


def page_urls(world):
    return {
        "home": "/en/",
        "partnership_list": "/en/partnerships/",
        "partnership_detail": world["published"].get_absolute_url(),
        "city_list": "/en/cities/",
        "city_detail": world["berlin"].get_absolute_url(),
        "topic_detail": world["topic"].get_absolute_url(),
        "activity_list": "/en/activities/",
    }


@pytest.mark.parametrize(
    "page",
    [
        "home",
        "partnership_list",
        "partnership_detail",
        "city_list",
        "city_detail",
        "topic_detail",
        "activity_list",
    ],
)
def test_every_page_has_canonical_open_graph_and_a_description(client, world, page):
    url = page_urls(world)[page]
    head = head_of(client.get(url))
    assert head.canonical == [f"{ORIGIN}{url}"]
    assert head.one("og:url") == f"{ORIGIN}{url}"
    assert head.one("og:site_name") == "Twinning"
    assert head.one("og:type") == ("article" if page == "partnership_detail" else "website")
    assert head.one("og:title").strip()
    description = head.one("description")
    assert len(description) > 30
    assert head.one("og:description") == description


def test_descriptions_and_titles_are_about_the_page(client, world):
    head = head_of(client.get(world["published"].get_absolute_url()))
    assert head.one("og:title") == "Berlin – Beijing"
    assert "Berlin (Germany) and Beijing (China)" in head.one("description")
    assert "1 partnership" in head_of(client.get("/en/")).one("description")
    world["berlin"].summary = "Capital of Germany, on the Spree."
    world["berlin"].save()
    city_head = head_of(client.get("/en/cities/berlin/"))
    assert city_head.one("description") == "Capital of Germany, on the Spree."


@pytest.mark.parametrize(
    ("query", "canonical"),
    [
        ("", "/en/partnerships/"),
        ("?page=1", "/en/partnerships/"),
        ("?page=2", "/en/partnerships/?page=2"),
        ("?utm_source=newsletter", "/en/partnerships/"),
        ("?country=DE&page=2", "/en/partnerships/"),
        ("?sort=-established", "/en/partnerships/"),
        ("?q=&page=2", "/en/partnerships/?page=2"),
    ],
)
def test_list_canonical_drops_filters_and_the_first_page(
    client, monkeypatch, make_partnership, query, canonical
):
    monkeypatch.setattr(PartnershipListView, "paginate_by", 1)
    for _ in range(3):
        make_partnership()
    head = head_of(client.get(f"/en/partnerships/{query}"))
    assert head.canonical == [f"{ORIGIN}{canonical}"]


def test_og_image_is_the_city_picture_absolute(client, world):
    berlin = world["berlin"]
    berlin.image = jpeg()
    berlin.image_alt = "The Brandenburg Gate"
    berlin.save()
    for url in (berlin.get_absolute_url(), world["published"].get_absolute_url()):
        head = head_of(client.get(url))
        image = head.one("og:image")
        assert image.startswith(f"{ORIGIN}/") and image.endswith(".jpg")
        assert head.one("og:image:alt") == "The Brandenburg Gate"
    assert "og:image" not in head_of(client.get(world["beijing"].get_absolute_url())).meta


def test_no_og_image_without_a_picture(client, world):
    head = head_of(client.get(world["published"].get_absolute_url()))
    assert "og:image" not in head.meta


# --- JSON-LD -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("precision", "expected"),
    [
        (DatePrecision.YEAR, "2019"),
        (DatePrecision.MONTH, "2019-05"),
        (DatePrecision.DAY, "2019-05-16"),
    ],
)
def test_partial_dates_keep_their_precision(precision, expected):
    """schema.org Date accepts reduced precision, and a made-up day would be false."""
    assert iso_partial_date(datetime.date(2019, 5, 16), precision) == expected
    assert iso_partial_date(None, precision) is None


def test_partnership_page_has_its_cities_and_activities_as_events(client, world, make_activity):
    make_activity(world["published"], title="Ongoing exchange", start_date=None)
    make_activity(
        world["published"],
        title="Youth festival",
        start_date=datetime.date(2030, 1, 1),
        start_precision=DatePrecision.YEAR,
        end_date=datetime.date(2031, 6, 1),
        end_precision=DatePrecision.MONTH,
    )
    (data,) = head_of(client.get(world["published"].get_absolute_url())).json_ld
    assert data["@context"] == "https://schema.org"
    cities = [node for node in data["@graph"] if node["@type"] == "City"]
    assert [city["name"] for city in cities] == ["Berlin", "Beijing"]
    assert cities[0]["geo"] == {"@type": "GeoCoordinates", "latitude": 52.52, "longitude": 13.405}
    assert cities[0]["address"] == {
        "@type": "PostalAddress",
        "addressLocality": "Berlin",
        "addressRegion": "Berlin",
        "addressCountry": "DE",
    }
    assert cities[0]["url"] == f"{ORIGIN}/en/cities/berlin/"
    events = {node["name"]: node for node in data["@graph"] if node["@type"] == "Event"}
    assert set(events) == {"Flood seminar", "Youth festival"}  # undated cooperation: no event
    seminar = events["Flood seminar"]
    assert seminar["startDate"] == "2019-05"
    assert "endDate" not in seminar
    # "Dresden" is neither of the partnership's cities: its address is not known, so the
    # location is the two cities, each with its address.
    assert [place["name"] for place in seminar["location"]] == ["Berlin", "Beijing"]
    assert seminar["location"][1]["address"] == {
        "@type": "PostalAddress",
        "addressLocality": "Beijing",
        "addressCountry": "CN",
    }
    assert seminar["description"] == "Engineers met."
    assert seminar["about"] == ["Flood protection"]
    assert seminar["url"] == f"{ORIGIN}{world['published'].get_absolute_url()}"
    festival = events["Youth festival"]
    assert (festival["startDate"], festival["endDate"]) == ("2030", "2031-06")


BERLIN_PLACE = {
    "@type": "City",
    "name": "Berlin",
    "url": f"{ORIGIN}/en/cities/berlin/",
    "address": {
        "@type": "PostalAddress",
        "addressLocality": "Berlin",
        "addressRegion": "Berlin",
        "addressCountry": "DE",
    },
    "geo": {"@type": "GeoCoordinates", "latitude": 52.52, "longitude": 13.405},
}


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("Berlin", BERLIN_PLACE),
        (" berlin ", BERLIN_PLACE),
        (
            "Olympic Green, Beijing",
            {
                "@type": "Place",
                "name": "Olympic Green, Beijing",
                "address": {
                    "@type": "PostalAddress",
                    "addressLocality": "Beijing",
                    "addressCountry": "CN",
                },
            },
        ),
        # Not known to be in one city: the partnership's two cities.
        ("", ["Berlin", "Beijing"]),
        ("Berlin and Beijing", ["Berlin", "Beijing"]),
        ("Dresden", ["Berlin", "Beijing"]),
        ("Berliner Dom", ["Berlin", "Beijing"]),  # "Berlin" is not a word of its own here
    ],
)
def test_every_event_is_located_with_an_address(client, world, make_activity, location, expected):
    make_activity(
        world["published"], title="Talk", start_date=datetime.date(2020, 3, 1), location=location
    )
    (data,) = head_of(client.get(world["published"].get_absolute_url())).json_ld
    events = {node["name"]: node for node in data["@graph"] if node["@type"] == "Event"}
    found = events["Talk"]["location"]
    if isinstance(expected, list):
        assert [place["name"] for place in found] == expected
        assert found[0] == BERLIN_PLACE
    else:
        assert found == expected


def test_event_descriptions_are_plain_text_with_entities_decoded(client, world, make_activity):
    make_activity(
        world["published"],
        title="Talk",
        start_date=datetime.date(2020, 3, 1),
        description="A & B <c>",
    )
    (data,) = head_of(client.get(world["published"].get_absolute_url())).json_ld
    events = {node["name"]: node for node in data["@graph"] if node["@type"] == "Event"}
    assert events["Talk"]["description"] == "A & B"  # JSON is not HTML: no "&amp;"


def test_city_page_is_a_city_with_coordinates(client, world):
    (data,) = head_of(client.get("/en/cities/beijing/")).json_ld
    assert data["@type"] == "City"
    assert data["name"] == "Beijing"
    assert data["geo"]["latitude"] == pytest.approx(39.9042)
    assert data["geo"]["longitude"] == pytest.approx(116.4074)
    assert data["address"]["addressCountry"] == "CN"


def test_city_without_coordinates_has_no_geo(client, make_city, make_partnership):
    city = make_city(latitude=None, longitude=None)
    make_partnership(city_a=city)
    (data,) = head_of(client.get(city.get_absolute_url())).json_ld
    assert "geo" not in data


@pytest.mark.parametrize(("url", "per_page"), [("/en/partnerships/", 2), ("/en/cities/", 2)])
def test_list_pages_are_item_lists_numbered_across_pages(
    client, monkeypatch, make_partnership, url, per_page
):
    from partnerships.views.cities import CityListView

    monkeypatch.setattr(PartnershipListView, "paginate_by", per_page)
    monkeypatch.setattr(CityListView, "paginate_by", per_page)
    for _ in range(4):
        make_partnership()
    (first,) = head_of(client.get(url)).json_ld
    (second,) = head_of(client.get(url, {"page": 2})).json_ld
    assert first["@type"] == "ItemList"
    total = first["numberOfItems"]
    assert total == (4 if url == "/en/partnerships/" else 8)
    positions = [item["position"] for item in first["itemListElement"]]
    positions += [item["position"] for item in second["itemListElement"]]
    assert positions == [1, 2, 3, 4]
    for item in first["itemListElement"]:
        assert item["@type"] == "ListItem"
        assert item["url"].startswith(f"{ORIGIN}{url}")
        assert client.get(item["url"]).status_code == 200


def test_activity_list_is_an_item_list_of_events(client, world, make_activity):
    make_activity(world["published"], title="Ongoing exchange", start_date=None)
    (data,) = head_of(client.get("/en/activities/")).json_ld
    assert data["@type"] == "ItemList"
    assert data["numberOfItems"] == 2
    seminar, ongoing = data["itemListElement"]
    assert seminar["position"] == 1
    assert seminar["item"]["@type"] == "Event"
    assert seminar["item"]["name"] == "Flood seminar"
    assert seminar["item"]["startDate"] == "2019-05"
    # An undated activity is no Event (an Event needs a startDate): a CreativeWork.
    assert ongoing["position"] == 2
    assert ongoing["item"]["@type"] == "CreativeWork"
    assert ongoing["item"]["name"] == "Ongoing exchange"
    assert "startDate" not in ongoing["item"]
    assert [place["name"] for place in ongoing["item"]["spatialCoverage"]] == ["Berlin", "Beijing"]


def json_ld_nodes(data):
    """Every object in a JSON-LD document, nested ones included."""
    if isinstance(data, dict):
        yield data
        data = list(data.values())
    if isinstance(data, list):
        for value in data:
            yield from json_ld_nodes(value)


PLACE_TYPES = {"Place", "City"}


def test_demo_pages_have_no_event_without_a_date_or_a_located_address(client):
    """Every Event on the demo's public pages has a startDate and a location, and every
    Place (an event's, a city's) a PostalAddress with locality and country."""
    call_command("load_demo", stdout=io.StringIO())
    activities = Activity.objects.published()
    urls = ["/en/activities/", "/de/activities/", "/zh-hans/activities/"]
    pages = -(-activities.count() // PAGE_SIZE)
    urls += [f"/en/activities/?page={page}" for page in range(2, pages + 1)]
    urls += [p.get_absolute_url() for p in Partnership.objects.published()]
    urls += [city.get_absolute_url() for city in City.objects.public()]
    urls += [topic.get_absolute_url() for topic in FocusArea.objects.all()]
    counts = {"Event": 0, "Place": 0, "CreativeWork": 0}
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        for document in head_of(response).json_ld:
            for node in json_ld_nodes(document):
                kind = node.get("@type")
                if kind == "Event":
                    counts["Event"] += 1
                    assert node.get("startDate"), (url, node["name"])
                    assert node.get("location"), (url, node["name"])
                if kind == "CreativeWork":
                    counts["CreativeWork"] += 1
                if kind in PLACE_TYPES:
                    counts["Place"] += 1
                    address = node.get("address") or {}
                    assert address.get("@type") == "PostalAddress", (url, node)
                    assert address.get("addressLocality"), (url, node)
                    assert address.get("addressCountry"), (url, node)
    # The demo's dated and undated activities were all seen.
    assert counts["Event"] >= activities.filter(start_date__isnull=False).count()
    assert counts["CreativeWork"] >= activities.filter(start_date__isnull=True).count()
    assert counts["Place"] > counts["Event"]


def strings(data):
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for value in data.values():
            yield from strings(value)
    elif isinstance(data, list):
        for value in data:
            yield from strings(value)


def test_hostile_names_cannot_end_the_data_block(
    client, make_city, make_partnership, make_activity
):
    name = 'Evil</script><script>alert(1)</script> & "Co"'
    city = make_city(name=name, summary="<b>bold</b> & co")
    partnership = make_partnership(city_a=city)
    make_activity(partnership, title="</SCRIPT><img src=x onerror=alert(1)>")
    for url in (
        city.get_absolute_url(),
        partnership.get_absolute_url(),
        "/en/cities/",
        "/en/activities/",
    ):
        html = client.get(url).content.decode()
        assert "<script>alert(1)" not in html
        assert "</SCRIPT><img" not in html
        # The blocks parse, and the hostile text survives intact as data.
        found = list(strings(Head(html).json_ld))
        assert any(name in text or "</SCRIPT><img" in text for text in found)
    raw = structured_data.dumps({"name": name})
    assert "<" not in raw and ">" not in raw and "&" not in raw
    assert json.loads(raw) == {"name": name}


def test_json_ld_is_a_data_block_under_the_strict_csp(client, world):
    response = client.get(world["published"].get_absolute_url())
    html = response.content.decode()
    assert '<script type="application/ld+json">' in html
    assert "<script>" not in html  # nothing inline that a browser would run
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
