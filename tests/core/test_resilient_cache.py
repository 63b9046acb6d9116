"""The shared cache's client, against a Redis of our own: one redis-py client per connection pool,
shared by every call and thread, and still answering after Redis restarts."""

import threading

import pytest
import redis

from core.resilient_cache import ResilientRedisCache
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
