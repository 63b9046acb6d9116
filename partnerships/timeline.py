"""The partnership page's visual timeline: milestones and activities on one time axis.

Pure layout, no database and no markup: dated entries in, positioned marks out, in SVG user
units for a chart `width` wide. The template draws them; the plain lists next to the chart
stay the accessible version.

- The axis runs from 1 January of the first entry's year to the end of the last entry's
  year, with a labelled tick at every year (or every 2, 5, 10… when years are narrow).
- An entry covers the period its date stands for: a year-precise date its year, a
  month-precise one its month, a day its day; an activity with an end runs to the end of
  its end's period. A mark is never narrower than `MIN_MARK`.
- Each mark carries its title as a label beside it (right if there is room, else left,
  shortened with an ellipsis if need be). Marks and labels are packed into lanes (rows) so
  that nothing overlaps: two entries on the same date land in different lanes.
- The narrow drawing (for phones) puts each label under its mark instead, starting where the
  mark starts or moved left as far as it must to end inside the chart, so a label has the
  whole width and is never cut at either edge.
- Label widths are estimated per character (`core.text_width`): a Chinese character takes a
  whole em, a Latin letter about 0.6 of one; a label is shortened to the room it has, and the
  drawing's tooltip (`<title>`) keeps the full title.
- Entries without a date are left out; no dated entries, no timeline (None).
"""

import datetime
from dataclasses import dataclass

from cities.maps import svg_number
from core.dates import DatePrecision, period_end, truncate
from core.text_width import ELLIPSIS, fit, text_width

MILESTONE = "milestone"
ACTIVITY = "activity"

PAD = 18  # room at either end, so the first and last year labels fit
AXIS_Y = 22  # the axis line; the year labels sit above it
LANE_TOP = 30  # the first lane's top
LANE_HEIGHT = 22
MARK_HEIGHT = 12
MIN_MARK = 6  # a single day is still a visible dot
FONT_SIZE = 12
LABEL_GAP = 4  # between a mark and its label
LANE_GAP = 10  # between two things in the same lane
EDGE = 2  # labels keep this far from the chart's edges
MAX_LABEL_CHARS = 40
MIN_TICK_SPACING = 44  # between two labelled years
TICK_STEPS = (1, 2, 5, 10, 20, 25, 50, 100, 200, 500, 1000)
BOTTOM = 6
# The narrow drawing: a lane holds the mark and, under it, its label.
NARROW_LANE_HEIGHT = 34
NARROW_LABEL_BASELINE = 28  # from the lane's top
ASCENT = 1.0  # of the font size, above the baseline: a label's box, generously
DESCENT = 0.3  # below it

ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Entry:
    """Something with a date to place on the axis: a milestone or an activity."""

    kind: str
    title: str
    start: datetime.date | None
    start_precision: str = DatePrecision.DAY
    end: datetime.date | None = None
    end_precision: str = DatePrecision.DAY
    when: str = ""  # the date as people read it: "May 2010", "2002 – January 2011"

    @property
    def period(self):
        """(first day, the day after the last day), or None without a date."""
        if self.start is None:
            return None
        first = truncate(self.start, self.start_precision)
        last = period_end(self.start, self.start_precision)
        if self.end is not None:
            last = max(last, period_end(self.end, self.end_precision))
        return first, last + ONE_DAY


@dataclass(frozen=True)
class Tick:
    year: int
    x: float

    @property
    def svg_x(self):
        return svg_number(self.x)


@dataclass(frozen=True)
class Item:
    kind: str
    title: str
    when: str
    label: str  # the title, shortened to fit if need be
    start: datetime.date
    end: datetime.date  # the day after the last day
    x: float
    width: float
    lane: int
    y: float
    height: float
    label_x: float
    label_y: float
    label_anchor: str  # "start" (right of the mark, or under it) or "end" (left of it)

    @property
    def svg(self):
        """The mark's and the label's coordinates as the drawing writes them (the template
        only lays them out: a filter per number cost more than the rest of the chart)."""
        names = ("x", "y", "width", "height", "label_x", "label_y")
        return {name: svg_number(getattr(self, name)) for name in names}

    @property
    def right(self):
        return self.x + self.width

    @property
    def label_span(self):
        """(left, right) of the label."""
        label = label_width(self.label)
        if self.label_anchor == "start":
            return self.label_x, self.label_x + label
        return self.label_x - label, self.label_x

    @property
    def label_box(self):
        """(left, top, right, bottom) of the label, as estimated."""
        left, right = self.label_span
        return (left, self.label_y - ASCENT * FONT_SIZE, right, self.label_y + DESCENT * FONT_SIZE)

    @property
    def mark_box(self):
        return (self.x, self.y, self.right, self.y + self.height)

    @property
    def extent(self):
        """The horizontal room the mark and its label take."""
        left, right = self.label_span
        return min(self.x, left), max(self.right, right)


@dataclass(frozen=True)
class Timeline:
    width: int
    height: float
    start: datetime.date
    end: datetime.date
    ticks: list
    items: list
    lanes: int
    axis_y: float = AXIS_Y
    font_size: int = FONT_SIZE

    @property
    def first_year(self):
        return self.start.year

    @property
    def last_year(self):
        return (self.end - ONE_DAY).year


def entries(milestones, activities):
    """Entries for a partnership's milestones and activities (model instances or alikes)."""
    found = [
        Entry(
            kind=MILESTONE,
            title=milestone.title,
            start=milestone.date,
            start_precision=milestone.date_precision,
            when=milestone.date_display,
        )
        for milestone in milestones
    ]
    found += [
        Entry(
            kind=ACTIVITY,
            title=activity.title,
            start=activity.start_date,
            start_precision=activity.start_precision,
            end=activity.end_date,
            end_precision=activity.end_precision,
            when=activity.when_display,
        )
        for activity in activities
    ]
    return found


