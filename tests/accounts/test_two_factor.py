"""Two-factor sign-in (issue 20): an authenticator app's code computed here, as the app would,
a wrong code refused, recovery codes that work once, set-up forced on publishers and
superusers, offered to editors, and the lockout counting wrong codes like wrong passwords."""

import pytest
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from pytest_django.asserts import assertContains, assertNotContains

from twinning.roles import EDITOR, PUBLISHER

from .conftest import (
    code_for,
    give_code,
    recovery_codes_on,
    secret_on,
    sign_in,
    signed_in,
)

ADMIN = "/admin/"
SETUP = "/admin/two-factor/setup/"
VERIFY = "/admin/two-factor/"


def set_up_app(client):
    """The set-up page as a person uses it: the key from the page into the app, its code
    back; returns (key, recovery codes)."""
    page = client.get(SETUP)
    assert page.status_code == 200
    assertContains(page, 'src="data:image/svg+xml;base64,')  # the QR code, made here
    secret = secret_on(page)
    done = client.post(SETUP, {"token": code_for(secret), "next": ADMIN})
    assert done.status_code == 200
    codes = recovery_codes_on(done)
    assert len(codes) == 10
    return secret, codes


@pytest.fixture
def publisher_with_app(client, make_staff, dresden, clock):
    """A Dresden publisher who has set up an app, signed out again; (user, key, codes)."""
    user = make_staff("petra", PUBLISHER, [dresden])
    client.force_login(user)
    secret, codes = set_up_app(client)
    client.logout()
    clock.shift(30)  # the set-up's code is used up: the next sign-in needs the next one
    return user, secret, codes


@pytest.mark.usefixtures("two_factor_required")
class TestRequired:
    def test_a_publisher_without_an_app_is_sent_to_set_one_up(
        self, client, make_staff, dresden, clock
    ):
        make_staff("petra", PUBLISHER, [dresden])
        response = sign_in(client, "petra")
        assert response.status_code == 302 and signed_in(client)
        for page in (ADMIN, "/admin/partnerships/partnership/", "/admin/notifications/"):
            response = client.get(page)
            assert response.status_code == 302, page
            assert response["Location"].startswith(f"{SETUP}?next=")
        page = client.get(SETUP)
        assertContains(page, "Administrators and publishers sign in with two factors")
        assertNotContains(page, "Not now")
        set_up_app(client)
        assert client.get(ADMIN).status_code == 200

    def test_a_superuser_is_sent_too(self, client, django_user_model, clock):
        django_user_model.objects.create_superuser(
            "root", "root@x.example", "Quiet-harbour-71-lanterns"
        )
        sign_in(client, "root")
        assert client.get(ADMIN)["Location"].startswith(SETUP)

    def test_an_editor_is_offered_it_not_forced(self, client, make_staff, dresden):
        make_staff("erik", EDITOR, [dresden])
        sign_in(client, "erik")
        assert client.get(ADMIN).status_code == 200
        page = client.get(SETUP)
        assertContains(page, "It is optional for editors.")
        assertContains(page, "Not now")

    def test_a_wrong_code_does_not_turn_it_on(self, client, make_staff, dresden, clock):
        make_staff("petra", PUBLISHER, [dresden])
        sign_in(client, "petra")
        secret = secret_on(client.get(SETUP))
        wrong = f"{(int(code_for(secret)) + 1) % 1_000_000:06d}"
        response = client.post(SETUP, {"token": wrong})
        assertContains(response, "This code is not right.")
        assert not TOTPDevice.objects.filter(confirmed=True).exists()
        assert client.get(ADMIN).status_code == 302


