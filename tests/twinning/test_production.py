"""What an operator relies on: security headers, health check, error pages, logs, deploy check."""

import gzip
import io
import json
import logging
import logging.config
import os
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.db import OperationalError, connection
from django.test import Client
from django.urls import reverse
from pytest_django.asserts import assertContains

from partnerships.models import FocusArea

pytestmark = pytest.mark.django_db

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def page_urls(make_partnership, make_focus_area, make_activity):
    topic = make_focus_area(name="Culture", slug="culture")
    partnership = make_partnership(focus_areas=[topic])
    make_activity(partnership, focus_areas=[topic])
    return {
        "home": reverse("home"),
        "partnership list": reverse("partnership_list"),
        "partnership": partnership.get_absolute_url(),
        "city list": reverse("city_list"),
        "city": partnership.city_a.get_absolute_url(),
        "topic": FocusArea.objects.get().get_absolute_url(),
        "activities": reverse("activity_list"),
        "search": reverse("search") + "?q=culture",
        "not found": "/no-such-page/",
        "admin login": reverse("admin:login"),
        "health": reverse("healthz"),
    }


def csp_directives(response):
    header = response.headers["Content-Security-Policy"]
    return {part.split()[0]: part.split()[1:] for part in header.split(";") if part.strip()}


def test_every_page_type_carries_the_security_headers(client, page_urls):
    for name, url in page_urls.items():
        response = client.get(url, secure=True)
        assert response.status_code in (200, 404), name
        csp = csp_directives(response)
        assert csp["default-src"] == ["'self'"], name
        assert csp["script-src"] == ["'self'"], name
        assert csp["style-src"] == ["'self'"], name
        assert csp["frame-ancestors"] == ["'none'"], name
        assert csp["object-src"] == ["'none'"], name
        assert "unsafe-inline" not in response.headers["Content-Security-Policy"], name
        assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000"), name
        assert response.headers["X-Content-Type-Options"] == "nosniff", name
        assert response.headers["Referrer-Policy"] == "same-origin", name
        assert response.headers["X-Frame-Options"] == "DENY", name


def test_cookies_are_secure_and_http_only(client):
    response = client.get(reverse("admin:login"), secure=True)
    cookie = response.cookies[settings.CSRF_COOKIE_NAME]
    assert cookie["secure"] and cookie["httponly"]
    assert settings.SESSION_COOKIE_SECURE and settings.SESSION_COOKIE_HTTPONLY


def test_plain_http_is_redirected_to_https(client, settings, page_urls):
    settings.SECURE_SSL_REDIRECT = True
    response = client.get(page_urls["home"])
    assert response.status_code == 301
    assert response["Location"].startswith("https://")
    assert client.get(page_urls["health"]).status_code == 200  # probes stay on plain HTTP


def test_pages_are_sent_compressed_to_browsers_that_accept_it(client, page_urls):
    plain = client.get(page_urls["partnership"], secure=True)
    assert not plain.has_header("Content-Encoding")
    response = client.get(page_urls["partnership"], secure=True, HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in response["Vary"]
    html = gzip.decompress(response.content)
    assert html.startswith(b"<!DOCTYPE html>")
    assert len(response.content) < len(html) / 2


def test_a_compressed_page_still_gets_304_on_a_repeat_visit(client, page_urls):
    gzip_ok = {"HTTP_ACCEPT_ENCODING": "gzip", "secure": True}
    etag = client.get(page_urls["partnership"], **gzip_ok)["ETag"]
    assert etag.startswith('W/"')  # compressed bytes differ from the page the tag was made from
    response = client.get(page_urls["partnership"], HTTP_IF_NONE_MATCH=etag, **gzip_ok)
    assert response.status_code == 304


class InlineCodeFinder(HTMLParser):
    """Collects what a strict CSP would block: inline scripts, style blocks and attributes."""

    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if (
            tag == "script"
            and "src" not in attributes
            and attributes.get("type") not in ("application/json", "application/ld+json")
        ):
            self.found.append("inline <script>")
        if tag == "style":
            self.found.append("<style> block")
        if "style" in attributes:
            self.found.append(f"style= on <{tag}>")
        self.found.extend(f"{name}= on <{tag}>" for name in attributes if name.startswith("on"))


def test_no_page_needs_inline_script_or_style(client, page_urls):
    for name, url in page_urls.items():
        finder = InlineCodeFinder()
        finder.feed(client.get(url, secure=True).content.decode())
        assert finder.found == [], name


def test_health_check_reports_a_reachable_database(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "cache": "ok"}
    assert "no-cache" in response.headers["Cache-Control"]


def test_health_check_reports_an_unreachable_database_without_a_traceback(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr("django.db.backends.base.base.BaseDatabaseWrapper.cursor", refuse)
    response = client.get(reverse("healthz"))
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "database": "unreachable"}
    assert b"Traceback" not in response.content and b"refused" not in response.content


def test_server_error_page_is_friendly(monkeypatch, db):
    def fail(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr("partnerships.views.partnerships.PartnershipListView.get_queryset", fail)
    response = Client(raise_request_exception=False).get(reverse("partnership_list"))
    assert response.status_code == 500
    assertContains(response, "Something went wrong", status_code=500)
    assert b"boom" not in response.content and b"Traceback" not in response.content


def test_not_found_page_is_in_the_sites_design(client):
    response = client.get("/no-such-page/")
    assertContains(response, "Page not found", status_code=404)
    assertContains(response, 'class="site-header"', status_code=404)


def test_logs_are_one_json_object_per_line(settings):
    assert settings.LOGGING["handlers"]["stdout"]["formatter"] == "json"  # production default
    logging.config.dictConfig(settings.LOGGING)
    stream = io.StringIO()
    try:
        logging.getLogger().handlers[0].setStream(stream)
        logging.getLogger("twinning.test").warning("Disk %s is full", "sda")
    finally:
        logging.config.dictConfig(settings.LOGGING)  # back to stdout for the other tests
    record = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert record["level"] == "WARNING"
    assert record["logger"] == "twinning.test"
    assert record["message"] == "Disk sda is full"
    assert "time" in record


def production_env(**overrides):
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "SECURE_SSL_REDIRECT", "DATABASE_URL"}
    }
    env.update(
        SECRET_KEY="a-long-random-production-secret-" + "x7Q9" * 10,
        ALLOWED_HOSTS="twinning.example.org",
        **overrides,
    )
    return env


