"""The review desk in Chromium, the whole path (issue 19), on the live server.

Dresden's office works on Dresden–Hangzhou, which the demo publishes: its editor changes the
English summary, which is kept as pending changes while the public page stays as it was; the
editor submits it; Dresden's publisher finds it on the desk, sees the new words in the
comparison and returns it with a comment, which reaches the editor on the desk and by e-mail
(through the SMTP server the tests started); the editor submits again, the publisher publishes,
and the public page (the page cache on, as in production) shows the new summary. Berlin's
publisher never sees any of it.

Each stage is a module-scoped fixture that performs it after the stages before it and keeps
what the people saw then; each test checks one stage, so the tests can run in any order.
"""

import re
import time
from types import SimpleNamespace

import pytest

pytestmark = pytest.mark.browser

PASSWORD = "Review-desk-pass-4711"  # noqa: S105 - a test account on the test's own server
SLUG = "dresden-hangzhou"
PUBLIC = f"/en/partnerships/{SLUG}/"
NEW_SENTENCE = "From next spring the youth choirs of both cities sing together."
FIRST_NOTE = "A new sentence on the choir exchange."
COMMENT = "Please name the two choirs."
# The staff (name: role, city), made in the server's database.
STAFF = {
    "dresden-editor": ("Editor", "dresden"),
    "dresden-publisher": ("Publisher", "dresden"),
    "berlin-publisher": ("Publisher", "berlin"),
}
MAKE_STAFF = """
import sys
import django
django.setup()
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from cities.models import City
from partnerships.models import Partnership

password, slug, *people = sys.argv[1:]
for person in people:
    name, role, city = person.split(":")
    user = get_user_model().objects.create_user(
        name, email=f"{name}@twinning.example", password=password, is_staff=True
    )
    user.groups.add(Group.objects.get(name=role))
    user.assigned_cities.add(City.objects.get(slug=city))
print(Partnership.objects.get(slug=slug).pk)
"""


@pytest.fixture(scope="module")
def office(site_python):
    """The staff in the server's database; the partnership's admin addresses."""
    people = [f"{name}:{role}:{city}" for name, (role, city) in STAFF.items()]
    pk = int(site_python(MAKE_STAFF, PASSWORD, SLUG, *people))
    base = f"/admin/partnerships/partnership/{pk}"
    return SimpleNamespace(change=f"{base}/change/", review=f"{base}/review/")


@pytest.fixture(scope="module")
def pages(browser, site, office):
    """name -> a page in a browser context of its own, signed in through the login form once;
    "visitor" is not signed in."""
    contexts = []

    def open_page():
        context = browser.new_context(viewport={"width": 1280, "height": 900}, base_url=site)
        context.set_default_timeout(10_000)
        contexts.append(context)
        return context.new_page()

    made = {"visitor": open_page()}
    for name in STAFF:
        page = made[name] = open_page()
        page.goto("/admin/login/?next=/admin/")
        page.fill("#id_username", name)
        page.fill("#id_password", PASSWORD)
        with page.expect_navigation():
            page.click("#login-form [type=submit]")
        assert page.url.endswith("/admin/"), f"{name} could not sign in: {page.url}"
    yield made
    for context in contexts:
        context.close()


def public_summary(page):
    """The summary on the public page, and the page's ETag (the page cache's: made from its
    content version, so a publication changes it)."""
    response = page.goto(PUBLIC)
    return page.locator(".prose.summary").inner_text(), response.headers.get("etag", "")


def success_message(page):
    return page.locator(".messagelist .success").inner_text()


def desk(page, heading):
    """What the admin home's desk lists under `heading`."""
    page.goto("/admin/")
    block = page.locator(
        "xpath=//section[contains(@class, 'review-desk')]"
        f"/h3[normalize-space() = '{heading}']/following-sibling::*[1]"
    )
    return block.inner_text()


def review_move(page, url, move, message=""):
    """Write the message into the review panel at `url` and press the button of `move`."""
    page.goto(url)
    page.fill(".review-moves #id_message", message)
    with page.expect_navigation():
        page.click(f".review-moves button[name=move][value={move}]")


def mail_to(mail_server, name, since=0, seconds=5):
    """The plain-text bodies of the messages to `name` that arrived after the first `since`;
    the e-mail is sent once the request's transaction commits, so it may come a moment later."""
    address = f"{name}@twinning.example"
    deadline = time.monotonic() + seconds
    while True:
        found = [
            message.get_body(("plain",)).get_content()
            for recipients, message in mail_server.inbox.messages[since:]
            if address in recipients
        ]
        if found or time.monotonic() > deadline:
            return found
        time.sleep(0.1)


@pytest.fixture(scope="module")
def saved(pages, office):
    """The editor adds a sentence to the English summary and saves."""
    visitor, editor = pages["visitor"], pages["dresden-editor"]
    before, etag = public_summary(visitor)  # now in the page cache too
    editor.goto(office.change)
    editor.locator(".form-tabs [role=tab]", has_text="Story").click()  # the form is in tabs
    summary = editor.locator("#id_summary_en")
    summary.fill(f"{summary.input_value()}\n\n{NEW_SENTENCE}")
    with editor.expect_navigation():
        editor.click("#partnership_form [name=_save] >> nth=0")
    return SimpleNamespace(
        before=before,
        etag=etag,
        url=editor.url,
        message=success_message(editor),
        form_summary=editor.locator("#id_summary_en").input_value(),
        panel=editor.locator(".review-panel .review-state").inner_text(),
        public=public_summary(visitor)[0],
    )


