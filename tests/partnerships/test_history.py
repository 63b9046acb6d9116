"""History in the admin: who changed what and when, compare, revert, recover; all within scope."""

import datetime

import pytest
from django.contrib.auth.models import Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects
from reversion.models import Revision, Version

from cities.models import City
from history.admin import BASELINE_COMMENT
from partnerships.models import (
    Activity,
    Milestone,
    Partnership,
    PartnershipFigure,
    Plan,
    Source,
)
from tests.translations import in_english

PARTNERSHIP_MODELS = [Partnership, Milestone, Activity, Plan, Source, PartnershipFigure]


def url(view, *args, model=Partnership):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def compare_url(obj, old, new):
    return f"{url('compare', obj.pk, model=type(obj))}?old={old.pk}&new={new.pk}"


def posted(response):
    """What a browser posts back from the admin form in `response` when "Save" is pressed."""
    data = {}

    def add(form):
        for bound in form:
            value = bound.value()
            if value is None or value is False:
                continue
            if value is True:
                data[bound.html_name] = "on"
            elif isinstance(value, list | tuple):
                data[bound.html_name] = [str(item) for item in value]
            else:
                data[bound.html_name] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        add(inline.formset.management_form)
        for form in inline.formset.forms:
            add(form)
    return data


def versions_of(obj):
    """Newest first."""
    return list(Version.objects.get_for_object(obj).select_related("revision__user"))


def change(client, obj, **fields):
    """Change `obj` through its admin form, as a member of staff would."""
    change_url = url("change", obj.pk, model=type(obj))
    data = posted(client.get(change_url))
    data.update(in_english(type(obj), fields))
    response = client.post(change_url, data)
    assert response.status_code == 302, response.context and response.context.get("errors")
    return response


@pytest.fixture
def partnership(make_city, make_partnership, make_milestone, make_activity):
    """Dresden–Hangzhou, published, loaded without history (as fixtures and imports are)."""
    partnership = make_partnership(
        city_a=make_city(name="Dresden", slug="dresden"),
        city_b=make_city(name="Hangzhou", slug="hangzhou", country="CN"),
        summary="Two cities on two rivers.",
        kind=Partnership.Kind.TWINNING,
    )
    make_milestone(partnership, title="Letter of intent", date=datetime.date(2008, 1, 1))
    make_activity(partnership, title="Choir exchange")
    return partnership


def make_staff(city, *, publish=False, username="editor"):
    """A staff member looking after `city`: may view, add, change and delete partnership
    records (and publish them, if `publish`)."""
    user = User.objects.create_user(username, password="not-used-here", is_staff=True)
    codenames = [
        f"{action}_{model._meta.model_name}"
        for model in PARTNERSHIP_MODELS
        for action in ("view", "add", "change", "delete")
    ]
    if publish:
        codenames.append("publish_partnership")
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="partnerships", codename__in=codenames)
    )
    city.staff.add(user)
    return user


@pytest.fixture
def editor_of(client):
    """A client logged in as an editor of the given city."""

    def login(city, **kwargs):
        client.force_login(make_staff(city, **kwargs))
        return client

    return login


# --- Every change is kept, with who, when and what --------------------------------------------


