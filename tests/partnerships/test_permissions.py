"""Who may do what in the admin: role × action × ownership.

Dresden's office (editor and publisher assigned to Dresden) works on Dresden–Hangzhou and must
not see or touch Berlin–Beijing; editors submit, publishers publish.
"""

from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from partnerships.models import (
    Activity,
    Milestone,
    Partnership,
    PartnershipFigure,
    PendingChange,
    Plan,
    Source,
)
from twinning.roles import EDITOR, PUBLISHER, setup_roles

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(make_city, make_partnership, make_activity, make_milestone):
    setup_roles()
    dresden = make_city(name="Dresden", slug="dresden")
    hangzhou = make_city(name="Hangzhou", slug="hangzhou", country="CN")
    berlin = make_city(name="Berlin", slug="berlin")
    beijing = make_city(name="Beijing", slug="beijing", country="CN")
    ours = make_partnership(city_a=dresden, city_b=hangzhou, state="draft")
    theirs = make_partnership(city_a=berlin, city_b=beijing, state="draft")
    return {
        "dresden": dresden,
        "berlin": berlin,
        "ours": ours,
        "theirs": theirs,
        "our_activity": make_activity(ours, title="Choir festival"),
        "their_activity": make_activity(theirs, title="Film week"),
        "their_milestone": make_milestone(theirs, title="Agreement of 1994"),
    }


def staff(role, city, name):
    user = get_user_model().objects.create_user(name, password="x-Very-long-pass-42", is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    user.assigned_cities.add(city)
    return user


@pytest.fixture
def editor(client, world):
    client.force_login(staff(EDITOR, world["dresden"], "dresden-editor"))
    return client


@pytest.fixture
def publisher(client, world):
    client.force_login(staff(PUBLISHER, world["dresden"], "dresden-publisher"))
    return client


def url(obj, view="change"):
    meta = obj._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=[obj.pk])


def preview_url(partnership):
    return reverse("admin:partnerships_partnership_preview", args=[partnership.pk])


def changelist(model):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


# --- Another city's records are invisible and unreachable ------------------------------------


@pytest.mark.parametrize("role", ["editor", "publisher"])
@pytest.mark.parametrize("view", ["change", "delete", "history", "preview"])
@pytest.mark.parametrize("method", ["get", "post"])
def test_another_citys_partnership_is_not_found(request, world, role, view, method):
    client = request.getfixturevalue(role)
    theirs = world["theirs"]
    address = preview_url(theirs) if view == "preview" else url(theirs, view)
    data = {"post": "yes"} if view == "delete" else {"summary": "Hijacked"}
    response = getattr(client, method)(address, data if method == "post" else None)
    assert response.status_code in (403, 404)
    theirs.refresh_from_db()
    assert theirs.summary != "Hijacked"
    assert Partnership.objects.filter(pk=theirs.pk).exists()


@pytest.mark.parametrize("key", ["their_activity", "their_milestone"])
@pytest.mark.parametrize("view", ["change", "delete", "history"])
def test_another_citys_children_are_not_found(editor, world, key, view):
    obj = world[key]
    assert editor.get(url(obj, view)).status_code == 404
    assert editor.post(url(obj, view), {"post": "yes", "title": "Hijacked"}).status_code == 404
    assert type(obj).objects.filter(pk=obj.pk).exclude(title="Hijacked").exists()


def test_another_city_is_not_found(editor, world):
    assert editor.get(url(world["berlin"])).status_code == 404
    assert editor.post(url(world["berlin"]), {"name": "Hijacked"}).status_code == 404
    assert editor.get(url(world["dresden"])).status_code == 200


@pytest.mark.parametrize(
    ("model", "visible", "hidden"),
    [
        (Partnership, "Dresden – Hangzhou", "Berlin – Beijing"),
        (Activity, "Choir festival", "Film week"),
        (Milestone, None, "Agreement of 1994"),
    ],
)
def test_lists_and_search_show_only_own_cities(editor, world, model, visible, hidden):
    response = editor.get(changelist(model))
    assert response.status_code == 200
    if visible:
        assertContains(response, visible)
    assertNotContains(response, hidden)
    searched = editor.get(changelist(model), {"q": "Berlin"})
    assert list(searched.context["cl"].result_list) == []


