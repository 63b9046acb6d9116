"""A live production-style site and Debian's Chromium for the end-to-end tests.

The server is a real gunicorn subprocess with production settings (DEBUG off, hashed static
files from collectstatic, whitenoise), not pytest-django's live_server: that is what visitors
get, and it keeps the server's database apart from the test database. It holds the demo plus a
small world-scale sample (data/twinnings_sample.csv: every row of the Hekman list naming a demo
city and every hundredth other row), two pairs with an anniversary next month, and a few
generated activities and milestones for each partnership.

Without Chromium the tests that use it skip and say how to get it (the HTML test needs only Java
and the Nu checker, and skips without them); with REQUIRE_BROWSER_TESTS=1 (as in .ci/run) a
missing tool fails them instead.
"""

import datetime
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
import pytest
from aiosmtpd.controller import Controller

from tests.conftest import Inbox

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
VNU_JAR = ROOT / "node_modules" / "vnu-jar" / "build" / "dist" / "vnu.jar"
SAMPLE = Path(__file__).resolve().parent / "data" / "twinnings_sample.csv"
SCREENSHOTS = ROOT / "var" / "screenshots"
REQUIRED = os.environ.get("REQUIRE_BROWSER_TESTS") == "1"
# Chromium in a container: no sandbox and GPU; and no calls home, which a closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
BROWSER_DATABASE = "twinning_browser"  # never the test database pytest-django creates
# Fixtures live as long as this package's tests: the server and Chromium stop before the rest
# of the suite runs.

# Everything the server needs, in one Python process (each manage.py start costs a second).
SETUP_SCRIPT = """
import sys
import django
from django.core.management import call_command
django.setup()
call_command("migrate", interactive=False, verbosity=0)
call_command("load_demo", verbosity=0)
call_command("import_twinnings", sys.argv[1], verbosity=0)
call_command("import_twinnings", sys.argv[2], verbosity=0)
call_command("generate_activities", per_partnership=3, milestones=2, verbosity=0)
call_command("update_search_index", verbosity=0)
call_command("collectstatic", interactive=False, verbosity=0)
"""


def need(available, reason):
    """Skip (or, with REQUIRE_BROWSER_TESTS=1, fail) when a tool is missing."""
    if available:
        return
    if REQUIRED:
        pytest.fail(f"{reason} (REQUIRE_BROWSER_TESTS=1 makes this an error)", pytrace=False)
    pytest.skip(reason)


def need_chromium():
    need(
        CHROMIUM.exists(),
        f"Chromium is not installed at {CHROMIUM}: apt-get install chromium (Debian)",
    )