class TestRecording:
    def test_change_through_the_form_records_parent_and_parts(self, admin_client, partnership):
        milestone = partnership.milestones.get()
        change(
            admin_client,
            partnership,
            summary="Two cities, one river each.",
            **{"milestones-0-title": "Memorandum of friendship"},
        )

        latest, baseline = versions_of(partnership)
        assert str(baseline.revision.comment) == str(BASELINE_COMMENT)
        assert baseline.field_dict["summary"] == "Two cities on two rivers."
        assert latest.revision.user.username == "admin"
        assert "Summary" in latest.revision.get_comment()
        assert "milestone" in latest.revision.get_comment()
        assert latest.field_dict["summary"] == "Two cities, one river each."
        stored_milestone = latest.revision.version_set.get(
            content_type=ContentType.objects.get_for_model(Milestone), object_id=milestone.pk
        )
        assert stored_milestone.field_dict["title"] == "Memorandum of friendship"
        # The whole partnership is in the revision: every part, changed or not.
        assert latest.revision.version_set.count() == 3

    def test_a_part_changed_on_its_own_page(self, admin_client, partnership):
        activity = partnership.activities.get()
        change(admin_client, activity, title="Choir and orchestra exchange")

        (latest, baseline) = versions_of(activity)
        assert latest.revision.user.username == "admin"
        assert latest.field_dict["title"] == "Choir and orchestra exchange"
        assert baseline.field_dict["title"] == "Choir exchange"

    def test_workflow_moves_are_revisions_of_their_own(self, admin_client, make_partnership):
        drafts = [make_partnership(state="draft") for _ in range(2)]
        admin_client.post(
            url("changelist"),
            {"action": "publish", "_selected_action": [p.pk for p in drafts]},
        )
        for draft in drafts:
            latest, baseline = versions_of(draft)
            assert latest.revision.comment == "Published."
            assert latest.revision.user.username == "admin"
            assert latest.field_dict["state"] == "published"
            assert baseline.field_dict["state"] == "draft"
            assert latest.revision.version_set.count() == 1  # this partnership only

    def test_refused_moves_record_no_change(self, admin_client, make_partnership):
        published = make_partnership(state="published")
        admin_client.post(
            url("changelist"), {"action": "publish", "_selected_action": [published.pk]}
        )
        assert [v.revision.comment for v in versions_of(published)] == [str(BASELINE_COMMENT)]

    def test_showing_pages_records_nothing(self, admin_client, partnership):
        for page in ["changelist", "add"]:
            admin_client.get(url(page))
        admin_client.get(url("change", partnership.pk))
        admin_client.get(url("history", partnership.pk))
        assert not Revision.objects.exists()

    def test_loading_fixtures_records_nothing(self, db):
        from django.core.management import call_command

        call_command("load_demo", verbosity=0)
        assert Partnership.objects.exists()
        assert not Revision.objects.exists()


# --- History page and compare -----------------------------------------------------------------


class TestHistoryAndCompare:
    def test_history_lists_who_when_and_what(self, admin_client, partnership):
        change(admin_client, partnership, summary="New summary.")
        latest, baseline = versions_of(partnership)

        response = admin_client.get(url("history", partnership.pk))

        assertContains(response, "admin")
        assertContains(response, "Changed Summary (English).")
        assertContains(response, str(BASELINE_COMMENT))
        assertContains(response, url("revision", partnership.pk, latest.pk))
        assertContains(response, f'name="old" value="{baseline.pk}"')
        assertContains(response, f'name="new" value="{latest.pk}"')
        assertContains(response, url("compare", partnership.pk))

    def test_compare_shows_fields_readably(self, admin_client, partnership, make_focus_area):
        culture = make_focus_area(name="Culture")
        change(
            admin_client,
            partnership,
            kind=Partnership.Kind.FRIENDSHIP,
            focus_areas=[str(culture.pk)],
            summary="Two cities on three rivers.",
        )
        latest, baseline = versions_of(partnership)

        response = admin_client.get(compare_url(partnership, baseline, latest))

        changes = {c.label: c for c in response.context["changes"]}
        assert set(changes) == {"Kind", "Focus areas", "Summary (English)"}
        assert (changes["Kind"].old, changes["Kind"].new) == (
            "Twinning / sister cities",
            "Friendship",
        )
        assert (changes["Focus areas"].old, changes["Focus areas"].new) == ("—", "Culture")
        assertContains(response, "Twinning / sister cities")
        assertContains(response, "<del>two</del><ins>three</ins>", html=False)

    def test_compare_lists_parts_added_removed_and_changed(self, admin_client, partnership):
        change(
            admin_client,
            partnership,
            **{
                "milestones-0-title": "Memorandum",
                "activities-0-DELETE": "on",
                "sources-TOTAL_FORMS": "1",
                "sources-0-title": "Case study",
            },
        )
        latest, baseline = versions_of(partnership)

        response = admin_client.get(compare_url(partnership, latest, baseline))  # either order

        parts = {p.label: p for p in response.context["part_changes"]}
        assert parts["Activities"].removed == ["Choir exchange"]
        assert parts["Sources"].added == ["Case study"]
        ((name, changes),) = parts["Milestones"].changed
        assert [c.label for c in changes] == ["Title (English)"]
        assertContains(response, "<del>Letter of intent</del><ins>Memorandum</ins>", html=False)

    def test_compare_escapes_hostile_text(self, admin_client, partnership):
        hostile = '<script>alert(1)</script> <img src=x onerror="alert(2)">'
        change(admin_client, partnership, summary=hostile, **{"milestones-0-title": hostile})
        latest, baseline = versions_of(partnership)

        response = admin_client.get(compare_url(partnership, baseline, latest))

        assertNotContains(response, "<script>alert(1)")
        assertNotContains(response, "<img src=x")
        assertContains(response, "&lt;script&gt;alert(1)&lt;/script&gt;")

    def test_compare_needs_two_versions_of_this_record(
        self, admin_client, partnership, make_partnership
    ):
        other = make_partnership(city_a=partnership.city_b)
        change(admin_client, partnership, summary="Changed.")
        change(admin_client, other, summary="Other.")
        mine = versions_of(partnership)[0]
        theirs = versions_of(other)[0]

        assert admin_client.get(compare_url(partnership, mine, theirs)).status_code == 404
        assert admin_client.get(url("compare", partnership.pk)).status_code == 404
        bad = f"{url('compare', partnership.pk)}?old=x&new={mine.pk}"
        assert admin_client.get(bad).status_code == 404

    def test_history_of_a_city(self, admin_client, make_city, make_city_figure):
        city = make_city(name="Dresden", summary="On the Elbe.")
        make_city_figure(city, label="Inhabitants", value=556000)
        change(admin_client, city, summary="On the river Elbe.")
        latest, baseline = versions_of(city)

        response = admin_client.get(compare_url(city, baseline, latest))

        assertContains(response, "<ins>river </ins>", html=False)
        assert latest.revision.version_set.count() == 2  # the city and its key figure

    def test_a_part_lists_only_its_own_changes(self, admin_client, partnership):
        """A part is stored with its partnership each time; its history skips the repeats."""
        activity = partnership.activities.get()
        change(admin_client, partnership, summary="One.")
        change(admin_client, partnership, summary="Two.")
        change(admin_client, activity, title="Renamed.")

        response = admin_client.get(url("history", activity.pk, model=Activity))

        comments = [row["revision"].comment for row in response.context["action_list"]]
        assert comments[0] == "Changed Title (English)."
        assert comments[1:] == [str(BASELINE_COMMENT)]