def test_city_list_shows_own_cities_and_their_unattended_partners(editor, world):
    """Hangzhou has no staff: Dresden's office fills it in (tests/cities/test_partner_cities.py);
    Berlin and Beijing are another office's."""
    response = editor.get(changelist(type(world["dresden"])))
    assert [c.name for c in response.context["cl"].result_list] == ["Dresden", "Hangzhou"]


def test_partnership_autocomplete_offers_only_own_partnerships(editor, world):
    response = editor.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "partnerships",
            "model_name": "activity",
            "field_name": "partnership",
            "term": "",
        },
    )
    titles = [item["text"] for item in response.json()["results"]]
    assert titles == ["Dresden – Hangzhou"]


def test_partner_city_chooser_offers_every_city(editor, world):
    """A partner city can be anywhere, so the partnership's city chooser finds Berlin too."""
    response = editor.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "partnerships",
            "model_name": "partnership",
            "field_name": "city_b",
            "term": "Ber",
        },
    )
    assert [item["text"] for item in response.json()["results"]] == ["Berlin (DE)"]


def test_country_filter_lists_only_own_countries(editor, world, make_partnership, make_city):
    make_partnership(city_a=make_city(name="Lyon", country="FR"), city_b=world["berlin"])
    response = editor.get(changelist(Partnership))
    assertNotContains(response, "France")


# --- Adding across the boundary --------------------------------------------------------------


def test_activity_cannot_be_added_to_another_citys_partnership(editor, world):
    response = editor.post(
        reverse("admin:partnerships_activity_add"),
        {
            "partnership": world["theirs"].pk,
            "title": "Sneaked in",
            "kind": "exchange",
        },
    )
    assert response.status_code == 200
    assert "partnership" in response.context["adminform"].form.errors
    assert not Activity.objects.filter(title="Sneaked in").exists()


def test_plan_inline_cannot_point_at_another_citys_activity(editor, world):
    from tests.partnerships.test_admin import partnership_form_data

    ours = world["ours"]
    data = partnership_form_data(
        ours.city_a,
        ours.city_b,
        inlines={
            "plans": [
                {
                    "title": "Borrowed",
                    "status": "planned",
                    "activities": [world["their_activity"].pk],
                }
            ]
        },
    )
    response = editor.post(url(ours), data)
    assert response.status_code == 200
    assert not Plan.objects.filter(title="Borrowed").exists()


def test_partnership_between_two_other_cities_is_refused(editor, world, make_city):
    from tests.partnerships.test_admin import partnership_form_data

    data = partnership_form_data(world["berlin"], make_city(name="Paris", country="FR"))
    response = editor.post(reverse("admin:partnerships_partnership_add"), data)
    assert response.status_code == 200
    assertContains(response, "only record partnerships that involve one of your cities")
    assert not Partnership.objects.filter(city_b__name="Paris").exists()


def test_partnership_of_own_city_with_any_partner_is_recorded(editor, world, make_city):
    """The other side of the rule above: one of the editor's cities is enough."""
    from tests.partnerships.test_admin import partnership_form_data

    data = partnership_form_data(make_city(name="Paris", country="FR"), world["dresden"])
    response = editor.post(reverse("admin:partnerships_partnership_add"), data)
    assert response.status_code == 302
    assert Partnership.objects.filter(city_a__name="Paris", city_b=world["dresden"]).exists()


# --- The workflow: editors submit, publishers publish ----------------------------------------


def act(client, action, *partnerships):
    return client.post(
        changelist(Partnership),
        {"action": action, "_selected_action": [p.pk for p in partnerships]},
        follow=True,
    )


def test_editor_submits_but_cannot_publish(editor, world):
    ours = world["ours"]
    act(editor, "publish", ours)
    ours.refresh_from_db()
    assert ours.state == Partnership.State.DRAFT
    act(editor, "submit_for_review", ours)
    ours.refresh_from_db()
    assert ours.state == Partnership.State.IN_REVIEW
    assert ours.submitted_by.username == "dresden-editor"
    actions = editor.get(changelist(Partnership)).context["action_form"].fields["action"].choices
    assert "publish" not in dict(actions) and "unpublish" not in dict(actions)


