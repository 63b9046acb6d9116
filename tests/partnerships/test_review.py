"""The review desk: an editor changes a published partnership without taking it offline; a
publisher compares, publishes or returns the changes with a comment (partnerships/pending.py,
partnerships/review.py, the partnership admin's review panel and page).

Dresden's office (an editor and a publisher assigned to Dresden) works on Dresden–Hangzhou,
which is published; Berlin's publisher must never see it.
"""

import datetime

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains
from reversion.models import Version

from partnerships import review, scheduling
from partnerships.models import (
    Activity,
    Milestone,
    Partnership,
    PendingChange,
    ReviewNote,
    WorkflowError,
)
from tests.partnerships.test_history import posted
from tests.translations import in_english
from twinning.roles import EDITOR, PUBLISHER, setup_roles

pytestmark = pytest.mark.django_db

# The admin home with the desk, the jubilees and the app list, for few or many partnerships.
DESK_QUERIES = 16
LIVE_SUMMARY = "Two cities on the Elbe and the Qiantang."
NEW_SUMMARY = "Two river cities, partners since 2009, with a new choir exchange."


def staff(role, city, name):
    user = get_user_model().objects.create_user(
        name, email=f"{name}@example.org", password="x-Very-long-pass-42", is_staff=True
    )
    user.groups.add(Group.objects.get(name=role))
    user.assigned_cities.add(city)
    return user


@pytest.fixture
def world(make_city, make_partnership, make_activity, make_milestone):
    setup_roles()
    dresden = make_city(name="Dresden", slug="dresden")
    hangzhou = make_city(name="Hangzhou", slug="hangzhou", country="CN")
    berlin = make_city(name="Berlin", slug="berlin")
    ours = make_partnership(
        city_a=dresden, city_b=hangzhou, state="published", summary=LIVE_SUMMARY
    )
    make_milestone(ours, title="Agreement", date=datetime.date(2009, 10, 16))
    make_activity(ours, title="Choir festival")
    return {"dresden": dresden, "berlin": berlin, "ours": ours}


@pytest.fixture
def people(world):
    return {
        "editor": staff(EDITOR, world["dresden"], "dresden-editor"),
        "publisher": staff(PUBLISHER, world["dresden"], "dresden-publisher"),
        "other_publisher": staff(PUBLISHER, world["dresden"], "dresden-publisher-2"),
        "berlin_publisher": staff(PUBLISHER, world["berlin"], "berlin-publisher"),
    }


@pytest.fixture
def as_(client, people):
    def login(name):
        client.force_login(people[name])
        return client

    return login


def admin_url(obj, view="change"):
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=[obj.pk])


def public_page(client, partnership):
    return client.get(partnership.get_absolute_url())


def edit(client, partnership, **fields):
    """Change the partnership through its form, as the staff member would."""
    url = admin_url(partnership)
    data = posted(client.get(url))
    data.update(in_english(Partnership, fields))
    return client.post(url, data)


def move(client, partnership, name, message="", **fields):
    data = {"move": name, "message": message, **fields}
    return client.post(admin_url(partnership, "review"), data)


def test_an_editor_s_change_to_a_published_partnership_is_kept_pending(as_, client, world):
    ours = world["ours"]
    editor = as_("editor")

    response = edit(editor, ours, summary=NEW_SUMMARY)

    assert response.status_code == 302
    assert response.url == admin_url(ours)
    ours.refresh_from_db()
    assert ours.summary == LIVE_SUMMARY and ours.is_published  # still online, unchanged
    change = PendingChange.objects.get(partnership=ours)
    assert change.state == PendingChange.State.DRAFT and change.created_by.username == (
        "dresden-editor"
    )
    # The editor's form shows the pending text, with the review panel saying so.
    form = editor.get(admin_url(ours))
    assert form.context["adminform"].form.initial["summary_en"] == NEW_SUMMARY
    assertContains(form, "This partnership has pending changes")
    assertContains(form, "Submit for review")
    assertNotContains(form, 'value="publish"')
    # The public still sees the published page.
    client.logout()
    page = public_page(client, ours)
    assertContains(page, LIVE_SUMMARY)
    assertNotContains(page, "new choir exchange")


def test_the_preview_shows_the_pending_version_under_a_banner(as_, world):
    ours = world["ours"]
    editor = as_("editor")
    edit(editor, ours, summary=NEW_SUMMARY)

    preview = editor.get(admin_url(ours, "preview"))

    assertContains(preview, "Preview of pending changes")
    assertContains(preview, "new choir exchange")
    ours.refresh_from_db()
    assert ours.summary == LIVE_SUMMARY