# --- Revert -------------------------------------------------------------------------------------


class TestRevert:
    def test_revert_restores_the_partnership_and_its_parts(self, admin_client, partnership):
        milestone = partnership.milestones.get()
        activity = partnership.activities.get()
        change(
            admin_client,
            partnership,
            summary="Rewritten.",
            **{
                "milestones-0-title": "Renamed milestone",
                "activities-0-DELETE": "on",
                "sources-TOTAL_FORMS": "1",
                "sources-0-title": "Added later",
            },
        )
        assert not partnership.activities.exists()
        baseline = versions_of(partnership)[-1]
        revision_url = url("revision", partnership.pk, baseline.pk)

        page = admin_client.get(revision_url)
        assertContains(page, "Two cities on two rivers.")
        partnership.refresh_from_db()
        assert partnership.summary == "Rewritten."  # showing a version changes nothing
        assert not partnership.activities.exists()

        response = admin_client.post(revision_url, posted(page))

        assertRedirects(response, url("changelist"))
        partnership.refresh_from_db()
        assert partnership.summary == "Two cities on two rivers."
        assert partnership.milestones.get().title == "Letter of intent"
        assert partnership.milestones.get().pk == milestone.pk
        assert partnership.activities.get().pk == activity.pk
        assert not partnership.sources.exists()
        latest = versions_of(partnership)[0]
        assert latest.revision.comment.startswith("Reverted to the version of")
        assert latest.revision.user.username == "admin"

    def test_revert_keeps_the_publication_state(self, admin_client, make_partnership):
        partnership = make_partnership(state="draft", summary="Draft text.")
        change(admin_client, partnership, summary="Better text.")
        admin_client.post(
            url("changelist"), {"action": "publish", "_selected_action": [partnership.pk]}
        )
        partnership.refresh_from_db()
        published_at = partnership.published_at
        draft_version = versions_of(partnership)[-1]
        assert draft_version.field_dict["state"] == "draft"
        revision_url = url("revision", partnership.pk, draft_version.pk)

        admin_client.post(revision_url, posted(admin_client.get(revision_url)))

        partnership.refresh_from_db()
        assert partnership.summary == "Draft text."
        assert partnership.state == Partnership.State.PUBLISHED
        assert partnership.published_at == published_at
        assert partnership.published_by.username == "admin"

    def test_an_editor_cannot_publish_by_reverting(self, admin_client, editor_of, make_partnership):
        partnership = make_partnership(state="draft", summary="First.")
        admin_client.post(
            url("changelist"), {"action": "publish", "_selected_action": [partnership.pk]}
        )
        admin_client.post(
            url("changelist"), {"action": "unpublish", "_selected_action": [partnership.pk]}
        )
        published_version = versions_of(partnership)[1]
        assert published_version.field_dict["state"] == "published"
        client = editor_of(partnership.city_a)
        revision_url = url("revision", partnership.pk, published_version.pk)

        page = client.get(revision_url)
        assert page.context["adminform"].form.instance.state == Partnership.State.DRAFT
        response = client.post(revision_url, posted(page))

        assertRedirects(response, url("changelist"))
        partnership.refresh_from_db()
        assert partnership.state == Partnership.State.DRAFT
        assert partnership.published_at is None
        assert not partnership.is_featured

    def test_an_editor_cannot_revert_a_published_partnership(
        self, admin_client, editor_of, partnership
    ):
        change(admin_client, partnership, summary="Approved text.")
        baseline = versions_of(partnership)[-1]
        client = editor_of(partnership.city_a)
        revision_url = url("revision", partnership.pk, baseline.pk)

        page = client.get(revision_url)  # may look at it…
        assert page.status_code == 200
        data = posted(page)
        assert client.post(revision_url, data).status_code == 403  # …not save it

        partnership.refresh_from_db()
        assert partnership.summary == "Approved text."

    def test_a_version_of_another_record_is_not_found(self, admin_client, partnership):
        change(admin_client, partnership.city_a, summary="Changed.")
        change(admin_client, partnership, summary="Changed.")
        city_version = versions_of(partnership.city_a)[0]
        # The city's version id under the partnership's address (and under another object id).
        assert admin_client.get(url("revision", partnership.pk, city_version.pk)).status_code == 404
        assert (
            admin_client.post(url("revision", partnership.pk, city_version.pk), {}).status_code
            == 404
        )

    def test_the_revert_page_says_what_is_kept(self, admin_client, partnership):
        change(admin_client, partnership, summary="Changed.")
        baseline = versions_of(partnership)[-1]
        page = admin_client.get(url("revision", partnership.pk, baseline.pk))
        assertContains(page, "Its publication stays as it is now")

    def test_reverting_a_city_never_touches_its_staff(
        self, admin_client, client, make_city, make_city_figure
    ):
        """Staff assignments are permissions, not content: no version holds them."""
        city = make_city(name="Dresden", summary="On the Elbe.")
        figure = make_city_figure(city, label="Inhabitants", value=556000)
        editor = make_staff(city)
        editor.user_permissions.add(
            *Permission.objects.filter(
                content_type__app_label="cities",
                codename__in=["view_city", "change_city", "view_cityfigure", "change_cityfigure"]
                + ["add_cityfigure", "delete_cityfigure"],
            )
        )
        former = User.objects.create_user("former", is_staff=True)
        city.staff.add(former)
        change(admin_client, city, summary="Changed.", **{"figures-0-DELETE": "on"})
        city.staff.remove(former)
        baseline = versions_of(city)[-1]
        assert "staff" not in baseline.field_dict
        client.force_login(editor)
        revision_url = url("revision", city.pk, baseline.pk, model=City)

        response = client.post(revision_url, posted(client.get(revision_url)))

        assertRedirects(response, url("changelist", model=City))
        city.refresh_from_db()
        assert city.summary == "On the Elbe."
        assert list(city.figures.all()) == [figure]
        assert list(city.staff.all()) == [editor]


