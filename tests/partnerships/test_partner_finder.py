"""The partner finder (a city's "partners like you") and the "seeking a partner" listings."""

import datetime
import sys

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation

from cities.models import City
from cities.sizes import SizeBand, band_of
from core.choices import CountryChoices
from core.indexes import refresh_planner_statistics
from partnerships import finder
from partnerships.filters import PartnerFinderForm
from partnerships.models import FocusArea, PartnerSearch, Partnership
from twinning.roles import EDITOR, setup_roles

pytestmark = pytest.mark.django_db

# The city, its partnerships and their focus areas, its listing, each source's candidates
# (two per source that reads both sides of the partnerships), the candidates, and the names of
# shared partners and focus areas: a fixed number, whatever the data.
MAX_QUERIES = 20
LISTING_QUERIES = 4 + finder.LISTING_ROUNDS


def finder_url(city, query=""):
    return reverse("partner_finder", kwargs={"slug": city.slug}) + query


@pytest.fixture
def network(make_city, make_partnership, make_focus_area):
    """A twinned with B, B with C; D with E (nothing to do with A); F of A's size."""
    culture = make_focus_area(name="Culture", slug="culture")
    a = make_city(name="Aachen", slug="aachen", population=250_000)
    b = make_city(name="Bruges", slug="bruges", country="BE", latitude="51.21", longitude="3.22")
    c = make_city(name="Chur", slug="chur", country="CH", latitude="46.85", longitude="9.53")
    d = make_city(name="Delft", slug="delft", country="NL")
    e = make_city(name="Enna", slug="enna", country="IT")
    f = make_city(name="Fulda", slug="fulda", population=260_000, country="FR")
    g = make_city(name="Gent", slug="gent", country="BE")
    make_partnership(city_a=a, city_b=b, focus_areas=[culture])
    make_partnership(city_a=b, city_b=c)
    make_partnership(city_a=d, city_b=e, focus_areas=[culture])
    make_partnership(city_a=f, city_b=g)
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "g": g, "culture": culture}


def listing(**kwargs):
    """A published listing."""
    kwargs.setdefault("is_published", True)
    return PartnerSearch.objects.create(**kwargs)


def by_name(suggestions):
    return {s.city.name: s for s in suggestions}


def test_a_partner_of_a_partner_is_suggested_with_the_partner_named(network):
    found = by_name(finder.suggest(network["a"]))
    assert "Partner of your partner Bruges" in found["Chur"].reasons
    # Distance and time difference are said too (Chur has coordinates, like Aachen).
    assert any(reason.endswith("km away") for reason in found["Chur"].reasons)


def test_shared_focus_areas_and_similar_size_are_reasons(network):
    found = by_name(finder.suggest(network["a"]))
    assert "Shared focus areas: Culture" in found["Delft"].reasons
    assert "Shared focus areas: Culture" in found["Enna"].reasons
    assert any(r.startswith("Similar size: Medium-sized city") for r in found["Fulda"].reasons)


def test_neither_the_city_nor_its_partners_are_suggested_in_any_state(
    network, make_city, make_partnership
):
    draft_partner = make_city(name="Hof", slug="hof", population=255_000)
    make_partnership(city_a=network["a"], city_b=draft_partner, state="draft")
    names = set(by_name(finder.suggest(network["a"])))
    assert names  # something is suggested…
    assert not names & {"Aachen", "Bruges", "Hof"}  # …but never itself nor a partner


def test_a_partnership_in_draft_gives_no_reason(network, make_city, make_partnership):
    """Only published partnerships make a "partner of your partner"."""
    hidden = make_city(name="Ilz", slug="ilz")
    make_partnership(city_a=network["b"], city_b=hidden, state="draft")
    assert "Ilz" not in by_name(finder.suggest(network["a"]))


def test_twinned_with_cities_like_it(network, make_city, make_partnership):
    peer = make_city(name="Bonn", slug="bonn", population=300_000)  # German and medium-sized
    twin = make_city(name="Oxford", slug="oxford", country="GB")
    make_partnership(city_a=peer, city_b=twin)
    found = by_name(finder.suggest(network["a"]))
    assert "Twinned with 1 city like yours in Germany" in found["Oxford"].reasons


def test_a_listing_that_describes_the_city_is_a_reason_and_a_boost(network, make_city):
    listing(city=network["g"], size_band=SizeBand.MEDIUM, countries=["DE"], contact_role="Office")
    suggestions = finder.suggest(network["a"])
    assert suggestions[0].city == network["g"]
    assert "Looking for a partner like you" in suggestions[0].reasons


