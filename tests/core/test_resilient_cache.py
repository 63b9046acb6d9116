"""The shared cache's client, against a Redis of our own: one redis-py client per connection pool,
shared by every call and thread, and still answering after Redis restarts."""

import threading

import pytest
import redis
from django.core.cache.backends.locmem import LocMemCache

from core.resilient_cache import ResilientRedisCache, count_up
from faults.services import RedisServer


@pytest.fixture(scope="module")
def redis_server():
    server = RedisServer().start()
    yield server
    server.stop()


def make_cache(url):
    return ResilientRedisCache(url, {"OPTIONS": {"retry_seconds": 0}})


def test_cache_calls_share_one_client(redis_server, monkeypatch):
    """Building a redis-py client per call cost a third of a page-cache hit (issue 23)."""
    built = []
    original = redis.Redis.__init__

    def counting_init(self, *args, **kwargs):
        built.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(redis.Redis, "__init__", counting_init)
    cache = make_cache(redis_server.url)

    def work():
        for n in range(20):
            cache.set(f"k{n}", n)
            assert cache.get_many([f"k{n}", "missing"]) == {f"k{n}": n}

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # One, or one per thread when the threads all asked at the very first call; never one per call.
    assert 1 <= len(built) <= 4
    assert cache.get("k19") == 19


def test_the_shared_client_answers_after_redis_restarts():
    server = RedisServer().start()
    cache = make_cache(server.url)
    cache.set("before", 1)
    server.stop()
    assert cache.get("before") is None  # unavailable: a miss, never an error
    server.start()
    cache.get("anything")  # the first read after an outage is a miss by design
    cache.set("after", 2)
    assert cache.get("after") == 2
    server.stop()


def test_a_counter_counts_in_one_round_trip_and_expires(redis_server, monkeypatch):
    """The API's rate limit: each request counted once, its window ending on its own."""
    cache = make_cache(redis_server.url)
    sent = []
    original = redis.client.Pipeline.execute
    monkeypatch.setattr(
        redis.client.Pipeline,
        "execute",
        lambda self, *a, **k: sent.append(1) or original(self, *a, **k),
    )
    assert [count_up(cache, "window", timeout=30) for _ in range(3)] == [1, 2, 3]
    assert len(sent) == 3
    key = cache.make_and_validate_key("window")
    assert 0 < int(redis_server.command("TTL", key)[0]) <= 30


def test_a_counter_without_redis_counts_nothing():
    server = RedisServer().start()
    cache = make_cache(server.url)
    server.stop()
    assert count_up(cache, "window", timeout=30) is None


def test_a_counter_in_the_demos_memory_cache_counts_too():
    memory = LocMemCache("counter-test", {})
    assert [count_up(memory, "window", timeout=30) for _ in range(2)] == [1, 2]