def test_records_added_to_a_published_partnership_wait_for_review(as_, client, world):
    ours = world["ours"]
    editor = as_("editor")
    add_url = reverse("admin:partnerships_activity_add")
    # The activity form offers the published partnership (it used to refuse it).
    assert ours in editor.get(add_url).context["adminform"].form.fields["partnership"].queryset

    response = editor.post(
        add_url,
        {
            "partnership": ours.pk,
            **in_english(Activity, {"title": "Lantern exhibition"}),
            "kind": Activity.Kind.EXHIBITION,
            "start_date": "2027-02-10",
        },
    )

    assert response.status_code == 302, response.context and response.context["errors"]
    assert not Activity.objects.filter(title="Lantern exhibition").exists()
    # A milestone through the partnership's own form joins the same pending changes.
    url = admin_url(ours)
    data = posted(editor.get(url))
    rows = int(data["milestones-TOTAL_FORMS"])
    data.update(
        {
            "milestones-TOTAL_FORMS": str(rows + 1),
            f"milestones-{rows}-date": "2019",
            f"milestones-{rows}-kind": Milestone.Kind.ANNIVERSARY,
            f"milestones-{rows}-title_en": "Tenth anniversary",
        }
    )
    assert editor.post(url, data).status_code == 302
    assert PendingChange.objects.filter(partnership=ours).count() == 1
    assert not Milestone.objects.filter(title="Tenth anniversary").exists()
    client.logout()
    assertNotContains(public_page(client, ours), "Lantern exhibition")

    publisher = as_("publisher")
    comparison = publisher.get(admin_url(ours, "review"))
    assertContains(comparison, "Lantern exhibition")
    assertContains(comparison, "Tenth anniversary")
    assert move(publisher, ours, "publish").status_code == 302

    assert Activity.objects.filter(partnership=ours, title="Lantern exhibition").exists()
    assert Milestone.objects.filter(partnership=ours, title="Tenth anniversary").exists()
    assert Activity.objects.filter(partnership=ours, title="Choir festival").exists()
    client.logout()
    assertContains(public_page(client, ours), "Lantern exhibition")


def test_the_publisher_compares_field_by_field_and_publishes(as_, client, world, settings):
    settings.PAGE_CACHE_SECONDS = 300  # the page cache on, as in production
    cache.clear()
    ours = world["ours"]
    edit(as_("editor"), ours, summary=NEW_SUMMARY)
    move(client, ours, "submit", "Please check the new summary.")
    client.logout()
    assertContains(public_page(client, ours), LIVE_SUMMARY)  # cached now, before the publication

    publisher = as_("publisher")
    comparison = publisher.get(admin_url(ours, "review"))
    assert comparison.status_code == 200
    changes = {change.name: change for change in comparison.context["comparison"]["changes"]}
    assert "<ins>" in changes["summary_en"].diff and "choir" in changes["summary_en"].diff
    assertContains(comparison, "Please check the new summary.")

    assert move(publisher, ours, "publish", "Thanks, live now.").status_code == 302

    ours.refresh_from_db()
    assert ours.summary == NEW_SUMMARY and ours.is_published
    assert ours.published_by.username == "dresden-publisher"
    assert PendingChange.objects.get(partnership=ours).state == PendingChange.State.PUBLISHED
    client.logout()
    assertContains(public_page(client, ours), "new choir exchange")  # the page cache followed
    # The history keeps the published version and who approved it.
    newest = Version.objects.get_for_object(ours).first()
    assert newest.revision.user.username == "dresden-publisher"
    assert "dresden-editor" in newest.revision.get_comment()
    assert newest.field_dict["summary_en"] == NEW_SUMMARY


def test_returning_needs_a_comment_and_the_editor_sees_it(as_, world):
    ours = world["ours"]
    editor = as_("editor")
    edit(editor, ours, summary=NEW_SUMMARY)
    move(editor, ours, "submit")

    publisher = as_("publisher")
    refused = move(publisher, ours, "return", "  ")
    assert refused.status_code == 400
    assert "Say what needs changing" in str(refused.context["review_form"].errors)
    assert PendingChange.objects.get().state == PendingChange.State.IN_REVIEW

    assert move(publisher, ours, "return", "Please name the choir.").status_code == 302
    assert PendingChange.objects.get().state == PendingChange.State.DRAFT
    form = as_("editor").get(admin_url(ours))
    assertContains(form, "Please name the choir.")
    assertContains(form, "returned with a comment")
    # Still pending: the editor goes on from the returned version.
    assert form.context["adminform"].form.initial["summary_en"] == NEW_SUMMARY


