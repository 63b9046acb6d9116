"""The city page's partner list written in Python (city_tags.partner_items) says what the
template loop it replaced said, character for character."""

import pytest
from django.template import engines
from django.utils import translation
from django.utils.safestring import mark_safe

from partnerships.templatetags.city_tags import partner_items

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
