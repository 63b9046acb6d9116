"""Issue 3, login protection and abuse: lockouts, an admin that gives nothing away, CSRF,
no state change on GET, and hostile text in every staff-written field."""

import datetime
import importlib
import re
import runpy
from html import unescape
from html.parser import HTMLParser

import pytest
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.contrib.admin.models import LogEntry
from django.core.exceptions import ImproperlyConfigured
from django.db import models
from django.forms import modelform_factory
from django.test import Client
from django.urls import clear_url_caches, reverse
from django.utils import timezone
from django.utils.html import escape
from pytest_django.asserts import (
    assertContains,
    assertFormError,
    assertNotContains,
    assertTemplateUsed,
)

from cities.models import City, CityFigure
from partnerships.models import (
    Activity,
    FocusArea,
    Milestone,
    Partnership,
    PartnershipFigure,
    Plan,
    Source,
)

PASSWORD = "Quiet-harbour-71-lanterns"
LOCKOUT_TEXT = "Please try again in 15 minutes"


def login_url():
    return reverse("admin:login")


def attempt_login(client, username, password, ip="203.0.113.7"):
    """One sign-in through the admin's login form, from address `ip`."""
    return client.post(
        login_url(),
        {"username": username, "password": password, "next": reverse("admin:index")},
        REMOTE_ADDR=ip,
    )


def signed_in(client):
    return "_auth_user_id" in client.session


@pytest.fixture
def staff(django_user_model):
    """A superuser, so that every admin page (users and passwords too) is open to it."""
    return django_user_model.objects.create_user(
        "anna-editor", password=PASSWORD, is_staff=True, is_superuser=True
    )


@pytest.fixture
def other_staff(django_user_model):
    return django_user_model.objects.create_user("ben-editor", password=PASSWORD, is_staff=True)


# --- Login protection (django-axes) ---------------------------------------------------------


class TestLockout:
    def test_configuration(self):
        assert django_settings.AXES_FAILURE_LIMIT == 5
        assert datetime.timedelta(minutes=15) == django_settings.AXES_COOLOFF_TIME
        assert django_settings.AXES_LOCKOUT_PARAMETERS == ["username", "ip_address"]
        assert django_settings.AXES_RESET_ON_SUCCESS is True
        # The lockout page is made by the middleware, which must see every response.
        assert django_settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"
        # The axes backend must refuse before any other backend checks a password.
        assert django_settings.AUTHENTICATION_BACKENDS[0] == "axes.backends.AxesStandaloneBackend"

    def test_four_failures_are_allowed_the_fifth_locks_out(self, client, staff):
        for _ in range(4):
            response = attempt_login(client, staff.username, "wrong password")
            assert response.status_code == 200
            assert response.context["form"].non_field_errors()
        response = attempt_login(client, staff.username, "wrong password")
        assert response.status_code == 429
        assertTemplateUsed(response, "twinning/locked_out.html")

        # Locked out means locked out: the right password is refused too.
        response = attempt_login(client, staff.username, PASSWORD)
        assert response.status_code == 429
        assert not signed_in(client)

    def test_the_account_is_locked_from_every_address(self, client, staff, other_staff):
        for n in range(5):
            attempt_login(client, staff.username, "wrong password", ip=f"198.51.100.{n + 1}")
        # A fresh address gets no further with this account …
        response = attempt_login(client, staff.username, PASSWORD, ip="192.0.2.200")
        assert response.status_code == 429
        assert not signed_in(client)
        # … while other accounts are not affected.
        response = attempt_login(client, other_staff.username, PASSWORD, ip="192.0.2.201")
        assert response.status_code == 302
        assert signed_in(client)

    def test_the_address_is_locked_for_every_account(self, client, staff):
        for n in range(5):
            attempt_login(client, f"guess-{n}", "wrong password", ip="203.0.113.9")
        response = attempt_login(client, staff.username, PASSWORD, ip="203.0.113.9")
        assert response.status_code == 429
        assert not signed_in(client)
        # The same account from elsewhere is fine: each guessed name failed only once.
        response = attempt_login(client, staff.username, PASSWORD, ip="203.0.113.10")
        assert response.status_code == 302

    @pytest.mark.parametrize(
        ("minutes_ago", "locked"), [(14, True), (16, False)], ids=["14min", "16min"]
    )
    def test_the_lockout_ends_after_fifteen_minutes(self, client, staff, minutes_ago, locked):
        for _ in range(5):
            response = attempt_login(client, staff.username, "wrong password")
        assert response.status_code == 429
        AccessAttempt.objects.update(
            attempt_time=timezone.now() - datetime.timedelta(minutes=minutes_ago)
        )
        response = attempt_login(client, staff.username, PASSWORD)
        assert response.status_code == (429 if locked else 302)
        assert signed_in(client) is not locked

    def test_a_successful_sign_in_clears_the_count(self, client, staff):
        for _ in range(4):
            attempt_login(client, staff.username, "wrong password")
        assert attempt_login(client, staff.username, PASSWORD).status_code == 302
        client.post(reverse("admin:logout"))
        for _ in range(4):
            response = attempt_login(client, staff.username, "wrong password")
            assert response.status_code == 200
        # The count starts again from nought: the fifth failure since the sign-in locks out.
        assert attempt_login(client, staff.username, "wrong password").status_code == 429

    def test_the_lockout_page(self, client, staff):
        for _ in range(5):
            response = attempt_login(client, staff.username, "wrong password")
        assert response.status_code == 429
        assertTemplateUsed(response, "base.html")  # the site's own design
        assertContains(response, "Sign-in paused", status_code=429)
        assertContains(response, LOCKOUT_TEXT, status_code=429)
        assertNotContains(response, staff.username, status_code=429)
        assert "noindex" in response.headers["X-Robots-Tag"]

    def test_the_lockout_page_does_not_tell_whether_the_account_exists(self, client, staff):
        for _ in range(5):
            known = attempt_login(client, staff.username, "wrong password", ip="198.51.100.1")
            unknown = attempt_login(client, "nobody-by-this-name", "x", ip="198.51.100.2")
        assert known.status_code == unknown.status_code == 429
        assert known.content == unknown.content
        assertNotContains(unknown, "nobody-by-this-name", status_code=429)