def test_two_publishers_publishing_the_same_changes_publish_once(as_, people, world, monkeypatch):
    ours = world["ours"]
    edit(as_("editor"), ours, summary=NEW_SUMMARY)
    review.submit(ours, people["editor"])
    # Both found the changes open; the first publishes them.
    seen_by_both = PendingChange.objects.get(partnership=ours)
    review.publish(ours, people["publisher"])

    monkeypatch.setattr(review, "open_change", lambda partnership: seen_by_both)
    with pytest.raises(WorkflowError, match="published already .by dresden-publisher"):
        review.publish(ours, people["other_publisher"])

    assert ReviewNote.objects.filter(action=ReviewNote.Action.PUBLISHED).count() == 1


def test_the_second_publisher_pressing_publish_is_told_nothing_was_done(as_, people, world):
    ours = world["ours"]
    edit(as_("editor"), ours, summary=NEW_SUMMARY)
    first, second = as_("publisher"), None
    page = first.get(admin_url(ours))  # both have the page open with a Publish button
    assertContains(page, 'value="publish"')
    assert move(first, ours, "publish").status_code == 302
    second = as_("other_publisher")
    response = move(second, ours, "publish")
    assert response.status_code == 302
    shown = [str(m) for m in second.get(response.url).context["messages"]]
    assert any("already" in text or "no pending" in text for text in shown), shown
    assert ReviewNote.objects.filter(action=ReviewNote.Action.PUBLISHED).count() == 1


def test_a_publisher_s_save_goes_live_unless_changes_are_pending(as_, world):
    ours = world["ours"]
    publisher = as_("publisher")
    assert edit(publisher, ours, summary="Edited by the publisher.").status_code == 302
    ours.refresh_from_db()
    assert ours.summary == "Edited by the publisher."
    assert not PendingChange.objects.exists()

    edit(as_("editor"), ours, summary=NEW_SUMMARY)
    edit(as_("publisher"), ours, summary=NEW_SUMMARY + " Checked.")
    ours.refresh_from_db()
    assert ours.summary == "Edited by the publisher."  # added to the pending changes
    assert PendingChange.objects.get().content[0]["fields"]["summary_en"].endswith("Checked.")


def test_discarding_leaves_the_published_page_as_it_was(as_, world):
    ours = world["ours"]
    editor = as_("editor")
    edit(editor, ours, summary=NEW_SUMMARY)
    assert move(editor, ours, "discard").status_code == 302
    assert PendingChange.objects.get().state == PendingChange.State.DISCARDED
    assert editor.get(admin_url(ours)).context["adminform"].form.initial["summary_en"] == (
        LIVE_SUMMARY
    )


def test_a_draft_is_submitted_and_published_with_the_buttons(as_, make_partnership, world):
    draft = make_partnership(city_a=world["dresden"], state="draft")
    editor = as_("editor")
    assertContains(editor.get(admin_url(draft)), 'value="submit"')
    assert move(editor, draft, "submit", "Ready.").status_code == 302
    draft.refresh_from_db()
    assert draft.state == Partnership.State.IN_REVIEW
    assert move(as_("publisher"), draft, "publish").status_code == 302
    draft.refresh_from_db()
    assert draft.is_published and draft.published_by.username == "dresden-publisher"


@pytest.mark.parametrize("name", ["publish", "return"])
def test_an_editor_cannot_publish_or_return(as_, world, name):
    ours = world["ours"]
    editor = as_("editor")
    edit(editor, ours, summary=NEW_SUMMARY)
    move(editor, ours, "submit")
    assert move(editor, ours, name, "Looks fine to me.").status_code == 403
    assert PendingChange.objects.get().state == PendingChange.State.IN_REVIEW
    ours.refresh_from_db()
    assert ours.summary == LIVE_SUMMARY


@pytest.mark.parametrize("name", ["submit", "publish", "return", "discard", "comment"])
def test_another_city_s_publisher_reaches_nothing(as_, world, name):
    ours = world["ours"]
    edit(as_("editor"), ours, summary=NEW_SUMMARY)
    berlin = as_("berlin_publisher")
    assert berlin.get(admin_url(ours, "review")).status_code == 404
    assert move(berlin, ours, name, "Not mine.").status_code == 404
    assert berlin.get(admin_url(ours, "preview")).status_code == 404
    assert PendingChange.objects.get().state == PendingChange.State.DRAFT


