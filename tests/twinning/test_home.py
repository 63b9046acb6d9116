"""The home page and the site-wide frame every page shares."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

pytestmark = pytest.mark.django_db


def test_home_shows_featured_upcoming_and_anniversaries(
    client, make_partnership, make_activity, make_city
):
    today = timezone.localdate()
    featured = make_partnership(
        city_a=make_city(name="Berlin"),
        city_b=make_city(name="Beijing"),
        is_featured=True,
        established=(today + datetime.timedelta(days=20)).replace(year=today.year - 25),
    )
    make_partnership(city_a=make_city(name="Quietville"))
    make_activity(
        featured, title="Anniversary concert", start_date=today + datetime.timedelta(days=10)
    )
    make_activity(featured, title="Long gone fair", start_date=datetime.date(2001, 1, 1))
    draft = make_partnership(city_a=make_city(name="Draftburg"), is_featured=True, state="draft")
    make_activity(draft, title="Secret gala", start_date=today + datetime.timedelta(days=5))

    response = client.get(reverse("home"))
    assertContains(response, "Berlin – Beijing")
    assertNotContains(response, "Quietville")  # only featured ones when some are featured
    assertContains(response, "Anniversary concert")
    assertNotContains(response, "Long gone fair")
    assertContains(response, "25th anniversary")
    assertNotContains(response, "Draftburg")
    assertNotContains(response, "Secret gala")


def test_home_shows_the_five_soonest_upcoming_activities_under_way_first(
    client, make_partnership, make_activity
):
    today = timezone.localdate()
    partnership = make_partnership()
    hidden = make_partnership(state="draft")
    days = datetime.timedelta
    make_activity(hidden, title="Draft fair", start_date=today - days(3), end_date=today)
    make_activity(partnership, title="Over", start_date=today - days(9), end_date=today - days(1))
    make_activity(
        partnership, title="Under way", start_date=today - days(2), end_date=today + days(2)
    )
    for n in range(6):
        make_activity(partnership, title=f"Soon {n}", start_date=today + days(6 - n))

    html = client.get(reverse("home")).content.decode()
    shown = re.findall(r"Under way|Soon \d|Over|Draft fair", html)
    assert shown == ["Under way", "Soon 5", "Soon 4", "Soon 3", "Soon 2"]


def test_home_maps_the_partnerships_by_country_with_a_list(client, make_city, make_partnership):
    berlin = make_city(name="Berlin", country="DE")
    for _ in range(2):
        make_partnership(city_a=berlin, city_b=make_city(country="FR"))
    make_partnership(city_a=berlin, city_b=make_city(country="CN"))

    response = client.get(reverse("home"))

    assertContains(response, "Map: partnerships in 3 countries")
    assertContains(response, 'class="map-city map-region"', count=3)
    assertContains(response, 'class="map-link"', count=2)
    assertContains(response, '<a href="/en/partnerships/?country=DE">Germany</a>: 3', html=False)
    assertContains(response, "<li>Germany – France: 2</li>", html=True)


def test_home_without_coordinates_has_no_map(client, make_city, make_partnership):
    make_partnership(
        city_a=make_city(latitude=None, longitude=None),
        city_b=make_city(latitude=None, longitude=None),
    )
    assertNotContains(client.get(reverse("home")), "Partnerships around the world")


def test_home_without_data_has_no_empty_sections(client, db):
    html = client.get(reverse("home")).content.decode()
    assert "Featured partnerships" not in html
    assert "Coming up" not in html
    assert "0 partnerships on record" in html


@pytest.mark.parametrize("url_name", ["home", "partnership_list", "city_list", "activity_list"])
def test_every_page_has_the_accessible_frame(client, db, url_name):
    """Title, one h1, landmarks, a skip link and a phone viewport on every page."""
    html = client.get(reverse(url_name)).content.decode()
    assert html.count("<h1") == 1
    assert '<html lang="en">' in html
    assert "<title>" in html and " · Twinning</title>" in html
    assert 'href="#content"' in html and 'id="content"' in html
    for landmark in ("<header", "<nav", "<main", "<footer"):
        assert landmark in html
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html


def test_every_filter_control_has_a_label(client, db):
    for url_name in ("partnership_list", "city_list", "activity_list"):
        html = client.get(reverse(url_name)).content.decode()

        controls = re.findall(r"<(?:input|select)[^>]*>", html)
        visible = [c for c in controls if 'type="hidden"' not in c]
        ids = [re.search(r'\sid="([^"]+)"', c).group(1) for c in visible if " id=" in c]
        assert ids, url_name
        for control_id in ids:
            assert f'<label for="{control_id}"' in html, (url_name, control_id)


def test_unknown_page_is_a_friendly_404(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assertContains(response, "Page not found", status_code=404)


def test_home_shows_an_edit_on_the_next_request(client, make_partnership, make_activity, make_city):
    # The page's queries are built once per language and day (home_queries), never their rows.
    today = timezone.localdate()
    assertNotContains(client.get(reverse("home")), "Newtown")
    partnership = make_partnership(city_a=make_city(name="Newtown"), is_featured=True)
    make_activity(partnership, title="Opening fair", start_date=today + datetime.timedelta(days=3))
    response = client.get(reverse("home"))
    assertContains(response, "Newtown")
    assertContains(response, "Opening fair")
    partnership.state = "draft"
    partnership.save()
    response = client.get(reverse("home"))
    assertNotContains(response, "Newtown")
    assertNotContains(response, "Opening fair")