# --- Passwords use Django's validators ------------------------------------------------------

# "{username}" stands for the username of the account whose password is being set.
WEAK_PASSWORDS = {
    "common": ("password", "This password is too common."),
    "short": ("Tw1-x", "This password is too short. It must contain at least 8 characters."),
    "numeric": ("83749261905", "This password is entirely numeric."),
    "like-username": ("{username}", "The password is too similar to the username."),
}


@pytest.mark.parametrize(("weak", "message"), WEAK_PASSWORDS.values(), ids=WEAK_PASSWORDS.keys())
class TestWeakPasswordsAreRefused:
    def test_changing_ones_own_password(self, client, staff, weak, message):
        weak = weak.format(username=staff.username)
        client.force_login(staff)
        response = client.post(
            reverse("admin:password_change"),
            {"old_password": PASSWORD, "new_password1": weak, "new_password2": weak},
        )
        assert response.status_code == 200
        assertFormError(response.context["form"], "new_password2", message)
        staff.refresh_from_db()
        assert staff.check_password(PASSWORD)

    def test_setting_another_users_password(self, client, staff, other_staff, weak, message):
        weak = weak.format(username=other_staff.username)
        client.force_login(staff)
        response = client.post(
            reverse("admin:auth_user_password_change", args=[other_staff.pk]),
            {"usable_password": "true", "password1": weak, "password2": weak},
        )
        assert response.status_code == 200
        assertFormError(response.context["form"], "password2", message)
        other_staff.refresh_from_db()
        assert other_staff.check_password(PASSWORD)

    def test_adding_a_user(self, client, staff, django_user_model, weak, message):
        client.force_login(staff)
        response = client.post(
            reverse("admin:auth_user_add"),
            {
                "username": "carla-editor",
                "usable_password": "true",
                "password1": weak.format(username="carla-editor"),
                "password2": weak.format(username="carla-editor"),
            },
        )
        assert response.status_code == 200
        assertFormError(response.context["adminform"].form, "password2", message)
        assert not django_user_model.objects.filter(username="carla-editor").exists()


# --- The admin URL and login page give nothing away -----------------------------------------


def load_settings():
    """Run twinning/settings.py afresh, as the server does at start-up."""
    return runpy.run_path(importlib.import_module("twinning.settings").__file__)


