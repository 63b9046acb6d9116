"""The partnership list's cards and the search's results, written in Python.

Through an include per card, each of the page's 20 cards cost a fresh context and dozens of
variable lookups. `partnership_cards` writes what templates/includes/partnership_card.html
writes, character for character (tests/partnerships/test_list_tags.py holds the two equal): the
list, topic and home pages' cards; the include stays as the reference. `search_results` writes
what includes/search_results.html writes, likewise: the search page's results.
"""

from django import template
from django.utils.html import conditional_escape as esc
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from core.addresses import SLUG_MARKER, slug_address
from core.choices import choice_text, country_name

register = template.Library()


def _since():
    return gettext("since %(date)s")  # blocktranslate's text; the date is escaped into it


@register.simple_tag
def partnership_cards(partnerships):
    """Each partnership's <article class="card">, as the include writes it."""
    before, after = slug_address("partnership_detail").split(SLUG_MARKER, 1)
    since = _since()
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
            esc(choice_text(partnership.Kind, partnership.kind)),
            "\n    ",
        ]
        if partnership.established:
            parts += [" · ", since % {"date": esc(partnership.established_display)}]
        parts += [
            '\n    · <span class="status status-',
            esc(partnership.status),
            '">',
            esc(choice_text(partnership.Status, partnership.status)),
            "</span>\n  </p>\n  ",
        ]
        # Read by for_cards(); else (a queryset without it) from the focus areas.
        rows = getattr(partnership, "focus_area_rows", None)
        if rows is not None:
            names = [name for (name,) in rows]
        else:
            names = [area.name for area in partnership.focus_areas.all()]
        if names:
            parts.append('\n  <p class="tags">')
            parts += [f'<span class="tag">{esc(name)}</span>' for name in names]
            parts.append("</p>\n  ")
        parts.append("\n</article>\n")
    return mark_safe("".join(parts))  # noqa: S308 (every value escaped above)


@register.simple_tag
def search_results(results):
    """Each search result's <li> with the whitespace around it, as the include's loop writes
    it (`results`: partnerships with their `snippet`, views/search.py)."""
    before, after = slug_address("partnership_detail").split(SLUG_MARKER, 1)
    since = _since()
    parts = []
    for partnership in results:
        parts += [
            '\n    <li>\n      <h3><a href="',
            esc(f"{before}{partnership.slug}{after}"),
            '">',
            esc(partnership.title),
            '</a></h3>\n      <p class="meta">\n        ',
            esc(country_name(partnership.city_a.country.code)),
            " · ",
            esc(country_name(partnership.city_b.country.code)),
            "\n        · ",
            esc(choice_text(partnership.Kind, partnership.kind)),
            "\n        ",
        ]
        if partnership.established:
            parts += [" · ", since % {"date": esc(partnership.established_display)}]
        parts.append("\n      </p>\n      ")
        if partnership.snippet:
            parts += ['<p class="snippet">', esc(partnership.snippet), "</p>"]
        parts.append("\n    </li>\n    ")
    return mark_safe("".join(parts))  # noqa: S308 (every value escaped above)
