"""Uploads on an S3-compatible object store (django-storages), against a real server: moto in
server mode on a loopback port of the tests' own (conftest.py). The bucket is readable by the
public only through the policy docs/deploy.md gives, as on a city's store."""

import json
import re
import socket
import subprocess
import sys
import time
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.management import call_command
from pytest_django.asserts import assertContains
from storages.backends.s3 import S3Storage

from cities.models import City
from tests.cities.test_admin import ADD, change_url, city_form_data
from tests.cities.test_images import picture, post_picture, upload
from tests.twinning.test_demo import _image_fixture

from .conftest import S3Server, use_store

pytestmark = pytest.mark.django_db

DEPLOY_DOC = Path(__file__).resolve().parents[2] / "docs" / "deploy.md"
STORE_UNAVAILABLE = (
    "The picture could not be stored: the file store is unavailable. Nothing was saved; try "
    "again later."
)
IMMUTABLE = "public, max-age=31536000, immutable"


def documented_policy(bucket):
    """The bucket policy of docs/deploy.md's "Object storage" section, for `bucket`."""
    section = DEPLOY_DOC.read_text(encoding="utf-8").split("## Object storage", 1)[1]
    policy = re.search(r"```json\n(.*?)```", section, re.DOTALL).group(1)
    return policy.replace("BUCKET", bucket)


@pytest.fixture
def public_bucket(bucket, s3_server):
    s3_server.client().put_bucket_policy(Bucket=bucket, Policy=documented_policy(bucket))
    return bucket