class TestAdminUrlSetting:
    def test_default(self, monkeypatch):
        monkeypatch.delenv("ADMIN_URL", raising=False)
        assert load_settings()["ADMIN_URL"] == "admin/"

    @pytest.mark.parametrize("value", ["admin/", "staff-7f3a/", "office/staff_2.x~/"])
    def test_accepted(self, monkeypatch, value):
        monkeypatch.setenv("ADMIN_URL", value)
        assert load_settings()["ADMIN_URL"] == value

    @pytest.mark.parametrize(
        "value", ["/admin/", "admin", "", "/", "admin//", "ad min/", "<slug:x>/", "../admin/"]
    )
    def test_refused(self, monkeypatch, value):
        monkeypatch.setenv("ADMIN_URL", value)
        with pytest.raises(ImproperlyConfigured, match="ADMIN_URL"):
            load_settings()


def reload_urlconf():
    importlib.reload(importlib.import_module(django_settings.ROOT_URLCONF))
    clear_url_caches()


@pytest.fixture
def admin_at(settings):
    """admin_at("x/") serves the admin at ADMIN_URL=x/ (the URLconf is rebuilt, then restored)."""
    original = settings.ADMIN_URL

    def move(value):
        settings.ADMIN_URL = value
        reload_urlconf()
        return f"/{value}"

    yield move
    settings.ADMIN_URL = original
    reload_urlconf()


@pytest.fixture
def admin_moved(admin_at):
    return admin_at("back-office-7f3a/")


class TestAdminUrl:
    def test_the_admin_moves_with_admin_url(self, client, admin_moved):
        assert reverse("admin:index") == admin_moved
        response = client.get(f"{admin_moved}login/")
        assertContains(response, "Twinning staff")
        assert "noindex" in response.headers["X-Robots-Tag"]
        assert client.get("/admin/").status_code == 404
        assert client.get("/admin/login/").status_code == 404

    def test_public_pages_do_not_reveal_where_it_is(self, client, db, admin_moved):
        for url in (reverse("home"), reverse("partnership_list"), "/no-such-page/"):
            assert admin_moved not in client.get(url).content.decode()


class TestAdminGivesNothingAway:
    def test_login_page_names_no_software(self, client):
        response = client.get(login_url())
        assertContains(response, "<title>Log in | Twinning staff</title>", html=True)
        assertContains(response, "Twinning staff</a>")
        assertNotContains(response, "Django")

    def test_index_title(self, client, staff):
        client.force_login(staff)
        response = client.get(reverse("admin:index"))
        assertContains(response, "<title>Twinning staff | Twinning staff</title>", html=True)
        assertNotContains(response, "Django administration")
        assertNotContains(response, "Site administration")

    def test_no_reason_is_given_before_the_right_password(self, client, django_user_model, staff):
        """Issue 20: an account that cannot sign in says why, but only to whoever gave its
        password; otherwise every failure reads the same (no telling which names exist)."""
        django_user_model.objects.create_user("visitor", password=PASSWORD)  # not staff
        django_user_model.objects.create_user(
            "former-editor", password=PASSWORD, is_staff=True, is_active=False
        )
        attempts = {
            "wrong password": (staff.username, "not the password"),
            "unknown user": ("no-such-user", PASSWORD),
            "not staff, wrong password": ("visitor", "not the password"),
            "inactive, wrong password": ("former-editor", "not the password"),
            "not staff": ("visitor", PASSWORD),
            "inactive": ("former-editor", PASSWORD),
        }
        errors = {}
        for case, (username, password) in attempts.items():
            # A fresh address each time, so that no lockout gets in the way.
            response = attempt_login(client, username, password, ip=f"192.0.2.{len(errors) + 1}")
            assert response.status_code == 200, case
            assert not signed_in(client), case
            errors[case] = response.context["form"].non_field_errors()
        generic = [
            "Please enter the correct username and password for a staff account. Note that "
            "both fields may be case-sensitive. Invited and no password yet? Use the link in "
            "your invitation e-mail to set one."
        ]
        for case in list(attempts)[:4]:
            assert errors[case] == generic, case
        assert errors["not staff"] == [
            "This account has no staff access. Ask an administrator, or a publisher of your "
            "city, to invite you as an editor or publisher."
        ]
        assert errors["inactive"] == [
            "This account is deactivated. Ask an administrator to reactivate it."
        ]

    @pytest.mark.parametrize("path", ["", "login/", "auth/user/", "no-such-page/"])
    def test_admin_responses_are_not_indexed(self, client, staff, path):
        client.force_login(staff)
        response = client.get(f"{reverse('admin:index')}{path}")
        assert response.status_code in {200, 302, 404}
        assert "noindex" in response.headers["X-Robots-Tag"]

    def test_the_login_page_is_not_indexed(self, client):
        response = client.get(login_url())
        assert response.status_code == 200
        assert "noindex" in response.headers["X-Robots-Tag"]

    def test_public_pages_may_be_indexed(self, client, db):
        response = client.get(reverse("home"))
        assert response.status_code == 200
        assert "X-Robots-Tag" not in response.headers


