"""Small server-rendered SVG charts: data in, markup out, no JavaScript, no inline styles.

Each chart is an `<svg role="img">` named by its `<title>` (aria-labelledby), so assistive
technology reads it as one picture; the page follows it with the data table, which is the
text alternative. Colours and fonts come from classes styled in static/css/site.css
("Charts"), so the strict Content Security Policy needs no `style-src 'unsafe-inline'`.

`rows` are dicts with a "label" (text, escaped here) and a numeric "value".

A chart 640 units wide shrinks to half its size on a phone, and its 13-unit labels to an
unreadable 7 px; `responsive()` draws each chart twice, wide and narrow (360 units, bar labels
above their bars, fewer axis labels), and the stylesheet shows the one that fits the screen.
"""

from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext

WIDTH = 640
NARROW_WIDTH = 360
BAR_HEIGHT = 22
BAR_GAP = 6
LABEL_WIDTH = 210  # room left of the bars for their labels (horizontal charts): 24 characters
NARROW_LABEL_ROOM = 18  # room above each bar for its label (narrow horizontal charts)
VALUE_ROOM = 56  # room right of the longest bar for its number
COLUMN_HEIGHT = 220  # plot height of column charts
AXIS_ROOM = 28  # room under the columns for the axis labels
TOP_ROOM = 20  # room above the tallest column for its number
MAX_AXIS_LABELS = 12  # a long time axis labels every n-th column only
NARROW_AXIS_LABELS = 6
SIDE_ROOM = 20  # room left and right of the columns, so the outer axis labels fit


