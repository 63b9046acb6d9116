"""The partnership list's cards, written in Python.

Through an include per card, each of the page's 20 cards cost a fresh context and dozens of
variable lookups. `partnership_cards` writes what templates/includes/partnership_card.html
writes, character for character (tests/partnerships/test_list_tags.py holds the two equal): the
list, topic and home pages' cards; the include stays as the reference.
"""

from django import template
from django.utils.html import conditional_escape as esc
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from core.addresses import SLUG_MARKER, slug_address
from core.choices import country_name

register = template.Library()


@register.simple_tag
def partnership_cards(partnerships):
    """Each partnership's <article class="card">, as the include writes it."""
    before, after = slug_address("partnership_detail").split(SLUG_MARKER, 1)
    since = gettext("since %(date)s")  # blocktranslate's text; the date is escaped into it
    parts = []
    for partnership in partnerships:
        city_a, city_b = partnership.city_a, partnership.city_b
        parts += [
            '<article class="card">\n  <h3><a href="',
            esc(f"{before}{partnership.slug}{after}"),
            '">',
            esc(partnership.title),
            '</a></h3>\n  <p class="meta">\n    ',
            esc(country_name(city_a.country.code)),
            " · ",
            esc(country_name(city_b.country.code)),
            "\n    · ",
            esc(partnership.kind_label),
            "\n    ",
        ]
        if partnership.established:
            parts += [" · ", since % {"date": esc(partnership.established_display)}]
        parts += [
            '\n    · <span class="status status-',
            esc(partnership.status),
            '">',
            esc(partnership.status_label),
            "</span>\n  </p>\n  ",
        ]
        areas = partnership.focus_areas.all()
        if areas:
            parts.append('\n  <p class="tags">')
            parts += [f'<span class="tag">{esc(area.name)}</span>' for area in areas]
            parts.append("</p>\n  ")
        parts.append("\n</article>\n")
    return mark_safe("".join(parts))  # noqa: S308 (every value escaped above)