# --- CSRF and no state change on GET --------------------------------------------------------


class FormFields(HTMLParser):
    """The fields a browser would submit from the form with id `form_id`, as name → values."""

    def __init__(self, form_id):
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.data = {}
        self.textarea = None
        self.select = None

    def add(self, name, value):
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
            return
        name = attrs.get("name")
        if not self.inside or "disabled" in attrs:
            return
        if tag == "input" and name:
            kind = attrs.get("type", "text").lower()
            if kind in {"submit", "button", "image", "reset", "file"}:
                return
            if kind in {"checkbox", "radio"}:
                if "checked" in attrs:
                    self.add(name, attrs.get("value", "on"))
                return
            self.add(name, attrs.get("value", ""))
        elif tag == "textarea" and name:
            self.textarea = (name, [])
        elif tag == "select" and name:
            self.select = {"name": name, "multiple": "multiple" in attrs, "all": [], "chosen": []}
        elif tag == "option" and self.select is not None:
            value = attrs.get("value", "")
            self.select["all"].append(value)
            if "selected" in attrs:
                self.select["chosen"].append(value)

    def handle_data(self, data):
        if self.textarea:
            self.textarea[1].append(data)

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "textarea" and self.textarea:
            name, parts = self.textarea
            text = "".join(parts)
            self.add(name, text[1:] if text.startswith("\n") else text)
            self.textarea = None
        elif tag == "select" and self.select:
            chosen = self.select["chosen"]
            if not chosen and not self.select["multiple"] and self.select["all"]:
                chosen = self.select["all"][:1]
            for value in chosen:
                self.add(self.select["name"], value)
            self.select = None


def form_data(response, form_id):
    parser = FormFields(form_id)
    parser.feed(response.content.decode())
    assert parser.data, f"no form #{form_id}"
    return parser.data


def snapshot():
    """Every partnership as stored, how many of each other record there are, the admin log."""
    return (
        list(Partnership.objects.order_by("pk").values()),
        [m.objects.count() for m in (City, FocusArea, Milestone, Activity, Plan, Source)],
        LogEntry.objects.count(),
    )


@pytest.fixture
def csrf_client():
    return Client(enforce_csrf_checks=True)


class TestCsrf:
    def test_login_without_a_token_is_refused(self, csrf_client, staff):
        csrf_client.get(login_url())  # the visitor has the cookie, but posts no token
        response = attempt_login(csrf_client, staff.username, PASSWORD)
        assert response.status_code == 403
        assert not signed_in(csrf_client)
        assert csrf_client.get(reverse("admin:index")).status_code == 302  # to the login
        staff.refresh_from_db()
        assert staff.last_login is None

        data = form_data(csrf_client.get(login_url()), "login-form")
        data.update(username=[staff.username], password=[PASSWORD])
        assert csrf_client.post(login_url(), data).status_code == 302  # with the token: in
        assert signed_in(csrf_client)

    def test_change_form_without_a_token_is_refused(self, csrf_client, staff, make_partnership):
        partnership = make_partnership()
        csrf_client.force_login(staff)
        url = reverse("admin:partnerships_partnership_change", args=[partnership.pk])
        data = form_data(csrf_client.get(url), "partnership_form")
        data["summary_en"] = ["Changed by a forged request."]
        data["_save"] = ["Save"]
        forged = {key: value for key, value in data.items() if key != "csrfmiddlewaretoken"}
        before = snapshot()

        response = csrf_client.post(url, forged)
        assert response.status_code == 403
        assert snapshot() == before

        # The same request with the form's token goes through: only the token was missing.
        response = csrf_client.post(url, data)
        assert response.status_code == 302
        partnership.refresh_from_db()
        assert partnership.summary == "Changed by a forged request."


