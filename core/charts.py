"""Small server-rendered SVG charts: the geometry is computed here, templates/includes/chart.html
lays it out, as the map and the timeline are drawn (one way for all SVG: numbers in Python,
markup in templates). No JavaScript, no inline styles.

Each chart is an `<svg role="img">` named by its `<title>` (aria-labelledby), so assistive
technology reads it as one picture; the page follows it with the data table, which is the
text alternative. Colours and fonts come from classes styled in static/css/site.css
("Charts"), so the strict Content Security Policy needs no `style-src 'unsafe-inline'`.

`rows` are dicts with a "label" (text; the template escapes it) and a numeric "value".

A chart 640 units wide shrinks to half its size on a phone, and its 13-unit labels to an
unreadable 7 px; `responsive()` draws each chart twice, wide and narrow (360 units, bar labels
above their bars, fewer axis labels), and the stylesheet shows the one that fits the screen.
"""

import functools
from dataclasses import dataclass, field

from django.utils.translation import gettext

from .text_width import fit

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
FONT_SIZE = 13  # of the labels (static/css/site.css)


# A statistics page writes some 1,300 coordinates, most of them again and again (the same
# rows' positions in every chart): each formatted once, a conversion keyed by its value.
@functools.lru_cache(maxsize=4096)
def _number(value):
    """Coordinates with at most two decimals, without trailing zeros."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text if text != "-0" else "0"


def _label(text, limit=24, room=None):
    """`text` in at most `limit` characters and, given a `room`, at most that wide (a Chinese
    character takes twice the room of a Latin letter: core/text_width.py)."""
    text = str(text)
    text = text if len(text) <= limit else text[: limit - 1] + "…"
    return text if room is None else fit(text, room, FONT_SIZE)


@dataclass(frozen=True)
class Text:
    x: str
    y: str
    text: str
    anchor: str = ""  # SVG text-anchor; empty: the start


@dataclass(frozen=True)
class Bar:
    """One row's rectangle, with its label and its number where they are drawn."""

    x: str
    y: str
    width: str
    height: str
    label: Text | None = None
    value: Text | None = None


@dataclass(frozen=True)
class Chart:
    """One drawing of a chart, in SVG user units, for templates/includes/chart.html."""

    id: str
    title: str
    width: int
    height: str
    variant: str = ""  # "chart-wide" or "chart-narrow" when drawn both ways
    bars: list = field(default_factory=list)
    axis_y: str = ""  # the base line of column charts
    empty: Text | None = None  # "No data", in place of the bars


def empty_chart(chart_id, title, width=WIDTH, variant=""):
    """The chart for no data: a frame that says so."""
    return Chart(
        chart_id, title, width, "60", variant, empty=Text(str(width // 2), "35", gettext("No data"))
    )


def responsive(draw, rows, *, chart_id, title):
    """The chart drawn wide and narrow: the stylesheet shows one ("chart-wide",
    "chart-narrow") and hides the other, from screen readers too."""
    rows = list(rows)
    return [
        draw(rows, chart_id=chart_id, title=title, variant="chart-wide"),
        draw(rows, chart_id=f"{chart_id}-narrow", title=title, narrow=True, variant="chart-narrow"),
    ]


def _narrow_bar_chart(rows, top, chart_id, title, variant):
    """Each bar under its label, across the whole width."""
    plot = NARROW_WIDTH - VALUE_ROOM
    step = NARROW_LABEL_ROOM + BAR_HEIGHT + BAR_GAP
    bars = [
        Bar(
            x="0",
            y=_number(i * step + NARROW_LABEL_ROOM),
            width=_number(plot * row["value"] / top),
            height=_number(BAR_HEIGHT),
            label=Text(
                "0",
                _number(i * step + NARROW_LABEL_ROOM * 0.75),
                _label(row["label"], 44, NARROW_WIDTH),
            ),
            value=Text(
                _number(plot * row["value"] / top + 6),
                _number(i * step + NARROW_LABEL_ROOM + BAR_HEIGHT * 0.72),
                str(row["value"]),
            ),
        )
        for i, row in enumerate(rows)
    ]
    return Chart(chart_id, title, NARROW_WIDTH, _number(len(rows) * step - BAR_GAP), variant, bars)


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
    bars = []
    for i, row in enumerate(rows):
        text_y = _number(i * step + BAR_HEIGHT * 0.72)
        bars.append(
            Bar(
                x=_number(LABEL_WIDTH),
                y=_number(i * step),
                width=_number(plot * row["value"] / top),
                height=_number(BAR_HEIGHT),
                label=Text(
                    _number(LABEL_WIDTH - 8),
                    text_y,
                    _label(row["label"], room=LABEL_WIDTH - 8),
                    "end",
                ),
                value=Text(
                    _number(LABEL_WIDTH + plot * row["value"] / top + 6), text_y, str(row["value"])
                ),
            )
        )
    return Chart(chart_id, title, WIDTH, _number(len(rows) * step - BAR_GAP), variant, bars)


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
    bars = []
    for i, row in enumerate(rows):
        height = COLUMN_HEIGHT * row["value"] / top
        middle = SIDE_ROOM + i * step + step / 2
        centre = _number(middle)
        # A label's room: its share of the axis, and no further than either edge.
        room = min(step * every - 4, 2 * middle, 2 * (width - middle))
        # Numbers over the columns while they fit, else over the tallest only.
        shows_value = row["value"] and (len(rows) <= axis_labels * 2 or row["value"] == top)
        bars.append(
            Bar(
                x=_number(SIDE_ROOM + i * step + gap / 2),
                y=_number(base - height),
                width=_number(step - gap),
                height=_number(height),
                label=(
                    Text(centre, _number(base + 18), _label(row["label"], 10, room), "middle")
                    if i % every == 0
                    else None
                ),
                value=(
                    Text(centre, _number(base - height - 5), str(row["value"]), "middle")
                    if shows_value
                    else None
                ),
            )
        )
    return Chart(chart_id, title, width, _number(base + AXIS_ROOM), variant, bars, _number(base))
