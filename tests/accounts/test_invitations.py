"""Inviting staff in one step (issue 20): the form, the e-mail as an SMTP server received it,
the link that sets a password, and the person signed in with the role and cities chosen."""

import re

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from twinning.roles import EDITOR, PUBLISHER

from .conftest import PASSWORD, code_for, recovery_codes_on, secret_on, sign_in, signed_in

INVITE = "/admin/invite/"
NEW_PASSWORD = "Seven-lanterns-over-the-Elbe"


@pytest.fixture
def superuser(django_user_model, roles):
    return django_user_model.objects.create_superuser("root", "root@twinning.example", PASSWORD)


@pytest.fixture
def invite(client, django_capture_on_commit_callbacks, smtp_server):
    """Post the invitation form as `by`; the response, and the one message that arrived."""

    def post(by, **data):
        client.force_login(by)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(INVITE, data)
        client.logout()
        messages = list(smtp_server.inbox.messages)
        smtp_server.inbox.messages.clear()
        return response, messages

    return post


def text(message):
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def link_in(message):
    [link] = re.findall(r"https?://\S+/admin/welcome/\S+", text(message))
    return link


def path_of(link, settings):
    assert link.startswith(settings.SITE_URL)
    return link.removeprefix(settings.SITE_URL)


def set_password(client, path, password=NEW_PASSWORD):
    """Open the invitation's link and set a password, as a browser would."""
    form = client.get(path, follow=True)
    assert form.status_code == 200
    return client.post(
        form.redirect_chain[-1][0],
        {"new_password1": password, "new_password2": password},
    )


class TestInvitationEndToEnd:
    def test_an_editor_is_invited_sets_a_password_and_works_on_their_city(
        self, client, invite, superuser, dresden, berlin, settings
    ):
        response, messages = invite(
            superuser,
            email="Mia.Schulz@Example.org",
            first_name="Mia",
            last_name="Schulz",
            role=EDITOR,
            cities=[dresden.pk],
        )
        assert response.status_code == 302
        [(recipients, message)] = messages
        assert recipients == ["Mia.Schulz@example.org"]
        assert message["Subject"] == "Twinning: your invitation to the staff site"
        body = text(message)
        assert "invited you to the Twinning staff site as Editor for: Dresden." in body
        assert "Your user name is mia.schulz@example.org." in body

        mia = get_user_model().objects.get(email="Mia.Schulz@example.org")
        assert mia.is_staff and mia.is_active and not mia.has_usable_password()
        # Before the link is used, the account cannot sign in, and the page says what to do.
        response = sign_in(client, mia.username, "anything")
        assertContains(response, "Use the link in your invitation e-mail")

        path = path_of(link_in(message), settings)
        response = set_password(client, path)
        assert response.status_code == 302 and response["Location"] == "/admin/two-factor/setup/"
        assert signed_in(client)
        offer = client.get("/admin/two-factor/setup/")
        assertContains(offer, "It is optional for editors.")
        client.logout()

        response = sign_in(client, mia.username, NEW_PASSWORD)
        assert response.status_code == 302 and response["Location"] == "/admin/"
        home = client.get("/admin/")
        assert home.status_code == 200
        cities = client.get(reverse("admin:cities_city_changelist"))
        assertContains(cities, "Dresden")
        assertNotContains(cities, "Berlin")
        mia.refresh_from_db()
        assert [group.name for group in mia.groups.all()] == [EDITOR]
        assert list(mia.assigned_cities.all()) == [dresden]
        assert mia.has_perm("partnerships.change_partnership")
        assert not mia.has_perm("partnerships.publish_partnership")

        # The link worked once.
        client.logout()
        response = client.get(path, follow=True)
        assertContains(response, "This invitation link does not work any more")

    def test_a_publisher_sets_up_two_factor_from_the_invitation(
        self, client, invite, superuser, dresden, settings, clock
    ):
        _response, [(_to, message)] = invite(
            superuser, email="paul@example.org", role=PUBLISHER, cities=[dresden.pk]
        )
        settings.TWO_FACTOR_REQUIRED = True
        response = set_password(client, path_of(link_in(message), settings))
        assert response["Location"] == "/admin/two-factor/setup/"
        assert client.get("/admin/")["Location"].startswith("/admin/two-factor/setup/")
        page = client.get("/admin/two-factor/setup/")
        assertContains(page, "Administrators and publishers sign in with two factors")
        done = client.post("/admin/two-factor/setup/", {"token": code_for(secret_on(page))})
        assert len(recovery_codes_on(done)) == 10
        assert client.get("/admin/").status_code == 200
        paul = get_user_model().objects.get(email="paul@example.org")
        assert paul.has_perm("partnerships.publish_partnership")

    def test_the_link_expires(self, client, invite, superuser, dresden, settings, clock):
        _response, [(_to, message)] = invite(
            superuser, email="late@example.org", role=EDITOR, cities=[dresden.pk]
        )
        body = text(message)
        assert "the link works once, for 7 days" in body
        clock.shift(8 * 24 * 3600)
        response = client.get(path_of(link_in(message), settings), follow=True)
        assertContains(response, "This invitation link does not work any more")

    def test_someone_with_an_account_gets_the_cities_and_a_sign_in_link(
        self, client, invite, superuser, django_user_model, dresden, berlin
    ):
        old = django_user_model.objects.create_user(
            "kim", email="kim@example.org", password=PASSWORD
        )
        response, [(_to, message)] = invite(
            superuser, email="KIM@example.org", role=EDITOR, cities=[dresden.pk, berlin.pk]
        )
        assert response.status_code == 302
        assert get_user_model().objects.filter(email__iexact="kim@example.org").count() == 1
        old.refresh_from_db()
        assert old.is_staff and old.check_password(PASSWORD)
        assert set(old.assigned_cities.all()) == {dresden, berlin}
        assert message["Subject"] == "Twinning: you now work on Berlin, Dresden"
        assert "/admin/welcome/" not in text(message)
        assert "Sign in as before, with your user name kim:" in text(message)
        assert sign_in(client, "kim").status_code == 302