def get_requests(partnership, city):
    """Admin addresses that change state on POST, asked for with GET and a query string.

    `city` has no partnership, so a POST could delete it.
    """
    pk = partnership.pk
    changelist = reverse("admin:partnerships_partnership_changelist")
    return {
        "publish action": (changelist, {"action": "publish", "_selected_action": pk}),
        "delete action": (
            changelist,
            {"action": "delete_selected", "_selected_action": pk, "post": "yes"},
        ),
        "delete confirmation": (
            reverse("admin:partnerships_partnership_delete", args=[pk]),
            {"post": "yes"},
        ),
        "city delete confirmation": (
            reverse("admin:cities_city_delete", args=[city.pk]),
            {"post": "yes"},
        ),
        "change form": (
            reverse("admin:partnerships_partnership_change", args=[pk]),
            {"state": "published", "summary": "Changed on GET", "_save": "Save"},
        ),
        "add form": (
            reverse("admin:partnerships_focusarea_add"),
            {"name": "Added on GET", "slug": "added-on-get", "_save": "Save"},
        ),
    }


GET_CASES = [
    "publish action",
    "delete action",
    "delete confirmation",
    "city delete confirmation",
    "change form",
    "add form",
]


class TestNoStateChangeOnGet:
    @pytest.mark.parametrize("case", GET_CASES)
    def test_admin_get_changes_nothing(self, client, staff, make_partnership, make_city, case):
        lone_city = make_city()
        draft = make_partnership(state="draft")
        public = make_partnership()
        client.force_login(staff)
        before = snapshot()
        for partnership in (draft, public):
            url, query = get_requests(partnership, lone_city)[case]
            response = client.get(url, query)
            assert response.status_code in {200, 302}
        assert snapshot() == before
        assert client.get(draft.get_absolute_url()).status_code == 404
        assert client.get(public.get_absolute_url()).status_code == 200

    def test_logout_needs_a_post(self, client, staff):
        client.force_login(staff)
        assert client.get(reverse("admin:logout")).status_code == 405
        assert signed_in(client)


# --- Hostile text ---------------------------------------------------------------------------

HOSTILE = {
    "script": "<script>alert(1)</script>",
    "onerror": "<img src=x onerror=alert(1)>",
    "js-link": "[x](javascript:alert(1))",
    "iframe": "<iframe src=//evil.example>",
    "entities": "&lt;b&gt;entities&amp;",
    "100kB": None,  # made per field by hostile_value()
}
BIG_SIZE = 100_000
BIG_UNIT = (
    "Long text <script>alert(1)</script> <img src=x onerror=alert(1)> "
    "[x](javascript:alert(1)) <iframe src=//evil.example> &lt;b&gt;entities&amp; "
)

# Public pages.
P, C, T, A, H = "partnership", "city", "topic", "activities", "home"
PL, CL = "partnership list", "city list"
PUBLIC_PAGES = {
    P: lambda world: world["partnership"].get_absolute_url(),
    PL: lambda world: reverse("partnership_list"),
    C: lambda world: world["city"].get_absolute_url(),
    CL: lambda world: reverse("city_list"),
    T: lambda world: world["focus_area"].get_absolute_url(),
    A: lambda world: reverse("activity_list"),
    H: lambda world: reverse("home"),
}

# Admin pages: ("change", key) is the change form of world[key]; ("list", key) its changelist.
CITY_FORM = ("change", "city")
PARTNERSHIP_FORM = ("change", "partnership")