def test_editor_is_not_offered_return_to_draft_and_cannot_use_it(editor, world):
    """Sending a submission back is the publisher's verdict, not the editor's own undo."""
    ours = world["ours"]
    act(editor, "submit_for_review", ours)
    actions = dict(
        editor.get(changelist(Partnership)).context["action_form"].fields["action"].choices
    )
    assert "submit_for_review" in actions
    assert "return_to_draft" not in actions
    act(editor, "return_to_draft", ours)
    ours.refresh_from_db()
    assert ours.state == Partnership.State.IN_REVIEW


def test_publisher_is_offered_return_to_draft(publisher, world):
    ours = world["ours"]
    act(publisher, "submit_for_review", ours)
    actions = publisher.get(changelist(Partnership)).context["action_form"].fields["action"]
    assert "return_to_draft" in dict(actions.choices)
    act(publisher, "return_to_draft", ours)
    ours.refresh_from_db()
    assert ours.state == Partnership.State.DRAFT


def test_publisher_publishes_own_but_not_another_citys(publisher, world):
    ours, theirs = world["ours"], world["theirs"]
    act(publisher, "publish", ours, theirs)
    ours.refresh_from_db()
    theirs.refresh_from_db()
    assert ours.state == Partnership.State.PUBLISHED
    assert ours.published_by.username == "dresden-publisher"
    assert theirs.state == Partnership.State.DRAFT
    change_form = publisher.get(url(ours))
    assertContains(change_form, "dresden-publisher")  # who published it, shown in the admin


def test_unpublish_returns_to_draft_and_leaves_the_public_site(publisher, world, client):
    ours = world["ours"]
    act(publisher, "publish", ours)
    assert publisher.get(ours.get_absolute_url()).status_code == 200
    act(publisher, "unpublish", ours)
    ours.refresh_from_db()
    assert ours.state == Partnership.State.DRAFT
    assert publisher.get(ours.get_absolute_url()).status_code == 404


def test_an_editor_s_change_to_a_published_partnership_waits_for_a_publisher(editor, world):
    """Editors may change a published partnership, but nothing they save reaches the public
    before a publisher publishes it (tests/partnerships/test_review.py has the whole path)."""
    from tests.partnerships.test_history import posted

    ours = world["ours"]
    ours.state = Partnership.State.PUBLISHED
    ours.save()
    data = posted(editor.get(url(ours)))
    data["summary_en"] = "Unreviewed text"
    assert editor.post(url(ours), data).status_code == 302
    ours.refresh_from_db()
    assert ours.summary != "Unreviewed text"
    assert PendingChange.objects.get(partnership=ours).content[0]["fields"]["summary_en"] == (
        "Unreviewed text"
    )


def test_editor_cannot_delete_partnerships(editor, world):
    assert editor.post(url(world["ours"], "delete"), {"post": "yes"}).status_code == 403
    assert Partnership.objects.filter(pk=world["ours"].pk).exists()


@pytest.fixture
def published_parts(world, make_milestone, make_plan, make_source, make_partnership_figure):
    """One of each record that belongs to Dresden–Hangzhou, published."""
    ours = world["ours"]
    ours.state = Partnership.State.PUBLISHED
    ours.save()
    return {
        Milestone: make_milestone(ours),
        Activity: world["our_activity"],
        Plan: make_plan(ours),
        Source: make_source(ours),
        PartnershipFigure: make_partnership_figure(ours),
    }


PARTS_WITH_AN_ADMIN = [Milestone, Activity, Plan, Source]


@pytest.mark.parametrize("model", PARTS_WITH_AN_ADMIN, ids=lambda m: m.__name__)
def test_an_editor_s_deletion_of_a_published_part_waits_for_a_publisher(
    editor, published_parts, model
):
    """Removing a milestone or a source changes the public page as much as editing it does:
    the part stays online until a publisher publishes the pending changes."""
    part = published_parts[model]
    assert editor.get(url(part, "delete")).status_code == 200
    assert editor.post(url(part, "delete"), {"post": "yes"}).status_code == 302
    assert model.objects.filter(pk=part.pk).exists()
    pending = PendingChange.objects.get(partnership=part.partnership).content
    assert part.pk not in {o["pk"] for o in pending if o["model"] == model._meta.label_lower}


@pytest.mark.parametrize("model", PARTS_WITH_AN_ADMIN, ids=lambda m: m.__name__)
def test_editor_cannot_bulk_delete_parts_of_a_published_partnership(editor, published_parts, model):
    response = editor.post(
        changelist(model),
        {
            "action": "delete_selected",
            "_selected_action": [published_parts[model].pk],
            "post": "yes",
        },
    )
    assert response.status_code == 403
    assert model.objects.filter(pk=published_parts[model].pk).exists()


