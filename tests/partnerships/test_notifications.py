"""Review e-mails (partnerships/notifications.py) through a real SMTP server started by the test
(the `smtp_server` fixture, tests/conftest.py), read as they arrived; and each staff member's
own e-mail settings page.

Dresden's office (publishers and an editor assigned to Dresden) works on Dresden–Hangzhou;
Berlin's on Berlin–Beijing. A Dresden submission must reach Dresden's and Hangzhou's
publishers only.
"""

import logging
import re

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from partnerships import notifications
from partnerships.models import NotificationPreferences
from partnerships.notifications import Decision, decided, review_requested
from twinning.roles import EDITOR, PUBLISHER, setup_roles

pytestmark = pytest.mark.django_db

SITE = "https://twinning.example.org"


@pytest.fixture(autouse=True)
def _site_url(settings):
    settings.SITE_URL = SITE


def staff(name, role=None, cities=(), email=True, **kwargs):
    kwargs.setdefault("is_staff", True)
    user = get_user_model().objects.create_user(
        name,
        email=f"{name}@twinning.example" if email else "",
        password="x-Very-long-pass-42",
        **kwargs,
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    for city in cities:
        user.assigned_cities.add(city)
    return user


@pytest.fixture
def world(make_city, make_partnership):
    setup_roles()
    dresden = make_city(name="Dresden", name_de="Dresden", slug="dresden")
    hangzhou = make_city(name="Hangzhou", slug="hangzhou", country="CN")
    berlin = make_city(name="Berlin", slug="berlin")
    beijing = make_city(name="Beijing", name_de="Peking", slug="beijing", country="CN")
    return {
        "dresden": dresden,
        "ours": make_partnership(city_a=dresden, city_b=hangzhou, state="draft"),
        "theirs": make_partnership(city_a=berlin, city_b=beijing, state="draft"),
        "dresden_publisher": staff(
            "dresden-publisher", PUBLISHER, [dresden], first_name="Anna", last_name="Schmidt"
        ),
        "hangzhou_publisher": staff("hangzhou-publisher", PUBLISHER, [hangzhou]),
        "berlin_publisher": staff("berlin-publisher", PUBLISHER, [berlin]),
        "dresden_editor": staff(
            "dresden-editor", EDITOR, [dresden], first_name="Erik", last_name="Weber"
        ),
        "superuser": staff("superuser", is_superuser=True),
        "dresden_superuser": staff("dresden-superuser", cities=[dresden], is_superuser=True),
    }


@pytest.fixture
def sent(smtp_server, django_capture_on_commit_callbacks):
    """Call a notification as the workflow would, inside its transaction; after the commit,
    {address: message} of what the SMTP server received."""

    def call(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            addresses = function(*args, **kwargs)
        received = {}
        for envelope_to, message in smtp_server.inbox.messages:
            [address] = envelope_to  # one message per recipient: nobody sees the others
            received[address] = message
        smtp_server.inbox.messages.clear()
        assert sorted(received) == sorted(addresses)  # what it says it sent, arrived
        return received

    return call


def text(message):
    """The plain-text body as read, with the wire's CRLF line ends as "\n"."""
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def review_emails_checked(response):
    """Whether the page's "Review e-mails" box is ticked."""
    [box] = re.findall(r'<input type="checkbox" name="review_emails"[^>]*>', response.text)
    return " checked" in box


def address(user):
    return user.email


# --- Submitted for review: the publishers of the partnership's cities ------------------------


def test_a_submission_reaches_the_publishers_of_its_cities_and_nobody_else(world, sent):
    ours, editor = world["ours"], world["dresden_editor"]

    received = sent(
        review_requested,
        ours,
        by=editor,
        message='Please check the "Choir festival" <dates> & the new photo.\nThanks!',
        url=f"/admin/partnerships/partnership/{ours.pk}/change/",
    )

    assert set(received) == {
        address(world["dresden_publisher"]),
        address(world["hangzhou_publisher"]),
        address(world["dresden_superuser"]),  # a superuser assigned to Dresden
    }
    message = received[address(world["dresden_publisher"])]
    assert message["Subject"] == "For review: Dresden – Hangzhou"
    assert message["To"] == address(world["dresden_publisher"])
    body = text(message)
    assert "Hello Anna Schmidt," in body
    assert "Erik Weber submitted the partnership Dresden – Hangzhou for review." in body
    assert "Cities: Dresden (Germany), Hangzhou (China)" in body
    # The message quoted as written: no HTML escaping in a plain-text e-mail.
    assert (
        'Erik Weber wrote:\n\n> Please check the "Choir festival" <dates> & the new photo.\n'
        "> Thanks!\n" in body
    )
    assert f"{SITE}/admin/partnerships/partnership/{ours.pk}/change/" in body
    assert f"{SITE}/admin/notifications/" in body


def test_a_berlin_submission_never_reaches_dresden(world, sent):
    received = sent(review_requested, world["theirs"], by=world["superuser"])
    assert set(received) == {address(world["berlin_publisher"])}


def test_the_submitter_editors_and_unassigned_superusers_are_not_told(world, sent):
    publisher = world["dresden_publisher"]
    received = sent(review_requested, world["ours"], by=publisher)

    assert address(publisher) not in received  # they know: they submitted it
    assert address(world["dresden_editor"]) not in received  # editors do not review
    assert address(world["superuser"]) not in received  # not assigned to either city
    assert set(received) == {
        address(world["hangzhou_publisher"]),
        address(world["dresden_superuser"]),
    }


def test_a_publisher_by_their_own_permission_inactive_and_non_staff_users(world, sent):
    dresden = world["dresden"]
    permission = Permission.objects.get(codename="publish_partnership")
    direct = staff("direct-publisher", cities=[dresden])
    direct.user_permissions.add(permission)
    staff("inactive-publisher", PUBLISHER, [dresden], is_active=False)
    staff("former-staff", PUBLISHER, [dresden], is_staff=False)

    received = sent(review_requested, world["ours"], by=world["dresden_editor"])

    assert address(direct) in received
    assert "inactive-publisher@twinning.example" not in received
    assert "former-staff@twinning.example" not in received


def test_changes_to_a_published_partnership_say_so(world, sent, make_partnership, make_city):
    published = make_partnership(city_a=world["dresden"], city_b=make_city(name="Ostrava"))

    received = sent(review_requested, published, by=world["dresden_editor"])

    body = text(received[address(world["dresden_publisher"])])
    assert (
        "Erik Weber submitted changes to the published partnership Dresden – Ostrava for review."
        in body
    )
    assert "wrote:" not in body  # no message, no quote
    # No address given: the partnership's admin page.
    assert f"{SITE}/admin/partnerships/partnership/{published.pk}/change/" in body


def test_the_recipients_cost_one_query_however_many(
    world, make_city, django_capture_on_commit_callbacks, django_assert_num_queries, smtp_server
):
    def queries_for(partnership):
        with django_capture_on_commit_callbacks(execute=False), django_assert_num_queries(1):
            return review_requested(partnership, by=world["dresden_editor"])

    assert len(queries_for(world["ours"])) == 3
    for n in range(12):
        staff(f"publisher-{n}", PUBLISHER, [world["dresden"]])
    NotificationPreferences.objects.create(
        user=world["hangzhou_publisher"], review_emails=True, language="de"
    )
    assert len(queries_for(world["ours"])) == 15


# --- Published or returned: the author ---------------------------------------------------------


def test_a_publication_tells_the_author_with_the_comment_and_the_link(world, sent):
    ours, editor = world["ours"], world["dresden_editor"]
    link = f"/admin/partnerships/partnership/{ours.pk}/change/"

    received = sent(
        decided,
        ours,
        author=editor,
        by=world["dresden_publisher"],
        decision=Decision.PUBLISHED,
        comment="Thank you, well done.",
        url=link,
    )

    [(to, message)] = received.items()
    assert to == address(editor)
    assert message["Subject"] == "Published: Dresden – Hangzhou"
    body = text(message)
    assert "Hello Erik Weber," in body
    assert "Anna Schmidt published the partnership Dresden – Hangzhou you submitted" in body
    assert "Anna Schmidt commented:\n\n> Thank you, well done.\n" in body
    assert f"{SITE}{link}" in body
    assert f"On the public site:\n{SITE}/en/partnerships/{ours.slug}/\n" in body


def test_a_return_tells_the_author_with_the_comment_quoted(world, sent):
    ours = world["ours"]
    comment = 'The date of the "Charter" is wrong:\n\n  it was 2009, not 2008 & <sure>.'

    received = sent(
        decided,
        ours,
        author=world["dresden_editor"],
        by=world["hangzhou_publisher"],
        decision="returned",
        comment=comment,
    )

    message = received[address(world["dresden_editor"])]
    assert message["Subject"] == "Returned with a comment: Dresden – Hangzhou"
    body = text(message)
    assert "hangzhou-publisher returned the partnership Dresden – Hangzhou" in body
    assert (
        'hangzhou-publisher commented:\n\n> The date of the "Charter" is wrong:\n>\n'
        ">   it was 2009, not 2008 & <sure>.\n" in body
    )
    assert f"{SITE}/admin/partnerships/partnership/{ours.pk}/change/" in body
    assert "published the partnership" not in body
    assert "public site:" not in body


def test_no_e_mail_to_an_author_who_decided_it_themselves_or_to_nobody(world, sent):
    publisher = world["dresden_publisher"]
    assert sent(decided, world["ours"], publisher, publisher, Decision.PUBLISHED) == {}
    assert sent(decided, world["ours"], None, publisher, Decision.PUBLISHED) == {}


@pytest.mark.parametrize("change", ["moved to another city", "no longer staff", "deactivated"])
def test_an_author_who_left_is_not_told(world, sent, make_city, change):
    editor = world["dresden_editor"]
    if change == "moved to another city":
        editor.assigned_cities.set([make_city()])
    elif change == "no longer staff":
        editor.is_staff = False
    else:
        editor.is_active = False
    editor.save()
    assert sent(decided, world["ours"], editor, world["dresden_publisher"], "returned") == {}


def test_a_superuser_author_is_told_wherever_they_are_assigned(world, sent):
    superuser = world["superuser"]  # assigned to no city, sees them all
    received = sent(decided, world["ours"], superuser, world["dresden_publisher"], "published")
    assert set(received) == {address(superuser)}


def test_an_unknown_decision_is_a_mistake_of_the_caller(world):
    with pytest.raises(ValueError, match="approved"):
        decided(world["ours"], world["dresden_editor"], world["dresden_publisher"], "approved")


# --- Turned off, no address, the server down ---------------------------------------------------


def test_those_who_turned_review_e_mails_off_get_none(world, sent):
    for user in (world["dresden_publisher"], world["dresden_editor"]):
        NotificationPreferences.objects.create(user=user, review_emails=False)

    received = sent(review_requested, world["ours"], by=world["superuser"])
    assert address(world["dresden_publisher"]) not in received
    assert address(world["hangzhou_publisher"]) in received

    editor, publisher = world["dresden_editor"], world["dresden_publisher"]
    assert sent(decided, world["ours"], editor, publisher, "returned") == {}


def test_staff_without_an_address_are_left_out(world, sent):
    no_address = staff("no-address-publisher", PUBLISHER, [world["dresden"]], email=False)
    received = sent(review_requested, world["ours"], by=world["dresden_editor"])
    assert len(received) == 3
    assert no_address.email == ""

    editor = staff("no-address-editor", EDITOR, [world["dresden"]], email=False)
    assert sent(decided, world["ours"], editor, world["dresden_publisher"], "published") == {}


def test_a_mail_server_that_is_down_never_reaches_the_caller(
    world, smtp_server, django_capture_on_commit_callbacks, caplog
):
    smtp_server.stop()  # the port now refuses connections

    with (
        caplog.at_level(logging.WARNING, logger="core.mail"),
        django_capture_on_commit_callbacks(execute=True),
    ):
        requested = review_requested(world["ours"], by=world["dresden_editor"])
        editor, publisher = world["dresden_editor"], world["dresden_publisher"]
        told = decided(world["ours"], editor, publisher, "returned")

    assert len(requested) == 3
    assert told == [address(world["dresden_editor"])]
    errors = [record.getMessage() for record in caplog.records if record.levelno == logging.ERROR]
    assert len(errors) == 4  # each message retried, then given up, for the operators
    assert any("For review: Dresden – Hangzhou" in error for error in errors)
    assert any("Returned with a comment: Dresden – Hangzhou" in error for error in errors)


def test_a_template_that_fails_is_logged_not_raised(world, sent, monkeypatch, caplog):
    def broken(*args, **kwargs):
        raise RuntimeError("template missing")

    monkeypatch.setattr(notifications, "render_to_string", broken)
    assert sent(review_requested, world["ours"], by=world["dresden_editor"]) == {}
    assert "not queued" in caplog.text


# --- In the recipient's language ---------------------------------------------------------------


def test_each_recipient_reads_it_in_their_language(world, sent, make_partnership):
    theirs = world["theirs"]
    berlin_publisher = world["berlin_publisher"]
    NotificationPreferences.objects.create(user=berlin_publisher, language="de")
    berlin_english = staff("berlin-english", PUBLISHER, [theirs.city_a])  # the site's language

    received = sent(review_requested, theirs, by=world["superuser"])

    german = text(received[address(berlin_publisher)])
    english = text(received[address(berlin_english)])
    # The city's and the countries' names as German readers know them.
    assert "Berlin (Deutschland), Peking (China)" in german
    assert "Berlin (Germany), Beijing (China)" in english

    theirs.publish(world["berlin_publisher"])
    received = sent(decided, theirs, berlin_publisher, world["superuser"], Decision.PUBLISHED)
    assert f"{SITE}/de/partnerships/{theirs.slug}/" in text(received[address(berlin_publisher)])


# --- The settings page -----------------------------------------------------------------------

PAGE = "/admin/notifications/"


def test_the_page_is_linked_from_every_admin_page(world, client):
    client.force_login(world["dresden_editor"])
    response = client.get(reverse("admin:index"))
    assertContains(response, f'href="{PAGE}"')
    assert reverse("notification_preferences") == PAGE


def test_the_page_shows_ones_settings_and_saves_only_ones_own(world, client):
    editor, publisher = world["dresden_editor"], world["dresden_publisher"]
    client.force_login(editor)

    response = client.get(PAGE)
    assert review_emails_checked(response)
    assertContains(response, "The decision on what you submitted for review")
    assertNotContains(response, "Submissions for review of partnerships of")  # an editor

    # A form that tries to name another user changes the sender's settings only.
    response = client.post(
        PAGE, {"language": "de", "user": publisher.pk, "user_id": publisher.pk}, follow=True
    )
    assertContains(response, "Your e-mail settings were saved.")
    assert not review_emails_checked(response)
    editor_preferences = NotificationPreferences.objects.get(user=editor)
    assert editor_preferences.review_emails is False
    assert editor_preferences.language == "de"
    assert not NotificationPreferences.objects.filter(user=publisher).exists()

    client.post(PAGE, {"review_emails": "on", "language": ""})
    editor_preferences.refresh_from_db()
    assert editor_preferences.review_emails is True
    assert editor_preferences.language == ""
    assert NotificationPreferences.objects.count() == 1


def test_a_publisher_sees_which_cities_submissions_reach_them(world, client):
    client.force_login(world["dresden_publisher"])
    assertContains(client.get(PAGE), "Submissions for review of partnerships of Dresden")


def test_a_bad_language_is_a_form_error(world, client):
    client.force_login(world["dresden_editor"])
    response = client.post(PAGE, {"review_emails": "on", "language": "fr"})
    assert response.status_code == 200
    assertContains(response, "Select a valid choice.")
    assert not NotificationPreferences.objects.exists()


def test_anonymous_visitors_are_sent_to_sign_in(world, client):
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    response = client.post(PAGE, {"language": "de"})
    assert response.status_code == 302
    assert not NotificationPreferences.objects.exists()


def test_non_staff_are_refused(world, client):
    user = staff("visitor", is_staff=False)
    client.force_login(user)
    response = client.get(PAGE)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
    client.post(PAGE, {"language": "de"})
    assert not NotificationPreferences.objects.exists()


def test_the_form_needs_its_csrf_token(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world["dresden_editor"])
    assert client.post(PAGE, {"language": "de"}).status_code == 403
    assert not NotificationPreferences.objects.exists()


@pytest.mark.parametrize("cities", [1, 30])
def test_the_page_costs_the_same_queries_for_one_city_or_many(
    world, client, make_city, django_assert_max_num_queries, cities
):
    publisher = world["dresden_publisher"]
    for _ in range(cities - 1):
        make_city().staff.add(publisher)
    client.force_login(publisher)
    with django_assert_max_num_queries(8):
        response = client.get(PAGE)
    assert response.status_code == 200