def test_a_listing_that_does_not_describe_the_city_gives_nothing(network):
    listing(city=network["g"], countries=["CN"], contact_role="Office")
    listing(city=network["e"], size_band=SizeBand.SMALL, contact_role="Office")
    for suggestion in finder.suggest(network["a"]):
        assert "Looking for a partner like you" not in suggestion.reasons
    assert "Gent" not in by_name(finder.suggest(network["a"]))


def test_an_expired_or_unpublished_listing_is_not_used(network):
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    listing(city=network["g"], contact_role="Office", valid_until=yesterday)
    listing(city=network["d"], contact_role="Office", is_published=False)
    for suggestion in finder.suggest(network["a"]):
        assert suggestion.listing is None


def test_the_own_listing_is_matched_too(network):
    listing(city=network["a"], countries=["IT"], contact_role="Office")
    found = by_name(finder.suggest(network["a"]))
    assert "Matches what you are looking for" in found["Enna"].reasons
    assert "Matches what you are looking for" not in found["Delft"].reasons


def test_a_statement_compiled_for_one_city_answers_for_another(
    network, make_city, make_partnership
):
    """The statements are compiled once (finder._rows) and filled in with each city's own
    values: the same suggestions as from statements compiled for the city itself."""
    kiel = make_city(name="Kiel", slug="kiel", population=240_000)  # German, medium, like A
    make_partnership(city_a=kiel, city_b=network["d"], focus_areas=[network["culture"]])
    cities = [network["b"], network["f"], network["a"], kiel]

    def shown(city):
        return [(s.city.name, s.reasons) for s in finder.suggest(city)]

    alone = []
    for city in cities:
        finder._compiled.cache_clear()
        alone.append(shown(city))
    finder._compiled.cache_clear()
    assert [shown(city) for city in cities] == alone
    assert [shown(city) for city in reversed(cities)] == alone[::-1]


def test_filters_narrow_the_suggestions(client, network):
    response = client.get(finder_url(network["a"], "?country=NL"))
    assert response.status_code == 200
    names = {s.city.name for s in response.context["suggestions"]}
    assert names == {"Delft"}
    assert '<option value="NL" selected>Netherlands</option>' in response.content.decode()
    assert '<select name="country" id="id_country">' in response.content.decode()
    response = client.get(finder_url(network["a"], "?size=medium"))
    assert {s.city.name for s in response.context["suggestions"]} == {"Fulda"}


def test_the_region_filter_reads_the_page_language_s_region(client, network):
    """Partners of partners are read without modeltranslation's rewriting; the region is
    still matched in the page's language (else English), as the rewriting matched it."""
    City.objects.filter(pk=network["c"].pk).update(
        region="Grisons", region_en="Grisons", region_de="Graubünden"
    )
    url = finder_url(network["a"])
    german = client.get(url.replace("/en/", "/de/") + "?region=graubünden")
    assert [s.city.name for s in german.context["suggestions"]] == ["Chur"]
    assert client.get(url + "?region=Graubünden").context["suggestions"] == []
    assert [s.city.name for s in client.get(url + "?region=grisons").context["suggestions"]] == [
        "Chur"
    ]


def test_the_country_menu_is_read_in_the_page_language_without_normalising(client, network):
    """The choices are a CountryChoices led by "any country", not a callable whose 250
    choices Django would normalise on every pass (validating, writing the menu)."""
    assert isinstance(PartnerFinderForm.base_fields["country"].choices, CountryChoices)
    content = client.get(finder_url(network["a"]).replace("/en/", "/de/")).content.decode()
    assert '<select name="country" id="id_country">\n  <option value="" selected>Alle Länder' in (
        content
    )
    assert '<option value="NL">Niederlande</option>' in content


@pytest.mark.parametrize(
    "query", ["?country=XX", "?size=huge", "?region=" + "x" * 300, "?country=%00"]
)
def test_a_bad_filter_is_a_form_error_not_a_server_error(client, network, query):
    response = client.get(finder_url(network["a"], query))
    assert response.status_code == 200
    assert response.context["filter"]["form"].errors
    assert response.context["suggestions"] == []
    assert b'class="error"' in response.content


def test_the_page_shows_the_reasons_in_each_language(client, network):
    response = client.get(finder_url(network["a"]))
    assert "Partner of your partner Bruges" in response.content.decode()
    de = client.get(finder_url(network["a"]).replace("/en/", "/de/"))
    assert de.status_code == 200
    content = de.content.decode()
    # The filter's countries in the page's language, not in the language of the import.
    assert ">Niederlande</option>" in content
    zh = client.get(finder_url(network["a"]).replace("/en/", "/zh-hans/"))
    assert zh.status_code == 200


