"""A Redis cache that is an accelerator, never a dependency.

Django's own Redis backend raises when Redis is refused, hung or slow, and the default socket has
no timeout: one stopped Redis took the whole public site and every admin save down. This backend
is Django's, with three things added:

- short connect and read timeouts and no client-side retries, so a hung Redis costs a request at
  most CACHE_SOCKET_TIMEOUT (a few hundred milliseconds), not seconds;
- a circuit breaker shared by the process's threads: after a failure the cache is skipped for
  CACHE_RETRY_SECONDS, during which it costs nothing, and then tried again by one request;
- failures turned into cache misses (reads give the default, writes are dropped), logged as a
  WARNING at most once a minute, and a `cache_recovered` signal when Redis answers again, so the
  page cache can drop pages that may have gone stale while edits could not reach it.

Why not django-redis with IGNORE_EXCEPTIONS: it also swallows errors, but has no breaker, so a hung
Redis would still cost every cache call its full timeout, and it logs every failure, per request.
"""

import logging
import threading
import time

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.dispatch import Signal
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# Sent (by the process that notices) when the cache answers again after an outage.
cache_recovered = Signal()

# Errors that mean "Redis is not there right now"; anything else is a bug and still raises.
UNAVAILABLE = (RedisConnectionError, RedisTimeoutError, OSError)
WARN_EVERY_SECONDS = 60


class Breaker:
    """Whether to try the cache, for every thread of this process."""

    def __init__(self, retry_seconds):
        self.retry_seconds = retry_seconds
        self.lock = threading.Lock()
        self.open_until = 0.0  # monotonic time before which the cache is not tried
        self.failing = False
        self.last_warning = -WARN_EVERY_SECONDS

    def allows(self):
        return time.monotonic() >= self.open_until

    def fail(self, location, error):
        now = time.monotonic()
        with self.lock:
            self.failing = True
            self.open_until = now + self.retry_seconds
            warn = now - self.last_warning >= WARN_EVERY_SECONDS
            if warn:
                self.last_warning = now
        if warn:
            logger.warning(
                "The cache at %s is unavailable (%s: %s); pages are served without it and "
                "it is tried again every %s s.",
                location,
                type(error).__name__,
                error,
                self.retry_seconds,
            )

    def succeed(self, location):
        if not self.failing:
            return False
        with self.lock:
            recovered, self.failing = self.failing, False
        if recovered:
            logger.warning("The cache at %s answers again.", location)
        return recovered


_breakers = {}
_breakers_lock = threading.Lock()


def breaker_for(location, retry_seconds):
    with _breakers_lock:
        return _breakers.setdefault(location, Breaker(retry_seconds))


def _guarded(name, unavailable, read=False, method=None, recovered=None):
    """Wrap RedisCache.<name> (or `method`): skipped while the breaker is open; a failure gives
    what a miss would give (`unavailable`, called with the same arguments) and opens the
    breaker. The first read after an outage is a miss too: what it found may have gone stale
    meanwhile (`recovered(result)`, when given, says what of the result to keep then)."""
    method = method or getattr(RedisCache, name)

    def guarded(self, *args, **kwargs):
        if not self.breaker.allows():
            return unavailable(*args, **kwargs)
        try:
            result = method(self, *args, **kwargs)
        except UNAVAILABLE as error:
            self.breaker.fail(self.location, error)
            return unavailable(*args, **kwargs)
        if self.breaker.succeed(self.location):
            cache_recovered.send(sender=type(self), location=self.location)
            if recovered is not None:
                return recovered(result)
            if read:
                return unavailable(*args, **kwargs)
        return result

    guarded.__name__ = name
    guarded.__doc__ = method.__doc__
    return guarded


def _returns(value):
    return lambda *args, **kwargs: value


def _default(key, default=None, version=None):
    return default


