"""The shared cache's client, against a Redis of our own: one redis-py client per connection pool,
shared by every call and thread, and still answering after Redis restarts."""

import threading

import pytest
import redis
from django.core.cache.backends.locmem import LocMemCache

from core.resilient_cache import ResilientRedisCache, count_up, count_up_and_get
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


def test_a_count_and_a_read_share_one_round_trip(redis_server, monkeypatch):
    """The API's cached answer: its rate count and the content version in one round trip."""
    cache = make_cache(redis_server.url)
    cache.set("version", 12345678901234567890)
    cache.set("pickled", ("a", 1))
    sent = []
    original = redis.client.Pipeline.execute
    monkeypatch.setattr(
        redis.client.Pipeline,
        "execute",
        lambda self, *a, **k: sent.append(len(self.command_stack)) or original(self, *a, **k),
    )
    monkeypatch.setattr(cache, "get", lambda *a, **k: pytest.fail("a second round trip"))
    assert count_up_and_get(cache, "both", 30, "version") == (1, 12345678901234567890)
    assert count_up_and_get(cache, "both", 30, "pickled") == (2, ("a", 1))
    assert count_up_and_get(cache, "both", 30, "missing") == (3, None)
    assert sent == [3, 3, 3]
    assert 0 < int(redis_server.command("TTL", cache.make_and_validate_key("both"))[0]) <= 30


def test_a_count_and_a_read_without_redis_and_after_it_returns():
    server = RedisServer().start()
    cache = make_cache(server.url)
    cache.set("version", 7)
    server.stop()
    assert count_up_and_get(cache, "both", 30, "version") == (None, None)
    server.start()
    server.command("SET", cache.make_and_validate_key("version"), "7")
    # The first call after the outage: counted, but its read is a miss, like get()'s.
    assert count_up_and_get(cache, "both", 30, "version") == (1, None)
    assert count_up_and_get(cache, "both", 30, "version") == (2, 7)
    server.stop()


def test_a_count_and_a_read_in_the_demos_memory_cache():
    memory = LocMemCache("count-and-read-test", {})
    memory.set("version", 3)
    assert count_up_and_get(memory, "window", 30, "version") == (1, 3)
