"""A PostgreSQL restart under load, with kept connections (CONN_MAX_AGE=60): once the database
is back, no request fails, without restarting gunicorn. The cluster is our own (initdb in a
temporary folder, on a free port), never the machine's shared server."""

import pytest

from faults.services import (
    Gunicorn,
    PostgresCluster,
    load,
    prepare_site,
    site_environment,
    temporary_directory,
    wait_until,
)

pytestmark = pytest.mark.skipif(bool(PostgresCluster.missing()), reason=PostgresCluster.missing())


@pytest.fixture(scope="module")
def cluster():
    cluster = PostgresCluster(temporary_directory("twinning-faults-pg-")).init().start()
    cluster.create_database("twinning")
    yield cluster
    cluster.stop(mode="immediate")


@pytest.fixture(scope="module")
def site_on_postgres(cluster):
    directory = temporary_directory("twinning-faults-site-")
    environment = site_environment(directory, DATABASE_URL=cluster.url(), CONN_MAX_AGE=60)
    prepare_site(environment)
    server = Gunicorn(environment, directory / "gunicorn.log").start()
    yield server
    server.stop()


def health(site):
    status, answer = site.health()
    return status, answer.get("status")


def test_after_a_restart_no_request_fails(site_on_postgres, cluster):
    warm = load(site_on_postgres.port, seconds=2)  # every worker thread keeps a connection
    assert warm.errors == 0, warm.describe()

    cluster.restart()  # returns once PostgreSQL accepts connections again
    after = load(site_on_postgres.port, seconds=3)

    assert after.errors == 0, after.describe()
    assert [health(site_on_postgres) for _ in range(10)] == [(200, "ok")] * 10


def test_health_tells_the_outage_and_the_return(site_on_postgres, cluster):
    load(site_on_postgres.port, seconds=1)
    cluster.stop()
    try:
        assert health(site_on_postgres) == (503, "unavailable")
    finally:
        cluster.start()
    wait_until(lambda: health(site_on_postgres) == (200, "ok"), 10, "health ok again")
    # No false 503 from a connection broken by the outage.
    assert [health(site_on_postgres) for _ in range(20)] == [(200, "ok")] * 20
    after = load(site_on_postgres.port, seconds=2)
    assert after.errors == 0, after.describe()
