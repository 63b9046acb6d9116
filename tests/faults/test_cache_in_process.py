"""What staff and visitors notice when the cache fails, seen through Django's test client: the
page cache backed by a Redis of our own, or by an address where nothing listens."""

import logging

import pytest
from django.core.cache import cache
from django.urls import reverse

from cities.models import City
from faults.services import RedisServer, free_port
from partnerships.models import Partnership
from tests.cities.test_admin import ADD, city_form_data

pytestmark = pytest.mark.django_db

PASSWORD = "Quiet-harbour-71-lanterns"


def resilient_cache(url):
    return {
        "default": {
            "BACKEND": "core.resilient_cache.ResilientRedisCache",
            "LOCATION": url,
            "OPTIONS": {"retry_seconds": 60},
        }
    }


@pytest.fixture
def cache_refused(settings):
    """Nothing listens at the cache's address (a fresh one per test: the breaker is per address)."""
    settings.CACHES = resilient_cache(f"redis://127.0.0.1:{free_port()}/0")
    settings.PAGE_CACHE_SECONDS = 300


@pytest.fixture
def cache_hung(settings):
    server = RedisServer().start()
    settings.CACHES = resilient_cache(server.url)
    settings.PAGE_CACHE_SECONDS = 300
    server.hang()
    yield server
    server.stop()


@pytest.fixture
def staff_client(client, django_user_model):
    django_user_model.objects.create_superuser("chief", "chief@example.org", PASSWORD)
    return client


@pytest.mark.parametrize("fault", ["cache_refused", "cache_hung"])
def test_staff_sign_in_and_save_while_the_cache_is_down(request, fault, staff_client):
    request.getfixturevalue(fault)

    response = staff_client.post(
        reverse("admin:login"),
        {"username": "chief", "password": PASSWORD, "next": reverse("admin:index")},
    )
    assert response.status_code == 302, "sessions must not depend on the cache"
    response = staff_client.post(ADD, city_form_data())
    assert response.status_code == 302
    assert City.objects.filter(slug="dresden").exists()


def test_public_pages_answer_uncached_without_a_version_etag(
    client, cache_refused, make_partnership
):
    url = make_partnership().get_absolute_url()
    first = client.get(url)
    second = client.get(url, headers={"if-none-match": first["ETag"]})
    assert first.status_code == 200
    assert not first["ETag"].startswith('"None'), "no ETag made of a version that is not there"
    # The content still earns a 304 from its own ETag (ConditionalGetMiddleware).
    assert second.status_code == 304


def test_one_warning_for_many_failing_requests(client, cache_refused, make_partnership, caplog):
    url = make_partnership().get_absolute_url()
    with caplog.at_level(logging.WARNING, logger="core.resilient_cache"):
        for _ in range(20):
            assert client.get(url).status_code == 200
    warnings = [r for r in caplog.records if r.name == "core.resilient_cache"]
    assert len(warnings) == 1
    assert "is unavailable" in warnings[0].getMessage()


def test_health_says_degraded_while_the_cache_is_down(client, cache_refused):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "cache": "unavailable"}


def test_the_cache_is_tried_again_and_edits_during_the_outage_are_not_hidden(
    client, settings, make_partnership
):
    """A page cached before an outage is not served after it: edits made meanwhile could not
    mark it out of date, so the cache's recovery moves the content version on."""
    server = RedisServer().start()
    settings.CACHES = resilient_cache(server.url)
    settings.CACHES["default"]["OPTIONS"]["retry_seconds"] = 0
    settings.PAGE_CACHE_SECONDS = 300
    try:
        partnership = make_partnership(summary="Before the outage.")
        url = partnership.get_absolute_url()
        assert b"Before the outage." in client.get(url).content

        server.hang()
        Partnership.objects.filter(pk=partnership.pk).update(
            summary="Written while the cache hung."
        )
        # .update() sends no signal; an admin save would have tried (and failed) to bump.
        assert cache.get("anything") is None  # the failure is noticed
        server.resume()

        assert b"Written while the cache hung." in client.get(url).content
    finally:
        server.stop()
