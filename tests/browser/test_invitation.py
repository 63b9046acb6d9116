"""Inviting a publisher and their first sign-ins, in Chromium on the live server (issue 20).

A superuser invites someone as Dresden's publisher on the one form (the city chosen in
Django's two-box picker); the e-mail reaches the tests' SMTP server; its link, opened in a
browser of the invited person's own, sets a password and leads to two-factor set-up, where
the key shown on the page goes into an "app" (the code computed here) and recovery codes come
back. Signing in again takes the password and then a code: a wrong one is refused, a recovery
code lets them in. No page along the way logs a console error (the CSP allows no inline
script, and the QR code is an image made on the server).
"""

import base64
import re

import pytest
from django_otp.oath import TOTP

pytestmark = pytest.mark.browser

PASSWORD = "Invitation-path-pass-0815"  # noqa: S105 - a test account on the test's own server
NEW_PASSWORD = "Lanterns-on-the-Elbe-2026"  # noqa: S105
EMAIL = "nora.invited@twinning.example"
MAKE_SUPERUSER = """
import sys
import django
django.setup()
from django.contrib.auth import get_user_model
get_user_model().objects.create_superuser("invite-root", "root@twinning.example", sys.argv[1])
"""


def watch(page):
    errors = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(f"uncaught: {error}"))
    page.on(
        "response",
        lambda response: (
            response.status >= 400 and errors.append(f"{response.status} {response.url}")
        ),
    )
    return errors


def code_for(secret):
    secret = secret.replace(" ", "")
    key = base64.b32decode(secret + "=" * (-len(secret) % 8))
    return f"{TOTP(key).token():06d}"


@pytest.fixture(scope="module")
def journey(browser, site, site_python, mail_server):
    """The whole path, once; what was seen at each stage."""
    site_python(MAKE_SUPERUSER, PASSWORD)
    seen = {}

    def context():
        made = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=site)
        made.set_default_timeout(10_000)
        return made

    admin_context = context()
    page = admin_context.new_page()
    seen["errors"] = watch(page)
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", "invite-root")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("#login-form [type=submit]")
    page.click("#invite-staff-link")
    page.fill("#id_email", EMAIL)
    page.fill("#id_first_name", "Nora")
    page.select_option("#id_role", "Publisher")
    page.select_option("#id_cities_from", label="Dresden (DE)")
    page.click("#id_cities_add")
    before = len(mail_server.inbox.messages)
    with page.expect_navigation():
        page.click("#invite-form [type=submit]")
    seen["invited"] = page.locator(".messagelist .success").inner_text()
    admin_context.close()

    for _ in range(50):  # the e-mail goes out right after the commit, in the server
        if len(mail_server.inbox.messages) > before:
            break
        page.wait_for_timeout(100)
    _to, message = mail_server.inbox.messages[-1]
    body = message.get_body(("plain",)).get_content()
    [link] = re.findall(r"https?://\S+/admin/welcome/\S+", body)

    nora = context()
    page = nora.new_page()
    errors = watch(page)
    page.goto(link)
    page.fill("#id_new_password1", NEW_PASSWORD)
    page.fill("#id_new_password2", NEW_PASSWORD)
    with page.expect_navigation():
        page.click("form [type=submit]")
    seen["after_password"] = page.url
    secret = page.locator("#two-factor-secret").inner_text()
    seen["qr_loaded"] = page.evaluate(
        "() => { const img = document.querySelector('img.qr-code'); "
        "return img.complete && img.naturalWidth > 0; }"
    )
    page.fill("#id_token", code_for(secret))
    with page.expect_navigation():
        page.click("#two-factor-setup-form [type=submit]")
    seen["codes"] = page.locator("#recovery-codes code").all_inner_texts()
    with page.expect_navigation():
        page.click("#two-factor-continue")
    seen["landed"] = page.url
    nora.close()

    again = context()
    page = again.new_page()
    page.goto("/admin/login/?next=/admin/")
    page.fill("#id_username", EMAIL)
    page.fill("#id_password", NEW_PASSWORD)
    with page.expect_navigation():
        page.click("#login-form [type=submit]")
    seen["second_step"] = page.url
    page.fill("#id_token", "000000" if code_for(secret) != "000000" else "111111")
    with page.expect_navigation():
        page.click("#two-factor-form [type=submit]")
    seen["wrong"] = page.locator(".errorlist").inner_text()
    page.wait_for_timeout(1_100)  # django-otp slows down the try after a wrong code
    page.fill("#id_token", seen["codes"][0])
    with page.expect_navigation():
        page.click("#two-factor-form [type=submit]")
    seen["signed_in"] = page.url
    seen["cities"] = page.goto("/admin/cities/city/") and page.locator("#result_list").inner_text()
    again.close()
    seen["errors"] = seen["errors"] + errors
    return seen


def test_the_invitation_is_sent(journey):
    # (the admin's messages capitalise their first letter)
    assert journey["invited"].lower().startswith(EMAIL)


def test_the_link_sets_a_password_and_leads_to_two_factor_set_up(journey):
    assert journey["after_password"].endswith("/admin/two-factor/setup/")
    assert journey["qr_loaded"]
    assert len(journey["codes"]) == 10
    assert journey["landed"].endswith("/admin/")


def test_signing_in_again_takes_a_code(journey):
    assert "/admin/two-factor/?next=" in journey["second_step"]
    assert "This code is not right" in journey["wrong"]
    assert journey["signed_in"].endswith("/admin/")
    assert "Dresden" in journey["cities"]
    assert "Berlin" not in journey["cities"]


def test_no_page_logged_an_error(journey):
    # A 404 is left out (Chromium logs it without the address; /favicon.ico answers now); a
    # resource of the pages themselves that failed is listed by its address instead.
    errors = [line for line in journey["errors"] if "status of 404" not in line]
    assert errors == []
