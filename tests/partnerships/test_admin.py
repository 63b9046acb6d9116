"""The staff's workplace: partnership, activity, milestone, plan, source and topic admins."""

import datetime

import pytest
from django.contrib.admin.models import LogEntry
from django.urls import reverse
from pytest_django.asserts import (
    assertContains,
    assertFormError,
    assertFormSetError,
    assertNotContains,
    assertRedirects,
)

from cities.models import City
from partnerships.models import (
    Activity,
    FocusArea,
    Milestone,
    Partnership,
    PartnershipFigure,
    Plan,
    Source,
)
from tests.translations import in_english

INLINE_PREFIXES = [
    "milestones",
    "activities",
    "plans",
    "sources",
    "figures",
    "pictures",
    "documents",
    "contacts",
]
NARRATIVE = [
    "summary",
    "character",
    "why_this_partner",
    "funding",
    "key_achievements",
    "future_expectations",
    "obstacles_and_needs",
]

# Queries per admin page, measured with an empty ContentType cache. Each bound holds for a
# handful of rows and for a hundred (two hundred activities on the change form) alike.
PARTNERSHIP_CHANGELIST_QUERIES = 9
# Includes the "founded by" choice of its own milestones; the review panel's pending changes and
# conversation; the partnership read once more first, to know whether a save would be pending
# (the form must read it again: inside the pending version, it may differ).
# Issue 20 added the pictures and documents inlines: each reads its rows, their activities and
# milestones (prefetched), and once per inline the partnership's activities and milestones to
# choose from: five queries each, whatever the number of rows (28 measured without media rows).
PARTNERSHIP_CHANGE_FORM_QUERIES = 32
ACTIVITY_CHANGELIST_QUERIES = 8
MILESTONE_CHANGELIST_QUERIES = 7
FOCUS_AREA_CHANGELIST_QUERIES = 5
PLAN_CHANGELIST_QUERIES = 6
SOURCE_CHANGELIST_QUERIES = 5


def admin_url(model, view, *args):
    return reverse(f"admin:partnerships_{model._meta.model_name}_{view}", args=args)


def partnership_form_data(city_a, city_b, inlines=None, **fields):
    """Everything the partnership change form posts, with each inline's management form.

    `inlines` maps an inline prefix ("activities", …) to a list of row dicts; rows that
    carry an "id" count as existing objects.
    """
    data = {
        "city_a": city_a.pk,
        "city_b": city_b.pk,
        "kind": Partnership.Kind.TWINNING,
        "status": Partnership.Status.ACTIVE,
        "established": "2009-10-16",
        "slug": "",
        **dict.fromkeys(NARRATIVE, ""),
    }
    inlines = inlines or {}
    for prefix in INLINE_PREFIXES:
        rows = inlines.get(prefix, [])
        data[f"{prefix}-TOTAL_FORMS"] = len(rows)
        data[f"{prefix}-INITIAL_FORMS"] = sum(1 for row in rows if "id" in row)
        data[f"{prefix}-MIN_NUM_FORMS"] = 0
        data[f"{prefix}-MAX_NUM_FORMS"] = 1000
        for index, row in enumerate(rows):
            for key, value in row.items():
                data[f"{prefix}-{index}-{key}"] = value
    data.update(fields)
    return in_english(Partnership, {k: v for k, v in data.items() if v is not None})


def inline_formset(response, prefix):
    for inline_admin_formset in response.context["inline_admin_formsets"]:
        if inline_admin_formset.formset.prefix == prefix:
            return inline_admin_formset.formset
    raise AssertionError(f"no inline {prefix!r}")


