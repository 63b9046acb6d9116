"""A partnership page's activity items, timeline drawings, milestones, plans, focus areas and
annual report links (a city page's too), written in Python.

The page shows up to 60 activities and two drawings of up to 70 marks each; through template
includes, each item and mark cost a fresh context and dozens of variable lookups, a third of
the page's time. These tags write the same markup: `activity_items` that of
templates/includes/activity_item.html (kept as the markup's reference: a test holds the two equal),
`timeline_svg` the page's timeline drawing; `milestone_items`, `plan_items` and `focus_area_tags`
what the loops of templates/partnerships/partnership_detail.html wrote (each held equal to its
loop by tests/partnerships/test_record_tags.py).
"""

from django import template
from django.contrib.humanize.templatetags.humanize import intcomma
from django.template.defaultfilters import add, floatformat, linebreaksbr
from django.utils.html import conditional_escape as esc
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, pgettext
from modeltranslation.utils import get_language

from cities.maps import svg_number
from core.addresses import SLUG_MARKER, slug_address
from core.choices import choice_text
from core.markdown import render_markdown
from core.templatetags.chart_tags import value_html
from core.translated import translated_text

register = template.Library()

# Texts are escaped by value_html() (a plain string by html.escape() directly): what
# conditional_escape() writes, without its lazy-text wrapper, for hundreds of values a page.


class _Labels:
    """What every item of one list says or links the same: translated and reversed once."""

    def __init__(self):
        self.undated = esc(gettext("Date not recorded"))
        self.where = esc(gettext("Where"))
        self.who = esc(gettext("Who took part"))
        self.in_partnership = esc(pgettext("activity of a partnership", "In"))
        self.topic = slug_address("topic_detail")
        self.language = get_language()  # of every text: looked up once, not per text


def activity_item(activity, labels, show_description=False, show_focus_areas=False,
                  show_partnership=False):  # fmt: skip
    """One activity's <li>, character for character as includes/activity_item.html."""
    when = activity.when_display
    parts = [
        '<li class="activity">\n  <p class="when">',
        value_html(when) if when else labels.undated,
        " · ",
        value_html(choice_text(activity.Kind, activity.kind)),  # its kind_label, as text
        "</p>\n  <h3>",
        translated_text(activity, "title", labels.language).marked,
        "</h3>\n  ",
    ]
    if show_partnership:
        partnership = activity.partnership
        parts += [
            f'<p class="meta">{labels.in_partnership} <a href="',
            esc(partnership.get_absolute_url()),
            '">',
            esc(partnership.title),
            "</a></p>",
        ]
    parts.append("\n  \n  ")
    parts += _facts(activity, labels.where, labels.who, "\n  ", labels.language)
    parts.append("\n  ")
    if show_description:
        description = translated_text(activity, "description", labels.language)
        if description:
            parts += [
                description.note,
                '<div class="prose"',
                description.lang_attr,
                ">",
                render_markdown(description),
                "</div>",
            ]
    parts.append("\n  ")
    if show_focus_areas:
        areas = activity.focus_area_list()
        if areas:
            parts.append('\n  <p class="tags">')
            for area in areas:
                parts += [
                    '<a class="tag" href="',
                    value_html(labels.topic.replace(SLUG_MARKER, area.slug, 1)),
                    '">',
                    value_html(area.name),
                    "</a>",
                ]
            parts.append("</p>\n  ")
    parts.append("\n</li>\n")
    return "".join(str(part) for part in parts)


@register.simple_tag
def activity_items(activities, show_description=False, show_focus_areas=False,
                   show_partnership=False):  # fmt: skip
    """The <li> of each activity, as `{% for activity in activities %}{% include
    "includes/activity_item.html" with … %}{% endfor %}` writes them."""
    labels = _Labels()
    return mark_safe(  # noqa: S308 - every text is escaped above, the Markdown sanitised
        "".join(
            activity_item(activity, labels, show_description, show_focus_areas, show_partnership)
            for activity in activities
        )
    )