@pytest.fixture(scope="module")
def submitted(saved, pages, office, mail_server):
    """The editor submits the pending changes with a note."""
    editor = pages["dresden-editor"]
    since = len(mail_server.inbox.messages)
    review_move(editor, office.change, "submit", FIRST_NOTE)
    berlin = pages["berlin-publisher"]
    return SimpleNamespace(
        message=success_message(editor),
        awaiting=desk(pages["dresden-publisher"], "Awaiting your review"),
        berlin_awaiting=desk(berlin, "Awaiting your review"),
        berlin_review_status=berlin.goto(office.review).status,
        publisher_mail=mail_to(mail_server, "dresden-publisher", since),
        berlin_mail=mail_to(mail_server, "berlin-publisher", since, seconds=0),
    )


@pytest.fixture(scope="module")
def returned(submitted, pages, office, mail_server):
    """Dresden's publisher opens the comparison from the desk and returns it with a comment."""
    publisher, editor = pages["dresden-publisher"], pages["dresden-editor"]
    publisher.goto("/admin/")
    with publisher.expect_navigation():
        # The first list on the desk is "Awaiting your review".
        publisher.click(".review-desk .desk-items a:text-is('Dresden – Hangzhou') >> nth=0")
    opened_from_desk = publisher.url
    publisher.click(".review-panel .review-links a >> nth=0")  # what the changes change
    publisher.wait_for_url(f"**{office.review}")
    changed_fields = publisher.locator(".history-changes tbody th").all_inner_texts()
    inserted = publisher.locator(".history-changes .history-diff ins").all_inner_texts()
    deleted = publisher.locator(".history-changes .history-diff del").all_inner_texts()
    conversation = publisher.locator(".review-notes").inner_text()
    since = len(mail_server.inbox.messages)
    review_move(publisher, office.review, "return", COMMENT)
    return SimpleNamespace(
        opened_from_desk=opened_from_desk,
        changed_fields=changed_fields,
        inserted=" ".join(inserted),
        deleted=" ".join(deleted),
        conversation=conversation,
        message=success_message(publisher),
        returned=desk(editor, "Returned to you"),
        editor_mail=mail_to(mail_server, "dresden-editor", since),
        public=public_summary(pages["visitor"])[0],
    )


@pytest.fixture(scope="module")
def published(returned, pages, office):
    """The editor submits again; the publisher publishes."""
    editor, publisher = pages["dresden-editor"], pages["dresden-publisher"]
    review_move(editor, office.change, "submit", "Both choirs are named on their own pages.")
    review_move(publisher, office.change, "publish")
    message = success_message(publisher)
    panel = publisher.locator(".review-panel .review-state").inner_text()
    public, etag = public_summary(pages["visitor"])
    return SimpleNamespace(
        message=message,
        panel=panel,
        public=public,
        etag=etag,
        awaiting=desk(publisher, "Awaiting your review"),
        returned=desk(editor, "Returned to you"),
    )


def test_the_editor_s_change_is_kept_pending_and_the_public_page_stays(saved, office):
    assert saved.message.startswith("Saved as pending changes to “Dresden – Hangzhou”")
    assert saved.url.endswith(office.change)
    # The editor goes on from the pending text; the panel says the public sees the old one.
    assert saved.form_summary.endswith(NEW_SENTENCE)
    assert "This partnership has pending changes (draft)" in saved.panel
    assert "The twinning between Dresden and Hangzhou" in saved.before
    assert saved.public == saved.before
    assert "youth choirs" not in saved.public


def test_the_submission_awaits_dresden_s_publisher_only(submitted):
    assert submitted.message == "Submitted for review."
    assert submitted.awaiting.startswith("Dresden – Hangzhou (pending changes) — dresden-editor")
    assert len(submitted.publisher_mail) == 1
    assert FIRST_NOTE in submitted.publisher_mail[0]
    # Berlin's publisher is told nothing and cannot open it.
    assert submitted.berlin_awaiting == "Nothing awaits your review."
    assert submitted.berlin_mail == []
    assert submitted.berlin_review_status == 404


def test_the_publisher_sees_the_new_words_and_returns_them_with_a_comment(returned, office):
    assert returned.opened_from_desk.endswith(office.change)
    # Only the field the editor changed, with the new sentence marked as inserted.
    assert returned.changed_fields == ["Summary (English)"]
    assert NEW_SENTENCE in returned.inserted
    assert returned.deleted == ""  # a sentence added, nothing taken away
    assert FIRST_NOTE in returned.conversation
    assert returned.message == "Returned with a comment."
    # The editor finds the comment on the desk and in the e-mail.
    assert "Dresden – Hangzhou" in returned.returned
    assert COMMENT in returned.returned
    assert len(returned.editor_mail) == 1
    assert f"> {COMMENT}" in returned.editor_mail[0]
    assert "youth choirs" not in returned.public


def test_published_after_the_second_submission_the_public_page_changes(saved, published):
    assert published.message == "Published."
    assert published.public.endswith(NEW_SENTENCE)
    # At once, although the page was in the page cache: the publication made it out of date.
    assert re.fullmatch(r'(W/)?"\d+-[\d-]+-\w+"', saved.etag), "the page cache is off"
    assert published.etag != saved.etag
    assert "The twinning between Dresden and Hangzhou" in published.public
    assert published.awaiting == "Nothing awaits your review."
    assert published.returned == "Nothing was returned to you."
    assert published.panel.startswith("Publication: published.")
