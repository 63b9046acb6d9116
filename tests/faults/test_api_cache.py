"""The JSON API's rate limit and cache in a Redis of our own, and the API while it is hung."""

import pytest
import redis
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


def test_a_repeat_answer_costs_one_round_trip_and_is_counted(
    client, published_world, api_redis, monkeypatch
):
    """This process's copy (api/http.py's answer_early): the rate count and the content version
    that says the copy is current, read together; the limit stays exact."""

    first = client.get(URL)
    trips = []
    command, pipeline = redis.Redis.execute_command, redis.client.Pipeline.execute
    monkeypatch.setattr(
        redis.Redis,
        "execute_command",
        lambda self, *a, **k: trips.append(a[0]) or command(self, *a, **k),
    )
    monkeypatch.setattr(
        redis.client.Pipeline,
        "execute",
        lambda self, *a, **k: trips.append("pipeline") or pipeline(self, *a, **k),
    )
    answers = [client.get(URL), client.get(URL)]
    assert trips == ["pipeline", "pipeline"]
    assert [answer.content for answer in answers] == [first.content] * 2
    assert [a["X-RateLimit-Remaining"] for a in (first, *answers)] == ["2", "1", "0"]
    assert client.get(URL).status_code == 429  # the fourth in the window, still counted


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
