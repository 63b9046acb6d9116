"""The city page's list of partnerships, written in Python.

Shanghai lists 66 partnerships; as a template loop each row cost half a dozen variable lookups
and a `blocktranslate`, a sixth of the page's time. `partner_items` writes what the loop in
templates/cities/city_detail.html wrote, character for character (a test holds the two equal).
"""

from django import template
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

from core.templatetags.chart_tags import value_html as esc

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
