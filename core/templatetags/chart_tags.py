"""Charts (core/charts.py) written in Python: `{% chart_svgs drawings %}` writes what
`{% for chart in drawings %}{% include "includes/chart.html" with chart=chart only %}{% endfor %}`
does, character for character (a test holds the two equal), without a template context and
dozens of variable lookups per bar. The city and statistics pages draw them so."""

import html
import re

from django import template
from django.conf import settings
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext

register = template.Library()


# A character html.escape() replaces: most of a chart's strings are coordinates without one,
# and searching for one takes half as long as escape()'s five replacements.
_needs_escape = re.compile("[&<>\"']").search


def value_html(value):
    """A value as `{{ value }}` writes it; plain strings, most of a chart's hundreds of
    values, escaped directly (as conditional_escape would). Used by other tags too."""
    if type(value) is str:
        return html.escape(value) if _needs_escape(value) else value
    if type(value) is int and not settings.USE_THOUSAND_SEPARATOR:
        # What localize() gives an int without grouping (numberformat's own shortcut), without
        # looking up the language's number formats for each of a table's years and counts.
        return str(value)
    return conditional_escape(localize(value))


_v = value_html  # short, for the markup below


def _text(css, text):
    if not text:
        return ""
    anchor = f' text-anchor="{_v(text.anchor)}"' if text.anchor else ""
    return f'<text class="{css}" x="{_v(text.x)}" y="{_v(text.y)}"{anchor}>{_v(text.text)}</text>'


def chart_svg(chart):
    """One drawing, as includes/chart.html writes it."""
    chart_id, width, height = _v(chart.id), _v(chart.width), _v(chart.height)
    variant = f" {_v(chart.variant)}" if chart.variant else ""
    parts = [
        f'<svg class="chart{variant}" id="{chart_id}" role="img" '
        f'aria-labelledby="{chart_id}-title" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" preserveAspectRatio="xMinYMin meet" '
        f'xmlns="http://www.w3.org/2000/svg"><title id="{chart_id}-title">{_v(chart.title)}'
        "</title>\n"
    ]
    empty = chart.empty
    if empty:
        parts.append(
            f'<text class="chart-empty" x="{_v(empty.x)}" y="{_v(empty.y)}" '
            f'text-anchor="middle">{_v(empty.text)}</text>'
        )
    parts.append("\n")
    if chart.axis_y:
        axis_y = _v(chart.axis_y)
        parts.append(
            f'<line class="chart-axis" x1="0" y1="{axis_y}" x2="{width}" y2="{axis_y}"></line>'
        )
    parts.append("\n")
    for bar in chart.bars:
        parts.append(
            f'<g class="chart-row">{_text("chart-label", bar.label)}<rect class="chart-bar" '
            f'x="{_v(bar.x)}" y="{_v(bar.y)}" width="{_v(bar.width)}" height="{_v(bar.height)}">'
            f"</rect>{_text('chart-value', bar.value)}</g>\n"
        )
    parts.append("</svg>\n")
    return "".join(parts)


@register.simple_tag
def chart_svgs(drawings):
    """Each drawing of a chart (core.charts.responsive gives two: wide and narrow)."""
    return mark_safe("".join(chart_svg(chart) for chart in drawings))  # noqa: S308 - escaped


@register.simple_tag
def chart_table(rows, caption, label, counted):
    """A chart's rows (dicts of "label" and "value") as a table, as
    `{% include "partnerships/includes/count_table.html" with rows=… caption=… label=… counted=…
    only %}` writes it (a test holds the two equal): a city's years of activities are 40 rows
    and more, each two variable lookups in a fresh context of the include."""
    parts = [
        f'\n<table class="figures chart-data">\n    <caption>{_v(caption)}</caption>\n    '
        f'<thead><tr><th scope="col">{_v(label)}</th><th scope="col" class="num">{_v(counted)}'
        "</th></tr></thead>\n    <tbody>\n      "
    ]
    rows = list(rows or ())
    for row in rows:
        parts.append(
            f'\n      <tr><th scope="row">{_v(row["label"])}</th>'
            f'<td class="num">{_v(row["value"])}</td></tr>\n      '
        )
    if not rows:
        parts.append(f'\n      <tr><td colspan="2">{_v(gettext("No data"))}</td></tr>\n      ')
    parts.append("\n    </tbody>\n  </table>\n")
    return mark_safe("".join(parts))  # noqa: S308 - every value is escaped
