"""The site in English, German and Chinese: addresses, the switcher, hreflang, formats."""

import datetime
import re

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.urls import resolve, reverse
from django.utils import translation

from cities.models import City
from core.dates import DatePrecision, format_partial_date
from core.indexes import refresh_planner_statistics
from partnerships.models import Partnership

pytestmark = pytest.mark.django_db

LANGUAGES = ["en", "de", "zh-hans"]


@pytest.mark.parametrize(
    ("accept", "expected"),
    [("", "/en/"), ("de-DE,de;q=0.9,en;q=0.5", "/de/"), ("zh-CN,zh;q=0.9", "/zh-hans/")],
)
def test_an_address_without_a_language_goes_to_the_visitors(client, accept, expected):
    headers = {"HTTP_ACCEPT_LANGUAGE": accept} if accept else {}
    response = client.get("/", **headers)
    assert response.status_code == 302
    assert response["Location"] == expected
    # Caches must keep one answer per language; the redirect is as guarded as any page.
    assert "Accept-Language" in response["Vary"]
    assert "default-src 'self'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"
    response = client.get("/partnerships/?sort=name", **headers)
    assert response["Location"] == f"{expected}partnerships/?sort=name"


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_language_has_its_address_and_lang(client, make_partnership, language):
    partnership = make_partnership()
    with translation.override(language):
        url = partnership.get_absolute_url()
    assert url.startswith(f"/{language}/partnerships/")
    response = client.get(url)
    assert response.status_code == 200
    assert f'<html lang="{language}">' in response.content.decode()


def test_head_names_the_page_in_every_language(client, make_partnership):
    partnership = make_partnership()
    with translation.override("de"):
        url = partnership.get_absolute_url()
    html = client.get(url).content.decode()
    alternates = dict(re.findall(r'<link rel="alternate" hreflang="([^"]+)" href="([^"]+)">', html))
    path = url.removeprefix("/de/")
    assert alternates == {
        "en": f"http://testserver/en/{path}",
        "de": f"http://testserver/de/{path}",
        "zh-hans": f"http://testserver/zh-hans/{path}",
        "x-default": f"http://testserver/{path}",
    }


def test_switcher_keeps_the_visitor_on_the_same_page(client):
    with translation.override("de"):
        url = reverse("partnership_list")
    html = client.get(url, {"sort": "name", "kind": "twinning"}).content.decode()
    switcher = re.search(r'<nav class="language-switcher"[^>]*>(.*?)</nav>', html, re.S)[1]
    links = re.findall(
        r'<a href="([^"]+)" hreflang="([^"]+)" lang="[^"]+"( aria-current="true")?>([^<]+)</a>',
        switcher,
    )
    assert [(href, code, bool(current), name) for href, code, current, name in links] == [
        ("/en/partnerships/?sort=name&amp;kind=twinning", "en", False, "English"),
        ("/de/partnerships/?sort=name&amp;kind=twinning", "de", True, "Deutsch"),
        ("/zh-hans/partnerships/?sort=name&amp;kind=twinning", "zh-hans", False, "简体中文"),
    ]


def test_admin_has_no_language_alternates(admin_client):
    html = admin_client.get(reverse("admin:index")).content.decode()
    assert "hreflang" not in html


@pytest.mark.parametrize(
    ("language", "day", "month", "year"),
    [
        ("en", "16 October 2009", "October 2009", "2009"),
        ("de", "16. Oktober 2009", "Oktober 2009", "2009"),
        ("zh-hans", "2009年10月16日", "2009年10月", "2009年"),
    ],
)
def test_dates_are_written_for_the_language_at_their_precision(language, day, month, year):
    value = datetime.date(2009, 10, 16)
    with translation.override(language):
        assert format_partial_date(value, DatePrecision.DAY) == day
        assert format_partial_date(value, DatePrecision.MONTH) == month
        assert format_partial_date(value, DatePrecision.YEAR) == year


def test_lists_sort_and_filter_by_the_name_the_visitor_reads(client, make_city, make_partnership):
    # Beijing is "Peking" in German; the others have no German name and read in English.
    hub = make_city(name_en="Aachen", slug="aachen")
    beijing = make_city(name_en="Beijing", name_de="Peking", name_zh_hans="北京", slug="beijing")
    for city in (make_city(name_en="Oslo", slug="oslo"), beijing, make_city(name_en="Zagreb")):
        make_partnership(city_a=city, city_b=hub)
    with translation.override("de"):
        partnerships, cities = reverse("partnership_list"), reverse("city_list")

    def names(url, **params):
        html = client.get(url, params).content.decode()
        return re.findall(r'<h3><a href="[^"]+">([^<]+) – ', html)

    assert names(partnerships, sort="name") == ["Oslo", "Peking", "Zagreb"]
    assert names(partnerships, sort="-name") == ["Zagreb", "Peking", "Oslo"]
    assert names(partnerships) == ["Oslo", "Peking", "Zagreb"]
    assert names(partnerships, city="Peking") == ["Peking"]
    assert names(partnerships, city="北京") == ["Peking"]
    listed = client.get(cities, {"q": "Beij"}).content.decode()
    assert re.findall(r'<li><a href="/de/cities/[^"]+">([^<]+)</a>', listed) == ["Peking"]


