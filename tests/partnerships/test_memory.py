"""The partnership's memory: contacts over time (public or staff-only), why this partner, the
handover dossier; and that a private contact never reaches a public output."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from partnerships.models import Contact, Plan
from tests.partnerships.test_review import staff
from twinning.roles import EDITOR, setup_roles

pytestmark = pytest.mark.django_db
PRIVATE = {
    "person": "Erika Mustermann",
    "email": "erika.mustermann@example.org",
    "phone": "+49 351 1234567",
}


@pytest.fixture
def partnership(make_partnership, make_city, make_activity, make_milestone):
    dresden = make_city(name="Dresden", slug="dresden")
    hangzhou = make_city(name="Hangzhou", slug="hangzhou", country="CN")
    partnership = make_partnership(
        city_a=dresden,
        city_b=hangzhou,
        why_this_partner="Both cities lie on a river and make **porcelain**.",
    )
    make_milestone(partnership, title="Partnership agreement", date=datetime.date(2009, 10, 16))
    make_activity(partnership, title="Choir exchange", start_date=datetime.date(2024, 5, 1))
    return partnership


@pytest.fixture
def contacts(partnership):
    private = Contact.objects.create(
        partnership=partnership,
        role=Contact.Role.SCHOOL,
        city=partnership.city_a,
        organisation="Kreuzschule",
        function="Teacher",
        since=datetime.date(2012, 1, 1),
        since_precision="year",
        until=datetime.date(2020, 7, 1),
        until_precision="month",
        notes="Ran the school exchange for eight years.",
        **PRIVATE,
    )
    office = Contact.objects.create(
        partnership=partnership,
        role=Contact.Role.OFFICE,
        city=partnership.city_b,
        organisation="Foreign Affairs Office of Hangzhou",
        email="office@hangzhou.example.cn",
        since=datetime.date(2015, 3, 1),
        since_precision="month",
        is_public=True,
    )
    return private, office


def test_the_page_shows_public_contacts_and_why_this_partner_only(client, partnership, contacts):
    page = client.get(partnership.get_absolute_url()).content.decode()
    assert "Foreign Affairs Office of Hangzhou" in page
    assert 'href="mailto:office@hangzhou.example.cn"' in page
    assert "since March 2015" in page
    assert "Why these two cities" in page and "<strong>porcelain</strong>" in page
    for private in [*PRIVATE.values(), "Kreuzschule", "Ran the school exchange"]:
        assert private not in page


def test_no_public_output_carries_a_private_contact(client, partnership, contacts):
    slug = partnership.slug
    outputs = [
        partnership.get_absolute_url(),
        f"/de{partnership.get_absolute_url()[3:]}",
        reverse("partnership_data", kwargs={"slug": slug}),
        reverse("city_data", kwargs={"slug": "dresden"}),
        reverse("partnership_export") + "?format=json",
        reverse("partnership_export") + "?format=csv",
        reverse("partnership_export") + "?format=geojson",
        reverse("partnership_feed_atom", kwargs={"slug": slug}),
        reverse("partnership_calendar", kwargs={"slug": slug}),
        reverse("site_feed_atom"),
        "/en/cities/dresden/",
        "/en/search/?q=Kreuzschule",
        "/en/partnerships/?q=Mustermann",
        "/sitemap.xml",
        f"/api/v1/partnerships/{slug}/",
        "/api/v1/partnerships/",
        "/api/v1/cities/dresden/",
        "/api/v1/activities/",
    ]
    for url in outputs:
        response = client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response) if response.streaming else response.content
        for private in PRIVATE.values():
            assert private.encode() not in body, (url, private)


def test_a_contact_works_for_one_of_the_two_cities(partnership, make_city):
    contact = Contact(
        partnership=partnership,
        role=Contact.Role.OFFICE,
        city=make_city(name="Elsewhere"),
        organisation="Some office",
    )
    with pytest.raises(ValidationError) as error:
        contact.full_clean()
    assert error.value.message_dict["city"] == ["Choose one of the partnership's two cities."]


def test_a_responsibility_cannot_end_before_it_began(partnership):
    contact = Contact(
        partnership=partnership,
        role=Contact.Role.OFFICE,
        city=partnership.city_a,
        organisation="Office",
        since=datetime.date(2020, 1, 1),
        until=datetime.date(2019, 1, 1),
    )
    with pytest.raises(ValidationError) as error:
        contact.full_clean()
    assert "cannot stop being responsible before it started" in str(error.value)


class TestDossier:
    def url(self, partnership):
        return reverse("admin:partnerships_partnership_dossier", args=[partnership.pk])

    def test_staff_of_its_cities_get_the_whole_record(
        self, client, partnership, contacts, make_plan
    ):
        setup_roles()
        make_plan(partnership, title="Joint museum", target_year=2020)
        make_plan(partnership, title="Youth orchestra", status=Plan.Status.DONE)
        client.force_login(staff(EDITOR, partnership.city_a, "dresden-editor"))
        response = client.get(self.url(partnership))
        assert response.status_code == 200
        page = response.content.decode()
        for private in [*PRIVATE.values(), "Ran the school exchange for eight years."]:
            assert private in page  # staff-only contacts belong in the handover
        assert "2012 – 2020-07" in page or "2012 – July 2020" in page
        assert "<strong>porcelain</strong>" in page
        assert "Partnership agreement" in page
        dossier = response.context["dossier"]
        assert [p.plan.title for p in dossier.open_plans] == ["Joint museum"]
        assert dossier.open_plans[0].state == Plan.Progress.SLIPPED
        assert [c.organisation for c in dossier.current_contacts] == [
            "Foreign Affairs Office of Hangzhou"
        ]

    def test_staff_of_other_cities_do_not_see_it(self, client, partnership, contacts, make_city):
        setup_roles()
        client.force_login(staff(EDITOR, make_city(name="Leipzig"), "leipzig-editor"))
        assert client.get(self.url(partnership)).status_code == 404

    def test_the_public_never_does(self, client, partnership):
        response = client.get(self.url(partnership))
        assert response.status_code == 302 and "/login/" in response["Location"]

    def test_its_queries_do_not_grow_with_the_record(
        self, admin_client, partnership, make_activity, make_plan
    ):
        def measured():
            from django.db import connection
            from django.test.utils import CaptureQueriesContext

            with CaptureQueriesContext(connection) as context:
                assert admin_client.get(self.url(partnership)).status_code == 200
            return len(context)

        make_plan(partnership).activities.add(
            make_activity(partnership, start_date=datetime.date(2010, 1, 1))
        )
        few = measured()
        for n in range(12):
            plan = make_plan(partnership, target_year=2010 + n)
            plan.activities.add(make_activity(partnership, start_date=datetime.date(2011, 1, 1)))
            Contact.objects.create(
                partnership=partnership,
                role=Contact.Role.ASSOCIATION,
                city=partnership.city_a,
                organisation=f"Association {n}",
            )
            partnership.milestones.create(
                date=datetime.date(2000 + n, 1, 1), kind="delegation_visit", title=f"Visit {n}"
            )
        assert measured() == few


def test_the_api_gives_why_this_partner_vitality_and_plan_progress(client, partnership, make_plan):
    make_plan(partnership, title="Joint museum", target_year=2020)
    found = client.get(f"/api/v1/partnerships/{partnership.slug}/").json()
    assert found["why_this_partner"] == "Both cities lie on a river and make **porcelain**."
    assert found["vitality"] == "quiet" and found["vitality_label"] == "Quiet"  # since 2024-05
    assert found["vitality_reason"].startswith("last dated record")
    [plan] = found["plans"]
    assert (plan["progress"], plan["progress_label"]) == ("slipped", "Slipped")
    assert "contacts" not in found
