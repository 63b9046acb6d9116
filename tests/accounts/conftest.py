"""Staff of Dresden and Berlin, signing in through the real forms, and a clock for the codes."""

import base64
import datetime
import re

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.urls import reverse
from django_otp.oath import TOTP

from twinning.roles import EDITOR, PUBLISHER, setup_roles

PASSWORD = "Quiet-harbour-71-lanterns"


@pytest.fixture
def roles(db):
    setup_roles()
    return {name: Group.objects.get(name=name) for name in (EDITOR, PUBLISHER)}


@pytest.fixture
def dresden(make_city):
    return make_city(name="Dresden", country="DE")


@pytest.fixture
def berlin(make_city):
    return make_city(name="Berlin", country="DE")


@pytest.fixture
def make_staff(django_user_model, roles):
    """make_staff("name", PUBLISHER, [city]) → an active staff member with PASSWORD."""

    def make(username, role=None, cities=(), **kwargs):
        user = django_user_model.objects.create_user(
            username,
            email=f"{username}@twinning.example",
            password=PASSWORD,
            is_staff=True,
            **kwargs,
        )
        if role:
            user.groups.add(roles[role])
        user.assigned_cities.add(*cities)
        return user

    return make


@pytest.fixture
def clock():
    """The time, standing still until shifted (codes change every 30 s)."""
    with time_machine.travel(
        datetime.datetime(2026, 5, 4, 10, 0, 5, tzinfo=datetime.UTC), tick=False
    ) as traveller:
        yield traveller


@pytest.fixture
def two_factor_required(settings):
    settings.TWO_FACTOR_REQUIRED = True


def sign_in(client, username, password=PASSWORD, ip="203.0.113.7", next_url=None):
    """The first step: the admin's sign-in form."""
    return client.post(
        reverse("admin:login"),
        {"username": username, "password": password, "next": next_url or reverse("admin:index")},
        REMOTE_ADDR=ip,
    )


def give_code(client, code, ip="203.0.113.7", next_url=None):
    """The second step: a code from the app, or a recovery code."""
    return client.post(
        reverse("two_factor_verify"),
        {"token": code, "next": next_url or reverse("admin:index")},
        REMOTE_ADDR=ip,
    )


def code_for(secret):
    """What an authenticator app shows now for the key typed from the set-up page."""
    key = base64.b32decode(secret.replace(" ", "") + "=" * (-len(secret.replace(" ", "")) % 8))
    return f"{TOTP(key).token():06d}"


def secret_on(response):
    [secret] = re.findall(r'<code id="two-factor-secret">([A-Z2-7 ]+)</code>', response.text)
    return secret


def recovery_codes_on(response):
    return re.findall(r"<li><code>([a-z2-7]+)</code></li>", response.text)


def signed_in(client):
    return "_auth_user_id" in client.session
