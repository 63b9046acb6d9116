"""Redis refused, hung and restarted under load: the public site keeps answering.

A gunicorn with production settings and the Redis page cache serves the demo to 8 clients;
mid-run the Redis is stopped or hung (SIGSTOP). Every answer is counted: none may be an error,
and while Redis hangs a request may wait for it at most one short socket timeout.
"""

from faults.services import get, load, wait_until


def test_with_redis_stopped_every_page_is_served_uncached(site_with_redis, redis_up):
    redis_up.stop()
    result = load(site_with_redis.port, seconds=3)

    assert result.errors == 0, result.describe()
    assert result.statuses[200] == result.requests, result.describe()
    assert site_with_redis.health() == (
        200,
        {"status": "degraded", "database": "ok", "cache": "unavailable"},
    )


def test_with_redis_hung_no_request_waits_long(site_with_redis, redis_up):
    load(site_with_redis.port, seconds=1)  # the page cache filled
    warnings_before = site_with_redis.cache_warnings()

    redis_up.hang()
    result = load(site_with_redis.port, seconds=4)

    assert result.errors == 0, result.describe()
    assert site_with_redis.health()[1]["status"] == "degraded"
    # At most one warning a minute from each of the two workers, not one per request.
    assert site_with_redis.cache_warnings() - warnings_before <= 2
    # The same pages with Redis refusing at once (no waiting at all, nothing cached), right
    # after, on the same machine: a hung Redis may add about one 0.25 s socket timeout, not one
    # per cache call. Compared, not bounded absolutely: a loaded machine slows both alike.
    redis_up.stop()
    refused = load(site_with_redis.port, seconds=3)
    assert result.p99 < refused.p99 + 0.75, (
        f"hung: {result.describe()}; refused: {refused.describe()}"
    )


def test_after_redis_comes_back_pages_are_cached_again(site_with_redis, redis_up):
    redis_up.stop()
    load(site_with_redis.port, seconds=1)
    redis_up.start()  # empty, as after a restart of a Redis that keeps nothing on disk

    def cached_again():
        get(site_with_redis.port, "/en/partnerships/")
        return bool(redis_up.keys("*twinning:page:*"))

    wait_until(cached_again, 10, "pages cached again")
    # Each worker process notices on its own (within CACHE_RETRY_SECONDS): the probe may reach
    # the one that has not tried again yet.
    wait_until(
        lambda: (
            site_with_redis.health() == (200, {"status": "ok", "database": "ok", "cache": "ok"})
        ),
        10,
        "every worker's health ok again",
    )


def test_a_hung_redis_that_resumes_serves_no_page_edited_meanwhile_from_before(
    site_with_redis, redis_up
):
    """Edits made while Redis hangs cannot mark cached pages out of date; on its return the
    content version moves on, so the pages cached before are not served again."""
    load(site_with_redis.port, seconds=1)
    version_keys = redis_up.keys("*twinning:content-version*")
    assert version_keys
    before = redis_up.command("get", version_keys[0])

    redis_up.hang()
    load(site_with_redis.port, seconds=1.5)
    redis_up.resume()
    wait_until(
        lambda: (
            get(site_with_redis.port, "/en/")[0] == 200
            and redis_up.command("get", version_keys[0]) != before
        ),
        10,
        "the content version moving on after the outage",
    )