# (record, field, public pages that show it, admin pages that show it)
HOSTILE_FIELDS = [
    (
        "city",
        "name",
        (P, PL, C, CL, T, A, H),
        (CITY_FORM, ("list", "city"), ("list", "partnership"), PARTNERSHIP_FORM),
    ),
    ("city", "region", (P, C, CL), (CITY_FORM, ("list", "city"))),
    ("city", "summary", (P, C), (CITY_FORM,)),
    ("city", "description", (C,), (CITY_FORM,)),
    ("city", "image_alt", (P, C), (CITY_FORM,)),
    ("city", "image_credit", (P, C), (CITY_FORM,)),
    *[("city_figure", name, (P, C), (CITY_FORM,)) for name in ("label", "unit", "note")],
    (
        "focus_area",
        "name",
        (P, PL, T, A, H),
        (("change", "focus_area"), ("list", "focus_area"), PARTNERSHIP_FORM),
    ),
    ("focus_area", "description", (T,), (("change", "focus_area"),)),
    *[("partnership", name, (P,), (PARTNERSHIP_FORM,)) for name in Partnership.NARRATIVE_FIELDS],
    *[
        ("milestone", name, (P,), (("change", "milestone"), PARTNERSHIP_FORM))
        for name in ("description", "location", "participants")
    ],
    ("milestone", "title", (P,), (("change", "milestone"), ("list", "milestone"))),
    ("activity", "title", (P, T, A, H), (("change", "activity"), ("list", "activity"))),
    *[
        ("activity", name, (P, T, A, H), (("change", "activity"), PARTNERSHIP_FORM))
        for name in ("location", "participants")
    ],
    ("activity", "description", (P,), (("change", "activity"), PARTNERSHIP_FORM)),
    ("plan", "title", (P,), (("change", "plan"), ("list", "plan"), PARTNERSHIP_FORM)),
    ("plan", "description", (P,), (("change", "plan"), PARTNERSHIP_FORM)),
    ("source", "title", (P,), (("change", "source"), ("list", "source"), PARTNERSHIP_FORM)),
    ("source", "publisher", (P,), (("change", "source"), ("list", "source"))),
    ("source", "note", (P,), (("change", "source"), PARTNERSHIP_FORM)),
    *[
        ("partnership_figure", name, (P,), (PARTNERSHIP_FORM,))
        for name in ("label", "unit", "note")
    ],
]
# Rendered from Markdown (and sanitised); every other field is printed as escaped text.
MARKDOWN_FIELDS = {
    ("city", "description"),
    ("focus_area", "description"),
    *(("partnership", name) for name in Partnership.NARRATIVE_FIELDS),
    ("milestone", "description"),
    ("activity", "description"),
    ("plan", "description"),
}
RECORD_MODELS = {
    "city": City,
    "city_figure": CityFigure,
    "focus_area": FocusArea,
    "partnership": Partnership,
    "milestone": Milestone,
    "activity": Activity,
    "plan": Plan,
    "source": Source,
    "partnership_figure": PartnershipFigure,
}


def free_text_fields():
    """Every field of these records where staff type free text (not choices, slugs or URLs)."""
    for record, model in RECORD_MODELS.items():
        for field in model._meta.get_fields():
            if (
                isinstance(field, models.CharField | models.TextField)
                and not isinstance(field, models.SlugField | models.URLField)
                and not field.choices
                and field.editable
                # A translation (name_de, …) is shown by the same templates as its field.
                and not hasattr(field, "translated_field")
            ):
                yield record, field.name


def test_every_free_text_field_is_tried():
    # A text field added later must join HOSTILE_FIELDS (with the pages that show it).
    assert set(free_text_fields()) == {(record, name) for record, name, *_ in HOSTILE_FIELDS}


def model_field(record, name):
    return RECORD_MODELS[record]._meta.get_field(name)


def takes_big_text(record, name):
    return isinstance(model_field(record, name), models.TextField)


def hostile_value(index, payload_id, record, name):
    """The payload behind a marker that tells which field this is ("mk7x …")."""
    marker = f"mk{index}x"
    if payload_id == "100kB":
        text = f"{marker} {BIG_UNIT * (BIG_SIZE // len(BIG_UNIT) + 1)}"
        return marker, text[:BIG_SIZE]
    value = f"{marker} {HOSTILE[payload_id]}"
    assert len(value) <= (model_field(record, name).max_length or len(value))
    return marker, value


def cases():
    for record in RECORD_MODELS:
        for payload_id in HOSTILE:
            fields = [
                (index, name, public, admin_pages)
                for index, (rec, name, public, admin_pages) in enumerate(HOSTILE_FIELDS)
                if rec == record and (payload_id != "100kB" or takes_big_text(rec, name))
            ]
            if fields:
                yield pytest.param(record, payload_id, fields, id=f"{record}-{payload_id}")


def fill(world, record, payload_id, fields):
    """Put the payload into each of `fields` of world[record]; returns field → (marker, value)."""
    obj = world[record]
    written = {}
    for index, name, _public, _admin in fields:
        written[name] = hostile_value(index, payload_id, record, name)
        setattr(obj, name, written[name][1])
    obj.save()
    return written