def _number(value):
    """Coordinates with at most two decimals, without trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text if text != "-0" else "0"


def _label(text, limit=24):
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _svg(chart_id, title, width, height, body, variant=""):
    return format_html(
        '<svg class="chart{variant}" id="{id}" role="img" aria-labelledby="{id}-title" '
        'viewBox="0 0 {w} {h}" width="{w}" height="{h}" '
        'preserveAspectRatio="xMinYMin meet" xmlns="http://www.w3.org/2000/svg">'
        '<title id="{id}-title">{title}</title>{body}</svg>',
        id=chart_id,
        title=title,
        w=width,
        h=height,
        body=body,
        variant=f" {variant}" if variant else "",
    )


def empty_chart(chart_id, title, width=WIDTH, variant=""):
    """The chart for no data: a frame that says so."""
    return _svg(
        chart_id,
        title,
        width,
        60,
        format_html(
            '<text class="chart-empty" x="{x}" y="35" text-anchor="middle">{text}</text>',
            x=width // 2,
            text=gettext("No data"),
        ),
        variant,
    )


def responsive(draw, rows, *, chart_id, title):
    """The chart drawn wide and narrow, one after the other: the stylesheet shows one
    ("chart-wide", "chart-narrow") and hides the other, from screen readers too."""
    rows = list(rows)
    return format_html(
        "{}{}",
        draw(rows, chart_id=chart_id, title=title, variant="chart-wide"),
        draw(rows, chart_id=f"{chart_id}-narrow", title=title, narrow=True, variant="chart-narrow"),
    )


def _narrow_bar_chart(rows, top, chart_id, title, variant):
    """Each bar under its label, across the whole width."""
    plot = NARROW_WIDTH - VALUE_ROOM
    step = NARROW_LABEL_ROOM + BAR_HEIGHT + BAR_GAP
    bars = format_html_join(
        "",
        '<g class="chart-row">'
        '<text class="chart-label" x="0" y="{ly}">{label}</text>'
        '<rect class="chart-bar" x="0" y="{y}" width="{w}" height="{h}"></rect>'
        '<text class="chart-value" x="{vx}" y="{ty}">{value}</text></g>',
        (
            {
                "ly": _number(i * step + NARROW_LABEL_ROOM * 0.75),
                "y": i * step + NARROW_LABEL_ROOM,
                "ty": _number(i * step + NARROW_LABEL_ROOM + BAR_HEIGHT * 0.72),
                "w": _number(plot * row["value"] / top),
                "h": BAR_HEIGHT,
                "vx": _number(plot * row["value"] / top + 6),
                "label": _label(row["label"], 44),
                "value": row["value"],
            }
            for i, row in enumerate(rows)
        ),
    )
    return _svg(chart_id, title, NARROW_WIDTH, len(rows) * step - BAR_GAP, bars, variant)


def bar_chart(rows, *, chart_id, title, narrow=False, variant=""):
    """Horizontal bars, one per row in the given order, lengths proportional to the values."""
    rows = list(rows)
    top = max((row["value"] for row in rows), default=0)
    if not rows or top <= 0:
        return empty_chart(chart_id, title, NARROW_WIDTH if narrow else WIDTH, variant)
    if narrow:
        return _narrow_bar_chart(rows, top, chart_id, title, variant)
    plot = WIDTH - LABEL_WIDTH - VALUE_ROOM
    step = BAR_HEIGHT + BAR_GAP
    bars = format_html_join(
        "",
        '<g class="chart-row">'
        '<text class="chart-label" x="{lx}" y="{ty}" text-anchor="end">{label}</text>'
        '<rect class="chart-bar" x="{x}" y="{y}" width="{w}" height="{h}"></rect>'
        '<text class="chart-value" x="{vx}" y="{ty}">{value}</text></g>',
        (
            {
                "lx": LABEL_WIDTH - 8,
                "x": LABEL_WIDTH,
                "y": i * step,
                "ty": _number(i * step + BAR_HEIGHT * 0.72),
                "w": _number(plot * row["value"] / top),
                "h": BAR_HEIGHT,
                "vx": _number(LABEL_WIDTH + plot * row["value"] / top + 6),
                "label": _label(row["label"]),
                "value": row["value"],
            }
            for i, row in enumerate(rows)
        ),
    )
    return _svg(chart_id, title, WIDTH, len(rows) * step - BAR_GAP, bars, variant)


def column_chart(rows, *, chart_id, title, narrow=False, variant=""):
    """Vertical columns along a time axis, heights proportional to the values."""
    rows = list(rows)
    width = NARROW_WIDTH if narrow else WIDTH
    axis_labels = NARROW_AXIS_LABELS if narrow else MAX_AXIS_LABELS
    top = max((row["value"] for row in rows), default=0)
    if not rows or top <= 0:
        return empty_chart(chart_id, title, width, variant)
    step = (width - 2 * SIDE_ROOM) / len(rows)
    gap = min(step * 0.2, 8)
    every = -(-len(rows) // axis_labels)  # ceiling division
    base = TOP_ROOM + COLUMN_HEIGHT
    parts = [
        format_html(
            '<line class="chart-axis" x1="0" y1="{y}" x2="{w}" y2="{y}"></line>', y=base, w=width
        )
    ]
    for i, row in enumerate(rows):
        height = COLUMN_HEIGHT * row["value"] / top
        x = SIDE_ROOM + i * step + gap / 2
        parts.append(
            format_html(
                '<rect class="chart-bar" x="{x}" y="{y}" width="{w}" height="{h}"></rect>',
                x=_number(x),
                y=_number(base - height),
                w=_number(step - gap),
                h=_number(height),
            )
        )
        centre = _number(SIDE_ROOM + i * step + step / 2)
        if row["value"] and (len(rows) <= axis_labels * 2 or row["value"] == top):
            parts.append(
                format_html(
                    '<text class="chart-value" x="{x}" y="{y}" text-anchor="middle">{v}</text>',
                    x=centre,
                    y=_number(base - height - 5),
                    v=row["value"],
                )
            )
        if i % every == 0:
            parts.append(
                format_html(
                    '<text class="chart-label" x="{x}" y="{y}" text-anchor="middle">{label}</text>',
                    x=centre,
                    y=base + 18,
                    label=_label(row["label"], 10),
                )
            )
    return _svg(
        chart_id,
        title,
        width,
        base + AXIS_ROOM,
        format_html_join("", "{}", ((part,) for part in parts)),
        variant,
    )