def test_deploy_check_passes_under_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=REPO,
        env=production_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key():
    env = production_env()
    env.pop("SECRET_KEY")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_redis_url_selects_the_shared_cache():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.CACHES['default']['BACKEND'], settings.CACHES['default']['LOCATION'])",
        ],
        cwd=REPO,
        env={
            **production_env(REDIS_URL="redis://127.0.0.1:6379/3"),
            "DJANGO_SETTINGS_MODULE": "twinning.settings",
        },
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stdout.split() == [
        "core.resilient_cache.ResilientRedisCache",
        "redis://127.0.0.1:6379/3",
    ]


def test_health_check_answers_a_load_balancer_probing_with_the_nodes_address(client):
    response = client.get("/healthz", HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_a_forged_host_is_one_warning_line_without_a_stack_trace(client, caplog):
    with caplog.at_level(logging.DEBUG):
        response = client.get(reverse("home"), HTTP_HOST="attacker.example")
    assert response.status_code == 400
    assert [(r.levelname, r.name) for r in caplog.records] == [
        ("WARNING", "django.security.DisallowedHost")
    ]
    assert "attacker.example" in caplog.records[0].getMessage()
    assert caplog.records[0].exc_info is None


def test_an_unsafe_next_after_sign_in_goes_to_the_admin_home(client, django_user_model):
    django_user_model.objects.create_superuser("chief", "chief@example.org", "Quiet-71-lanterns")
    response = client.post(
        reverse("admin:login"),
        {
            "username": "chief",
            "password": "Quiet-71-lanterns",
            "next": "https://elsewhere.example/",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:index")


def test_the_policy_is_built_once_and_again_when_its_setting_changes(client, settings, monkeypatch):
    from csp.utils import build_policy

    from twinning import middleware

    built = []
    monkeypatch.setattr(
        middleware, "build_policy", lambda **kw: built.append(kw) or build_policy(**kw)
    )
    monkeypatch.setattr(middleware, "_policies", {})
    first = client.get(reverse("home")).headers["Content-Security-Policy"]
    assert client.get(reverse("city_list")).headers["Content-Security-Policy"] == first
    assert first == build_policy()
    assert len(built) == 2  # the policy and the (empty) report-only policy, once each
    settings.CONTENT_SECURITY_POLICY = {"DIRECTIVES": {"default-src": ["'none'"]}}
    assert client.get(reverse("home")).headers["Content-Security-Policy"] == "default-src 'none'"


def test_a_responses_own_policy_is_still_django_csps(rf):
    from django.http import HttpResponse

    from twinning.middleware import ContentSecurityPolicyMiddleware

    request = rf.get("/en/")
    response = HttpResponse()
    response._csp_update = {"img-src": ["https://pictures.example"]}
    middleware = ContentSecurityPolicyMiddleware(lambda request: response)
    header = middleware(request).headers["Content-Security-Policy"]
    assert "img-src 'self' data: https://pictures.example" in header


def database_options(**env):
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.DATABASES['default'].get('OPTIONS', {}).get('options', ''))",
        ],
        cwd=REPO,
        env={**production_env(**env), "DJANGO_SETTINGS_MODULE": "twinning.settings"},
        capture_output=True,
        text=True,
        check=False,
    )
    return result


def test_postgresql_connections_price_random_reads_for_ssds_unless_told_otherwise():
    url = "postgres://postgres@127.0.0.1:5432/twinning"
    assert database_options(DATABASE_URL=url).stdout.strip() == "-c random_page_cost=1.1"
    told = database_options(DATABASE_URL=url, PG_RANDOM_PAGE_COST="4")
    assert told.stdout.strip() == "-c random_page_cost=4.0"
    assert database_options().stdout.strip() == ""  # SQLite has no such setting


def test_a_bad_random_page_cost_stops_the_site_with_an_error_naming_it():
    url = "postgres://postgres@127.0.0.1:5432/twinning"
    for bad in ("fast", "-1", "0", "nan"):
        result = database_options(DATABASE_URL=url, PG_RANDOM_PAGE_COST=bad)
        assert result.returncode != 0
        assert f"PG_RANDOM_PAGE_COST must be a positive number, not '{bad}'" in result.stderr


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a PostgreSQL setting")
def test_the_live_postgresql_connection_uses_the_ssd_price(db):
    with connection.cursor() as cursor:
        cursor.execute("SHOW random_page_cost")
        assert cursor.fetchone()[0] == "1.1"