@register.simple_tag
def timeline_svg(chart, variant):
    """One drawing of the timeline (partnerships/timeline.py): year ticks, a mark and a label
    per entry."""
    height = floatformat(chart.height, "0u")
    axis_y = chart.axis_y
    parts = [
        f'\n<svg class="timeline-svg {esc(variant)}" xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {chart.width} {height}" width="{chart.width}" height="{height}" '
        f'font-size="{chart.font_size}" focusable="false">\n  <g class="tl-ticks">'
    ]
    year_y = add(axis_y, "-6")
    for tick in chart.ticks:
        x = tick.svg_x
        parts.append(
            f'\n    <line class="tl-grid" x1="{x}" y1="{axis_y}" x2="{x}" y2="{height}"/>'
            f'\n    <text class="tl-year" x="{x}" y="{year_y}" text-anchor="middle">'
            f"{tick.year:d}</text>"
        )
    parts.append(
        f'\n    <line class="tl-axis" x1="0" y1="{axis_y}" x2="{chart.width}" y2="{axis_y}"/>'
        "\n  </g>\n  "
    )
    for item in chart.items:
        # item.svg's numbers, without its dictionary of six lookups by name
        parts.append(
            f'<g class="tl-item tl-{value_html(item.kind)}">\n'
            f"    <title>{value_html(item.when)}: {value_html(item.title)}</title>\n"
            f'    <rect class="tl-mark" x="{svg_number(item.x)}" y="{svg_number(item.y)}" '
            f'width="{svg_number(item.width)}" height="{svg_number(item.height)}" rx="3"/>\n'
            f'    <text class="tl-label" x="{svg_number(item.label_x)}" '
            f'y="{svg_number(item.label_y)}" '
            f'text-anchor="{value_html(item.label_anchor)}">{value_html(item.label)}</text>\n  </g>'
        )
    parts.append("\n</svg>\n")
    return mark_safe("".join(parts))  # noqa: S308 - every text is escaped above


def _facts(record, where, who, indent, language):
    """The record's place and participants as the templates' `<dl class="facts">`, indented by
    `indent` (a newline and the spaces of the including template), or nothing without either.
    `where` and `who` are the escaped labels, `language` the active one."""
    location = translated_text(record, "location", language)
    participants = translated_text(record, "participants", language)
    if not (location or participants):
        return []
    inner = indent + "  "
    parts = [f'{indent}<dl class="facts">{inner}']
    if location:
        parts += [f"<dt>{where}</dt><dd>", location.marked, "</dd>"]
    parts.append(inner)
    if participants:
        parts += [
            f"<dt>{who}</dt><dd><span",
            participants.lang_attr,
            ">",
            linebreaksbr(participants),
            "</span>",
            participants.inline_note,
            "</dd>",
        ]
    parts.append(f"{indent}</dl>{indent}")
    return parts


def _prose(text):
    """`{% if text %}{{ text.note }}<div class="prose"{{ text.lang_attr }}>{{ text|markdown }}
    </div>{% endif %}` of a TranslatedText."""
    if not text:
        return ""
    return f'{text.note}<div class="prose"{text.lang_attr}>{render_markdown(text)}</div>'


@register.simple_tag
def milestone_items(milestones):
    """The <li> of each milestone of the page's timeline."""
    where, who = esc(gettext("Where")), esc(gettext("Who"))
    language = get_language()
    parts = []
    for milestone in milestones:
        parts += [
            '\n      <li>\n        <p class="when"><time datetime="',
            milestone.date.isoformat(),  # as |date:"Y-m-d" writes a date
            '">',
            value_html(milestone.date_display),
            "</time> · ",
            value_html(choice_text(milestone.Kind, milestone.kind)),  # its kind_label
            "</p>\n        <h3>",
            translated_text(milestone, "title", language).marked,
            "</h3>\n        \n        ",
        ]
        parts += _facts(milestone, where, who, "\n        ", language)
        parts += [
            "\n        ",
            _prose(translated_text(milestone, "description", language)),
            "\n      </li>\n      ",
        ]
    return mark_safe("".join(str(part) for part in parts))  # noqa: S308 - escaped above