def test_a_city_without_a_published_partnership_has_no_finder(client, make_city):
    hidden = make_city(name="Nowhere", slug="nowhere")
    assert client.get(finder_url(hidden)).status_code == 404


# --- Listings ----------------------------------------------------------------------------


def test_a_listing_without_a_contact_role_is_refused(network):
    listing = PartnerSearch(city=network["a"], contact_role="  ")
    with pytest.raises(ValidationError) as error:
        listing.full_clean()
    assert "contact_role" in error.value.message_dict


def test_the_listing_page_shows_current_listings_with_cities_that_fit(client, network):
    listing(city=network["g"], size_band=SizeBand.MEDIUM, contact_role="City partnership office")
    listing(
        city=network["d"],
        contact_role="Old listing",
        valid_until=timezone.localdate() - datetime.timedelta(days=1),
    )
    response = client.get(reverse("seeking_list"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "City partnership office" in content
    assert "Old listing" not in content
    (shown,) = response.context["listings"]
    # Aachen and Fulda are medium-sized; Fulda is Gent's partner already.
    assert [c.name for c in shown.matching_cities] == ["Aachen"]


def test_the_city_page_says_when_the_city_is_looking_for_a_partner(client, network):
    assert (
        "looking for a partner" not in client.get(network["g"].get_absolute_url()).content.decode()
    )
    listing(city=network["g"], contact_role="Office")
    content = client.get(network["g"].get_absolute_url()).content.decode()
    assert "This city is looking for a partner." in content


def test_a_new_listing_shows_on_cached_pages_at_once(client, network, settings):
    settings.PAGE_CACHE_SECONDS = 300
    cache.clear()
    url = network["g"].get_absolute_url()
    assert "This city is looking for a partner." not in client.get(url).content.decode()
    listing(city=network["g"], contact_role="Office")
    assert "This city is looking for a partner." in client.get(url).content.decode()


# --- Permissions ---------------------------------------------------------------------------


def staff_of(city, name):
    setup_roles()
    user = get_user_model().objects.create_user(name, password="x-Very-long-pass-42", is_staff=True)
    user.groups.add(Group.objects.get(name=EDITOR))
    user.assigned_cities.add(city)
    return user


def admin_url(view, *args):
    return reverse(f"admin:partnerships_partnersearch_{view}", args=args)


def test_staff_edit_only_their_own_cities_listings(client, network):
    theirs = listing(city=network["g"], contact_role="Their office")
    ours = listing(city=network["a"], contact_role="Our office")
    client.force_login(staff_of(network["a"], "aachen-editor"))
    assert client.get(admin_url("change", ours.pk)).status_code == 200
    assert client.get(admin_url("change", theirs.pk)).status_code == 404
    response = client.post(
        admin_url("change", theirs.pk), {"city": network["g"].pk, "contact_role": "Hijacked"}
    )
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.contact_role == "Their office"
    listed = client.get(admin_url("changelist")).context["cl"].result_list
    assert list(listed) == [ours]


def test_staff_cannot_add_a_listing_for_another_city(client, network):
    client.force_login(staff_of(network["a"], "aachen-editor"))
    response = client.post(
        admin_url("add"), {"city": network["g"].pk, "contact_role": "Office", "is_published": "on"}
    )
    assert response.status_code == 200  # the form again, with the error
    assert "city" in response.context["adminform"].form.errors
    assert not PartnerSearch.objects.exists()
    response = client.post(
        admin_url("add"), {"city": network["a"].pk, "contact_role": "", "is_published": "on"}
    )
    assert "contact_role" in response.context["adminform"].form.errors
    response = client.post(
        admin_url("add"), {"city": network["a"].pk, "contact_role": "Office", "is_published": "on"}
    )
    assert response.status_code == 302
    assert PartnerSearch.objects.get().city == network["a"]


# --- Queries, small and at world scale -------------------------------------------------------


def test_the_finder_page_query_count_on_a_small_network(
    client, network, django_assert_max_num_queries
):
    listing(city=network["g"], contact_role="Office")
    listing(city=network["a"], contact_role="Office")
    with django_assert_max_num_queries(MAX_QUERIES):
        response = client.get(finder_url(network["a"]))
    assert response.status_code == 200
    assert response.context["suggestions"]


def test_the_listing_page_query_count(client, network, django_assert_max_num_queries):
    for city in ("d", "e", "f", "g"):
        listing(city=network[city], contact_role="Office")
    # count, page, their themes, candidates (up to three rounds), partnerships among them
    with django_assert_max_num_queries(LISTING_QUERIES):
        response = client.get(reverse("seeking_list"))
    assert response.status_code == 200


WORLD_CITIES = 5_000
WORLD_PARTNERSHIPS = 25_000


def build_world():
    """5,000 cities in 40 countries with populations, 25,000 published partnerships with focus
    areas, the hub twinned with 100 cities (each of them with its own partners), and 300
    listings."""
    topics = FocusArea.objects.bulk_create(
        FocusArea(name=f"Topic {i}", slug=f"topic-{i}") for i in range(8)
    )
    countries = ["DE", "FR", "CN", "US", "PL", "IT", "JP", "BR", "GB", "ES"] * 4
    cities = City.objects.bulk_create(
        City(
            name=f"City {i}",
            slug=f"city-{i}",
            country=countries[i % len(countries)],
            region=f"Region {i % 7}",
            latitude=(i * 37) % 170 - 85,
            longitude=(i * 53) % 360 - 180,
            population=(i * 7919) % 3_000_000 + 1000,
        )
        for i in range(WORLD_CITIES)
    )
    pairs = [(0, b) for b in range(1000, 1100)]
    pairs += [
        (i % WORLD_CITIES, (i % WORLD_CITIES + 1 + i // WORLD_CITIES) % WORLD_CITIES)
        for i in range(WORLD_PARTNERSHIPS - len(pairs))
    ]
    partnerships = Partnership.objects.bulk_create(
        (
            Partnership(slug=f"w-{n}", city_a=cities[a], city_b=cities[b], state="published")
            for n, (a, b) in enumerate(pairs)
        ),
        batch_size=2000,
    )
    through = Partnership.focus_areas.through
    through.objects.bulk_create(
        (
            through(partnership_id=p.pk, focusarea_id=topics[n % len(topics)].pk)
            for n, p in enumerate(partnerships)
        ),
        batch_size=5000,
    )
    PartnerSearch.objects.bulk_create(
        PartnerSearch(
            city=cities[i],
            size_band=band_of(cities[0].population) if i % 2 else "",
            countries=[] if i % 3 else [cities[0].country.code],
            contact_role="Office",
            is_published=True,
        )
        for i in range(2000, 2300)
    )
    refresh_planner_statistics(City, Partnership)
    return cities[0]


@pytest.fixture(scope="class")
def world_hub(django_db_setup, django_db_blocker):
    """Built once for the class in a transaction rolled back after its last test (see
    tests/twinning/test_query_counts.py)."""
    with django_db_blocker.unblock():
        world = transaction.atomic()
        world.__enter__()
        try:
            hub = build_world()
        except BaseException:
            world.__exit__(*sys.exc_info())
            raise
    yield hub
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        world.__exit__(None, None, None)


class TestWorldScale:
    @pytest.mark.parametrize("query", ["", "?country=FR", "?size=large&region=Region+3"])
    def test_the_finder_keeps_its_query_count(
        self, world_hub, client, django_assert_max_num_queries, query
    ):
        with django_assert_max_num_queries(MAX_QUERIES):
            response = client.get(finder_url(world_hub, query))
        assert response.status_code == 200
        suggestions = response.context["suggestions"]
        assert 0 < len(suggestions) <= finder.SUGGESTIONS
        partners = set(
            Partnership.objects.involving(world_hub).values_list("city_a", "city_b").distinct()
        )
        twinned = {pk for pair in partners for pk in pair}
        assert not {s.city.pk for s in suggestions} & twinned
        assert all(s.reasons for s in suggestions)

    def test_the_listing_page_keeps_its_query_count(
        self, world_hub, client, django_assert_max_num_queries
    ):
        with django_assert_max_num_queries(LISTING_QUERIES):
            response = client.get(reverse("seeking_list"))
        assert response.status_code == 200
        assert all(listing.matching_cities for listing in response.context["listings"])


@pytest.mark.parametrize("language", ["en", "de", "zh-hans"])
def test_each_suggestion_has_its_city_s_name_and_region_as_shown(network, language):
    """The list writes the name and region the finder read from its rows (finder._shown):
    what the city's own fields give in each language, translated or falling back to English."""
    City.objects.filter(pk=network["c"].pk).update(
        name_de="Cuera", region_en="Grisons", region_de="Graubünden"
    )
    with translation.override(language):
        shown = finder.suggest(network["a"])
        assert shown
        for suggestion in shown:
            city = City.objects.get(pk=suggestion.city.pk)
            assert (suggestion.name, suggestion.region) == (city.name, city.region)