class Images(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.found.append(dict(attrs))


def images_on(response):
    parser = Images()
    parser.feed(response.content.decode())
    return parser.found


def fetch(url):
    """GET like a visitor's browser: no credentials. (status, content type, cache control)"""
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:  # noqa: S310 (the test's server)
            answer.read()
            return answer.status, answer.headers["Content-Type"], answer.headers["Cache-Control"]
    except urllib.error.HTTPError as error:
        return error.code, None, None


def add_city_with_picture(client, data, name="photo.jpg"):
    return client.post(ADD, city_form_data(image=upload(name, data), image_alt="The old town"))


def published_city(make_partnership, city):
    make_partnership(city_a=city)  # a published partnership makes the city's page public
    return city


# --- Storing ----------------------------------------------------------------------------------


def test_an_admin_upload_lands_in_the_bucket_with_its_renditions(
    admin_client, s3_server, bucket, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = add_city_with_picture(admin_client, picture(size=(1000, 500)))
    assert response.status_code == 302
    city = City.objects.get(slug="dresden")
    root = city.image.name.removesuffix(".jpg")
    assert re.fullmatch(r"cities/[0-9a-f]{32}", root)
    assert city.image_renditions == [480, 960]
    assert s3_server.keys(bucket) == [f"{root}-480w.jpg", f"{root}-960w.jpg", f"{root}.jpg"]
    head = s3_server.client().head_object(Bucket=bucket, Key=city.image.name)
    assert head["ContentType"] == "image/jpeg"
    assert head["CacheControl"] == IMMUTABLE
    assert "x-amz-acl" not in head["ResponseMetadata"]["HTTPHeaders"]  # the policy decides


def test_the_public_page_shows_the_pictures_from_the_store(
    client,
    admin_client,
    make_partnership,
    s3_server,
    public_bucket,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        response = add_city_with_picture(admin_client, picture("PNG", size=(1000, 500)), "a.png")
    assert response.status_code == 302
    city = published_city(make_partnership, City.objects.get(slug="dresden"))
    response = client.get(city.get_absolute_url())
    assert response.status_code == 200
    (img,) = [img for img in images_on(response) if img.get("alt") == "The old town"]
    base = f"{s3_server.url}/{public_bucket}/cities/"
    root = base + city.image.name.removeprefix("cities/").removesuffix(".png")
    assert img["src"] == f"{root}.png"
    assert img["srcset"] == f"{root}-480w.png 480w, {root}-960w.png 960w, {root}.png 1000w"
    for url in [img["src"], f"{root}-480w.png", f"{root}-960w.png"]:
        assert fetch(url) == (200, "image/png", IMMUTABLE), url
    # Allowed by the page's Content-Security-Policy, which otherwise allows this site only.
    assert f"img-src 'self' data: {s3_server.url}" in response["Content-Security-Policy"]


def test_other_media_in_the_bucket_stay_private(s3_server, public_bucket):
    default_storage.save("imports/list.csv", upload("list.csv", b"a,b\n"))
    assert fetch(f"{s3_server.url}/{public_bucket}/imports/list.csv")[0] == 403


def test_replacing_a_picture_deletes_the_old_objects(
    admin_client, make_city, s3_server, bucket, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        city = make_city(image=upload("old.jpg", picture(size=(1000, 500))), image_alt="Old")
    old = s3_server.keys(bucket)
    assert len(old) == 3
    with django_capture_on_commit_callbacks(execute=True):
        response = post_picture(
            admin_client, city, upload("new.webp", picture("WEBP", size=(600, 400))), "New"
        )
    assert response.status_code == 302
    city.refresh_from_db()
    root = city.image.name.removesuffix(".webp")
    assert s3_server.keys(bucket) == [f"{root}-480w.webp", f"{root}.webp"]
    head = s3_server.client().head_object(Bucket=bucket, Key=city.image.name)
    assert head["ContentType"] == "image/webp"


def test_clearing_a_picture_deletes_its_objects(
    admin_client, make_city, s3_server, bucket, django_capture_on_commit_callbacks
):
    city = make_city(image=upload("old.jpg", picture(size=(1000, 500))), image_alt="Old")
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            change_url(city),
            city_form_data(
                name=city.name,
                slug=city.slug,
                latitude="51.05",
                longitude="13.74",
                **{"image-clear": "on"},
            ),
        )
    assert response.status_code == 302
    assert s3_server.keys(bucket) == []


def test_the_demo_media_go_to_the_store(s3_server, bucket, tmp_path):
    fixture = _image_fixture(tmp_path)
    call_command("load_demo", f"--fixture={fixture}", verbosity=0)
    assert s3_server.keys(bucket) == ["cities/demo-test.png"]
    assert City.objects.get(pk=900).image.url == (f"{s3_server.url}/{bucket}/cities/demo-test.png")
    call_command("load_demo", f"--fixture={fixture}", verbosity=0)
    assert s3_server.keys(bucket) == ["cities/demo-test.png"]  # the same file, not a copy


# --- The store unavailable --------------------------------------------------------------------


@pytest.fixture
def own_server(settings, tmp_path):
    """A server of this test's own, to stop: the shared one serves the other tests."""
    server = S3Server(tmp_path / "moto.log").start()
    bucket = server.create_bucket()
    use_store(settings, server, bucket)
    yield server, bucket
    server.stop()


@pytest.fixture
def city_on_stopped_store(own_server, make_city, make_partnership):
    server, _bucket = own_server
    city = make_city(image=upload("old.jpg", picture(size=(1000, 500))), image_alt="Old")
    published_city(make_partnership, city)
    server.stop()
    return server, City.objects.get(pk=city.pk)


def test_pages_render_with_the_store_stopped(client, admin_client, city_on_stopped_store):
    server, city = city_on_stopped_store
    pages = [(client, city.get_absolute_url()), (admin_client, change_url(city))]
    for user, url in pages:
        response = user.get(url)
        assert response.status_code == 200
        assertContains(response, f"{server.url}/")
    # Addresses are computed, never asked of the store: something listening on its port now
    # would notice any connection (and make it wait for the read timeout).
    with socket.create_server(("127.0.0.1", server.port)) as listener:
        listener.settimeout(0.5)
        for user, url in pages:
            assert user.get(url).status_code == 200
        with pytest.raises(TimeoutError):
            listener.accept()


def test_an_upload_with_the_store_stopped_is_refused_and_nothing_changes(
    admin_client, city_on_stopped_store, caplog
):
    _server, city = city_on_stopped_store
    before = City.objects.values().get(pk=city.pk)
    response = post_picture(admin_client, city, upload("new.jpg", picture()), "New")
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["image"] == [STORE_UNAVAILABLE]
    assert City.objects.values().get(pk=city.pk) == before
    assert "The picture could not be stored" in caplog.text


def test_a_new_city_with_the_store_stopped_is_not_added(admin_client, own_server):
    server, _bucket = own_server
    server.stop()
    response = add_city_with_picture(admin_client, picture())
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["image"] == [STORE_UNAVAILABLE]
    assertContains(response, "The old town")  # what was typed is still in the form
    assert not City.objects.exists()


def test_other_fields_can_be_edited_with_the_store_stopped(admin_client, city_on_stopped_store):
    _server, city = city_on_stopped_store
    response = admin_client.post(
        change_url(city),
        city_form_data(
            name=city.name,
            slug=city.slug,
            latitude="51.05",
            longitude="13.74",
            image_alt="Old",
            summary="Edited while the store was down",
        ),
    )
    assert response.status_code == 302
    city.refresh_from_db()
    assert city.summary == "Edited while the store was down"
    assert city.image.name.endswith(".jpg")


def test_a_store_that_fails_while_renditions_are_written_gets_them_on_the_next_try(
    own_server, make_city, monkeypatch, django_capture_on_commit_callbacks
):
    """The picture is stored; the task's first rendition write fails: the task tries again (at
    once in eager mode) and ends with each rendition stored once."""
    server, bucket = own_server
    save = S3Storage._save
    failed = []

    def fail_once(storage, name, content):
        if re.search(r"-\d+w\.", name) and not failed:
            failed.append(name)
            raise ConnectionError("the store went away")
        return save(storage, name, content)

    monkeypatch.setattr(S3Storage, "_save", fail_once)
    with django_capture_on_commit_callbacks(execute=True):
        city = make_city(image=upload("new.jpg", picture(size=(1000, 500))), image_alt="New")
    city.refresh_from_db()
    assert failed
    assert city.image_renditions_state == "ready"
    assert city.image_renditions == [480, 960]
    root = city.image.name.removesuffix(".jpg")
    assert server.keys(bucket) == [f"{root}-480w.jpg", f"{root}-960w.jpg", f"{root}.jpg"]


def test_a_hung_store_holds_an_upload_for_seconds_not_minutes(admin_client, own_server):
    server, _bucket = own_server
    server.hang()
    started = time.monotonic()
    response = add_city_with_picture(admin_client, picture())
    elapsed = time.monotonic() - started
    server.resume()
    assert response.context["adminform"].form.errors["image"] == [STORE_UNAVAILABLE]
    # Read timeout 2 s, two attempts, a short back-off: well below gunicorn's 30 s.
    assert elapsed < 10
    assert not City.objects.exists()


# --- Settings ----------------------------------------------------------------------------------


def settings_in_subprocess(**environment):
    """The default storage and CSP image sources, as a site started with `environment` has
    them (nothing inherited but the path to the interpreter)."""
    script = (
        "import json; from django.conf import settings; "
        "print(json.dumps([settings.STORAGES['default']['BACKEND'], "
        "settings.CONTENT_SECURITY_POLICY['DIRECTIVES']['img-src'], "
        "getattr(settings, 'AWS_S3_CLIENT_CONFIG', None) and "
        "settings.AWS_S3_CLIENT_CONFIG.connect_timeout]))"
    )
    completed = subprocess.run(  # noqa: S603 (this interpreter, a fixed script)
        [sys.executable, "-c", script],
        env={"DJANGO_SETTINGS_MODULE": "twinning.settings", "SECRET_KEY": "x" * 50, **environment},
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(completed.stdout)


def test_without_a_bucket_media_stay_in_media_root():
    assert settings_in_subprocess() == [
        "django.core.files.storage.FileSystemStorage",
        ["'self'", "data:"],
        None,
    ]


def test_with_a_bucket_media_go_to_the_store():
    assert settings_in_subprocess(
        AWS_STORAGE_BUCKET_NAME="city-media",
        AWS_S3_ENDPOINT_URL="https://s3.example.net",
        AWS_S3_CONNECT_TIMEOUT="3",
    ) == ["storages.backends.s3.S3Storage", ["'self'", "data:", "https://s3.example.net"], 3.0]


def test_a_custom_domain_is_what_the_pages_name(settings, s3_server):
    bucket = s3_server.create_bucket()
    use_store(settings, s3_server, bucket, AWS_S3_CUSTOM_DOMAIN="media.example.org")
    assert default_storage.url("cities/a.jpg") == "https://media.example.org/cities/a.jpg"
    assert settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"][-1] == (
        "https://media.example.org"
    )


def test_signed_addresses_for_a_private_bucket(settings, s3_server):
    bucket = s3_server.create_bucket()
    use_store(settings, s3_server, bucket, AWS_QUERYSTRING_AUTH="1")
    default_storage.save("cities/a.jpg", upload("a.jpg", picture()))
    url = default_storage.url("cities/a.jpg")
    assert "X-Amz-Signature=" in url
    assert fetch(url)[:2] == (200, "image/jpeg")
    head = s3_server.client().head_object(Bucket=bucket, Key="cities/a.jpg")
    assert head["CacheControl"] == "private, max-age=3600"
