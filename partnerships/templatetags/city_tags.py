"""The city page's list of partnerships, the city list's rows and the partner finder's
suggestions, written in Python.

Shanghai lists 66 partnerships; as a template loop each row cost half a dozen variable lookups
and a `blocktranslate`, a sixth of the page's time. `partner_items` writes what the loop in
templates/cities/city_detail.html wrote, `city_items` what the loop in
templates/cities/city_list.html wrote (a fifth of that page's time), `suggestion_items` what
the loop in templates/cities/partner_finder.html wrote, character for character
(tests/partnerships/test_city_tags.py holds each equal to its loop).
"""

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext

from core.addresses import SLUG_MARKER, slug_address
from core.choices import country_name, country_names
from core.templatetags.chart_tags import value_html as esc
from core.translated import translated_text

register = template.Library()


@register.simple_tag
def partner_items(partners):
    """One `<li>` per row of CityDetailView.partner_rows (plain values: url, name, country,
    kind, since, status), each as `{{ }}` writes them."""
    since = gettext("since %(date)s")  # the loop's {% blocktranslate %}: translated once
    parts = []
    for partner in partners:
        meta = f"{esc(partner['country'])} · {esc(partner['kind'])}"
        if partner["since"]:
            meta += " · " + since % {"date": esc(partner["since"])}
        parts.append(
            f'\n      <li>\n        <a href="{esc(partner["url"])}">{esc(partner["name"])}</a>'
            f'\n        <span class="meta">{meta} · {esc(partner["status"])}</span>\n      </li>'
            "\n      "
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value is escaped


@register.simple_tag
def suggestion_items(suggestions):
    """One `<li class="suggestion">` per finder.Suggestion: its city's link, region and
    country, and its reasons, each as `{{ }}` writes them (name and region as the finder read
    them for its sorts, as shown)."""
    before, after = slug_address("city_detail").split(SLUG_MARKER, 1)
    names = country_names()
    parts = []
    for suggestion in suggestions:
        city = suggestion.city
        meta = esc(names.get(city.country.code, ""))
        if suggestion.region:
            meta = f"{esc(suggestion.region)}, {meta}"
        reasons = "".join(f"<li>{esc(reason)}</li>" for reason in suggestion.reasons)
        parts.append(
            f'\n    <li class="suggestion">\n      <a href="{esc(f"{before}{city.slug}{after}")}">'
            f'{esc(suggestion.name)}</a>\n      <span class="meta">{meta}</span>'
            f'\n      <ul class="reasons">{reasons}</ul>\n    </li>\n    '
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value is escaped


@register.simple_tag
def city_items(cities):
    """One `<li>` per city of the city list: its link, region, country and count of published
    partnerships (`partnership_count`)."""
    before, after = slug_address("city_detail").split(SLUG_MARKER, 1)
    parts = []
    for city in cities:
        region = translated_text(city, "region")
        region = f"<span{region.lang_attr}>{esc(region)}</span>, " if region else ""
        count = city.partnership_count
        # The loop's {% blocktranslate count %}: its counter written as {{ }} writes it.
        partnerships = ngettext("%(counter)s partnership", "%(counter)s partnerships", count) % {
            "counter": esc(count)
        }
        parts.append(
            f'\n    <li><a href="{esc(f"{before}{city.slug}{after}")}">{esc(city.name)}</a> '
            f'<span class="meta">{region}{esc(country_name(city.country.code))} · '
            f"{partnerships}</span></li>\n    "
        )
    return mark_safe("".join(parts))  # noqa: S308 - every value is escaped
