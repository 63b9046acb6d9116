"""Factory helpers shared by every test folder.

Each `make_*` fixture returns a function that creates a valid, saved object; keyword
arguments override the defaults. Slugs and names are unique per call.
"""

import datetime
import itertools
from email import message_from_bytes, policy

import pytest
from aiosmtpd.controller import Controller
from django.contrib.contenttypes.models import ContentType
from django.test import override_settings
from django.utils import timezone, translation

from cities.models import City, CityFigure
from faults.services import free_port
from partnerships.models import (
    Activity,
    Contact,
    FocusArea,
    Milestone,
    Partnership,
    PartnershipFigure,
    Plan,
    Source,
)

_counter = itertools.count(1)

# Tests that pytest-xdist must run in one worker, one after the other (by node id prefix).
XDIST_GROUPS = {
    # One gunicorn and one database (twinning_browser on PostgreSQL) for all of them.
    "tests/browser/": "browser",
    # Services of their own, started once per module; timing-sensitive, so never two at once.
    "tests/faults/": "faults",
    # One Redis broker, one database and the workers started on them, for the module.
    "tests/tasks/test_worker.py": "tasks",
    "tests/tasks/test_import_worker.py": "tasks",
    # The world, built once for the class.
    "tests/twinning/test_query_counts.py::TestWorldScale::": "world",
    "tests/api/test_api.py::TestLargeWorld::": "api-large-world",
    "tests/partnerships/test_partner_finder.py::TestWorldScale::": "finder-world",
}