class SharedClientRedisCacheClient(RedisCacheClient):
    """Django's Redis client with one redis.Redis per connection pool, not one per operation.

    Django builds a new redis.Redis for every cache call; redis-py copies its table of reply
    callbacks each time, which costs more than a cache hit's round trip on loopback (a third of
    a page-cache hit, profiled for issue 23). A redis.Redis is safe to share between threads:
    each command takes a connection of its own from the pool."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(pool)
        if client is None:
            # Two threads may both build one at first; either serves.
            client = self._clients[pool] = self._client(connection_pool=pool)
        return client


class ResilientRedisCache(RedisCache):
    """OPTIONS: socket_connect_timeout and socket_timeout (seconds, default 0.25), retry_seconds
    (default 5), and anything Django's RedisCache takes."""

    def __init__(self, server, params):
        params = {**params, "OPTIONS": dict(params.get("OPTIONS") or {})}
        options = params["OPTIONS"]
        retry_seconds = float(options.pop("retry_seconds", 5))
        options.setdefault("socket_connect_timeout", 0.25)
        options.setdefault("socket_timeout", 0.25)
        # redis-py's client may retry with backoff; one try, then the breaker decides.
        options.setdefault("retry_on_timeout", False)
        super().__init__(server, params)
        self._class = SharedClientRedisCacheClient
        self.location = server if isinstance(server, str) else ",".join(server)
        self.breaker = breaker_for(self.location, retry_seconds)

    def _count_up(self, key, timeout):
        key = self.make_and_validate_key(key)
        # One round trip: the counter starts at 0 with its expiry if it is not there, then counts
        # this one (Django's add() and incr() take three: SET NX, EXISTS, INCRBY).
        pipeline = self._cache.get_client(key, write=True).pipeline(transaction=False)
        pipeline.set(key, 0, ex=timeout, nx=True)
        pipeline.incr(key)
        return pipeline.execute()[1]

    def _count_up_and_get(self, key, timeout, read):
        # The API's hit: its rate count and the content version in the same round trip.
        key = self.make_and_validate_key(key)
        client = self._cache.get_client(key, write=True)
        pipeline = client.pipeline(transaction=False)
        pipeline.set(key, 0, ex=timeout, nx=True)
        pipeline.incr(key)
        pipeline.get(self.make_and_validate_key(read))
        _, count, value = pipeline.execute()
        return count, None if value is None else self._cache._serializer.loads(value)

    # What each operation gives when Redis cannot be reached: what a miss would give.
    count_up = _guarded("count_up", _returns(None), method=_count_up)
    # Counted, but what was read is a miss after an outage, as for get().
    count_up_and_get = _guarded(
        "count_up_and_get",
        _returns((None, None)),
        method=_count_up_and_get,
        recovered=lambda result: (result[0], None),
    )
    get = _guarded("get", _default, read=True)
    get_many = _guarded("get_many", lambda *args, **kwargs: {}, read=True)
    add = _guarded("add", _returns(False))
    set = _guarded("set", _returns(None))
    set_many = _guarded("set_many", lambda *args, **kwargs: [])
    touch = _guarded("touch", _returns(False))
    delete = _guarded("delete", _returns(False))
    delete_many = _guarded("delete_many", _returns(None))
    has_key = _guarded("has_key", _returns(False), read=True)
    incr = _guarded("incr", _returns(None))
    clear = _guarded("clear", _returns(False))


def count_up(cache, key, timeout):
    """Add one to the counter `key`, which starts at 0 and lives `timeout` seconds from its
    first count; the new count, or None when the cache cannot count. In one round trip on Redis;
    with Django's other caches (the demo's memory), by add() and incr()."""
    counter = getattr(cache, "count_up", None)
    if counter is not None:
        return counter(key, timeout)
    cache.add(key, 0, timeout=timeout)
    try:
        return cache.incr(key)
    except ValueError:  # expired between the two calls
        return None


def count_up_and_get(cache, key, timeout, read):
    """count_up(), and the value at `read` (None when missing), in one round trip on Redis:
    (count, value), each None when the cache cannot be reached."""
    both = getattr(cache, "count_up_and_get", None)
    if both is not None:
        return both(key, timeout, read)
    return count_up(cache, key, timeout), cache.get(read)