class LiveMarkup(HTMLParser):
    """Collects what a browser would run: script-like elements, event handlers, js: URLs."""

    DANGEROUS_TAGS = {"script", "iframe", "frame", "object", "embed"}
    URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = []

    # JSON data blocks (json_script, JSON-LD) are never run; their text is escaped JSON.
    DATA_BLOCK_TYPES = {"application/json", "application/ld+json"}

    def handle_starttag(self, tag, attrs):
        data_block = tag == "script" and dict(attrs).get("type") in self.DATA_BLOCK_TYPES
        if tag in self.DANGEROUS_TAGS and not data_block:
            self.found.append(f"<{tag}>")
        for name, value in attrs:
            if name.startswith("on"):
                self.found.append(f"<{tag} {name}=…>")
            squeezed = re.sub(r"[\x00-\x20]", "", value or "").lower()
            if name in self.URL_ATTRIBUTES and squeezed.startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value}>")

    handle_startendtag = handle_starttag


def live_markup(html):
    parser = LiveMarkup()
    parser.feed(html)
    found = parser.found
    if "<b>entities" in html:  # entities must never be turned back into markup
        found.append("decoded entities")
    return found


@pytest.mark.parametrize("payload_id", [p for p in HOSTILE if p != "100kB"])
def test_the_live_markup_check_sees_each_payload(payload_id):
    # The page checks below would be worthless if this found nothing in the raw payloads.
    payload = HOSTILE[payload_id]
    if payload_id == "js-link":
        payload = '<a href="javascript:alert(1)">x</a>'  # what a careless renderer makes of it
    elif payload_id == "entities":
        payload = unescape(payload)
    assert live_markup(payload)


@pytest.mark.parametrize(("record", "payload_id", "fields"), list(cases()))
def test_public_pages_show_hostile_text_inert(client, published_world, record, payload_id, fields):
    written = fill(published_world, record, payload_id, fields)
    pages = {}
    for _index, name, public, _admin in fields:
        for page in public:
            if page not in pages:
                response = client.get(PUBLIC_PAGES[page](published_world))
                assert response.status_code == 200, page
                html = response.content.decode()
                assert live_markup(html) == [], page
                pages[page] = html
            html = pages[page]
            marker, value = written[name]
            assert marker in html, f"{record}.{name} is not shown on the {page} page"
            if (record, name) not in MARKDOWN_FIELDS:
                assert escape(value) in html, f"{record}.{name} is not escaped on {page}"


def admin_page_url(world, kind, key):
    model = world[key]._meta
    if kind == "list":
        return reverse(f"admin:{model.app_label}_{model.model_name}_changelist")
    return reverse(f"admin:{model.app_label}_{model.model_name}_change", args=[world[key].pk])


@pytest.mark.parametrize(("record", "payload_id", "fields"), list(cases()))
def test_admin_shows_hostile_text_escaped(
    admin_client, published_world, record, payload_id, fields
):
    written = fill(published_world, record, payload_id, fields)
    pages = {}
    for _index, name, _public, admin_pages in fields:
        marker, value = written[name]
        for kind, key in admin_pages:
            if (kind, key) not in pages:
                response = admin_client.get(admin_page_url(published_world, kind, key))
                assert response.status_code == 200, (kind, key)
                pages[kind, key] = response.content.decode()
            html = pages[kind, key]
            assert escape(value) in html, f"{record}.{name} not shown escaped on {kind} {key}"
            if escape(value) != value:
                assert value not in html, f"{record}.{name} shown unescaped on {kind} {key}"


