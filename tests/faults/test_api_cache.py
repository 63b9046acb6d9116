"""The JSON API's rate limit and cache in a Redis of our own, and the API while it is hung."""

import pytest
from django.core.cache import cache

from faults.services import RedisServer

pytestmark = pytest.mark.django_db

URL = "/api/v1/partnerships/"


@pytest.fixture
def api_redis(settings, redis_up):
    settings.CACHES = {
        "default": {
            "BACKEND": "core.resilient_cache.ResilientRedisCache",
            "LOCATION": redis_up.url,
            "OPTIONS": {"retry_seconds": 60},
        }
    }
    settings.PAGE_CACHE_SECONDS = 300
    settings.API_RATE_LIMIT = 3
    cache.clear()
    yield redis_up
    cache.clear()


def test_the_rate_limit_is_counted_in_redis(client, published_world, api_redis):
    answers = [client.get(URL) for _ in range(4)]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert answers[3].json()["error"].startswith("Too many requests")
    assert int(answers[3]["Retry-After"]) >= 1
    # One counter for this address in the current window, and the answer cached once.
    assert len(api_redis.keys("*twinning:api-rate:*")) == 1
    assert len(api_redis.keys("*twinning:page:*")) == 1


def test_with_redis_hung_the_api_answers_uncounted(client, published_world, settings):
    server = RedisServer().start()
    try:
        settings.CACHES = {
            "default": {
                "BACKEND": "core.resilient_cache.ResilientRedisCache",
                "LOCATION": server.url,
                "OPTIONS": {"retry_seconds": 60},
            }
        }
        settings.PAGE_CACHE_SECONDS = 300
        settings.API_RATE_LIMIT = 1
        server.hang()
        for _ in range(3):
            response = client.get(URL)
            assert response.status_code == 200
            assert response.json()["count"] == 1
            assert "X-RateLimit-Remaining" not in response
    finally:
        server.stop()