# --- Delete and recover -----------------------------------------------------------------------


class TestDeleteAndRecover:
    def delete(self, client, partnership):
        response = client.post(url("delete", partnership.pk), {"post": "yes"})
        assertRedirects(response, url("changelist"))
        assert not Partnership.objects.filter(pk=partnership.pk).exists()

    def test_a_deleted_partnership_comes_back_with_its_parts(self, admin_client, partnership):
        pk = partnership.pk
        milestone = partnership.milestones.get()
        activity = partnership.activities.get()
        self.delete(admin_client, partnership)
        assert not Milestone.objects.exists()

        listing = admin_client.get(url("recoverlist"))
        (deleted,) = listing.context["deleted"]
        assertContains(listing, "Dresden – Hangzhou")
        assert deleted.revision.comment == "Deleted."
        assert deleted.revision.user.username == "admin"
        recover_url = url("recover", deleted.pk)
        page = admin_client.get(recover_url)
        assert not Partnership.objects.filter(pk=pk).exists()  # showing it restores nothing
        response = admin_client.post(recover_url, posted(page))

        assertRedirects(response, url("changelist"))
        recovered = Partnership.objects.get(pk=pk)
        assert recovered.summary == "Two cities on two rivers."
        assert recovered.state == Partnership.State.PUBLISHED  # a superuser may publish
        assert list(recovered.milestones.all()) == [milestone]
        assert list(recovered.activities.all()) == [activity]
        assert admin_client.get(url("recoverlist")).context["deleted"] == []

    def test_the_delete_selected_action_keeps_each_partnership_apart(
        self, admin_client, make_partnership
    ):
        doomed = [make_partnership() for _ in range(2)]
        admin_client.post(
            url("changelist"),
            {
                "action": "delete_selected",
                "_selected_action": [p.pk for p in doomed],
                "post": "yes",
            },
        )
        assert not Partnership.objects.exists()
        deleted = admin_client.get(url("recoverlist")).context["deleted"]
        assert len(deleted) == 2
        assert len({version.revision_id for version in deleted}) == 2

    def test_an_editor_gets_a_published_partnership_back_as_a_draft(
        self, admin_client, editor_of, partnership
    ):
        self.delete(admin_client, partnership)
        client = editor_of(partnership.city_a)
        (deleted,) = client.get(url("recoverlist")).context["deleted"]
        recover_url = url("recover", deleted.pk)

        client.post(recover_url, posted(client.get(recover_url)))

        recovered = Partnership.objects.get(pk=partnership.pk)
        assert recovered.state == Partnership.State.DRAFT
        assert recovered.published_at is None
        assert recovered.milestones.exists()

    def test_a_part_deleted_on_its_own_page_comes_back(self, admin_client, partnership):
        milestone = partnership.milestones.get()
        admin_client.post(url("delete", milestone.pk, model=Milestone), {"post": "yes"})
        (deleted,) = admin_client.get(url("recoverlist", model=Milestone)).context["deleted"]
        recover_url = url("recover", deleted.pk, model=Milestone)

        admin_client.post(recover_url, posted(admin_client.get(recover_url)))

        assert partnership.milestones.get().title == "Letter of intent"


