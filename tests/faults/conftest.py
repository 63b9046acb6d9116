"""The fault scenarios: our own Redis, PostgreSQL and gunicorn, broken on purpose.

They run wherever redis-server is installed (as in .ci/run) and skip, saying why, elsewhere.
"""

import pytest

from faults.services import (
    Gunicorn,
    RedisServer,
    missing_tools,
    prepare_site,
    site_environment,
    temporary_directory,
)

MISSING = missing_tools()


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/faults/" in str(item.path):
            item.add_marker(pytest.mark.faults)
            if MISSING:
                item.add_marker(pytest.mark.skip(reason=f"fault scenarios: {MISSING}"))


@pytest.fixture(scope="module")
def redis_server():
    server = RedisServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def site_with_redis(redis_server):
    """The demo under gunicorn with production settings, its page cache in our own Redis."""
    directory = temporary_directory("twinning-faults-")
    environment = site_environment(
        directory,
        REDIS_URL=redis_server.url,
        # Short, so that the recovery is seen within a test.
        CACHE_RETRY_SECONDS=1,
    )
    prepare_site(environment)
    server = Gunicorn(environment, directory / "gunicorn.log").start()
    yield server
    server.stop()


@pytest.fixture
def redis_up(redis_server):
    """Each scenario starts with Redis answering, and leaves it so."""
    if redis_server.process is None:
        redis_server.start()
    redis_server.resume()
    yield redis_server
    if redis_server.process is None:
        redis_server.start()
    redis_server.resume()