def label_width(text):
    return text_width(text, FONT_SIZE)


def shorten(text, chars):
    """`text` in at most `chars` characters, an ellipsis marking a cut."""
    text = " ".join(text.split())
    if len(text) <= chars:
        return text
    return text[: max(chars - 1, 1)].rstrip() + ELLIPSIS


def tick_step(years, plot_width):
    for step in TICK_STEPS:
        if step * plot_width / years >= MIN_TICK_SPACING:
            return step
    return TICK_STEPS[-1]


def layout(dated, width=720, narrow=False):
    """A `Timeline` of the entries that have a date, `width` units wide; None if none has.
    `narrow`: each label under its mark (for phones)."""
    periods = [(entry, entry.period) for entry in dated]
    periods = [(entry, period) for entry, period in periods if period is not None]
    if not periods:
        return None

    first = min(start for _, (start, _) in periods)
    last = max(end for _, (_, end) in periods)  # the day after the last day
    axis_start = datetime.date(first.year, 1, 1)
    axis_end = datetime.date(
        last.year if last == datetime.date(last.year, 1, 1) else last.year + 1, 1, 1
    )
    total_days = (axis_end - axis_start).days
    plot_width = width - 2 * PAD

    def x_of(day):
        return PAD + (day - axis_start).days / total_days * plot_width

    years = axis_end.year - axis_start.year
    step = tick_step(years, plot_width)
    ticks = [
        Tick(year, x_of(datetime.date(year, 1, 1)))
        for year in range(axis_start.year, axis_end.year + 1)
        if year % step == 0
    ]

    # Each row: the entry, its period, its mark, its label, the label's width (measured once,
    # character by character: it decides the side, the order and the lane) and where it goes.
    placed = []
    for entry, (start, end) in periods:
        x = x_of(start)
        mark = max(x_of(end) - x, MIN_MARK)
        x = min(x, width - PAD - mark)  # a minimum-width mark at the very end stays inside
        right = x + mark
        if narrow:  # under the mark, moved left as far as it must to end inside
            anchor = "start"
            label = fit(entry.title, width - 2 * EDGE, FONT_SIZE)
            label_w = label_width(label)
            label_x = max(EDGE, min(x, width - EDGE - label_w))
            placed.append((entry, start, end, x, mark, label, label_w, label_x, anchor))
            continue
        label = shorten(entry.title, MAX_LABEL_CHARS)
        label_w = label_width(label)
        room_right = width - EDGE - (right + LABEL_GAP)
        room_left = x - LABEL_GAP - EDGE
        if label_w <= room_right:
            anchor = "start"
        elif label_w <= room_left:
            anchor = "end"
        else:
            anchor = "start" if room_right >= room_left else "end"
            label = fit(label, max(room_right, room_left), FONT_SIZE)
            label_w = label_width(label)
        label_x = right + LABEL_GAP if anchor == "start" else x - LABEL_GAP
        placed.append((entry, start, end, x, mark, label, label_w, label_x, anchor))

    # First fit in the order of the left edges: as few lanes as the overlaps allow.
    def left_edge(row):
        _, start, end, x, mark, label, label_w, label_x, anchor = row
        if anchor == "end":
            return label_x - label_w
        return min(x, label_x)

    placed.sort(key=lambda row: (left_edge(row), row[1], row[2], row[0].kind, row[0].title))
    lane_ends = []
    items = []
    for entry, start, end, x, mark, label, label_w, label_x, anchor in placed:
        # Item.extent, from the width measured above.
        if anchor == "start":
            label_left, label_right = label_x, label_x + label_w
        else:
            label_left, label_right = label_x - label_w, label_x
        left, right = min(x, label_left), max(x + mark, label_right)
        lane = next(
            (n for n, taken in enumerate(lane_ends) if taken + LANE_GAP <= left), len(lane_ends)
        )
        if lane == len(lane_ends):
            lane_ends.append(right)
        else:
            lane_ends[lane] = right
        if narrow:
            top = LANE_TOP + lane * NARROW_LANE_HEIGHT
            y, label_y = top + 3, top + NARROW_LABEL_BASELINE
        else:
            top = LANE_TOP + lane * LANE_HEIGHT
            y = top + (LANE_HEIGHT - MARK_HEIGHT) / 2
            label_y = top + (LANE_HEIGHT + FONT_SIZE) / 2 - 2
        items.append(
            Item(
                kind=entry.kind,
                title=entry.title,
                when=entry.when,
                label=label,
                start=start,
                end=end,
                x=x,
                width=mark,
                lane=lane,
                y=y,
                height=MARK_HEIGHT,
                label_x=label_x,
                label_y=label_y,
                label_anchor=anchor,
            )
        )
    items.sort(key=lambda item: (item.start, item.end, item.lane))
    return Timeline(
        width=width,
        height=LANE_TOP + len(lane_ends) * (NARROW_LANE_HEIGHT if narrow else LANE_HEIGHT) + BOTTOM,
        start=axis_start,
        end=axis_end,
        ticks=ticks,
        items=items,
        lanes=len(lane_ends),
    )


# The chart is drawn twice, one shows at a time: a wide one for screens and print, and a
# narrow one for phones, whose labels stay legible at a phone's width (each under its mark).
WIDE = 720
NARROW = 340


def charts(milestones, activities):
    """{"wide": Timeline, "narrow": Timeline} for the partnership page; None if nothing
    has a date."""
    dated = entries(milestones, activities)
    wide = layout(dated, WIDE)
    if wide is None:
        return None
    return {"wide": wide, "narrow": layout(dated, NARROW, narrow=True)}