@register.simple_tag
def plan_items(plans):
    """The <li> of each plan (a PlanProgress: Plan.progress()) of the page's "The future"."""
    done = gettext("%(start)s to %(end)s")  # the loop's {% blocktranslate %}s: translated once
    since = gettext("since %(date)s")
    by = gettext("by %(year)s")
    delivered_through = esc(gettext("Delivered through:"))
    topic = slug_address("topic_detail")
    language = get_language()
    parts = []
    for progress in plans:
        plan, state = progress.plan, value_html(progress.state)
        parts += [
            f'\n      <li class="plan-{state}">\n        <p><strong>',
            translated_text(plan, "title", language).marked,
            f'</strong> <span class="status status-{state}">',
            value_html(choice_text(plan.Progress, progress.state)),  # its label, as text
            "</span>",
        ]
        if progress.started:
            started = value_html(progress.started)
            if progress.state == "done":
                period = done % {"start": started, "end": value_html(progress.latest)}
            else:
                period = since % {"date": started}
            parts += [' <span class="meta">', period, "</span>"]
        parts.append('</p>\n        <p class="meta">')
        area = plan.focus_area
        if area:
            parts += [
                '<a href="',
                value_html(topic.replace(SLUG_MARKER, area.slug, 1)),
                '">',
                value_html(area.name),
                "</a>",
            ]
        if area and plan.target_year:
            parts.append(" · ")
        if plan.target_year:
            parts.append(by % {"year": value_html(plan.target_year)})
        parts += [
            "</p>\n        ",
            _prose(translated_text(plan, "description", language)),
            "\n        ",
        ]
        if progress.delivered:
            parts += ['\n        <p class="meta">', delivered_through, " "]
            parts.append(
                "; ".join(
                    f"{translated_text(activity, 'title', language).marked} "
                    f"({value_html(activity.start_display)})"
                    for activity in progress.delivered
                )
            )
            parts.append("</p>\n        ")
        parts.append("\n      </li>\n      ")
    return mark_safe("".join(str(part) for part in parts))  # noqa: S308 - escaped above


@register.simple_tag
def focus_area_tags(areas):
    """The <li> of each focus area of the partnership, linked to its topic page."""
    topic = slug_address("topic_detail")
    return mark_safe(  # noqa: S308 - every value is escaped
        "".join(
            f'<li><a class="tag" href="{value_html(topic.replace(SLUG_MARKER, area.slug, 1))}">'
            f"{value_html(area.name)}</a></li>"
            for area in areas
        )
    )


@register.simple_tag
def report_links(links):
    """partnerships/includes/report_links.html (the markup's reference: a test holds the two
    equal), for the dozens of years of a long record: "Annual reports: 2024 · 2023 · …"."""
    if not links:
        return "\n"
    years = " · ".join(f'<a href="{value_html(address)}">{year:d}</a>' for year, address in links)
    return mark_safe(  # noqa: S308 - the addresses are escaped, the years numbers
        f'<p class="report-links">{esc(gettext("Annual reports:"))} {years}</p>\n'
    )


@register.simple_tag
def figure_table(figures, caption, city=None):
    """includes/figures.html (the markup's reference: a test holds the two equal), for the
    partnership page's key figures: a table, the city's population (with `city`) leading."""
    population = city.population if city is not None else None
    if not (figures or population):
        return "\n\n"
    parts = [
        '\n\n<table class="figures">\n  <caption>',
        esc(caption),
        '</caption>\n  <thead><tr><th scope="col">',
        esc(gettext("Figure")),
        '</th><th scope="col">',
        esc(gettext("Value")),
        '</th><th scope="col">',
        esc(gettext("Year")),
        "</th></tr></thead>\n  <tbody>\n    \n    ",
    ]
    if population:
        parts += [
            '<tr><th scope="row">',
            esc(gettext("Population")),
            "</th><td>",
            esc(intcomma(population)),
            "</td><td>",
            value_html(city.population_year or ""),
            "</td></tr>",
        ]
    parts.append("\n    ")
    for figure in figures:
        parts += ['\n    \n    <tr><th scope="row">', figure.shown_label.marked]
        note = figure.shown_note
        if note:
            parts += [' <span class="note"', note.lang_attr, ">(", esc(note), ")</span>"]
            parts.append(note.inline_note)
        parts += [
            "</th><td>",
            figure.shown_value,
            "</td><td>",
            value_html(figure.year or ""),
            "</td></tr>\n    ",
        ]
    parts.append("\n  </tbody>\n</table>\n\n")
    return mark_safe("".join(str(part) for part in parts))  # noqa: S308 - escaped above