class TestWhoMayInvite:
    def test_a_publisher_invites_for_their_own_cities_only(
        self, client, invite, make_staff, dresden, berlin
    ):
        petra = make_staff("petra", PUBLISHER, [dresden])
        client.force_login(petra)
        page = client.get(INVITE)
        assertContains(page, f'<option value="{dresden.pk}">Dresden (DE)</option>', html=True)
        assertNotContains(page, "Berlin")
        client.logout()
        response, messages = invite(petra, email="new@example.org", role=EDITOR, cities=[berlin.pk])
        assert response.status_code == 200
        assert "cities" in response.context["form"].errors
        assert messages == []
        assert not get_user_model().objects.filter(email="new@example.org").exists()
        response, messages = invite(
            petra, email="new@example.org", role=EDITOR, cities=[dresden.pk]
        )
        assert response.status_code == 302 and len(messages) == 1

    def test_a_publisher_does_not_change_the_role_of_staff_elsewhere(
        self, invite, make_staff, dresden, berlin
    ):
        petra = make_staff("petra", PUBLISHER, [dresden])
        berta = make_staff("berta", EDITOR, [berlin])
        response, messages = invite(petra, email=berta.email, role=PUBLISHER, cities=[dresden.pk])
        assert response.status_code == 200
        assertContains(response, "is a staff member with another role already")
        assert messages == []
        assert not berta.assigned_cities.filter(pk=dresden.pk).exists()

    @pytest.mark.parametrize("role", [EDITOR, None])
    def test_editors_and_others_may_not_invite(self, client, make_staff, dresden, role):
        client.force_login(make_staff("erik", role, [dresden]))
        assert client.get(INVITE).status_code == 403
        assert client.post(INVITE, {"email": "x@example.org"}).status_code == 403
        assertNotContains(client.get("/admin/"), INVITE)

    def test_the_links_to_the_form(self, client, superuser):
        client.force_login(superuser)
        assertContains(client.get("/admin/"), f'href="{INVITE}"')
        assertContains(client.get(reverse("admin:auth_user_changelist")), f'href="{INVITE}"')


class TestCityStaffPicker:
    def test_the_plus_of_the_staff_picker_is_the_invitation(self, client, superuser, dresden):
        client.force_login(superuser)
        page = client.get(reverse("admin:cities_city_change", args=[dresden.pk]))
        assert page.status_code == 200
        assertNotContains(page, 'id="add_id_staff"')
        invite_link = f"{INVITE}?city={dresden.pk}"
        assertContains(page, f'href="{invite_link}"')
        form = client.get(invite_link)
        assertContains(
            form, f'<option value="{dresden.pk}" selected>Dresden (DE)</option>', html=True
        )


@pytest.mark.parametrize("cities", [3, 30])
def test_the_form_costs_the_same_queries_for_few_or_many_cities(
    client, superuser, make_city, django_assert_max_num_queries, cities
):
    for n in range(cities):
        make_city(name=f"Town {n}")
    client.force_login(superuser)
    with django_assert_max_num_queries(4):
        response = client.get(INVITE)
    assert response.content.decode().count("<option value=") == cities + 2  # and the 2 roles