def test_the_publishers_and_then_the_editor_are_told_by_e_mail(
    as_, world, smtp_server, django_capture_on_commit_callbacks
):
    """Submitting tells Dresden's publishers (not Berlin's); returning tells the editor, with
    the reviewer's comment and a link to the partnership."""
    ours = world["ours"]
    editor = as_("editor")
    edit(editor, ours, summary=NEW_SUMMARY)
    with django_capture_on_commit_callbacks(execute=True):
        move(editor, ours, "submit", "New summary, please check.")
    to_publishers = {tuple(to): message for to, message in smtp_server.inbox.messages}
    assert set(to_publishers) == {
        ("dresden-publisher@example.org",),
        ("dresden-publisher-2@example.org",),
    }
    body = to_publishers[("dresden-publisher@example.org",)].get_body(("plain",)).get_content()
    assert "New summary, please check." in body
    smtp_server.inbox.messages.clear()

    with django_capture_on_commit_callbacks(execute=True):
        move(as_("publisher"), ours, "return", "Please name the choir.")
    [(to, message)] = smtp_server.inbox.messages
    assert to == ["dresden-editor@example.org"]
    body = message.get_body(("plain",)).get_content()
    assert "Please name the choir." in body
    assert f"/admin/partnerships/partnership/{ours.pk}/change/" in body


# --- The desk on the admin home --------------------------------------------------------------


def desk_of(client):
    response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return response


def test_the_desk_shows_each_his_own_cities_work(as_, world, make_partnership, make_city):
    ours = world["ours"]
    theirs = make_partnership(
        city_a=world["berlin"], city_b=make_city(name="Beijing", country="CN"), state="draft"
    )
    edit(as_("editor"), ours, summary=NEW_SUMMARY)
    move(as_("editor"), ours, "submit", "New summary.")
    move(
        berlin_editor_client(as_, staff(EDITOR, world["berlin"], "berlin-editor")), theirs, "submit"
    )

    desk = desk_of(as_("publisher")).context
    assert [item.partnership for item in desk["awaiting_review"]] == [ours]
    desk = desk_of(as_("berlin_publisher")).context
    assert [item.partnership for item in desk["awaiting_review"]] == [theirs]
    # Editors have nothing to review.
    assertNotContains(desk_of(as_("editor")), "Awaiting your review")


def berlin_editor_client(as_, user):
    client = as_("berlin_publisher")
    client.force_login(user)
    return client


def test_the_editor_finds_the_returned_changes_with_the_comment(as_, world):
    ours = world["ours"]
    edit(as_("editor"), ours, summary=NEW_SUMMARY)
    move(as_("editor"), ours, "submit")
    move(as_("publisher"), ours, "return", "Please name the choir.")

    desk = desk_of(as_("editor"))
    [item] = desk.context["returned"]
    assert item.partnership == ours and item.message == "Please name the choir."
    assertContains(desk, "Please name the choir.")
    assert [i.partnership for i in desk.context["drafts"]] == [ours]
    # Someone else's return is not theirs.
    assert desk_of(as_("other_publisher")).context["returned"] == []


