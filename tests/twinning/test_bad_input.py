"""Nonsense in the address never breaks a public page, feed or export: an answer, never a 500."""

import pytest

pytestmark = pytest.mark.django_db

NONSENSE = [
    "page=-1",
    "page=abc",
    "page=99999999999999999999",
    "established_from=abc&established_to=-5",
    "date_from=yesterday&date_to=31.02.2020",
    "country=XX&kind=castle&status=%00&focus_area=%27%3B--",
    "q=" + "x" * 10_000,
    "city=" + "%C3%A9" * 3_000,
    "sort=password",
    "format=exe",
    "p=-3",
]


@pytest.fixture
def site(make_city, make_partnership, make_activity, make_focus_area):
    culture = make_focus_area(name="Culture", slug="culture")
    partnership = make_partnership(
        city_a=make_city(name="Dresden", slug="dresden"),
        city_b=make_city(name="Hangzhou", slug="hangzhou", country="CN"),
        focus_areas=[culture],
    )
    make_activity(partnership, title="Choir festival", focus_areas=[culture])
    return partnership


def public_addresses(partnership):
    city = partnership.city_a.get_absolute_url()
    page = partnership.get_absolute_url()
    return [
        "/en/",
        "/en/partnerships/",
        page,
        "/en/cities/",
        city,
        "/en/topics/culture/",
        "/en/activities/",
        "/en/search/",
        "/en/anniversaries/",
        "/export/partnerships/",
        f"{page}data.json",
        f"{city}data.json",
        "/sitemap.xml",
        "/sitemap-partnerships.xml",
        f"{page}feed/",
        f"{city}calendar.ics",
        "/robots.txt",
    ]


@pytest.mark.parametrize("query", NONSENSE)
def test_nonsense_gets_an_answer_not_a_server_error(client, site, query):
    for address in public_addresses(site):
        response = client.get(f"{address}?{query}")
        assert response.status_code in (200, 400, 404), (address, query, response.status_code)