def test_an_editor_s_deletion_of_a_published_figure_waits_for_a_publisher(
    editor, admin_client, published_parts
):
    """Figures are edited inline only: the partnership's form keeps the deletion pending."""
    from tests.partnerships.test_admin import partnership_form_data

    ours = published_parts[Milestone].partnership
    figure = published_parts[PartnershipFigure]
    row = {"id": figure.pk, "label": figure.label, "value": figure.value, "DELETE": "on"}
    data = partnership_form_data(ours.city_a, ours.city_b, inlines={"figures": [row]})
    assert editor.post(url(ours), data).status_code == 302
    assert PartnershipFigure.objects.filter(pk=figure.pk).exists()
    # Published by someone who may publish, it is gone.
    response = admin_client.post(url(ours, "review"), {"move": "publish"})
    assert response.status_code == 302
    assert not PartnershipFigure.objects.filter(pk=figure.pk).exists()


@pytest.mark.parametrize("model", PARTS_WITH_AN_ADMIN, ids=lambda m: m.__name__)
def test_publisher_deletes_a_part_of_a_published_partnership(publisher, published_parts, model):
    part = published_parts[model]
    assert publisher.post(url(part, "delete"), {"post": "yes"}).status_code == 302
    assert not model.objects.filter(pk=part.pk).exists()


def test_editor_cannot_feature_on_the_home_page(editor, world):
    form = editor.get(url(world["ours"])).context["adminform"].form
    assert "is_featured" not in form.fields


# --- Preview ----------------------------------------------------------------------------------


def test_staff_preview_unpublished_page_with_banner(editor, world):
    ours = world["ours"]
    response = editor.get(preview_url(ours))
    assertContains(response, "Preview — not published.")
    assertContains(response, "<h1>Dresden – Hangzhou</h1>", html=True)
    assertContains(response, '<meta name="robots" content="noindex">', html=True)


def test_public_never_sees_a_draft(client, world):
    ours = world["ours"]
    assert client.get(ours.get_absolute_url()).status_code == 404
    response = client.get(preview_url(ours))
    assert response.status_code == 302 and "/login/" in response["Location"]
    for query in ("", "?page=2", "?sort=-established", "?q=Dresden", "?state=draft"):
        response = client.get(reverse("partnership_list") + query)
        assert response.status_code == 404 or "Dresden – Hangzhou" not in response.content.decode()


def test_staff_without_a_city_see_nothing(client, world):
    user = get_user_model().objects.create_user(
        "nobody", password="x-Very-long-pass-42", is_staff=True
    )
    user.groups.add(Group.objects.get(name=EDITOR))
    client.force_login(user)
    assert list(client.get(changelist(Partnership)).context["cl"].result_list) == []


# --- The scope costs no query per row ---------------------------------------------------------


@pytest.mark.parametrize("size", [2, 60], ids=["few", "many"])
def test_scoped_changelist_query_count(
    editor, world, make_partnership, make_city, size, django_assert_max_num_queries
):
    for i in range(size):
        make_partnership(city_a=world["dresden"], city_b=make_city(name=f"Partner {i}"))
        make_partnership(city_a=world["berlin"], city_b=make_city(name=f"Other {i}"))
    # Exact for both sizes: session, user, permissions, then the changelist's own queries.
    with django_assert_max_num_queries(11):
        response = editor.get(changelist(Partnership))
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == min(size + 1, 100)


def role_permissions():
    return {
        group.name: set(group.permissions.values_list("codename", flat=True))
        for group in Group.objects.all()
    }


def test_roles_are_idempotent_and_only_publishers_publish():
    setup_roles()
    first = role_permissions()
    Group.objects.get(name=EDITOR).permissions.clear()  # a damaged role is repaired
    setup_roles()
    assert role_permissions() == first
    assert "publish_partnership" in first[PUBLISHER]
    assert "publish_partnership" not in first[EDITOR]
    assert "delete_partnership" not in first[EDITOR]


def codenames(actions, *models):
    return {f"{action}_{model}" for model in models for action in actions}