class TestLongText:
    BIG = ("A very long profile. " * (BIG_SIZE // 21 + 1))[:BIG_SIZE]

    def test_a_text_field_accepts_100_kb(self, admin_client):
        response = admin_client.post(
            reverse("admin:partnerships_focusarea_add"),
            {"name_en": "Long reads", "slug": "long-reads", "description_en": self.BIG},
        )
        assert response.status_code == 302
        assert FocusArea.objects.get(slug="long-reads").description == self.BIG

    def test_a_short_text_field_refuses_100_kb_and_names_its_limit(self, admin_client):
        response = admin_client.post(
            reverse("admin:partnerships_focusarea_add"),
            {"name_en": self.BIG, "slug": "long-reads", "description_en": ""},
        )
        assert response.status_code == 200
        assertFormError(
            response.context["adminform"].form,
            "name_en",
            f"Ensure this value has at most 100 characters (it has {BIG_SIZE}).",
        )
        assert not FocusArea.objects.exists()

    @pytest.mark.parametrize(
        ("record", "name"),
        [
            (record, name)
            for record, name, _public, _admin in HOSTILE_FIELDS
            if not takes_big_text(record, name)
        ],
    )
    def test_every_short_field_names_its_limit(self, db, record, name):
        model = RECORD_MODELS[record]
        limit = model._meta.get_field(name).max_length
        form = modelform_factory(model, fields=[name])({name: self.BIG})
        assert form.errors[name] == [
            f"Ensure this value has at most {limit} characters (it has {BIG_SIZE})."
        ]


JAVASCRIPT_URLS = ["javascript:alert(1)", "JavaScript:alert(1)", " javascript:alert(1)"]


@pytest.mark.parametrize("url", JAVASCRIPT_URLS)
def test_source_links_refuse_javascript_urls(admin_client, make_partnership, url):
    partnership = make_partnership()
    response = admin_client.post(
        reverse("admin:partnerships_source_add"),
        {"partnership": partnership.pk, "title": "A source", "url": url},
    )
    assert response.status_code == 200
    assertFormError(response.context["adminform"].form, "url", "Enter a valid URL.")
    assert not Source.objects.exists()


@pytest.mark.parametrize("url", JAVASCRIPT_URLS)
def test_city_websites_refuse_javascript_urls(admin_client, url):
    response = admin_client.post(
        reverse("admin:cities_city_add"),
        {
            "name": "Dresden",
            "slug": "dresden",
            "country": "DE",
            "website": url,
            **{f"figures-{key}": 0 for key in ("TOTAL_FORMS", "INITIAL_FORMS")},
        },
    )
    assert response.status_code == 200
    assertFormError(response.context["adminform"].form, "website", "Enter a valid URL.")
    assert not City.objects.exists()


class TestLockoutBehindAProxy:
    """With TRUSTED_PROXY_COUNT set, visitors are told apart by the address the proxy saw."""

    @pytest.fixture(autouse=True)
    def _one_proxy(self, settings):
        settings.TRUSTED_PROXY_COUNT = 1

    @staticmethod
    def attempt(client, username, password, forwarded_for):
        return client.post(
            login_url(),
            {"username": username, "password": password, "next": reverse("admin:index")},
            REMOTE_ADDR="10.0.0.2",  # every request arrives from the proxy
            HTTP_X_FORWARDED_FOR=forwarded_for,
        )

    def test_one_attacker_does_not_lock_out_every_visitor(self, client, staff, django_user_model):
        django_user_model.objects.create_user("other", password=PASSWORD, is_staff=True)
        for _ in range(5):
            self.attempt(client, "someone-else", "wrong", "198.51.100.9")
        self.attempt(client, "other", PASSWORD, "192.0.2.44")
        assert signed_in(client)  # another visitor behind the same proxy signs in

    def test_a_client_cannot_dodge_the_lockout_by_sending_its_own_header(self, client, staff):
        for n in range(5):
            # The client invents a new left-most address each time; the proxy appends the real one.
            self.attempt(client, "someone-else", "wrong", f"203.0.113.{n}, 198.51.100.9")
        response = self.attempt(client, "other-name", "wrong", "1.2.3.4, 198.51.100.9")
        assert response.status_code == 429


@pytest.mark.parametrize(
    ("proxies", "forwarded_for", "expected"),
    [
        (0, "198.51.100.9", "10.0.0.2"),  # no proxy configured: the header is ignored
        (1, "198.51.100.9", "198.51.100.9"),
        (1, "6.6.6.6, 198.51.100.9", "198.51.100.9"),  # the made-up entry is ignored
        (2, "6.6.6.6, 198.51.100.9, 10.0.0.1", "198.51.100.9"),
        (2, "198.51.100.9", "10.0.0.2"),  # fewer entries than proxies: the direct peer
        (1, "", "10.0.0.2"),
    ],
)
def test_client_address_behind_proxies(settings, rf, proxies, forwarded_for, expected):
    from core.client_ip import client_ip

    settings.TRUSTED_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=forwarded_for)
    assert client_ip(request) == expected