@pytest.mark.parametrize(
    ("language", "expected"),
    [("en", "1,000 partnerships"), ("de", "1.000 Partnerschaften"), ("zh-hans", "1,000")],
)
def test_counts_are_grouped_as_the_language_writes_them(client, language, expected):
    cities = City.objects.bulk_create(
        City(name_en=f"Town {i}", slug=f"town-{i}", country="DE") for i in range(1001)
    )
    Partnership.objects.bulk_create(
        Partnership(slug=f"p-{i}", city_a=cities[0], city_b=city, state="published")
        for i, city in enumerate(cities[1:])
    )
    refresh_planner_statistics(City, Partnership)  # as the importer does after a bulk load
    with translation.override(language):
        home, listed = reverse("home"), reverse("partnership_list")
    assert expected in client.get(home).content.decode()
    assert expected in client.get(listed).content.decode()


def test_an_address_naming_another_host_never_links_there(client):
    # //elsewhere.example/en/ is this site's 404 page; its switcher, alternates and canonical
    # must not send visitors to elsewhere.example.
    # (The test client would read the host out of the address; a server passes it as a path.)
    response = client.get("/", PATH_INFO="//elsewhere.example/en/")
    assert response.status_code == 404
    html = response.content.decode()
    assert 'href="//elsewhere.example' not in html
    assert 'href="http://elsewhere.example' not in html


def test_untranslated_milestone_text_is_marked_on_german_pages(
    client, make_partnership, make_milestone
):
    partnership = make_partnership()
    make_milestone(partnership, title_en="Agreement signed", description_en="Signed in Berlin.")
    with translation.override("de"):
        html = client.get(partnership.get_absolute_url()).content.decode()
    assert '<div class="prose" lang="en"><p>Signed in Berlin.</p>' in html
    assert "Noch nicht übersetzt" in html


@pytest.mark.parametrize(
    "path",
    [
        "/de/partnerships/?sort=name&kind=twinning",
        "/zh-hans/cities/",
        "/en/cities/%C3%A4rhus/",
        "/en/no-such-page/",
        "/admin/",
        "/en/partnerships/#top",
    ],
)
@pytest.mark.parametrize("language", LANGUAGES)
def test_each_language_as_translate_url_gives_it(path, language):
    from django.urls import translate_url

    from core.templatetags.language_tags import in_each_language

    with translation.override(language):
        assert in_each_language(path) == [translate_url(path, code) for code in LANGUAGES]


def test_the_page_address_is_not_resolved_again_for_switcher_and_hreflang(client, monkeypatch):
    # Django's own match of the request's path serves both.
    from core.templatetags import language_tags

    resolved = []
    real_resolve = language_tags.resolve
    monkeypatch.setattr(
        language_tags, "resolve", lambda path: resolved.append(path) or real_resolve(path)
    )
    html = client.get("/de/seeking/").content.decode()
    assert 'hreflang="zh-hans" href="http://testserver/zh-hans/seeking/"' in html
    assert '<a href="/zh-hans/seeking/" hreflang="zh-hans"' in html
    assert resolved == []
    # Another address than the request's (a preview's canonical) is resolved as before.
    request = RequestFactory().get("/de/seeking/")
    request.resolver_match = resolve("/de/seeking/")
    with translation.override("de"):
        assert language_tags.in_each_language("/de/cities/", request)[2] == "/zh-hans/cities/"
    assert resolved == ["/de/cities/"]


def test_the_switcher_and_alternates_are_written_as_the_templates_wrote_them(client):
    html = client.get("/de/seeking/?q=a&x=1").content.decode()
    assert (
        '<link rel="alternate" hreflang="en" href="http://testserver/en/seeking/">\n'
        '  <link rel="alternate" hreflang="de" href="http://testserver/de/seeking/">\n'
        '  <link rel="alternate" hreflang="zh-hans" href="http://testserver/zh-hans/seeking/">\n'
        '  <link rel="alternate" hreflang="x-default" href="http://testserver/seeking/">\n'
    ) in html
    assert (
        '<nav class="language-switcher" aria-label="Sprache">\n  <ul>\n    \n'
        '    <li><a href="/en/seeking/?q=a&amp;x=1" hreflang="en" lang="en">English</a>'
        "</li>\n    \n"
        '    <li><a href="/de/seeking/?q=a&amp;x=1" hreflang="de" lang="de" aria-current="true">'
        "Deutsch</a></li>\n    \n"
        '    <li><a href="/zh-hans/seeking/?q=a&amp;x=1" hreflang="zh-hans" lang="zh-hans">'
        "简体中文</a></li>\n    \n  </ul>\n</nav>\n"
    ) in html


def test_the_headers_links_are_reversed_once_per_language(monkeypatch):
    from core.templatetags import language_tags

    reversed_names = []
    real_reverse = language_tags.reverse
    monkeypatch.setattr(
        language_tags, "reverse", lambda name: reversed_names.append(name) or real_reverse(name)
    )
    monkeypatch.setattr(language_tags, "_page_addresses", {})
    template = Template("{% load language_tags %}{% page_url 'statistics' %}")
    for language in ["de", "en", "de", "en"]:
        with translation.override(language):
            assert template.render(Context()) == reverse("statistics")
    assert reversed_names == ["statistics", "statistics"]
