"""Cached public pages are never stale, and repeat visits are answered with 304."""

import datetime
import gzip
import time
from pathlib import Path

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from pytest_django.asserts import assertContains, assertNotContains

from core import page_cache as page_cache_module
from core.page_cache import (
    bump_content_version,
    cached_page,
    content_models,
    content_version,
    invalidate_on_change,
)
from partnerships.models import Partnership
from partnerships.views import partnerships as partnership_views

pytestmark = pytest.mark.django_db

DATA = Path(__file__).resolve().parents[1] / "partnerships" / "data"


@pytest.fixture(autouse=True)
def page_cache(settings):
    settings.PAGE_CACHE_SECONDS = 300
    cache.clear()
    page_cache_module.nearby.clear()
    yield
    cache.clear()


@pytest.fixture
def pair(make_city, make_partnership, make_focus_area):
    culture = make_focus_area(name="Culture", slug="culture")
    return make_partnership(
        city_a=make_city(name="Dresden", slug="dresden"),
        city_b=make_city(name="Hangzhou", slug="hangzhou", country="CN"),
        summary="Old summary.",
        focus_areas=[culture],
    )


def public_urls(partnership):
    return [
        reverse("home"),
        reverse("partnership_list"),
        partnership.get_absolute_url(),
        partnership.city_a.get_absolute_url(),
        reverse("topic_detail", args=["culture"]),
        reverse("activity_list"),
        reverse("search") + "?q=Dresden",
    ]


def test_a_cached_page_costs_no_query(client, pair, django_assert_num_queries):
    url = pair.get_absolute_url()
    first = client.get(url)
    with django_assert_num_queries(0):
        second = client.get(url)
    assert second.content == first.content


def test_pages_are_cached_from_a_fresh_start(client, pair, django_assert_num_queries):
    cache.clear()  # a new cache, or the content version evicted: no version to begin with
    url = pair.get_absolute_url()
    first = client.get(url)
    with django_assert_num_queries(0):
        second = client.get(url)
    assert second["ETag"] == first["ETag"]
    pair.summary = "New summary."
    pair.save()
    assertContains(client.get(url), "New summary.")


def test_a_change_shows_on_the_next_request(client, pair):
    url = pair.get_absolute_url()
    assertContains(client.get(url), "Old summary.")
    pair.summary = "New summary."
    pair.save()
    assertContains(client.get(url), "New summary.")


def test_a_change_to_a_city_shows_on_its_partnership_page(client, pair):
    url = pair.get_absolute_url()
    client.get(url)
    city = pair.city_b
    city.name = "Hangzhou City"
    city.save()
    assertContains(client.get(url), "Dresden – Hangzhou City")


def test_a_new_activity_and_a_focus_area_link_show_at_once(
    client, pair, make_activity, make_focus_area
):
    url = pair.get_absolute_url()
    client.get(url)
    make_activity(pair, title="Choir festival")
    assertContains(client.get(url), "Choir festival")
    pair.focus_areas.add(make_focus_area(name="Flood protection"))
    assertContains(client.get(url), "Flood protection")


def test_unpublishing_leaves_every_cached_page_at_once(client, pair, admin_user, make_activity):
    make_activity(pair, title="Choir festival")
    urls = public_urls(pair)
    for url in urls:
        assertContains(client.get(url), "Dresden")
    pair.unpublish(admin_user)
    assert client.get(pair.get_absolute_url()).status_code == 404
    for url in urls:
        response = client.get(url)
        if response.status_code == 200:
            assertNotContains(response, "Dresden – Hangzhou")


def test_publishing_shows_at_once(client, make_partnership, admin_user):
    draft = make_partnership(state=Partnership.State.DRAFT)
    assertNotContains(client.get(reverse("partnership_list")), draft.title)
    draft.publish(admin_user)
    assertContains(client.get(reverse("partnership_list")), draft.title)


def test_an_import_shows_at_once(client, pair):
    assertNotContains(client.get(reverse("partnership_list")), "Coventry")
    call_command("import_twinnings", str(DATA / "twinnings_generic.csv"), verbosity=0)
    assertContains(client.get(reverse("partnership_list")), "Coventry")


