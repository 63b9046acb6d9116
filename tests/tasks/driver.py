"""What the web site does, run in a process of its own against the database and broker that
tests/tasks/test_worker.py started: `python -m tests.tasks.driver COMMAND [ARGS]`, one line of
JSON out. Requests go through Django's test client, so through the real views, middleware and
transactions (committed: no test transaction here), in a process that is not the worker's.
"""

import datetime
import json
import re
import sys
import time

import django

django.setup()

from django.conf import settings  # noqa: E402

# Static files from the sources, as in the other tests (no collectstatic for these pages).
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.files.uploadedfile import SimpleUploadedFile  # noqa: E402
from django.test import Client  # noqa: E402
from django.urls import reverse  # noqa: E402

from cities.models import City  # noqa: E402
from partnerships.models import Partnership  # noqa: E402
from tests.cities.test_admin import ADD, CHANGELIST, city_form_data  # noqa: E402
from tests.cities.test_images import two_colour_png  # noqa: E402


def staff_client():
    user, created = get_user_model().objects.get_or_create(
        username="staff", defaults={"is_staff": True, "is_superuser": True}
    )
    client = Client()
    client.force_login(user)
    return client


def upload(slug, width, height):
    """Add a city with a width × height picture through the admin; published, so it has a page."""
    data = two_colour_png(int(width), int(height))
    picture = SimpleUploadedFile(f"{slug}.png", data, content_type="image/png")
    client = staff_client()
    started = time.monotonic()
    response = client.post(
        ADD, city_form_data(name=slug.title(), slug=slug, image=picture, image_alt="Two colours")
    )
    seconds = time.monotonic() - started
    city = City.objects.get(slug=slug)
    partner = City.objects.create(name=f"Partner of {slug}", slug=f"{slug}-partner", country="CN")
    Partnership.objects.create(
        city_a=city,
        city_b=partner,
        state="published",
        established=datetime.date(2009, 10, 16),
        summary="A partnership.",
    )
    return {"status": response.status_code, "seconds": seconds, **state(slug)}


def state(slug):
    city = City.objects.get(slug=slug)
    return {
        "pk": city.pk,
        "name": city.image.name,
        "state": city.image_renditions_state,
        "renditions": city.image_renditions,
    }


def page(slug):
    """The <img> of the city's public page."""
    html = Client().get(City.objects.get(slug=slug).get_absolute_url()).content.decode()
    return {"img": re.search(r"<img [^>]*>", html).group()}


def import_upload(path, then="", *arguments):
    """Upload a twinnings file at the admin's import page, as a superuser; then, with "watch",
    follow the run's status endpoint until the run has finished, as the progress bar does, or
    with "cancel" press Cancel once ROWS rows are processed, then follow it to the end."""
    client = staff_client()
    with open(path, "rb") as file:
        response = client.post(reverse("admin:partnerships_importrun_add"), {"file": file})
    result = {"status": response.status_code}
    if response.status_code != 302:
        result["page"] = response.content.decode()
        return result
    run_id = int(response["Location"].rstrip("/").split("/")[-2])
    result["run"] = run_id
    if then == "watch":
        result["seen"] = watch(client, run_id)
    elif then == "cancel":
        result["seen"] = watch(client, run_id, until_rows=int(arguments[0]))
        cancel_url = reverse("admin:partnerships_importrun_cancel", args=[run_id])
        page = client.post(cancel_url, follow=True).content.decode()
        result["cancel_page"] = page
        result["after_cancel"] = watch(client, run_id)
        result["seen"] += result["after_cancel"]
    return result


def watch(client, run_id, until_rows=None, seconds=60):
    """The statuses the run's status endpoint gave, each once, polled every 20 ms."""
    url = reverse("admin:partnerships_importrun_status", args=[run_id])
    seen = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        status = client.get(url).json()
        if not seen or status != seen[-1]:
            seen.append(status)
        if status["finished"] or (until_rows and status["rows_processed"] >= until_rows):
            return seen
        time.sleep(0.02)
    raise TimeoutError(f"run {run_id}: {seen[-1]}")


def run_page(run_id):
    client = staff_client()
    return {
        "page": client.get(
            reverse("admin:partnerships_importrun_change", args=[run_id])
        ).content.decode()
    }


def admin_pages():
    client = staff_client()
    return {
        "index": client.get(reverse("admin:index")).content.decode(),
        "changelist": client.get(CHANGELIST).content.decode(),
    }


COMMANDS = {
    "upload": upload,
    "state": state,
    "page": page,
    "admin": admin_pages,
    "import": import_upload,
    "run_page": run_page,
}

if __name__ == "__main__":
    print(json.dumps(COMMANDS[sys.argv[1]](*sys.argv[2:])))