@pytest.fixture
def full_partnership(
    make_city,
    make_partnership,
    make_focus_area,
    make_milestone,
    make_activity,
    make_plan,
    make_source,
    make_partnership_figure,
):
    """Dresden–Hangzhou with one of everything."""
    culture = make_focus_area(name="Culture", slug="culture")
    partnership = make_partnership(
        city_a=make_city(name="Dresden", slug="dresden"),
        city_b=make_city(name="Hangzhou", slug="hangzhou", country="CN"),
        focus_areas=[culture],
    )
    make_milestone(partnership, title="Letter of intent", date=datetime.date(2008, 1, 1))
    activity = make_activity(partnership, title="Choir exchange", focus_areas=[culture])
    plan = make_plan(partnership, title="Flood protection seminar", focus_area=culture)
    plan.activities.set([activity])
    make_source(partnership, title="Case study", publisher="Dresden city council", year=2011)
    make_partnership_figure(partnership, label="Exchanges", value=18, unit="schools")
    return partnership


# --- Pages render -----------------------------------------------------------------------------

REGISTERED = [Partnership, Activity, Milestone, Plan, Source, FocusArea]


def object_of(model, partnership):
    if model is Partnership:
        return partnership
    if model is FocusArea:
        return partnership.focus_areas.get()
    return model.objects.get(partnership=partnership)


@pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m.__name__)
class TestPagesRender:
    def test_changelist(self, admin_client, full_partnership, model):
        response = admin_client.get(admin_url(model, "changelist"))
        assert response.status_code == 200
        assertContains(response, str(object_of(model, full_partnership)))

    def test_changelist_search(self, admin_client, full_partnership, model):
        response = admin_client.get(admin_url(model, "changelist"), {"q": "Dresden"})
        assert response.status_code == 200

    def test_add_form(self, admin_client, full_partnership, model):
        response = admin_client.get(admin_url(model, "add"))
        assert response.status_code == 200

    def test_change_form(self, admin_client, full_partnership, model):
        obj = object_of(model, full_partnership)
        response = admin_client.get(admin_url(model, "change", obj.pk))
        assert response.status_code == 200


class TestFocusAreaAdmin:
    def test_slug_prepopulated_from_name(self, admin_client):
        response = admin_client.get(admin_url(FocusArea, "add"))
        assert "#id_slug" in response.context["prepopulated_fields_json"]

    def test_counts_and_search(self, admin_client, full_partnership, make_focus_area):
        make_focus_area(name="Flood protection")
        response = admin_client.get(admin_url(FocusArea, "changelist"), {"q": "cult"})
        (culture,) = response.context["cl"].result_list
        assert (culture.name, culture.partnership_total, culture.activity_total) == (
            "Culture",
            1,
            1,
        )


class TestPartnershipChangelist:
    def test_filters_and_date_hierarchy(self, admin_client, full_partnership, make_partnership):
        other = make_partnership(state="draft", established=datetime.date(1994, 4, 1))
        url = admin_url(Partnership, "changelist")

        response = admin_client.get(url, {"state__exact": "draft"})
        assert list(response.context["cl"].result_list) == [other]

        response = admin_client.get(url, {"established__year": "2009"})
        assert list(response.context["cl"].result_list) == [full_partnership]

        culture = full_partnership.focus_areas.get()
        response = admin_client.get(url, {"focus_areas__id__exact": culture.pk})
        assert list(response.context["cl"].result_list) == [full_partnership]

    def test_country_filter_matches_either_city(self, admin_client, make_city, make_partnership):
        lyon = make_city(name="Lyon", country="FR")
        french_first = make_partnership(city_a=lyon)
        french_second = make_partnership(city_b=make_city(name="Paris", country="FR"))
        make_partnership()
        response = admin_client.get(admin_url(Partnership, "changelist"), {"country": "FR"})
        assert set(response.context["cl"].result_list) == {french_first, french_second}
        assertContains(response, "France")

    def test_search_by_city_name(self, admin_client, full_partnership, make_partnership):
        make_partnership()
        response = admin_client.get(admin_url(Partnership, "changelist"), {"q": "hangzhou"})
        assert list(response.context["cl"].result_list) == [full_partnership]


