"""The JSON API (/api/v1/, docs/open-data.md): its OpenAPI description and every path in it,
filters, language, paging, ETags, CORS, the rate limit, privacy and query counts."""

import datetime
import json
import re
import sys

import pytest
from django.core.cache import cache
from django.db import transaction
from django.utils import translation
from openapi_spec_validator import validate

from faults.services import free_port
from partnerships.models import Partnership, PendingChange
from tests.twinning.test_query_counts import build, translate_half

pytestmark = pytest.mark.django_db

API = "/api/v1"


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


def get(client, url, **headers):
    response = client.get(url, headers=headers)
    return response, (
        response.json() if response["Content-Type"].startswith("application/json") else None
    )


@pytest.fixture
def world(published_world, make_partnership, make_activity, make_city):
    """The published world, plus a draft partnership (between two cities of its own) with an
    activity, which must appear nowhere."""
    draft = make_partnership(
        state="draft",
        city_a=make_city(name="Secretville", slug="secretville"),
        summary="Draft summary, not for the public.",
    )
    make_activity(draft, title="Secret activity")
    return {**published_world, "draft": draft}


def example_path(path, world):
    slugs = {
        "/partnerships/{slug}/": world["partnership"].slug,
        "/cities/{slug}/": world["city"].slug,
        "/topics/{slug}/": world["focus_area"].slug,
    }
    for template, slug in slugs.items():
        if path.endswith(template):
            return path.replace("{slug}", slug)
    assert "{" not in path, f"no example for {path}"
    return path


def test_the_openapi_document_is_valid_and_every_path_answers(client, world):
    response, document = get(client, f"{API}/openapi.json")
    assert response.status_code == 200
    validate(document)
    paths = document["paths"]
    assert {path.removeprefix(API) for path in paths} == {
        "/partnerships/",
        "/partnerships/{slug}/",
        "/cities/",
        "/cities/{slug}/",
        "/topics/",
        "/topics/{slug}/",
        "/activities/",
    }
    for path, operations in paths.items():
        assert set(operations) == {"get"}
        names = {parameter["name"] for parameter in operations["get"]["parameters"]}
        assert {"lang", "Accept-Language"} <= names
        assert {"200", "400", "429"} <= set(map(str, operations["get"]["responses"]))
        response, body = get(client, example_path(path, world))
        assert response.status_code == 200, path
        assert response["Content-Type"].startswith("application/json")
        assert body