def test_repeat_visits_get_304(client, pair):
    url = pair.get_absolute_url()
    etag = client.get(url)["ETag"]
    response = client.get(url, HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304
    assert response.content == b""
    pair.summary = "Changed."
    pair.save()
    assert client.get(url, HTTP_IF_NONE_MATCH=etag).status_code == 200  # the old copy is stale


def test_repeat_visits_get_304_when_compression_made_the_etag_weak(
    client, pair, django_assert_num_queries
):
    url = pair.get_absolute_url()
    etag = client.get(url, HTTP_ACCEPT_ENCODING="gzip")["ETag"]
    assert etag.startswith('W/"')
    for key in [key for key in cache._cache if ":twinning:page:" in key]:
        cache.delete(key.split(":", 2)[2])  # evicted: only the content version can answer now
    with django_assert_num_queries(0):
        response = client.get(url, HTTP_ACCEPT_ENCODING="gzip", HTTP_IF_NONE_MATCH=etag)
    assert response.status_code == 304


def test_the_day_is_part_of_the_key(client, pair, make_activity, monkeypatch):
    """ "Upcoming" is decided by today's date: tomorrow the page is rendered afresh."""
    today = timezone.localdate()
    make_activity(pair, title="Tomorrow's concert", start_date=today + datetime.timedelta(days=1))
    url = pair.get_absolute_url()
    assertContains(client.get(url), "News: coming up")
    later = today + datetime.timedelta(days=3)
    monkeypatch.setattr("django.utils.timezone.localdate", lambda *args, **kwargs: later)
    assertNotContains(client.get(url), "News: coming up")


def test_without_a_shared_cache_pages_are_rendered_but_still_get_304(
    client, pair, settings, django_assert_max_num_queries
):
    settings.PAGE_CACHE_SECONDS = 0
    url = pair.get_absolute_url()
    first = client.get(url)
    assert first.has_header("ETag")  # from the content, by ConditionalGetMiddleware
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304
    with django_assert_max_num_queries(20):
        client.get(url)  # rendered again, not cached


def test_not_found_is_not_cached(client, pair):
    url = pair.get_absolute_url()
    pair.state = Partnership.State.DRAFT
    pair.save()
    assert client.get(url).status_code == 404
    pair.state = Partnership.State.PUBLISHED
    pair.save()
    assert client.get(url).status_code == 200


def test_a_cached_page_keeps_its_type_and_revalidation_headers(client, pair):
    url = pair.get_absolute_url()
    first = client.get(url)
    second = client.get(url)
    for header in ("Content-Type", "ETag", "Cache-Control"):
        assert second[header] == first[header], header
    assert "no-cache" in second["Cache-Control"]


@pytest.mark.parametrize("name", ["site_calendar", "site_feed_atom", "site_feed_rss"])
def test_a_cached_calendar_or_feed_keeps_its_type_and_file_name(client, pair, name):
    # A calendar served from the cache as text/html would not open in a calendar program.
    url = reverse(name)
    first = client.get(url)
    assert not first["Content-Type"].startswith("text/html")
    second = client.get(url)
    assert second.content == first.content
    for header in ("Content-Type", "Content-Disposition"):
        assert second.get(header) == first.get(header), header


def test_an_address_keeps_one_cached_copy_however_often_content_changes(client, pair):
    # Out-of-date copies are replaced, not left to pile up in the shared cache until they expire.
    url = pair.get_absolute_url()
    for summary in ("One.", "Two.", "Three."):
        pair.summary = summary
        pair.save()
        assertContains(client.get(url), summary)
    pages = [key for key in cache._cache if ":twinning:page:" in key]
    assert len(pages) == 1


def test_each_site_address_gets_its_own_copy(client, pair, settings):
    # Pages hold absolute URLs (canonical, feeds); one origin's copy must not reach another.
    settings.ALLOWED_HOSTS = ["twinning.example", "partners.example"]
    url = pair.get_absolute_url()
    first = client.get(url, headers={"host": "twinning.example"}).content.decode()
    second = client.get(url, headers={"host": "partners.example"}).content.decode()
    assert "//twinning.example/" in first
    assert "//partners.example/" in second and "//twinning.example/" not in second


def test_each_search_filter_and_page_gets_its_own_copy(
    client, pair, make_city, make_partnership, monkeypatch
):
    # The query string is part of the address: one search or page must not answer for another.
    monkeypatch.setattr(partnership_views.PartnershipListView, "paginate_by", 1)
    make_partnership(city_a=make_city(name="Lyon", country="FR"), city_b=pair.city_b)
    listing = reverse("partnership_list")
    for query, shown, hidden in [
        ("?q=Dresden", "Dresden – Hangzhou", "Lyon – Hangzhou"),
        ("?q=Lyon", "Lyon – Hangzhou", "Dresden – Hangzhou"),
        ("", "Dresden – Hangzhou", "Lyon – Hangzhou"),
        ("?page=2", "Lyon – Hangzhou", "Dresden – Hangzhou"),
    ]:
        for _visit in range(2):  # the second visit is the cached copy
            response = client.get(listing + query)
            assertContains(response, shown)
            assertNotContains(response, hidden)
    search = reverse("search")
    assertContains(client.get(search + "?q=Lyon"), "Lyon – Hangzhou")
    assertNotContains(client.get(search + "?q=Dresden"), "Lyon – Hangzhou")


def test_per_language_keeps_one_copy_per_language_at_one_address(rf):
    """A response whose language is not in its address (the JSON API's Accept-Language): with
    per_language each language has its own copy and ETag; without it one copy serves all."""
    calls = []

    def view(request):
        calls.append(translation.get_language())
        return HttpResponse(f"text in {translation.get_language()}")

    for per_language, copies in [(True, ["en", "de"]), (False, ["en"])]:
        cache.clear()
        calls.clear()
        cached = cached_page(view, per_language=per_language)
        answers = {}
        for language in ["en", "de", "en", "de"]:
            with translation.override(language):
                answers.setdefault(language, []).append(cached(rf.get("/api/v1/topics/")))
        assert calls == copies  # each language's copy rendered once, then served from the cache
        if per_language:
            assert [r.content for r in answers["de"]] == [b"text in de"] * 2
            assert answers["de"][0]["ETag"] != answers["en"][0]["ETag"]
        else:
            assert [r.content for r in answers["de"]] == [b"text in en"] * 2
            assert answers["de"][0]["ETag"] == answers["en"][0]["ETag"]


# Every model staff edit, with a text of it the partnership page shows. A content model missing
# from the page cache (invalidate_on_change) would leave every cached page showing its old text.
SHOWN_ON_THE_PARTNERSHIP_PAGE = {
    "cities.City": ("city", "name"),
    "cities.CityFigure": ("city_figure", "label"),
    "partnerships.FocusArea": ("focus_area", "name"),
    "partnerships.Partnership": ("partnership", "summary"),
    "partnerships.Milestone": ("milestone", "title"),
    "partnerships.Activity": ("activity", "title"),
    "partnerships.Plan": ("plan", "title"),
    "partnerships.Source": ("source", "title"),
    "partnerships.PartnershipFigure": ("partnership_figure", "label"),
    "partnerships.Contact": ("contact", "organisation"),
}


# Content models not shown on the partnership page, each with the test that checks its saves
# show at once on a cached page of its own.
CHECKED_ELSEWHERE = {
    "partnerships.PartnerSearch": (
        "tests/partnerships/test_partner_finder.py::test_a_new_listing_shows_on_cached_pages_at_once"
    ),
}


def test_every_content_model_is_checked_below():
    assert set(SHOWN_ON_THE_PARTNERSHIP_PAGE) | set(CHECKED_ELSEWHERE) == set(content_models())


@pytest.mark.parametrize("label", SHOWN_ON_THE_PARTNERSHIP_PAGE)
def test_a_save_and_a_delete_of_every_content_model_show_at_once(client, published_world, label):
    key, field = SHOWN_ON_THE_PARTNERSHIP_PAGE[label]
    record = published_world[key]
    url = published_world["partnership"].get_absolute_url()
    assertContains(client.get(url), getattr(record, field))
    setattr(record, field, "Freshly edited")
    record.save()
    assertContains(client.get(url), "Freshly edited")
    if key == "city":
        return  # a city in a partnership cannot be deleted, and one in none is not shown
    record.delete()
    response = client.get(url)
    if key == "partnership":
        assert response.status_code == 404
    else:
        assertNotContains(response, "Freshly edited")


# The content version itself


def test_the_content_version_never_expires(monkeypatch):
    """Were it to expire with the cache's default timeout, every page would be rendered afresh
    each time it did."""
    version = content_version()
    ten_years_on = time.time() + 10 * 365 * 24 * 3600
    monkeypatch.setattr("django.core.cache.backends.locmem.time.time", lambda: ten_years_on)
    assert content_version() == version


def test_reading_the_version_costs_one_round_trip_once_it_exists(monkeypatch):
    content_version()
    calls = []
    for name in ("get", "add", "set", "get_many", "incr"):
        original = getattr(cache, name)
        monkeypatch.setattr(
            cache, name, lambda *a, _o=original, _n=name, **k: calls.append(_n) or _o(*a, **k)
        )
    content_version()
    assert calls == ["get"]


def test_a_hit_reads_only_the_version_when_this_process_served_the_page(client, pair, monkeypatch):
    url = pair.get_absolute_url()
    first = client.get(url)
    read = []
    monkeypatch.setattr(cache, "get_many", lambda keys: pytest.fail(f"read {keys} on a hit"))
    get = cache.get
    monkeypatch.setattr(cache, "get", lambda key, *a, **k: read.append(key) or get(key, *a, **k))
    second = client.get(url)
    assert second.content == first.content
    assert read == [page_cache_module.VERSION_KEY]  # not the page itself


def test_a_hit_from_this_process_has_the_same_headers(client, pair, settings):
    """Served before the inner middleware run, yet with what they had added: the language,
    the length, the security headers, the validators."""
    url = pair.get_absolute_url()
    first = client.get(url, HTTP_ACCEPT_LANGUAGE="de")
    second = client.get(url, HTTP_ACCEPT_LANGUAGE="de")
    assert second.content == first.content
    assert dict(second.headers) == dict(first.headers)
    assert second["Content-Language"] == "en" and second["ETag"]
    assert "Content-Security-Policy" in second and second["X-Frame-Options"] == "DENY"


def test_a_hit_from_this_process_is_compressed_once_for_clients_that_accept_gzip(
    client, pair, monkeypatch
):
    """As GZipMiddleware compresses the page it renders (headers and all), without compressing
    the same copy again on every request."""
    url = pair.get_absolute_url()
    first = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    compressed = []
    compress = page_cache_module.compress_string
    monkeypatch.setattr(
        page_cache_module,
        "compress_string",
        lambda *args, **kwargs: compressed.append(args) or compress(*args, **kwargs),
    )
    second = client.get(url, HTTP_ACCEPT_ENCODING="gzip")
    third = client.get(url, HTTP_ACCEPT_ENCODING="deflate, gzip;q=0.8")
    assert len(compressed) == 1 and third.content == second.content
    assert gzip.decompress(second.content) == gzip.decompress(first.content)
    assert second["Content-Length"] == str(len(second.content))

    def without_length(response):
        return {name: value for name, value in response.items() if name != "Content-Length"}

    assert without_length(second) == without_length(first)
    assert second["Content-Encoding"] == "gzip" and second["ETag"].startswith('W/"')
    plain = client.get(url)  # the copy itself for a client that does not accept gzip
    assert plain.content == gzip.decompress(first.content) and not plain.has_header(
        "Content-Encoding"
    )
    assert client.head(url, HTTP_ACCEPT_ENCODING="gzip").content == b""


def test_a_signed_in_editor_gets_a_page_this_process_keeps_without_a_query(
    client, pair, admin_user, django_assert_num_queries
):
    client.force_login(admin_user)
    url = pair.get_absolute_url()
    first = client.get(url)
    with django_assert_num_queries(0):  # not even the session and the user
        second = client.get(url)
    assert second.content == first.content


def test_another_servers_edit_shows_though_this_process_keeps_the_page(client, pair):
    """Another app server's edit reaches this one only through the shared content version."""
    url = pair.get_absolute_url()
    assertContains(client.get(url), "Old summary.")
    Partnership.objects.filter(pk=pair.pk).update(summary="Edited elsewhere.")  # no signals here
    bump_content_version()  # what the other server's save does to the shared cache
    assertContains(client.get(url), "Edited elsewhere.")


def test_the_pages_a_process_keeps_are_bounded_least_recently_used_first(settings):
    settings.PAGE_CACHE_LOCAL_BYTES = 10
    kept = page_cache_module.NearbyCopies()
    kept.put("a", page_cache_module.KeptPage('"1"', b"aaaa", {}))
    kept.put("b", page_cache_module.KeptPage('"1"', b"bbbb", {}))
    assert kept.get("a") is not None  # now the most recently used
    kept.put("c", page_cache_module.KeptPage('"1"', b"cccc", {}))
    assert kept.get("b") is None
    assert kept.get("a") is not None and kept.get("c") is not None
    # Larger than the bound: never kept.
    kept.put("huge", page_cache_module.KeptPage('"1"', b"x" * 11, {}))
    assert kept.get("huge") is None and kept.size == 8
    settings.PAGE_CACHE_LOCAL_BYTES = 0
    kept.put("d", page_cache_module.KeptPage('"1"', b"d", {}))
    assert kept.get("d") is None


def test_a_change_before_any_page_was_read_still_makes_a_new_version():
    bump_content_version()  # no version in the cache yet: nothing to move on
    first = content_version()
    bump_content_version()
    assert content_version() != first


def test_a_transaction_moves_the_version_on_once_more_when_it_commits(
    make_city, django_capture_on_commit_callbacks
):
    """A page rendered between a save and its commit read the data from before it; the bump at
    the commit makes sure it is not served after (tests/core/test_page_cache_single_flight.py
    shows the race). One commit hook, however many records the transaction saves."""
    before = content_version()
    with django_capture_on_commit_callbacks() as hooks:
        for name in ("Dresden", "Hangzhou", "Coventry"):
            make_city(name=name)
    assert len(hooks) == 1
    at_the_save = content_version()
    assert at_the_save != before
    hooks[0]()  # the commit
    assert content_version() != at_the_save


def test_a_model_an_app_registers_makes_pages_stale_on_save_delete_and_links():
    """Exercised directly (the apps register theirs before any test runs)."""
    from django.contrib.auth.models import Group, Permission

    # Registered twice (an app's ready() may run again): still one entry, one receiver each.
    invalidate_on_change(Group, links=[(Group, "permissions")])
    invalidate_on_change(Group, links=[(Group, "permissions")])
    try:
        assert content_models().count("auth.Group") == 1
        for change in (
            lambda: Group.objects.create(name="Editors of Dresden"),
            lambda: Group.objects.get().permissions.add(Permission.objects.first()),
            lambda: Group.objects.get().delete(),
        ):
            before = content_version()
            change()
            assert content_version() != before
    finally:
        uid = "page-cache-auth.Group"
        post_save.disconnect(sender=Group, dispatch_uid=f"{uid}-save")
        post_delete.disconnect(sender=Group, dispatch_uid=f"{uid}-delete")
        m2m_changed.disconnect(sender=Group.permissions.through, dispatch_uid=f"{uid}-permissions")
        page_cache_module._content_models.remove(Group)
    # The receivers carry the names they were registered under: removed by them, they are gone.
    assert "auth.Group" not in content_models()
    before = content_version()
    Group.objects.create(name="Publishers").permissions.add(Permission.objects.first())
    Group.objects.get().delete()
    assert content_version() == before


# --- Readers of Traditional Chinese ---------------------------------------------------------

NOTICE = '<p class="script-notice" lang="zh-Hant">本站暫無繁體中文版本，以下為簡體中文。</p>'


@pytest.mark.parametrize(
    "accept_language, shown",
    [
        ("zh-TW,zh;q=0.9,en;q=0.8", True),
        ("zh-Hant-HK", True),
        ("en-US,en;q=0.9,zh-HK;q=0.5", True),  # the first Chinese is a Traditional one
        ("zh-CN,zh;q=0.9", False),
        ("zh-Hans", False),
        ("zh,zh-TW;q=0.8", False),
        ("en", False),
        ("", False),
    ],
)
def test_a_chinese_page_tells_readers_of_traditional_chinese(client, pair, accept_language, shown):
    with translation.override("zh-hans"):
        url = pair.get_absolute_url()
    response = client.get(url, headers={"accept-language": accept_language})
    assert (NOTICE in response.content.decode()) is shown
    assert "Accept-Language" in response["Vary"]


def test_the_notice_is_cached_apart_from_the_page_without_it(
    client, pair, django_assert_num_queries
):
    """The page cache is on: neither visitor is served the other's copy, first or second."""
    with translation.override("zh-hans"):
        url = pair.get_absolute_url()
    traditional, simplified = {"accept-language": "zh-TW"}, {"accept-language": "zh-CN"}
    first = client.get(url, headers=traditional)
    assert NOTICE in first.content.decode()
    assert NOTICE not in client.get(url, headers=simplified).content.decode()
    with django_assert_num_queries(0):  # both from the cache now
        again_traditional = client.get(url, headers=traditional)
        again_simplified = client.get(url, headers=simplified)
    assert NOTICE in again_traditional.content.decode()
    assert NOTICE not in again_simplified.content.decode()
    assert "Accept-Language" in again_simplified["Vary"]
    # A zh-CN browser revalidating with the zh-TW copy's ETag gets its own page, not a 304.
    revalidated = client.get(url, headers={**simplified, "if-none-match": first["ETag"]})
    assert revalidated.status_code == 200
    assert NOTICE not in revalidated.content.decode()


def test_pages_in_other_languages_have_one_copy_and_no_notice(client, pair):
    for language in ["en", "de"]:
        with translation.override(language):
            url = pair.get_absolute_url()
        response = client.get(url, headers={"accept-language": "zh-TW"})
        assert NOTICE not in response.content.decode()
        assert "Accept-Language" not in response.get("Vary", "")