# --- Saving through the admin ---------------------------------------------------------------


class TestSavePartnership:
    def test_add_with_every_inline(self, admin_client, make_city, make_focus_area):
        dresden = make_city(name="Dresden")
        hangzhou = make_city(name="Hangzhou", country="CN")
        culture = make_focus_area(name="Culture")
        data = partnership_form_data(
            dresden,
            hangzhou,
            focus_areas=[culture.pk],
            summary="Since **2009**.",
            inlines={
                "milestones": [
                    {
                        "date": "November 2007",
                        "kind": Milestone.Kind.MEMORANDUM,
                        "title": "Memorandum of understanding",
                    }
                ],
                "activities": [
                    {
                        "title": "Choir exchange",
                        "kind": Activity.Kind.EXCHANGE,
                        "start_date": "2002",
                        "end_date": "01/2011",
                        "focus_areas": [culture.pk],
                    }
                ],
                "plans": [
                    {
                        "title": "Climate partnership",
                        "status": Plan.Status.PLANNED,
                        "focus_area": culture.pk,
                        "target_year": "2026",
                    }
                ],
                "sources": [
                    {"title": "Case study", "publisher": "City of Dresden", "year": "2011"}
                ],
                "figures": [
                    {
                        "label": "School partnerships",
                        "qualifier": "about",
                        "value": "18",
                        "unit": "schools",
                        "position": "0",
                    }
                ],
            },
        )
        response = admin_client.post(admin_url(Partnership, "add"), data)

        assertRedirects(response, admin_url(Partnership, "changelist"))
        partnership = Partnership.objects.get()
        assert partnership.slug == "dresden-hangzhou"
        assert partnership.state == Partnership.State.DRAFT  # new records start as drafts
        assert list(partnership.focus_areas.all()) == [culture]
        milestone = partnership.milestones.get()
        assert milestone.date == datetime.date(2007, 11, 1)
        assert milestone.date_display == "November 2007"
        activity = partnership.activities.get()
        assert activity.when_display == "2002 – January 2011"
        assert list(activity.focus_areas.all()) == [culture]
        assert partnership.plans.get().target_year == 2026
        assert partnership.sources.get().publisher == "City of Dresden"
        assert partnership.figures.get().value_display == "about 18 schools"

    def test_change_keeps_and_adds_inline_rows(self, admin_client, full_partnership):
        activity = full_partnership.activities.get()
        plan = full_partnership.plans.get()
        milestone = full_partnership.milestones.get()
        source = full_partnership.sources.get()
        figure = full_partnership.figures.get()
        culture = full_partnership.focus_areas.get()
        data = partnership_form_data(
            full_partnership.city_a,
            full_partnership.city_b,
            slug=full_partnership.slug,
            inlines={
                "milestones": [
                    {
                        "id": milestone.pk,
                        "partnership": full_partnership.pk,
                        "date": "2008",
                        "kind": milestone.kind,
                        "title": milestone.title,
                    }
                ],
                "activities": [
                    {
                        "id": activity.pk,
                        "partnership": full_partnership.pk,
                        "title": activity.title,
                        "kind": activity.kind,
                        "start_date": "2010-01-01",
                        "focus_areas": [culture.pk],
                    },
                    {
                        "partnership": full_partnership.pk,
                        "title": "Mayors' conference",
                        "kind": Activity.Kind.CONFERENCE,
                        "start_date": "2030-05",
                    },
                ],
                "plans": [
                    {
                        "id": plan.pk,
                        "partnership": full_partnership.pk,
                        "title": plan.title,
                        "status": Plan.Status.DONE,
                        "activities": [activity.pk],
                    }
                ],
                "sources": [
                    {"id": source.pk, "partnership": full_partnership.pk, "title": "Renamed"}
                ],
                "figures": [
                    {
                        "id": figure.pk,
                        "partnership": full_partnership.pk,
                        "label": figure.label,
                        "qualifier": "exact",
                        "value": "20",
                        "position": "0",
                    }
                ],
            },
        )
        response = admin_client.post(admin_url(Partnership, "change", full_partnership.pk), data)

        assertRedirects(response, admin_url(Partnership, "changelist"))
        assert full_partnership.activities.count() == 2
        plan.refresh_from_db()
        assert plan.status == Plan.Status.DONE
        assert list(plan.activities.all()) == [activity]
        assert full_partnership.sources.get().title == "Renamed"
        assert full_partnership.figures.get().value == 20


