"""The city page's partner list, the city list's rows and the partner finder's suggestions
written in Python (city_tags.partner_items, city_items, suggestion_items) say what the template
loops they replaced said, character for character."""

import pytest
from django.template import engines
from django.utils import translation
from django.utils.safestring import mark_safe

from cities.models import City
from partnerships.finder import Suggestion
from partnerships.models import listed_cities
from partnerships.templatetags.city_tags import city_items, partner_items, suggestion_items

# The loop as templates/cities/city_detail.html had it.
LOOP = """{% load i18n %}{% for partner in partners %}
      <li>
        <a href="{{ partner.url }}">{{ partner.name }}</a>
        <span class="meta">{{ partner.country }} · {{ partner.kind }}{% if partner.since %} · {% blocktranslate trimmed with date=partner.since %}since {{ date }}{% endblocktranslate %}{% endif %} · {{ partner.status }}</span>
      </li>
      {% endfor %}"""  # noqa: E501

ROWS = [
    {
        "url": mark_safe("/en/partnerships/dresden-hangzhou/?a=1&b=2"),
        "name": "<Hangzhou> & Co",
        "country": "China",
        "kind": "Twin town",
        "since": "12 May 1988",
        "status": "Active",
    },
    {
        "url": "/en/partnerships/a-b/",
        "name": "杭州",
        "country": "Côte d’Ivoire",
        "kind": "Friendship",
        "since": "",
        "status": "Dormant",
    },
    {
        "url": "/x/",
        "name": 'O\'Brien "Town"',
        "country": "",
        "kind": "",
        "since": "1990s",
        "status": "",
    },  # fmt: skip
]


@pytest.mark.parametrize("language", ["en", "de", "zh-hans"])
def test_partner_items_write_what_the_loop_wrote(language):
    with translation.override(language):
        expected = engines["django"].from_string(LOOP).render({"partners": ROWS})
        assert partner_items(ROWS) == expected
    assert "&lt;Hangzhou&gt; &amp; Co" in expected and "?a=1&b=2" in expected


def test_no_partners_no_items():
    assert partner_items([]) == ""


# The loop as templates/cities/partner_finder.html had it.
SUGGESTION_LOOP = """{% for suggestion in suggestions %}
    <li class="suggestion">
      <a href="{{ suggestion.city.get_absolute_url }}">{{ suggestion.city.name }}</a>
      <span class="meta">{% if suggestion.city.region %}{{ suggestion.city.region }}, {% endif %}{{ suggestion.city.country.name }}</span>
      <ul class="reasons">{% for reason in suggestion.reasons %}<li>{{ reason }}</li>{% endfor %}</ul>
    </li>
    {% endfor %}"""  # noqa: E501


def suggestions():
    cities = [
        City(slug="hangzhou", name_en="<Hangzhou> & Co", name_de="Hangzhou", country="CN"),
        City(slug="obrien", name_en='O\'Brien "Town"', region_en="Côte & <Nord>", country="CI"),
        City(
            slug="dresden", name_en="Dresden", region_en="Saxony", region_de="Sachsen", country="DE"
        ),
    ]
    reasons = [
        ["Partner of your partner <Bruges> & Gent", "8,000 km away"],
        [mark_safe("<b>kept</b>"), "Similar size: Medium-sized city (100,000 to 500,000)"],
        [],
    ]
    # Name and region as the finder reads them from its rows (finder._shown): as shown.
    return [
        Suggestion(city=c, reasons=r, name=c.name, region=c.region)
        for c, r in zip(cities, reasons, strict=True)
    ]


@pytest.mark.parametrize("language", ["en", "de", "zh-hans"])
def test_suggestion_items_write_what_the_loop_wrote(language):
    with translation.override(language):
        shown = suggestions()
        expected = engines["django"].from_string(SUGGESTION_LOOP).render({"suggestions": shown})
        assert suggestion_items(shown) == expected
    assert "Côte &amp; &lt;Nord&gt;" in expected and "<b>kept</b>" in expected


def test_no_suggestions_no_items():
    assert suggestion_items([]) == ""


# The city list's loop as templates/cities/city_list.html had it.
CITY_LOOP = """{% load i18n translated_tags %}{% for city in cities %}
    <li><a href="{{ city.get_absolute_url }}">{{ city.name }}</a> <span class="meta">{% translated city "region" as region %}{% if region %}<span{{ region.lang_attr }}>{{ region }}</span>, {% endif %}{{ city.country.name }} · {% blocktranslate trimmed count counter=city.partnership_count %}{{ counter }} partnership{% plural %}{{ counter }} partnerships{% endblocktranslate %}</span></li>
    {% endfor %}"""  # noqa: E501


@pytest.fixture
def listed(make_city, make_partnership):
    cities = [
        make_city(name="<Hangzhou> & Co", name_zh_hans="杭州", region="Zhejiang", country="CN"),
        make_city(name="Köln", region="Nordrhein-Westfalen", region_de="NRW", country="DE"),
        make_city(name='O\'Brien "Town"', region="", country="CI"),
        make_city(name="Pristina", country="XK"),
    ]
    make_partnership(city_a=cities[0], city_b=cities[1])
    make_partnership(city_a=cities[0], city_b=cities[2])
    make_partnership(city_a=cities[3], city_b=cities[0])
    return listed_cities()


@pytest.mark.parametrize("language", ["en", "de", "zh-hans"])
def test_city_items_write_what_the_loop_wrote(listed, language):
    with translation.override(language):
        cities = list(listed)
        # the singular and the plural, and a count written with a thousands separator
        cities[1].partnership_count = 1234
        expected = engines["django"].from_string(CITY_LOOP).render({"cities": cities})
        assert city_items(cities) == expected
    assert {city.partnership_count for city in cities} == {1, 3, 1234}
    if language == "en":
        assert (
            "&lt;Hangzhou&gt; &amp; Co" in expected and "O&#x27;Brien &quot;Town&quot;" in expected
        )
        assert "3 partnerships" in expected and "1 partnership<" in expected


def test_no_cities_no_items():
    assert city_items([]) == ""
