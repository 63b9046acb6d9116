"""The partnership list's cards and the search's results, written in Python.

Through an include per card, each of the page's 20 cards cost a fresh context and dozens of
variable lookups. `partnership_cards` writes what templates/includes/partnership_card.html
writes, character for character (tests/partnerships/test_list_tags.py holds the two equal): the
list, topic and home pages' cards; the include stays as the reference. `search_results` writes
what includes/search_results.html writes, likewise: the search page's results. The home page's
vitality links and its map's lists of countries and connections (`vitality_links`,
`map_country_items`, `map_link_items`) write what their loops in templates/twinning/home.html
wrote, each held equal to the loop by the same tests.
"""

from urllib.parse import quote

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils.formats import localize
from django.utils.html import conditional_escape as esc
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext

from core.addresses import SLUG_MARKER, slug_address
from core.choices import choice_text, country_code, country_name
from core.templatetags.language_tags import page_address

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
            esc(country_name(country_code(city_a))),
            " · ",
            esc(country_name(country_code(city_b))),
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
            esc(country_name(country_code(partnership.city_a))),
            " · ",
            esc(country_name(country_code(partnership.city_b))),
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


@register.simple_tag
def vitality_links(by_vitality):
    """The home page's link to the list of each vitality with partnerships (statistics.
    partnerships_by_vitality's rows), as `{% for row in by_vitality %}{% if row.value %}<a …>{%
    blocktranslate %}{{ state }}: {{ number }}{% endblocktranslate %}</a>{% endif %}{% endfor %}`
    wrote them."""
    address = esc(page_address("partnership_list", get_language()))
    words = gettext("%(state)s: %(number)s")
    parts = []
    for row in by_vitality:
        if row["value"]:
            parts += [
                f'<a href="{address}?vitality=',
                esc(row["slug"]),
                '">',
                words % {"state": esc(row["label"]), "number": esc(intcomma(row["value"]))},
                "</a>",
            ]
    return mark_safe("".join(parts))  # noqa: S308 (every value escaped above)


@register.simple_tag
def map_country_items(countries):
    """The <li> of each of the world map's listed countries (partnerships.maps.CountryTotals),
    linked to its partnerships, with the whitespace of the home page's loop around each."""
    address = esc(page_address("partnership_list", get_language()))
    return mark_safe(  # noqa: S308 (every value escaped)
        "".join(
            f'\n        <li><a href="{address}?country={esc(quote(country.code, safe="/"))}">'
            f"{esc(country.name)}</a>: {esc(localize(country.partnerships))}</li>\n        "
            for country in countries
        )
    )


@register.simple_tag
def map_link_items(links):
    """The <li> of each of the world map's listed connections (partnerships.maps.CountryLink),
    with the whitespace of the home page's loop around each."""
    return mark_safe(  # noqa: S308 (every value escaped)
        "".join(
            f"\n        <li>{esc(link.country_a.name)} – {esc(link.country_b.name)}: "
            f"{esc(localize(link.partnerships))}</li>\n        "
            for link in links
        )
    )