# --- Validation shows next to the field -----------------------------------------------------


class TestValidationMessages:
    def test_same_city_twice(self, admin_client, make_city):
        dresden = make_city(name="Dresden")
        response = admin_client.post(
            admin_url(Partnership, "add"), partnership_form_data(dresden, dresden)
        )
        assert response.status_code == 200
        message = "A city cannot be its own partner: choose two different cities."
        assertFormError(response.context["adminform"].form, "city_b", [message])
        assertContains(response, message)
        assert not Partnership.objects.exists()

    @pytest.mark.parametrize("swap", [False, True], ids=["same-order", "reversed"])
    def test_duplicate_pair(self, admin_client, full_partnership, swap):
        a, b = full_partnership.city_a, full_partnership.city_b
        if swap:
            a, b = b, a
        response = admin_client.post(admin_url(Partnership, "add"), partnership_form_data(a, b))
        assert response.status_code == 200
        message = f"{a} and {b} already have a partnership: “Dresden – Hangzhou”."
        assertFormError(response.context["adminform"].form, "city_b", [message])
        assert Partnership.objects.count() == 1

    def test_moving_an_existing_partnership_onto_a_taken_pair(
        self, admin_client, full_partnership, make_partnership, make_city
    ):
        other = make_partnership(city_a=full_partnership.city_b)
        response = admin_client.post(
            admin_url(Partnership, "change", other.pk),
            partnership_form_data(
                full_partnership.city_b, full_partnership.city_a, slug=other.slug
            ),
        )
        assert response.status_code == 200
        assert "city_b" in response.context["adminform"].form.errors

    def test_activity_ending_before_it_starts(self, admin_client, make_city):
        data = partnership_form_data(
            make_city(name="Berlin"),
            make_city(name="Beijing", country="CN"),
            inlines={
                "activities": [
                    {
                        "title": "Exhibition",
                        "kind": Activity.Kind.EXHIBITION,
                        "start_date": "2010-05-01",
                        "end_date": "2010-04-30",
                    }
                ]
            },
        )
        response = admin_client.post(admin_url(Partnership, "add"), data)
        assert response.status_code == 200
        message = "The end (30 April 2010) is before the start (1 May 2010)."
        assertFormSetError(inline_formset(response, "activities"), 0, "end_date", [message])
        assertContains(response, message)
        assert not Partnership.objects.exists()

    def test_activity_end_without_start(self, admin_client, make_city):
        data = partnership_form_data(
            make_city(),
            make_city(),
            inlines={
                "activities": [
                    {
                        "title": "Exhibition",
                        "kind": Activity.Kind.EXHIBITION,
                        "end_date": "2010-04-30",
                    }
                ]
            },
        )
        response = admin_client.post(admin_url(Partnership, "add"), data)
        assertFormSetError(
            inline_formset(response, "activities"),
            0,
            "end_date",
            ["Give a start date before an end date."],
        )

    def test_activity_admin_refuses_end_before_start(self, admin_client, full_partnership):
        activity = full_partnership.activities.get()
        response = admin_client.post(
            admin_url(Activity, "change", activity.pk),
            {
                "partnership": full_partnership.pk,
                "title": activity.title,
                "kind": activity.kind,
                "start_date": "2010",
                "end_date": "2009-12-31",
            },
        )
        assert response.status_code == 200
        assertFormError(
            response.context["adminform"].form,
            "end_date",
            ["The end (31 December 2009) is before the start (2010)."],
        )

    def test_duplicate_figure_in_one_save(self, admin_client, make_city):
        figure = {
            "label": "Schools",
            "qualifier": "exact",
            "value": "3",
            "year": "2010",
            "position": 0,
        }
        data = partnership_form_data(
            make_city(), make_city(), inlines={"figures": [figure, dict(figure)]}
        )
        response = admin_client.post(admin_url(Partnership, "add"), data)
        assert response.status_code == 200
        assert inline_formset(response, "figures").non_form_errors()
        assert not Partnership.objects.exists()

    def test_plan_cannot_take_another_partnerships_activity(
        self, admin_client, full_partnership, make_partnership, make_activity
    ):
        stranger = make_activity(make_partnership(), title="Somebody else's festival")
        plan = full_partnership.plans.get()
        data = partnership_form_data(
            full_partnership.city_a,
            full_partnership.city_b,
            slug=full_partnership.slug,
            inlines={
                "plans": [
                    {
                        "id": plan.pk,
                        "partnership": full_partnership.pk,
                        "title": plan.title,
                        "status": plan.status,
                        "activities": [stranger.pk],
                    }
                ]
            },
        )
        response = admin_client.post(admin_url(Partnership, "change", full_partnership.pk), data)
        assert response.status_code == 200
        errors = inline_formset(response, "plans").errors[0]["activities"]
        assert errors == [
            f"Select a valid choice. {stranger.pk} is not one of the available choices."
        ]

    def test_plan_admin_refuses_activity_of_another_partnership(
        self, admin_client, full_partnership, make_partnership, make_activity
    ):
        other = make_partnership()
        plan = full_partnership.plans.get()
        own = full_partnership.activities.get()
        response = admin_client.post(
            admin_url(Plan, "change", plan.pk),
            {
                "partnership": other.pk,  # moved to another partnership, old activity kept
                "title": plan.title,
                "status": plan.status,
                "activities": [own.pk],
            },
        )
        assert response.status_code == 200
        assertFormError(
            response.context["adminform"].form,
            "activities",
            [f"These activities belong to another partnership: {own.title}."],
        )

    def test_slug_collision_is_reported_on_the_slug(
        self, admin_client, full_partnership, make_city
    ):
        response = admin_client.post(
            admin_url(Partnership, "add"),
            partnership_form_data(make_city(), make_city(), slug=full_partnership.slug),
        )
        assert response.status_code == 200
        assert "slug" in response.context["adminform"].form.errors