@pytest.mark.parametrize("size", [2, 30])
def test_the_desk_costs_the_same_queries_for_few_or_many(
    as_, people, world, make_partnership, make_city, django_assert_max_num_queries, size
):
    editor, publisher = people["editor"], people["publisher"]
    for n in range(size):
        partnership = make_partnership(
            city_a=world["dresden"], city_b=make_city(name=f"Partner {n}"), state="published"
        )
        review.keep_pending(partnership, editor, [])  # any content: only listed here
        review.submit(partnership, editor)
        if n % 2:
            review.return_for_changes(partnership, publisher, "Not yet.")
        if n % 3 == 0:  # overdue for review
            Partnership.objects.filter(pk=partnership.pk).update(
                review_by=datetime.date(2020, 1, 1)
            )
        if n % 3 == 1:
            review.schedule(partnership, publisher, timezone.now() + datetime.timedelta(days=n))
        if n % 4 == 0:  # silent for years
            partnership.milestones.create(
                date=datetime.date(2015, 5, 1), kind="agreement", title="Agreement"
            )
        make_partnership(city_a=world["dresden"], city_b=make_city(name=f"Draft {n}"))
    client = as_("publisher")
    with django_assert_max_num_queries(DESK_QUERIES):
        desk_of(client)
    client = as_("editor")
    with django_assert_max_num_queries(DESK_QUERIES):
        response = desk_of(client)
    assert len(response.context["returned"]) == min(size // 2, 15)
    assert len(response.context["due_for_review"]) == min((size + 2) // 3, 15)
    assert len(response.context["scheduled"]) == min((size + 1) // 3, 15)
    # …and the world's own partnership, silent since 2010.
    assert len(response.context["going_quiet"]) == min((size + 3) // 4 + 1, 15)


def test_the_desk_lists_partnerships_going_quiet_with_next_steps(
    as_, world, make_partnership, make_city, make_plan
):
    silent = make_partnership(city_a=world["dresden"], city_b=make_city(name="Silent"))
    silent.milestones.create(date=datetime.date(2015, 5, 1), kind="agreement", title="Signed")
    make_plan(silent, target_year=2019, status="planned")
    elsewhere = make_partnership(city_a=make_city(name="Far"), city_b=make_city(name="Away"))
    elsewhere.milestones.create(date=datetime.date(2015, 5, 1), kind="agreement", title="Signed")
    response = desk_of(as_("editor"))
    items = {item.partnership: item for item in response.context["going_quiet"]}
    assert set(items) == {silent, world["ours"]}  # their cities only, the longest silent first
    assert response.context["going_quiet"][0].partnership == world["ours"]
    item = items[silent]
    assert "1 plan overdue" in item.reason
    assertContains(response, "Ask the partner city whether the partnership goes on")
    assertContains(response, "Update the overdue plan: done, dropped, or a new target year.")


# --- Pending changes scheduled to go live ---------------------------------------------------


def test_pending_changes_go_live_at_the_time_a_publisher_set(as_, client, world):
    ours = world["ours"]
    edit(as_("editor"), ours, summary=NEW_SUMMARY)
    publisher = as_("publisher")
    start = timezone.now()
    at = (timezone.localtime(start) + datetime.timedelta(hours=2)).replace(second=0, microsecond=0)

    past = move(publisher, ours, "schedule", publish_at="2020-01-01T10:00")
    assert past.status_code == 400
    assert "This time has passed" in str(past.context["review_form"].errors)
    response = move(publisher, ours, "schedule", publish_at=at.strftime("%Y-%m-%dT%H:%M"))
    assert response.status_code == 302
    change = PendingChange.objects.get()
    assert change.go_live_at == at and change.scheduled_by.username == "dresden-publisher"
    # On the desk and in the month's calendar.
    assert [item.partnership for item in desk_of(publisher).context["scheduled"]] == [ours]
    calendar = publisher.get(
        reverse("admin:partnerships_partnership_calendar") + f"?month={at:%Y-%m}"
    )
    assertContains(calendar, "changes go live:")

    with time_machine.travel(at - datetime.timedelta(minutes=1)):
        assert scheduling.publish_due() == []
    ours.refresh_from_db()
    assert ours.summary == LIVE_SUMMARY
    with time_machine.travel(at + datetime.timedelta(seconds=30)):
        [outcome] = scheduling.publish_due()
        assert scheduling.publish_due() == []  # done once
    assert outcome.action == outcome.PUBLISHED
    ours.refresh_from_db()
    assert ours.summary == NEW_SUMMARY and ours.published_by.username == "dresden-publisher"
    assert PendingChange.objects.get().state == PendingChange.State.PUBLISHED
    client.logout()
    assertContains(public_page(client, ours), "new choir exchange")


def test_an_editor_cannot_schedule(as_, world):
    ours = world["ours"]
    editor = as_("editor")
    edit(editor, ours, summary=NEW_SUMMARY)
    assertNotContains(editor.get(admin_url(ours)), 'value="schedule"')
    later = (timezone.localtime() + datetime.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    assert move(editor, ours, "schedule", publish_at=later).status_code == 403
    assert PendingChange.objects.get().go_live_at is None


def test_a_link_to_a_record_deleted_since_is_emptied(as_, world, make_plan, make_focus_area):
    """A plan's focus area deleted after the plan's change was kept pending: the pending
    version loses the link (as the live plan did) instead of failing when published."""
    ours = world["ours"]
    flood = make_focus_area(name="Flood protection")
    plan = make_plan(ours, title="Dyke seminar")
    editor = as_("editor")
    url = admin_url(ours)
    data = posted(editor.get(url))
    data["plans-0-focus_area"] = str(flood.pk)
    assert editor.post(url, data).status_code == 302
    flood.delete()

    assert editor.get(url).status_code == 200
    review.publish(ours, world_publisher(ours))
    plan.refresh_from_db()
    assert plan.focus_area is None


def world_publisher(partnership):
    return get_user_model().objects.get(username="dresden-publisher")


def test_pending_changes_that_cannot_be_written_back_can_still_be_discarded(as_, world, make_city):
    """The partner city chosen in the pending changes was deleted since: the pending version
    cannot be shown; the editor is sent to the comparison (not round in circles), told why,
    and may discard it."""
    ours = world["ours"]
    moved = make_city(name="Suzhou", country="CN")
    editor = as_("editor")
    edit(editor, ours, city_b=str(moved.pk))
    moved.delete()

    response = editor.get(admin_url(ours))
    assert response.status_code == 302 and response.url == admin_url(ours, "review")
    page = editor.get(response.url)
    assert page.status_code == 200
    assertContains(page, "could not be written back")
    assertContains(page, 'value="discard"')
    assert move(editor, ours, "discard").status_code == 302
    assert PendingChange.objects.get().state == PendingChange.State.DISCARDED
    assert editor.get(admin_url(ours)).status_code == 200


def test_the_list_actions_submit_and_publish_pending_changes_too(as_, world):
    ours = world["ours"]
    edit(as_("editor"), ours, summary=NEW_SUMMARY)
    changelist = reverse("admin:partnerships_partnership_changelist")
    as_("editor").post(changelist, {"action": "submit_for_review", "_selected_action": [ours.pk]})
    assert PendingChange.objects.get().state == PendingChange.State.IN_REVIEW
    as_("publisher").post(changelist, {"action": "publish", "_selected_action": [ours.pk]})
    ours.refresh_from_db()
    assert ours.summary == NEW_SUMMARY
    assert [note.action for note in ReviewNote.objects.all()] == ["saved", "submitted", "published"]


def test_saving_without_a_change_keeps_nothing_pending(as_, world):
    """A browser sends an untouched text box's line breaks as CRLF: still no change."""
    ours = world["ours"]
    Partnership.objects.filter(pk=ours.pk).update(character_en="First.\n\nSecond.")
    editor = as_("editor")
    url = admin_url(ours)
    data = posted(editor.get(url))
    data["character_en"] = data["character_en"].replace("\n", "\r\n")
    response = editor.post(url, data, follow=True)
    assert not PendingChange.objects.exists()
    assertContains(response, "Nothing was changed")


def test_records_published_from_pending_changes_are_stamped_at_publication(as_, world):
    """The feeds date entries by a record's created_at and updated_at: a record added or
    changed in pending changes is new or changed when it goes live, not when it was drafted;
    an untouched one keeps its stamps."""
    ours = world["ours"]
    festival = Activity.objects.get(partnership=ours, title="Choir festival")
    agreement = Milestone.objects.get(partnership=ours, title="Agreement")
    drafted = timezone.now() + datetime.timedelta(days=1)
    published = drafted + datetime.timedelta(days=1)
    with time_machine.travel(drafted, tick=False):
        editor = as_("editor")
        response = editor.post(
            reverse("admin:partnerships_activity_add"),
            {
                "partnership": ours.pk,
                **in_english(Activity, {"title": "Lantern exhibition"}),
                "kind": Activity.Kind.EXHIBITION,
                "start_date": "2027-02-10",
            },
        )
        assert response.status_code == 302
        data = posted(editor.get(admin_url(festival)))
        data.update(in_english(Activity, {"title": "Choir and orchestra festival"}))
        assert editor.post(admin_url(festival), data).status_code == 302
    with time_machine.travel(published, tick=False):
        assert move(as_("publisher"), ours, "publish").status_code == 302

    lantern = Activity.objects.get(partnership=ours, title="Lantern exhibition")
    assert lantern.created_at == lantern.updated_at == published
    changed = Activity.objects.get(pk=festival.pk)
    assert changed.title == "Choir and orchestra festival"
    assert (changed.created_at, changed.updated_at) == (festival.created_at, published)
    untouched = Milestone.objects.get(pk=agreement.pk)
    assert (untouched.created_at, untouched.updated_at) == (
        agreement.created_at,
        agreement.updated_at,
    )