def test_the_documentation_page_uses_the_packages_own_files(client):
    response = client.get(f"{API}/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in html
    assert "/api/v1/openapi.json" in html
    # No CDN, and no inline script the Content-Security-Policy would block.
    assert not re.search(r"""(src|href)=["']https?://""", html)
    assert not re.search(r"<script>(?!\s*</script>)", html)
    assert "script-src 'self'" in response["Content-Security-Policy"]
    for name in ("swagger-ui-bundle.js", "swagger-ui-init.js", "swagger-ui.css"):
        asset = client.get(f"/static/ninja/{name}")
        assert asset.status_code == 200
        asset.close()


def test_the_list_takes_the_list_pages_filters(
    client, make_partnership, make_city, make_focus_area
):
    culture = make_focus_area(name="Culture", slug="culture")
    dresden = make_city(name="Dresden", slug="dresden")
    german = make_partnership(city_a=dresden, city_b=make_city(name="Hamburg", country="DE"))
    chinese = make_partnership(
        city_b=make_city(name="Hangzhou", slug="hangzhou", country="CN"),
        kind="friendship",
        focus_areas=[culture],
        established=datetime.date(1990, 1, 1),
    )

    def slugs(query):
        response, body = get(client, f"{API}/partnerships/?{query}")
        assert response.status_code == 200, body
        return {item["slug"] for item in body["results"]}

    assert slugs("focus_area=culture") == {chinese.slug}
    assert slugs("kind=friendship") == {chinese.slug}
    assert slugs("city=dresden") == {german.slug}
    assert slugs("established_to=1995") == {chinese.slug}
    assert slugs("q=Hangzhou") == {chinese.slug}
    assert slugs("") == {german.slug, chinese.slug}
    _, body = get(client, f"{API}/partnerships/?sort=-established")
    assert [item["slug"] for item in body["results"]] == [german.slug, chinese.slug]


def test_the_activities_take_the_activity_pages_filters(client, world, make_activity):
    past = make_activity(world["partnership"], kind="seminar", start_date=datetime.date(2001, 5, 1))
    _, body = get(client, f"{API}/activities/?when=past")
    assert [item["id"] for item in body["results"]] == [past.pk]
    _, body = get(client, f"{API}/activities/?kind=seminar&date_from=2000-01-01")
    assert [item["id"] for item in body["results"]] == [past.pk]
    _, body = get(client, f"{API}/activities/?focus_area={world['focus_area'].slug}")
    assert [item["id"] for item in body["results"]] == [world["activity"].pk]
    _, body = get(client, f"{API}/activities/?partnership={world['partnership'].slug}")
    assert body["count"] == 2
    _, body = get(client, f"{API}/activities/")  # not the draft partnership's activity
    assert body["count"] == 2 and len(body["results"]) == 2
    response, body = get(client, f"{API}/activities/?partnership={world['draft'].slug}")
    assert response.status_code == 400
    assert "partnership" in body["errors"]


@pytest.mark.parametrize(
    ("query", "status", "named"),
    [
        ("/partnerships/?kind=castle", 400, "kind"),
        ("/partnerships/?country=XX", 400, "country"),
        ("/partnerships/?focus_area=nothing", 400, "focus_area"),
        ("/partnerships/?established_from=abc", 400, "established_from"),
        ("/partnerships/?limit=1000", 400, "limit"),
        ("/partnerships/?page=0", 400, "page"),
        ("/activities/?date_from=yesterday", 400, "date_from"),
        ("/cities/?country=XX", 400, "country"),
        ("/partnerships/?lang=fr", 400, "lang"),
    ],
)
def test_bad_input_is_a_400_naming_the_parameter(client, world, query, status, named):
    response, body = get(client, f"{API}{query}")
    assert response.status_code == status
    assert body["error"]
    assert named in body["errors"]


def test_a_page_past_the_last_or_an_unknown_slug_is_a_404_that_says_so(client, world):
    response, body = get(client, f"{API}/partnerships/?page=2")
    assert response.status_code == 404
    assert body == {"error": "Page 2 does not exist: the last page is 1."}
    for path, what in [("partnerships", "partnership"), ("cities", "city"), ("topics", "focus")]:
        response, body = get(client, f"{API}/{path}/nowhere/")
        assert response.status_code == 404
        assert what in body["error"] and "nowhere" in body["error"]


def test_pages_link_to_each_other(client, make_partnership):
    for _ in range(3):
        make_partnership()
    _, first = get(client, f"{API}/partnerships/?limit=2&kind=twinning")
    assert (first["count"], first["pages"], first["previous"]) == (3, 2, None)
    assert "page=2" in first["next"] and "kind=twinning" in first["next"]
    _, second = get(client, first["next"])
    assert second["next"] is None and len(second["results"]) == 1
    assert {item["id"] for item in first["results"] + second["results"]} == set(
        Partnership.objects.values_list("pk", flat=True)
    )


def test_the_language_comes_from_lang_or_accept_language(client, world):
    city = world["city"]
    city.name_de = "Stadt auf Deutsch"
    city.save()
    url = f"{API}/cities/{city.slug}/"
    response, body = get(client, url)
    assert response["Content-Language"] == "en" and body["name"] == city.name_en
    assert "Accept-Language" in response["Vary"]
    response, body = get(client, f"{url}?lang=de")
    assert response["Content-Language"] == "de"
    assert body["name"] == "Stadt auf Deutsch"
    assert body["url"].endswith(f"/de/cities/{city.slug}/")
    assert body["country_name"] == "Deutschland"
    response, body = get(client, url, accept_language="de-DE,de;q=0.9")
    assert response["Content-Language"] == "de" and body["name"] == "Stadt auf Deutsch"
    response, body = get(client, f"{url}?lang=zh", accept_language="de")
    assert response["Content-Language"] == "zh-hans"
    assert body["name"] == city.name_en  # no Chinese name: the English one
    assert body["url"].endswith(f"/zh-hans/cities/{city.slug}/")
    response, body = get(client, url, accept_language="fr")
    assert response["Content-Language"] == "en"


def test_etag_and_304_per_language_with_the_page_cache(client, world, settings):
    settings.PAGE_CACHE_SECONDS = 300
    url = f"{API}/partnerships/"
    first = client.get(url)
    assert first["ETag"]
    again = client.get(url, headers={"if-none-match": first["ETag"]})
    assert again.status_code == 304
    assert again["Access-Control-Allow-Origin"] == "*"
    german = client.get(url, headers={"accept-language": "de", "if-none-match": first["ETag"]})
    assert german.status_code == 200 and german["Content-Language"] == "de"
    assert german["ETag"] != first["ETag"]
    with translation.override("en"):  # the German request left German active
        world["partnership"].summary = "Changed."
        world["partnership"].save()
    changed = client.get(url, headers={"if-none-match": first["ETag"]})
    assert changed.status_code == 200
    assert changed.json()["results"][0]["summary"] == "Changed."


def test_a_repeat_request_this_process_keeps_is_the_same_answer_and_still_counted(
    client, world, settings, django_assert_num_queries, monkeypatch
):
    """Served before the site's inner middleware (api/http.py's answer_early), yet with the same
    body and headers, counted against the rate limit like any other request."""
    settings.PAGE_CACHE_SECONDS = 300
    settings.API_RATE_LIMIT = 3
    url = f"{API}/partnerships/?lang=de"
    first = client.get(url)
    # The page is not read from the shared cache: this process's copy is served.
    monkeypatch.setattr(cache, "get_many", lambda *a, **k: pytest.fail("page read"))
    with django_assert_num_queries(0):
        second = client.get(url)
        head = client.head(url)
        not_modified = client.get(url, headers={"if-none-match": first["ETag"]})
    assert second.content == first.content
    headers = {name: value for name, value in first.headers.items() if "RateLimit" not in name}
    assert {n: v for n, v in second.headers.items() if "RateLimit" not in n} == headers
    assert [int(r["X-RateLimit-Remaining"]) for r in (first, second, head)] == [2, 1, 0]
    assert head.status_code == 200 and head.content == b"" and head["Content-Length"] == "0"
    assert head["ETag"] == first["ETag"] and head["Content-Language"] == "de"
    assert not_modified.status_code == 429  # the fourth request in the window
    settings.API_RATE_LIMIT = 10
    not_modified = client.get(url, headers={"if-none-match": first["ETag"]})
    assert not_modified.status_code == 304 and not_modified["Content-Language"] == "de"
    assert not_modified["Access-Control-Allow-Origin"] == "*"


def test_etag_and_304_without_the_page_cache(client, world):
    url = f"{API}/topics/"
    first = client.get(url)
    assert client.get(url, headers={"if-none-match": first["ETag"]}).status_code == 304


def test_cors_on_answers_and_preflight(client, world):
    response = client.get(f"{API}/partnerships/", headers={"origin": "https://elsewhere.example"})
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "ETag" in response["Access-Control-Expose-Headers"]
    preflight = client.options(
        f"{API}/partnerships/",
        headers={
            "origin": "https://elsewhere.example",
            "access-control-request-method": "GET",
            "access-control-request-headers": "accept-language",
        },
    )
    assert preflight.status_code == 204
    assert preflight["Access-Control-Allow-Origin"] == "*"
    assert "GET" in preflight["Access-Control-Allow-Methods"]
    assert "Accept-Language" in preflight["Access-Control-Allow-Headers"]
    assert client.get(f"{API}/nothing/").status_code == 404


def test_the_api_is_read_only(client, world):
    response = client.post(f"{API}/partnerships/", {})
    assert response.status_code == 405


def test_head_answers_as_get_without_a_body(client, world):
    # Link checkers and uptime monitors ask HEAD.
    get = client.get(f"{API}/partnerships/")
    head = client.head(f"{API}/partnerships/")
    assert head.status_code == 200 and head.content == b""
    assert head["Content-Type"] == get["Content-Type"] == "application/json; charset=utf-8"


def test_the_rate_limit_answers_429_with_retry_after(client, world, settings):
    settings.API_RATE_LIMIT = 3
    for remaining in (2, 1, 0):
        response = client.get(f"{API}/topics/")
        assert response.status_code == 200
        assert response["X-RateLimit-Remaining"] == str(remaining)
    response, body = get(client, f"{API}/topics/")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= settings.API_RATE_PERIOD
    assert "Too many requests" in body["error"]
    assert response["Access-Control-Allow-Origin"] == "*"
    # Per address: another client is still served.
    assert client.get(f"{API}/topics/", REMOTE_ADDR="192.0.2.7").status_code == 200


def test_without_the_cache_the_api_keeps_serving(client, world, settings):
    """Redis refused: nothing is counted or cached, and every answer is still a 200."""
    settings.API_RATE_LIMIT = 2
    settings.PAGE_CACHE_SECONDS = 300
    settings.CACHES = {
        "default": {
            "BACKEND": "core.resilient_cache.ResilientRedisCache",
            "LOCATION": f"redis://127.0.0.1:{free_port()}/0",
            "OPTIONS": {"retry_seconds": 60},
        }
    }
    for _ in range(5):
        response = client.get(f"{API}/partnerships/")
        assert response.status_code == 200
        assert "X-RateLimit-Remaining" not in response
        assert response.json()["count"] == 1


def test_unpublished_content_and_staff_fields_never_appear(client, world, admin_user):
    draft = world["draft"]
    PendingChange.objects.create(
        partnership=world["partnership"],
        content={"summary": "Pending text, not yet published."},
        created_by=admin_user,
    )
    _, document = get(client, f"{API}/openapi.json")
    texts = []
    for path in document["paths"]:
        response = client.get(example_path(path, world))
        texts.append(response.content.decode())
    for query in ("", "?q=Secretville", "?city=secretville"):
        texts.append(client.get(f"{API}/partnerships/{query}").content.decode())
    texts.append(client.get(f"{API}/activities/?q=Secret").content.decode())
    everything = "\n".join(texts)
    for secret in ("Secretville", "Secret activity", "Draft summary", "Pending text", draft.slug):
        assert secret not in everything
    for staff_field in ("state", "is_featured", "translated_from", "review_by", "published_by"):
        assert f'"{staff_field}"' not in everything
    assert client.get(f"{API}/partnerships/{draft.slug}/").status_code == 404
    assert client.get(f"{API}/cities/secretville/").status_code == 404


# Queries per endpoint, the same with a little data and with a lot.
QUERIES = {
    "/partnerships/?sort=-established": 3,  # count, page, focus areas of the page
    "/partnerships/?focus_area=topic-1": 4,  # and the focus area chosen
    "/partnerships/p-1/": 13,  # the partnership, cities, each kind of record, activities' areas
    "/cities/": 2,  # count, page
    "/cities/city-0/": 4,  # city, figures, partnerships, their focus areas
    "/topics/": 2,  # count, page
    "/topics/topic-0/": 1,
    "/activities/": 3,  # count, page, focus areas of the page
    "/activities/?focus_area=topic-1": 4,
    "/openapi.json": 0,
}


def assert_queries(client, django_assert_num_queries, path):
    with django_assert_num_queries(QUERIES[path]):
        response = client.get(f"{API}{path}", headers={"accept-language": "de"})
    assert response.status_code == 200
    body = json.loads(response.content)
    if "results" in body:
        assert body["results"]
    return body


@pytest.mark.parametrize("path", sorted(QUERIES))
def test_each_endpoint_makes_a_fixed_number_of_queries(client, django_assert_num_queries, path):
    """A little data: one partnership with two of each record."""
    build(1)
    translate_half()
    assert_queries(client, django_assert_num_queries, path)


@pytest.fixture(scope="class")
def large_world(django_db_setup, django_db_blocker):
    """100 partnerships around one city, the first with 200 of each record, half translated:
    built once for the class in a transaction rolled back after its last test (each test runs
    in a savepoint of it, rolled back in turn)."""
    with django_db_blocker.unblock():
        world = transaction.atomic()
        world.__enter__()
        try:
            build(100)
            translate_half()
        except BaseException:
            world.__exit__(*sys.exc_info())
            raise
    yield
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        world.__exit__(None, None, None)


# One xdist worker runs the whole class (tests/conftest.py), so the world is built once.
class TestLargeWorld:
    @pytest.mark.parametrize("path", sorted(QUERIES))
    def test_the_same_number_of_queries_with_a_lot_of_data(
        self, large_world, client, django_assert_num_queries, path
    ):
        body = assert_queries(client, django_assert_num_queries, path)
        if path.startswith("/partnerships/?"):
            assert body["count"] == 100 and len(body["results"]) == 20
        if path == "/partnerships/p-1/":
            assert len(body["activities"]) == 200 and len(body["plans"]) == 200

    def test_a_cached_answer_costs_no_query(
        self, large_world, client, django_assert_num_queries, settings
    ):
        settings.PAGE_CACHE_SECONDS = 300
        first = client.get(f"{API}/partnerships/p-1/")
        with django_assert_num_queries(0):
            second = client.get(f"{API}/partnerships/p-1/")
            not_modified = client.get(
                f"{API}/partnerships/p-1/", headers={"if-none-match": first["ETag"]}
            )
        assert second.content == first.content
        assert not_modified.status_code == 304