# --- Actions ----------------------------------------------------------------------------------


class TestPublishActions:
    def test_publish_reports_what_changed_and_what_could_not(self, admin_client, make_partnership):
        drafts = [make_partnership(state="draft") for _ in range(2)]
        already = make_partnership(state="published")
        response = admin_client.post(
            admin_url(Partnership, "changelist"),
            {"action": "publish", "_selected_action": [p.pk for p in [*drafts, already]]},
            follow=True,
        )
        assertContains(response, "2 partnerships: Published.")
        assertContains(
            response, f"“{already}” is published and has no pending changes: nothing to publish."
        )
        assert Partnership.objects.filter(state="published").count() == 3
        assert LogEntry.objects.filter(change_message="Published.").count() == 2
        drafts[0].refresh_from_db()
        assert drafts[0].published_by.username == "admin"
        assert drafts[0].published_at is not None

    def test_unpublish_goes_back_to_draft(self, admin_client, make_partnership):
        published = make_partnership(state="published")
        untouched = make_partnership(state="published")
        response = admin_client.post(
            admin_url(Partnership, "changelist"),
            {"action": "unpublish", "_selected_action": [published.pk]},
            follow=True,
        )
        assertContains(response, "1 partnership: Unpublished: back to draft.")
        published.refresh_from_db()
        untouched.refresh_from_db()
        assert published.state == Partnership.State.DRAFT
        assert published.published_at is None
        assert untouched.is_published

    def test_nothing_to_change_is_a_warning(self, admin_client, make_partnership):
        draft = make_partnership(state="draft")
        response = admin_client.post(
            admin_url(Partnership, "changelist"),
            {"action": "unpublish", "_selected_action": [draft.pk]},
            follow=True,
        )
        assertContains(response, "is draft; it cannot become draft.")
        assertContains(response, 'class="warning"')