# --- Scope: another city's records answer 404 on every history view ---------------------------


class TestScope:
    @pytest.fixture
    def theirs(self, admin_client, make_city, make_partnership):
        """City B's partnership, with two versions; and an editor of city A logged in."""
        partnership = make_partnership(
            city_a=make_city(name="Berlin"), city_b=make_city(name="Beijing"), state="draft"
        )
        change(admin_client, partnership, summary="Changed once.")
        return partnership

    @pytest.fixture
    def editor(self, editor_of, make_city):
        return editor_of(make_city(name="Dresden"))

    def test_every_history_view_answers_404(self, editor, theirs):
        latest, baseline = versions_of(theirs)
        for address in [
            url("history", theirs.pk),
            compare_url(theirs, baseline, latest),
            url("revision", theirs.pk, baseline.pk),
        ]:
            assert editor.get(address).status_code == 404, address
            assert editor.post(address, {"summary": "Hijacked."}).status_code == 404, address
        theirs.refresh_from_db()
        assert theirs.summary == "Changed once."

    def test_their_deleted_partnership_is_neither_listed_nor_recoverable(
        self, admin_client, editor, theirs, make_partnership
    ):
        (own_city,) = City.objects.filter(name="Dresden")
        mine = make_partnership(city_a=own_city, state="draft")
        for partnership in [theirs, mine]:
            admin_client.post(url("delete", partnership.pk), {"post": "yes"})
        deleted = {v.object_id: v for v in Version.objects.get_deleted(Partnership)}

        listing = editor.get(url("recoverlist"))

        assert [v.object_id for v in listing.context["deleted"]] == [str(mine.pk)]
        assertNotContains(listing, "Berlin")
        recover_url = url("recover", deleted[str(theirs.pk)].pk)
        assert editor.get(recover_url).status_code == 404
        assert editor.post(recover_url, {"summary": "Hijacked."}).status_code == 404
        assert not Partnership.objects.filter(pk=theirs.pk).exists()

    def test_a_part_of_their_partnership_answers_404(
        self, admin_client, editor, theirs, make_milestone
    ):
        kept, doomed = make_milestone(theirs), make_milestone(theirs)
        change(admin_client, kept, title="Changed.")
        admin_client.post(url("delete", doomed.pk, model=Milestone), {"post": "yes"})
        (deleted,) = Version.objects.get_deleted(Milestone)
        version = versions_of(kept)[0]
        for address in [
            url("history", kept.pk, model=Milestone),
            url("revision", kept.pk, version.pk, model=Milestone),
            compare_url(kept, version, version),
            url("recover", deleted.pk, model=Milestone),
        ]:
            assert editor.get(address).status_code == 404, address
            assert editor.post(address, {"title": "Hijacked."}).status_code == 404, address
        assert editor.get(url("recoverlist", model=Milestone)).context["deleted"] == []

    def test_a_version_from_before_it_was_theirs_answers_404(self, admin_client, editor, theirs):
        """Their partnership, since moved to the editor's city: its old versions stay out."""
        (own_city,) = City.objects.filter(name="Dresden")
        old_version = versions_of(theirs)[0]
        change(admin_client, theirs, city_a=str(own_city.pk))
        address = url("revision", theirs.pk, old_version.pk)
        assert editor.get(url("history", theirs.pk)).status_code == 200
        assert editor.get(address).status_code == 404
        assert editor.post(address, {}).status_code == 404
        theirs.refresh_from_db()
        assert theirs.city_a == own_city
        # Nor can it be compared with today's: that would show what it said back then.
        current = versions_of(theirs)[0]
        assert editor.get(compare_url(theirs, current, current)).status_code == 200
        response = editor.get(compare_url(theirs, old_version, current))
        assert response.status_code == 404
        assertNotContains(response, "Berlin", status_code=404)

    def test_a_city_they_do_not_look_after(self, admin_client, editor, theirs):
        city = theirs.city_a
        change(admin_client, city, summary="Changed.")
        version = versions_of(city)[0]
        city_url = reverse("admin:cities_city_history", args=[city.pk])
        revision_url = reverse("admin:cities_city_revision", args=[city.pk, version.pk])
        for address in [city_url, revision_url, compare_url(city, version, version)]:
            assert editor.get(address).status_code in (403, 404), address
            assert editor.post(address, {}).status_code in (403, 404), address

    def test_a_revision_of_their_partnership_cannot_be_reached_through_mine(
        self, admin_client, editor, theirs, make_partnership
    ):
        (own_city,) = City.objects.filter(name="Dresden")
        mine = make_partnership(city_a=own_city, state="draft")
        change(admin_client, mine, summary="Mine.")
        their_version = versions_of(theirs)[0]
        address = url("revision", mine.pk, their_version.pk)
        assert editor.get(address).status_code == 404
        assert editor.post(address, {}).status_code == 404


# --- Query counts -----------------------------------------------------------------------------


@pytest.mark.parametrize("changes", [3, 30])
def test_history_page_queries_do_not_grow_with_versions(admin_client, partnership, changes):
    import reversion

    for n in range(changes):
        with reversion.create_revision():
            reversion.set_comment(f"Change {n}")
            partnership.summary = f"Version {n}"
            partnership.save()
    ContentType.objects.clear_cache()
    admin_client.get(url("history", partnership.pk))  # warm the session and content types
    with CaptureQueriesContext(connection) as queries:
        response = admin_client.get(url("history", partnership.pk))
    assert response.status_code == 200
    assert len(response.context["action_list"]) == changes
    assert len(queries) == HISTORY_QUERIES


HISTORY_QUERIES = 5
