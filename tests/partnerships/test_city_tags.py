"""The city page's partner list and the partner finder's suggestions written in Python
(city_tags.partner_items, suggestion_items) say what the template loops they replaced said,
character for character."""

import pytest
from django.template import engines
from django.utils import translation
from django.utils.safestring import mark_safe

from cities.models import City
from partnerships.finder import Suggestion
from partnerships.templatetags.city_tags import partner_items, suggestion_items

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
    return [Suggestion(city=c, reasons=r) for c, r in zip(cities, reasons, strict=True)]


@pytest.mark.parametrize("language", ["en", "de", "zh-hans"])
def test_suggestion_items_write_what_the_loop_wrote(language):
    shown = suggestions()
    with translation.override(language):
        expected = engines["django"].from_string(SUGGESTION_LOOP).render({"suggestions": shown})
        assert suggestion_items(shown) == expected
    assert "Côte &amp; &lt;Nord&gt;" in expected and "<b>kept</b>" in expected


def test_no_suggestions_no_items():
    assert suggestion_items([]) == ""