# --- Links, autocomplete, choices, access -----------------------------------------------------


class TestChangeForm:
    def test_view_on_site_link(self, admin_client, full_partnership):
        response = admin_client.get(admin_url(Partnership, "change", full_partnership.pk))
        assertContains(
            response,
            '<a href="/en/partnerships/dresden-hangzhou/" class="viewsitelink">View on site</a>',
        )

    def test_view_on_site_of_a_draft_opens_the_preview(self, admin_client, make_partnership):
        draft = make_partnership(state="draft")
        response = admin_client.get(admin_url(Partnership, "change", draft.pk))
        preview = f"/admin/partnerships/partnership/{draft.pk}/preview/"
        assertContains(response, f'<a href="{preview}" class="viewsitelink">View on site</a>')

    def test_narrative_help_mentions_markdown(self, admin_client):
        response = admin_client.get(admin_url(Partnership, "add"))
        form = response.context["adminform"].form
        for name in NARRATIVE:
            for language in ("en", "de", "zh_hans"):
                assert "Markdown" in form.fields[f"{name}_{language}"].help_text, name
        assertContains(response, "These sections are written in Markdown")

    def test_slug_is_optional(self, admin_client):
        response = admin_client.get(admin_url(Partnership, "add"))
        assert not response.context["adminform"].form.fields["slug"].required

    def test_cities_use_autocomplete(self, admin_client):
        response = admin_client.get(admin_url(Partnership, "add"))
        assertContains(response, 'data-ajax--url="/admin/autocomplete/"', count=2)

    def test_activity_inline_offers_focus_areas(self, admin_client, full_partnership):
        response = admin_client.get(admin_url(Partnership, "change", full_partnership.pk))
        assertContains(response, 'name="activities-0-focus_areas"')
        assertContains(response, 'name="activities-__prefix__-focus_areas"')


class TestPlanInlineActivities:
    def test_offers_only_the_partnerships_activities(
        self, admin_client, full_partnership, make_partnership, make_activity
    ):
        make_activity(make_partnership(), title="Somebody else's festival")
        response = admin_client.get(admin_url(Partnership, "change", full_partnership.pk))
        formset = inline_formset(response, "plans")
        own = list(full_partnership.activities.all())
        for form in [*formset.forms, formset.empty_form]:
            assert list(form.fields["activities"].queryset) == own
            assert [str(label) for _, label in form.fields["activities"].choices] == [
                "Choir exchange"
            ]
        assertNotContains(response, "Somebody else")

    def test_add_page_offers_none(self, admin_client, full_partnership):
        response = admin_client.get(admin_url(Partnership, "add"))
        form = inline_formset(response, "plans").empty_form
        assert list(form.fields["activities"].queryset) == []
        assert list(form.fields["activities"].choices) == []

    def test_plan_admin_offers_only_its_partnerships_activities(
        self, admin_client, full_partnership, make_partnership, make_activity
    ):
        make_activity(make_partnership(), title="Somebody else's festival")
        plan = full_partnership.plans.get()
        response = admin_client.get(admin_url(Plan, "change", plan.pk))
        field = response.context["adminform"].form.fields["activities"]
        assert list(field.queryset) == list(full_partnership.activities.all())