@pytest.hookimpl(tryfirst=True, optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """--dist loadgroup, with the groups above. xdist's own loadgroup reads xdist_group marks
    through a node id suffix that pytest 9.2 no longer lets it set (pytest-xdist issue 1386), so
    the groups silently stopped working; here they are decided from the node ids themselves."""
    if config.getvalue("dist") != "loadgroup":
        return None
    from xdist.scheduler import LoadGroupScheduling

    class PathGroupScheduling(LoadGroupScheduling):
        def _split_scope(self, nodeid):
            for prefix, group in XDIST_GROUPS.items():
                if nodeid.startswith(prefix):
                    return group
            return nodeid  # any worker, test by test

    return PathGroupScheduling(config, log)


@pytest.fixture(scope="session", autouse=True)
def _fast_password_hashing():
    """The production hasher is slow on purpose: every sign-in and every user created would cost
    a quarter of a second. Password validators are unaffected (tests/twinning/test_security.py),
    and servers started as subprocesses (tests/browser, tests/faults) keep the production one."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def _static_files_without_collectstatic(settings):
    # Production serves hashed files collected by collectstatic; tests use the sources.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.WHITENOISE_AUTOREFRESH = True
    settings.WHITENOISE_USE_FINDERS = True


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _english_to_begin_with():
    """Each test starts in English (the original language), whatever language a request of an
    earlier test left active: modeltranslation writes `name=` into the active language's column."""
    with translation.override("en"):
        yield


@pytest.fixture
def catalogue():
    """Adds translations to the compiled catalogues for one test: `catalogue("de", {msgid:
    msgstr})`. For strings new on a branch, whose German and Chinese wait in TRANSLATIONS.txt
    until the catalogues are compiled at the merge; a string the catalogue already translates
    keeps its translation."""
    from django.utils.translation import trans_real

    added = []

    def add(language, entries):
        catalog = trans_real.translation(language)._catalog
        for msgid, msgstr in entries.items():
            if msgid not in catalog:
                catalog[msgid] = msgstr
                added.append((catalog, msgid))

    yield add
    for catalog, msgid in added:
        for part in catalog._catalogs:
            part.pop(msgid, None)


@pytest.fixture
def make_city(db):
    def make(**kwargs):
        n = next(_counter)
        kwargs.setdefault("name", f"City {n}")
        kwargs.setdefault("slug", f"city-{n}")
        kwargs.setdefault("country", "DE")
        kwargs.setdefault("latitude", "51.05")
        kwargs.setdefault("longitude", "13.74")
        return City.objects.create(**kwargs)

    return make


@pytest.fixture
def make_focus_area(db):
    def make(**kwargs):
        n = next(_counter)
        kwargs.setdefault("name", f"Topic {n}")
        kwargs.setdefault("slug", f"topic-{n}")
        return FocusArea.objects.create(**kwargs)

    return make


@pytest.fixture
def make_partnership(db, make_city):
    def make(focus_areas=(), **kwargs):
        kwargs.setdefault("city_a", make_city())
        kwargs.setdefault("city_b", make_city(country="CN"))
        kwargs.setdefault("state", "published")
        kwargs.setdefault("established", datetime.date(2009, 10, 16))
        kwargs.setdefault("summary", "A partnership between two cities.")
        partnership = Partnership.objects.create(**kwargs)
        partnership.focus_areas.set(focus_areas)
        return partnership

    return make


@pytest.fixture
def make_milestone(db):
    def make(partnership, **kwargs):
        kwargs.setdefault("date", datetime.date(2009, 10, 16))
        kwargs.setdefault("kind", Milestone.Kind.AGREEMENT)
        kwargs.setdefault("title", f"Milestone {next(_counter)}")
        return Milestone.objects.create(partnership=partnership, **kwargs)

    return make


@pytest.fixture
def make_activity(db):
    def make(partnership, focus_areas=(), **kwargs):
        kwargs.setdefault("title", f"Activity {next(_counter)}")
        kwargs.setdefault("kind", Activity.Kind.EXCHANGE)
        kwargs.setdefault("start_date", datetime.date(2010, 1, 1))
        activity = Activity.objects.create(partnership=partnership, **kwargs)
        activity.focus_areas.set(focus_areas)
        return activity

    return make


@pytest.fixture
def make_plan(db):
    def make(partnership, **kwargs):
        kwargs.setdefault("title", f"Plan {next(_counter)}")
        return Plan.objects.create(partnership=partnership, **kwargs)

    return make


@pytest.fixture
def make_source(db):
    def make(partnership, **kwargs):
        kwargs.setdefault("title", f"Source {next(_counter)}")
        return Source.objects.create(partnership=partnership, **kwargs)

    return make


@pytest.fixture
def make_city_figure(db):
    def make(city, **kwargs):
        kwargs.setdefault("label", f"Figure {next(_counter)}")
        kwargs.setdefault("value", 1000)
        return CityFigure.objects.create(city=city, **kwargs)

    return make


@pytest.fixture
def make_partnership_figure(db):
    def make(partnership, **kwargs):
        kwargs.setdefault("label", f"Figure {next(_counter)}")
        kwargs.setdefault("value", 18)
        return PartnershipFigure.objects.create(partnership=partnership, **kwargs)

    return make


@pytest.fixture
def measure_admin_page(admin_client, django_assert_max_num_queries):
    """GET `url` as staff within `bound` queries, starting from an empty ContentType cache."""

    def get(url, bound):
        ContentType.objects.clear_cache()
        with django_assert_max_num_queries(bound):
            response = admin_client.get(url)
        assert response.status_code == 200
        return response

    return get


@pytest.fixture
def published_world(
    make_city,
    make_focus_area,
    make_partnership,
    make_milestone,
    make_activity,
    make_plan,
    make_source,
    make_city_figure,
    make_partnership_figure,
):
    """One published partnership with one of every staff-written record, all on public pages.

    The activity lies in the future, so it is shown on the home page as well as on the
    activity list, the topic page and the partnership page. The city has an image credit
    (and so its image description is shown) but no image.
    """
    city = make_city(image_alt="The old town", image_credit="A photographer")
    focus_area = make_focus_area()
    partnership = make_partnership(city_a=city, focus_areas=[focus_area])
    soon = timezone.localdate() + datetime.timedelta(days=30)
    return {
        "city": city,
        "city_figure": make_city_figure(city),
        "focus_area": focus_area,
        "partnership": partnership,
        "milestone": make_milestone(partnership),
        "activity": make_activity(partnership, focus_areas=[focus_area], start_date=soon),
        "plan": make_plan(partnership),
        "source": make_source(partnership),
        "partnership_figure": make_partnership_figure(partnership),
        "contact": Contact.objects.create(
            partnership=partnership,
            role=Contact.Role.OFFICE,
            city=city,
            organisation="Office for International Relations",
            is_public=True,
        ),
    }


class Inbox:
    """aiosmtpd's handler: keeps every message that arrives, parsed."""

    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        message = message_from_bytes(envelope.original_content, policy=policy.default)
        self.messages.append((envelope.rcpt_tos, message))
        return "250 Message accepted"


@pytest.fixture
def smtp_server(settings):
    """A started SMTP server on a free loopback port, and settings that send through it.

    `smtp_server.inbox.messages` lists (envelope recipients, parsed message) as they arrive;
    `smtp_server.stop()` closes the port (a mail server that is down).
    """
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    settings.DEFAULT_FROM_EMAIL = "Twinning <desk@twinning.example>"
    controller.inbox = inbox
    yield controller
    if controller._thread is not None:  # not already stopped by the test
        controller.stop()


@pytest.fixture(autouse=True)
def _forget_pages_this_process_kept():
    """Each test starts with none of the pages an earlier test's requests left in this process
    (core/page_cache.py's NearbyCopies), as each starts with its own database."""
    from core.page_cache import nearby

    nearby.clear()
