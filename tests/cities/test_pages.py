"""The city directory and a city's profile."""

import datetime

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

pytestmark = pytest.mark.django_db


@pytest.fixture
def dresden(make_city):
    return make_city(
        name="Dresden",
        slug="dresden",
        country="DE",
        region="Saxony",
        population=513000,
        population_year=2008,
        summary="Capital of Saxony.",
        description="Dresden is **debt-free**.",
    )


class TestCityDirectory:
    def test_lists_only_cities_with_published_partnerships(
        self, client, dresden, make_city, make_partnership
    ):
        make_partnership(city_a=dresden, city_b=make_city(name="Hangzhou", country="CN"))
        make_partnership(city_b=dresden)
        make_partnership(city_a=make_city(name="Draftburg"), state="draft")
        response = client.get(reverse("city_list"))
        assertContains(response, "Dresden")
        assertContains(response, "2 partnerships")
        assertContains(response, "Hangzhou")
        assertNotContains(response, "Draftburg")

    def test_filters_by_name_and_country(self, client, dresden, make_city, make_partnership):
        make_partnership(city_a=dresden, city_b=make_city(name="Hangzhou", country="CN"))
        assertNotContains(client.get(reverse("city_list") + "?country=CN"), "Dresden")
        assertContains(client.get(reverse("city_list") + "?country=CN"), "Hangzhou")
        assertContains(client.get(reverse("city_list") + "?q=dres"), "Dresden")
        response = client.get(reverse("city_list") + "?country=ZZ")
        assert response.status_code == 200
        assertContains(response, 'class="error"')

    def test_the_unfiltered_count_is_the_maintained_counts_rows(
        self, client, dresden, make_city, make_partnership
    ):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        make_partnership(city_a=dresden, city_b=make_city(name="Hangzhou", country="CN"))
        make_partnership(city_a=make_city(name="Draftburg"), city_b=dresden, state="draft")
        unpublished = make_partnership(city_a=make_city(name="Gone"), city_b=dresden)
        unpublished.state = "draft"
        unpublished.save()  # its cities' rows go, but for Dresden's (it has another)
        for query, found, joined in [
            ("", "2 cities found", False),
            ("?page=1", "2 cities found", False),
            ("?country=CN", "1 city found", True),
            ("?country=ZZ", "0 cities found", None),  # invalid: none shown, none counted
        ]:
            with CaptureQueriesContext(connection) as queries:
                response = client.get(reverse("city_list") + query)
            assertContains(response, found)
            counts = [q["sql"] for q in queries.captured_queries if "COUNT(" in q["sql"]]
            if joined is None:
                assert counts == []
            else:
                assert len(counts) == 1 and ("cities_city" in counts[0]) == joined, query


class TestCityProfile:
    def test_profile_figures_and_all_partnerships(
        self, client, dresden, make_city, make_partnership, make_city_figure
    ):
        hangzhou = make_city(name="Hangzhou", country="CN")
        make_partnership(city_a=dresden, city_b=hangzhou, established=datetime.date(2009, 10, 16))
        make_partnership(city_a=make_city(name="Coventry", country="GB"), city_b=dresden)
        make_partnership(city_a=dresden, city_b=make_city(name="Unannounced"), state="draft")
        make_city_figure(dresden, label="Unemployment rate", value=15, qualifier="up_to", unit="%")
        response = client.get(dresden.get_absolute_url())
        assertContains(response, "<h1>Dresden</h1>", html=True)
        assertContains(response, "Saxony, Germany")
        assertContains(response, "<strong>debt-free</strong>", html=True)
        assertContains(response, "<td>513,000</td>")
        assertContains(response, "up to 15 %")
        assertContains(response, "Partnerships (2)")
        assertContains(response, "Hangzhou")
        assertContains(response, "since 16 October 2009")
        assertContains(response, "Coventry")
        assertNotContains(response, "Unannounced")

    def test_city_without_published_partnership_is_not_found(
        self, client, make_city, make_partnership
    ):
        hidden = make_city(name="Draftburg")
        make_partnership(city_a=hidden, state="draft")
        assert client.get(hidden.get_absolute_url()).status_code == 404


def test_a_city_with_very_many_partners_lists_a_bounded_number(client, make_city, settings):
    from partnerships.models import Partnership
    from partnerships.views.cities import CITY_PARTNER_LIMIT

    hub = make_city(name="Shanghai", slug="shanghai", country="CN")
    partners = [make_city(name=f"Partner {i}") for i in range(CITY_PARTNER_LIMIT + 5)]
    Partnership.objects.bulk_create(
        Partnership(slug=f"shanghai-{i}", city_a=hub, city_b=city, state="published")
        for i, city in enumerate(partners)
    )
    response = client.get(hub.get_absolute_url())
    assertContains(response, f"Partnerships ({CITY_PARTNER_LIMIT + 5})")
    assert len(response.context["partners"]) == CITY_PARTNER_LIMIT
    assertContains(response, f"All {CITY_PARTNER_LIMIT + 5} partnerships of Shanghai")
    assertContains(response, 'href="/en/partnerships/?city=shanghai"')