def test_each_role_has_exactly_the_permissions_of_its_work():
    """Editors keep the focus areas' list as it is and never delete or publish a partnership."""
    edit = ["view", "add", "change", "delete"]
    parts = [
        "milestone",
        "activity",
        "plan",
        "source",
        "partnershipfigure",
        "cityfigure",
        "picture",  # the media library (issue 20)
        "document",
        "partnersearch",  # their cities' "seeking a partner" listings (issue 22)
    ]
    common = codenames(["view", "add", "change"], "city", "partnership") | codenames(edit, *parts)
    setup_roles()
    assert role_permissions() == {
        EDITOR: common | {"view_focusarea"},
        PUBLISHER: common
        | {"delete_partnership", "publish_partnership"}
        | codenames(["view", "add", "change"], "focusarea"),
    }


def test_setup_roles_says_what_it_created_and_what_it_checked():
    setup_roles()
    Group.objects.filter(name=PUBLISHER).delete()
    out = StringIO()
    call_command("setup_roles", stdout=out)
    assert out.getvalue().splitlines() == [
        "Checked the role “Editor” (12 kinds of record).",
        "Created the role “Publisher” (12 kinds of record).",
    ]


def test_setup_roles_names_the_permissions_that_are_missing():
    Permission.objects.filter(codename__in=["view_focusarea", "view_city"]).delete()
    with pytest.raises(CommandError) as error:
        call_command("setup_roles", stdout=StringIO())
    assert str(error.value) == (
        "Permissions missing (run `manage.py migrate` first): "
        "cities.view_city, partnerships.view_focusarea"
    )


# --- Every admin address keeps to the scope ---------------------------------------------------


def view_on_site_url(obj):
    content_type = ContentType.objects.get_for_model(obj)
    return reverse("admin:view_on_site", args=[content_type.pk, obj.pk])


def test_view_on_site_redirect_keeps_to_own_cities(editor, world):
    """admin/r/… would otherwise tell an editor the address (slug) of any city's draft."""
    response = editor.get(view_on_site_url(world["theirs"]))
    assert response.status_code == 404
    assertNotContains(response, "berlin", status_code=404)
    assert editor.get(view_on_site_url(world["berlin"])).status_code == 404
    assert editor.get(view_on_site_url(world["ours"]))["Location"].endswith("/dresden-hangzhou/")
    assert editor.get(view_on_site_url(world["dresden"]))["Location"].endswith("/dresden/")


def test_view_on_site_redirect_of_a_model_without_admin(editor, world, admin_client):
    content_type = ContentType.objects.get_for_model(ContentType)
    address = reverse("admin:view_on_site", args=[content_type.pk, content_type.pk])
    assert editor.get(address).status_code == 404
    # Superusers see everything: Django's own answer (no page for a content type).
    assert admin_client.get(address).status_code == 404
    assert admin_client.get(view_on_site_url(world["theirs"])).status_code == 302


CHILD_MODELS = [Activity, Milestone, Plan, Source]


def offered_partnerships(client, model):
    response = client.get(
        reverse("admin:autocomplete"),
        {
            "app_label": "partnerships",
            "model_name": model._meta.model_name,
            "field_name": "partnership",
            "term": "",
        },
    )
    return {item["text"] for item in response.json()["results"]}


@pytest.mark.parametrize("model", CHILD_MODELS, ids=lambda m: m.__name__)
def test_partnership_chooser_offers_only_what_the_form_accepts(
    request, world, make_partnership, model
):
    """Editors add to published partnerships too (kept pending): offered, and accepted."""
    make_partnership(city_a=world["dresden"], city_b=world["berlin"], state="published")
    editor = request.getfixturevalue("editor")
    ours = {"Dresden – Hangzhou", "Dresden – Berlin"}
    assert offered_partnerships(editor, model) == ours
    accepted = editor.get(reverse(f"admin:partnerships_{model._meta.model_name}_add"))
    field = accepted.context["adminform"].form.fields["partnership"]
    assert {str(p) for p in field.queryset} == ours


@pytest.mark.parametrize("model", CHILD_MODELS, ids=lambda m: m.__name__)
def test_publishers_are_offered_their_published_partnerships(
    world, make_partnership, publisher, model
):
    make_partnership(city_a=world["dresden"], city_b=world["berlin"], state="published")
    assert offered_partnerships(publisher, model) == {"Dresden – Hangzhou", "Dresden – Berlin"}