class TestAutocomplete:
    def test_cities_answer_for_staff(self, admin_client, make_city):
        dresden = make_city(name="Dresden")
        make_city(name="Hangzhou")
        response = admin_client.get(
            "/admin/autocomplete/",
            {
                "app_label": "partnerships",
                "model_name": "partnership",
                "field_name": "city_a",
                "term": "Dre",
            },
        )
        assert response.status_code == 200
        assert response.json()["results"] == [{"id": str(dresden.pk), "text": "Dresden (DE)"}]

    def test_partnerships_answer_for_activity_form(self, admin_client, full_partnership):
        response = admin_client.get(
            "/admin/autocomplete/",
            {
                "app_label": "partnerships",
                "model_name": "activity",
                "field_name": "partnership",
                "term": "hang",
            },
        )
        assert response.json()["results"] == [
            {"id": str(full_partnership.pk), "text": "Dresden – Hangzhou"}
        ]

    def test_refused_to_visitors(self, client, make_city):
        make_city(name="Dresden")
        response = client.get(
            "/admin/autocomplete/",
            {
                "app_label": "partnerships",
                "model_name": "partnership",
                "field_name": "city_a",
                "term": "Dre",
            },
        )
        assert response.status_code == 302


class TestAccess:
    @pytest.mark.parametrize("model", REGISTERED, ids=lambda m: m.__name__)
    def test_non_staff_user_is_sent_to_login(self, client, django_user_model, model):
        client.force_login(django_user_model.objects.create_user("visitor", password="x-1234567"))
        url = admin_url(model, "changelist")
        response = client.get(url)
        assertRedirects(response, f"{reverse('admin:login')}?next={url}")

    def test_anonymous_visitor_is_sent_to_login(self, client):
        url = admin_url(Partnership, "changelist")
        assertRedirects(client.get(url), f"{reverse('admin:login')}?next={url}")


# --- Query counts -----------------------------------------------------------------------------


def bulk_cities(count, prefix):
    return City.objects.bulk_create(
        City(name=f"{prefix} {i}", slug=f"{prefix.lower()}-{i}", country=("DE", "CN", "FR")[i % 3])
        for i in range(count)
    )


def bulk_partnerships(count, focus_areas):
    cities = bulk_cities(2 * count, "Bulk")
    partnerships = Partnership.objects.bulk_create(
        Partnership(
            city_a=cities[2 * i],
            city_b=cities[2 * i + 1],
            slug=f"bulk-{i}",
            state="published" if i % 2 else "draft",
            established=datetime.date(1960 + i % 60, 1 + i % 12, 1),
            established_precision="month",
        )
        for i in range(count)
    )
    Partnership.focus_areas.through.objects.bulk_create(
        Partnership.focus_areas.through(partnership=p, focusarea=area)
        for p in partnerships
        for area in focus_areas
    )
    return partnerships


def bulk_activities(partnerships, per_partnership, focus_areas):
    activities = Activity.objects.bulk_create(
        Activity(
            partnership=p,
            title=f"Activity {i}",
            kind=Activity.Kind.EXCHANGE,
            start_date=datetime.date(2000 + i % 30, 1 + i % 12, 1),
            start_precision=("day", "month", "year")[i % 3],
        )
        for p in partnerships
        for i in range(per_partnership)
    )
    Activity.focus_areas.through.objects.bulk_create(
        Activity.focus_areas.through(activity=a, focusarea=area)
        for a in activities
        for area in focus_areas
    )
    return activities