def _free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _postgres(config, sql):
    import psycopg

    with psycopg.connect(
        host=config["HOST"] or None,
        port=config["PORT"] or None,
        user=config["USER"] or None,
        password=config["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    ) as connection:
        connection.execute(sql)


@pytest.fixture(scope="package")
def database_url():
    """A SQLite file of its own, or on PostgreSQL (DATABASE_URL set) a database of its own."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield None  # the server's environment names a temporary SQLite file
        return
    config = dj_database_url.parse(url)
    _postgres(config, f"DROP DATABASE IF EXISTS {BROWSER_DATABASE}")
    _postgres(config, f"CREATE DATABASE {BROWSER_DATABASE}")
    yield urlsplit(url)._replace(path=f"/{BROWSER_DATABASE}").geturl()
    _postgres(config, f"DROP DATABASE IF EXISTS {BROWSER_DATABASE} WITH (FORCE)")


def anniversaries_csv(path):
    """Two pairs founded 10 and 25 years before next month, so the anniversaries are not empty."""
    today = datetime.date.today()
    month = today.month % 12 + 1
    year = today.year + (month == 1)
    path.write_text(
        "city_a,country_a,lat_a,lng_a,city_b,country_b,lat_b,lng_b,established,kind,status\n"
        f"Leipzig,DE,51.34,12.375,Houston,US,29.7604,-95.3698,{year - 10}-{month:02},,\n"
        f"Leipzig,DE,51.34,12.375,Kraków,PL,50.0614,19.9372,{year - 25}-{month:02},friendship,"
        "dormant\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture(scope="package")
def mail_server():
    """An SMTP server (aiosmtpd) on a free loopback port that the site sends its e-mail to.

    `mail_server.inbox.messages` lists (envelope recipients, parsed message) as they arrive.
    """
    controller = Controller(Inbox(), hostname="127.0.0.1", port=_free_port())
    controller.start()
    controller.inbox = controller.handler
    yield controller
    controller.stop()


@pytest.fixture(scope="package")
def site_env(database_url, mail_server, tmp_path_factory):
    """The server's environment (and so that of anything run on its database: `site_python`)."""
    folder = tmp_path_factory.mktemp("site")
    port = _free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        # Without a broker the tasks (the e-mail) run at once, in the server.
        if key not in {"DEBUG", "REDIS_URL", "PAGE_CACHE_SECONDS", "ADMIN_URL", "SITE_URL"}
        and key != "CELERY_BROKER_URL"
        and not key.startswith("EMAIL_")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="twinning.settings",
        DATABASE_URL=database_url or f"sqlite:///{folder / 'db.sqlite3'}",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="127.0.0.1",
        STATIC_ROOT=str(folder / "static"),
        MEDIA_ROOT=str(folder / "media"),
        # The browser speaks plain HTTP to 127.0.0.1; everything else stays as in production.
        SECURE_SSL_REDIRECT="0",
        BIND=f"127.0.0.1:{port}",
        WEB_CONCURRENCY="1",  # one worker with its threads: enough for one browser, starts fast
        LOG_LEVEL="WARNING",
        # The page cache on, as in production. Production shares it through Redis; here the
        # one worker's memory is shared by all its threads, so a change empties it all the same.
        PAGE_CACHE_SECONDS="300",
        # E-mail (the review desk's) to the test's own SMTP server; links in it to this server.
        EMAIL_HOST="127.0.0.1",
        EMAIL_PORT=str(mail_server.port),
        EMAIL_TIMEOUT="5",
        DEFAULT_FROM_EMAIL="Twinning <desk@twinning.example>",
        SITE_URL=f"http://127.0.0.1:{port}",
    )
    return env


def run_python(env, script, *args):
    """Run `script` (Python) with `args` in the site's environment; its standard output."""
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [str(Path(sys.executable)), "-c", script, *map(str, args)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, f"the script failed on the site:\n{done.stdout}{done.stderr}"
    return done.stdout


@pytest.fixture(scope="package")
def site(site_env):
    """The base URL of a gunicorn server with production settings, the demo and the sample."""
    env = site_env
    folder = Path(env["MEDIA_ROOT"]).parent
    run_python(env, SETUP_SCRIPT, SAMPLE, anniversaries_csv(folder / "dated.csv"))
    python = str(Path(sys.executable))
    port = env["BIND"].rpartition(":")[2]
    log_path = folder / "gunicorn.log"
    with log_path.open("w") as log:
        server = subprocess.Popen(  # noqa: S603
            [python, "-m", "gunicorn", "--config", "gunicorn.conf.py", "twinning.wsgi"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=5):  # noqa: S310
                    break
            except OSError:  # refused while starting, or slow to answer
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"gunicorn did not start:\n{log_path.read_text()}")
                time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)
    # A page that failed on the server shows in its test; this names the exception.
    errors = [line for line in log_path.read_text().splitlines() if '"level": "ERROR"' in line]
    assert not errors, "the server logged errors:\n" + "\n".join(errors)


@pytest.fixture(scope="package")
def site_python(site, site_env):
    """run(script, *args): Python run on the site's database (users, ids), its output."""
    return lambda script, *args: run_python(site_env, script, *args)


@pytest.fixture(scope="package")
def browser():
    need_chromium()
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="package")
def screenshots(database_url):
    """var/screenshots/<database>/ (kept as CI artefacts), emptied at the start of a run."""
    folder = SCREENSHOTS / ("postgresql" if database_url else "sqlite")
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    return folder