class TestSignInWithTheApp:
    def test_the_password_alone_does_not_sign_in(self, client, publisher_with_app):
        response = sign_in(client, "petra")
        assert response.status_code == 302
        assert response["Location"].startswith(f"{VERIFY}?next=")
        assert not signed_in(client)
        assert client.get(ADMIN)["Location"].startswith("/admin/login/")

    def test_the_code_of_the_app_signs_in(self, client, publisher_with_app):
        user, secret, _codes = publisher_with_app
        sign_in(client, "petra")
        response = give_code(client, code_for(secret))
        assert response.status_code == 302 and response["Location"] == ADMIN
        assert signed_in(client)
        assert client.get(ADMIN).status_code == 200

    def test_a_wrong_code_is_refused(self, client, publisher_with_app, clock):
        _user, secret, _codes = publisher_with_app
        sign_in(client, "petra")
        wrong = f"{(int(code_for(secret)) + 1) % 1_000_000:06d}"
        response = give_code(client, wrong)
        assert response.status_code == 200
        assertContains(response, "This code is not right, or was used already.")
        assert not signed_in(client)
        clock.shift(2)  # django-otp slows down tries after a wrong code
        assert give_code(client, code_for(secret)).status_code == 302
        assert signed_in(client)

    def test_a_code_works_once(self, client, publisher_with_app):
        _user, secret, _codes = publisher_with_app
        code = code_for(secret)
        sign_in(client, "petra")
        give_code(client, code)
        client.logout()
        sign_in(client, "petra")
        assertContains(give_code(client, code), "This code is not right, or was used already.")

    def test_recovery_codes_work_once(self, client, publisher_with_app, clock):
        _user, _secret, codes = publisher_with_app
        sign_in(client, "petra")
        response = give_code(client, codes[0].upper())  # as typed from a printout
        assert response.status_code == 302 and signed_in(client)
        assertContains(client.get(ADMIN), "You signed in with a recovery code; 9 are left.")
        client.logout()
        clock.shift(5)
        sign_in(client, "petra")
        assertContains(give_code(client, codes[0]), "This code is not right, or was used already.")
        assert not signed_in(client)
        clock.shift(5)
        assert give_code(client, codes[1]).status_code == 302
        assert StaticToken.objects.filter(device__user__username="petra").count() == 8

    def test_new_recovery_codes_replace_the_old(self, client, publisher_with_app):
        _user, secret, codes = publisher_with_app
        sign_in(client, "petra")
        give_code(client, code_for(secret))
        page = client.get(SETUP)
        assertContains(page, "You have 10 recovery codes left.")
        new = recovery_codes_on(client.post(SETUP, {"action": "recovery-codes"}))
        assert len(new) == 10 and not set(new) & set(codes)
        client.logout()
        sign_in(client, "petra")
        assert give_code(client, codes[2]).status_code == 200  # refused

    def test_an_editor_with_an_app_gives_a_code_too(self, client, make_staff, dresden, clock):
        make_staff("erik", EDITOR, [dresden])
        sign_in(client, "erik")
        secret, _codes = set_up_app(client)
        client.logout()
        clock.shift(30)
        assert sign_in(client, "erik")["Location"].startswith(VERIFY)
        assert give_code(client, code_for(secret)).status_code == 302

    def test_a_force_logged_in_session_with_an_app_is_asked_for_a_code(
        self, client, publisher_with_app
    ):
        user, secret, _codes = publisher_with_app
        client.force_login(user)
        response = client.get(ADMIN)
        assert response["Location"].startswith(VERIFY)
        assert give_code(client, code_for(secret)).status_code == 302
        assert client.get(ADMIN).status_code == 200


class TestLockout:
    def test_wrong_codes_lock_the_account_out(self, client, publisher_with_app, clock):
        _user, secret, _codes = publisher_with_app
        sign_in(client, "petra")
        wrong = f"{(int(code_for(secret)) + 1) % 1_000_000:06d}"
        for _ in range(4):
            clock.shift(10)
            assert give_code(client, wrong).status_code == 200
        clock.shift(10)
        response = give_code(client, wrong)
        assert response.status_code == 429
        assertContains(response, "Please try again in 15 minutes", status_code=429)
        # Now neither the right code nor the password gets in, from anywhere.
        clock.shift(10)
        assert give_code(client, code_for(secret)).status_code == 429
        assert not signed_in(client)
        assert sign_in(client, "petra", ip="198.51.100.9").status_code == 429

    def test_the_right_password_does_not_clear_wrong_codes(self, client, publisher_with_app, clock):
        _user, secret, _codes = publisher_with_app
        wrong = f"{(int(code_for(secret)) + 1) % 1_000_000:06d}"
        for _ in range(2):
            sign_in(client, "petra")
            clock.shift(10)
            give_code(client, wrong)
            clock.shift(10)
            give_code(client, wrong)
        sign_in(client, "petra")
        clock.shift(10)
        assert give_code(client, wrong).status_code == 429