def bulk_children(partnerships, per_partnership, focus_area):
    for model, extra in [
        (Milestone, {"date": datetime.date(2001, 1, 1), "kind": Milestone.Kind.AGREEMENT}),
        (Plan, {"focus_area": focus_area, "target_year": 2030}),
        (Source, {"publisher": "City council", "year": 2011}),
    ]:
        model.objects.bulk_create(
            model(partnership=p, title=f"{model.__name__} {i}", **extra)
            for p in partnerships
            for i in range(per_partnership)
        )
    PartnershipFigure.objects.bulk_create(
        PartnershipFigure(partnership=p, label=f"Figure {i}", value=i)
        for p in partnerships
        for i in range(per_partnership)
    )
    Plan.activities.through.objects.bulk_create(
        Plan.activities.through(plan=plan, activity=activity)
        for plan in Plan.objects.filter(partnership__in=partnerships)
        for activity in plan.partnership.activities.all()[:3]
    )


SIZES = pytest.mark.parametrize("size", [3, 100], ids=["few", "many"])


@pytest.fixture
def focus_areas(make_focus_area):
    return [make_focus_area() for _ in range(3)]


@SIZES
class TestQueryCounts:
    def test_partnership_changelist(self, measure_admin_page, focus_areas, size):
        bulk_partnerships(size, focus_areas)
        response = measure_admin_page(
            admin_url(Partnership, "changelist"), PARTNERSHIP_CHANGELIST_QUERIES
        )
        assert len(response.context["cl"].result_list) == size

    def test_partnership_changelist_filtered(self, measure_admin_page, focus_areas, size):
        bulk_partnerships(size, focus_areas)
        url = f"{admin_url(Partnership, 'changelist')}?country=DE&state__exact=published&q=Bulk"
        measure_admin_page(url, PARTNERSHIP_CHANGELIST_QUERIES)

    def test_activity_changelist(self, measure_admin_page, focus_areas, size):
        bulk_activities(bulk_partnerships(size, focus_areas), 1, focus_areas)
        response = measure_admin_page(
            admin_url(Activity, "changelist"), ACTIVITY_CHANGELIST_QUERIES
        )
        assert len(response.context["cl"].result_list) == size

    def test_milestone_changelist(self, measure_admin_page, focus_areas, size):
        bulk_children(bulk_partnerships(size, focus_areas), 1, focus_areas[0])
        response = measure_admin_page(
            admin_url(Milestone, "changelist"), MILESTONE_CHANGELIST_QUERIES
        )
        assert len(response.context["cl"].result_list) == size

    def test_plan_changelist(self, measure_admin_page, focus_areas, size):
        bulk_children(bulk_partnerships(size, focus_areas), 1, focus_areas[0])
        measure_admin_page(admin_url(Plan, "changelist"), PLAN_CHANGELIST_QUERIES)

    def test_source_changelist(self, measure_admin_page, focus_areas, size):
        bulk_children(bulk_partnerships(size, focus_areas), 1, focus_areas[0])
        measure_admin_page(admin_url(Source, "changelist"), SOURCE_CHANGELIST_QUERIES)

    def test_focus_area_changelist(self, measure_admin_page, make_focus_area, size):
        areas = [make_focus_area() for _ in range(size)]
        partnerships = bulk_partnerships(3, areas)
        bulk_activities(partnerships, 2, areas)
        response = measure_admin_page(
            admin_url(FocusArea, "changelist"), FOCUS_AREA_CHANGELIST_QUERIES
        )
        rows = response.context["cl"].result_list
        assert len(rows) == size
        assert {(row.partnership_total, row.activity_total) for row in rows} == {(3, 6)}

    def test_partnership_change_form(self, measure_admin_page, focus_areas, size):
        (partnership,) = bulk_partnerships(1, focus_areas)
        # Many: 200 activities and 20 each of milestones, plans (each offered all 200
        # activities), sources and figures.
        activities, children = (200, 20) if size > 3 else (size, size)
        bulk_activities([partnership], activities, focus_areas)
        bulk_children([partnership], children, focus_areas[0])
        response = measure_admin_page(
            admin_url(Partnership, "change", partnership.pk), PARTNERSHIP_CHANGE_FORM_QUERIES
        )
        assert len(inline_formset(response, "activities").forms) == activities
        assert len(inline_formset(response, "plans").forms) == children
