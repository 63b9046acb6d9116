"""The partnership page's visual timeline (partnerships/timeline.py) and the print stylesheet."""

import datetime
import re
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from core.dates import DatePrecision
from core.text_width import fit, text_width
from partnerships import timeline
from partnerships.models import Partnership
from partnerships.timeline import ACTIVITY, MILESTONE, Entry, layout

D = datetime.date
YEAR, MONTH, DAY = DatePrecision.YEAR, DatePrecision.MONTH, DatePrecision.DAY


def milestone(title, start, precision=DAY):
    return Entry(MILESTONE, title, start, precision)


def activity(title, start, precision=DAY, end=None, end_precision=DAY):
    return Entry(ACTIVITY, title, start, precision, end, end_precision)


def by_title(chart):
    return {item.title: item for item in chart.items}


def overlap(a, b):
    """Whether two items' marks or labels share any room."""
    if a.lane != b.lane:
        return False
    (a_left, a_right), (b_left, b_right) = a.extent, b.extent
    return a_left < b_right and b_left < a_right


class TestLayout:
    def test_nothing_dated_no_timeline(self):
        assert layout([]) is None
        assert layout([activity("Ongoing exchange", None)]) is None
        assert timeline.charts([], []) is None

    def test_undated_entries_are_left_out(self):
        chart = layout([milestone("Agreement", D(2009, 10, 16)), activity("Ongoing", None)])
        assert [item.title for item in chart.items] == ["Agreement"]

    def test_the_axis_spans_whole_years_with_a_tick_each(self):
        chart = layout([milestone("A", D(2009, 10, 16)), milestone("B", D(2012, 3, 1))])
        assert (chart.start, chart.end) == (D(2009, 1, 1), D(2013, 1, 1))
        assert (chart.first_year, chart.last_year) == (2009, 2012)
        assert [tick.year for tick in chart.ticks] == [2009, 2010, 2011, 2012, 2013]
        xs = [tick.x for tick in chart.ticks]
        assert xs[0] == timeline.PAD and xs[-1] == pytest.approx(chart.width - timeline.PAD)
        assert xs == sorted(xs)

    def test_a_long_history_labels_fewer_years(self):
        chart = layout([milestone("A", D(1950, 1, 1)), milestone("B", D(2024, 1, 1))], 340)
        steps = {b.year - a.year for a, b in zip(chart.ticks, chart.ticks[1:], strict=False)}
        assert len(steps) == 1 and steps.pop() >= 10
        gaps = [b.x - a.x for a, b in zip(chart.ticks, chart.ticks[1:], strict=False)]
        assert min(gaps) >= timeline.MIN_TICK_SPACING

    def test_positions_are_proportional_to_dates(self):
        chart = layout(
            [
                milestone("Start", D(2000, 1, 1)),
                milestone("Middle", D(2005, 1, 1)),
                milestone("Late", D(2009, 1, 1)),
            ],
            width=1036,
        )
        plot = 1036 - 2 * timeline.PAD
        days = (D(2010, 1, 1) - D(2000, 1, 1)).days
        items = by_title(chart)
        for title, day in [("Start", D(2000, 1, 1)), ("Middle", D(2005, 1, 1))]:
            expected = timeline.PAD + (day - D(2000, 1, 1)).days / days * plot
            assert items[title].x == pytest.approx(expected)
        assert items["Start"].x < items["Middle"].x < items["Late"].x

    def test_a_year_precise_date_spans_its_year_a_month_precise_one_its_month(self):
        chart = layout(
            [
                milestone("Founded", D(2000, 6, 1), YEAR),
                milestone("Memorandum", D(2001, 3, 1), MONTH),
                milestone("Visit", D(2001, 6, 15), DAY),
            ],
            width=2000,
        )
        items = by_title(chart)
        per_day = (2000 - 2 * timeline.PAD) / (D(2002, 1, 1) - D(2000, 1, 1)).days
        founded, memorandum, visit = items["Founded"], items["Memorandum"], items["Visit"]
        assert (founded.start, founded.end) == (D(2000, 1, 1), D(2001, 1, 1))
        assert founded.x == pytest.approx(timeline.PAD)
        assert founded.width == pytest.approx(366 * per_day)  # 2000 was a leap year
        assert (memorandum.start, memorandum.end) == (D(2001, 3, 1), D(2001, 4, 1))
        assert memorandum.width == pytest.approx(31 * per_day)
        assert visit.width == timeline.MIN_MARK  # a day is a dot, still visible

    def test_an_activity_with_an_end_spans_to_the_end_of_its_period(self):
        chart = layout(
            [
                activity("Exchange", D(2002, 1, 1), YEAR, D(2011, 1, 1), MONTH),
                activity("Festival", D(2005, 5, 16)),
            ]
        )
        exchange = by_title(chart)["Exchange"]
        assert (exchange.start, exchange.end) == (D(2002, 1, 1), D(2011, 2, 1))
        assert chart.end == D(2012, 1, 1)
        festival = by_title(chart)["Festival"]
        assert exchange.x < festival.x < exchange.right

    def test_entries_on_the_same_date_do_not_overlap(self):
        same = D(2010, 5, 1)
        chart = layout(
            [
                milestone("Agreement signed", same),
                activity("Choir festival", same),
                activity("Porcelain exhibition", same, MONTH),
                milestone("Earlier", D(2008, 1, 1)),
            ]
        )
        items = chart.items
        on_the_day = [item for item in items if item.start == same]
        assert len({item.lane for item in on_the_day}) == 3
        assert len({item.y for item in on_the_day}) == 3
        for n, a in enumerate(items):
            for b in items[n + 1 :]:
                assert not overlap(a, b), (a.title, b.title)
        assert chart.lanes == max(item.lane for item in items) + 1
        assert chart.height >= max(item.y + item.height for item in items)

    def test_entries_far_apart_share_a_lane(self):
        chart = layout([milestone("A", D(1990, 1, 1)), milestone("B", D(2020, 1, 1))], 720)
        assert chart.lanes == 1

    def test_labels_stay_inside_the_chart(self):
        long_title = "A very long title for a delegation visit that goes on and on " * 3
        entries = [milestone(long_title, D(2000 + n, 1, 1)) for n in range(25)]
        for width, narrow in ((timeline.NARROW, True), (timeline.WIDE, False)):
            chart = layout(entries, width, narrow=narrow)
            for item in chart.items:
                left, right = item.extent
                assert left >= 0 and right <= width, item
                if not narrow:  # the narrow drawing's labels have the whole width
                    assert len(item.label) <= timeline.MAX_LABEL_CHARS
                assert item.label.endswith(timeline.ELLIPSIS)
            # The last ones have no room to their right: their labels go left (or, drawn
            # narrow, under the mark and moved left).
            assert chart.items[-1].label_anchor == ("start" if narrow else "end")
            assert chart.items[-1].label_x < chart.items[-1].x

    def test_entries_from_models(self, make_partnership, make_milestone, make_activity):
        pair = make_partnership()
        make_milestone(pair, date=D(2007, 11, 1), date_precision=MONTH, title="Memorandum")
        make_activity(pair, title="Exchange", start_date=D(2002, 1, 1), start_precision=YEAR)
        make_activity(pair, title="Ongoing", start_date=None)
        found = timeline.entries(pair.milestones.all(), pair.activities.all())
        assert {(e.kind, e.title, e.when) for e in found} == {
            (MILESTONE, "Memorandum", "November 2007"),
            (ACTIVITY, "Exchange", "2002"),
            (ACTIVITY, "Ongoing", ""),
        }
        charts = timeline.charts(pair.milestones.all(), pair.activities.all())
        assert charts["wide"].width == timeline.WIDE
        assert charts["narrow"].width == timeline.NARROW
        assert len(charts["wide"].items) == len(charts["narrow"].items) == 2


# Titles like the Berlin–Beijing and Dresden–Hangzhou milestones, in Chinese and German: long,
# close together, and a few on the same day.
CROWDED = [
    milestone("关于继续举办法官研讨会和继续教育项目的备忘录", D(2014, 6, 1)),
    milestone("友好合作协议", D(1988, 1, 1), YEAR),
    milestone("关于交流项目的备忘录", D(1994, 5, 1), MONTH),
    milestone("关于建立友好城市关系的联合声明", D(1994, 5, 1), MONTH),
    milestone("关于职业教育合作的备忘录", D(2009, 9, 1)),
    milestone("友好城市关系建立25周年", D(2019, 4, 1), MONTH),
    activity("德累斯顿首个代表团访问杭州", D(2009, 1, 1), YEAR),
    activity("杭州代表团回访德累斯顿", D(2010, 1, 1), YEAR),
    milestone(
        "Memorandum über die Fortsetzung des Richterseminars und der Weiterbildung", D(2014, 6, 1)
    ),
    milestone("Vereinbarung über freundschaftliche Zusammenarbeit", D(1988, 1, 1), YEAR),
    activity(
        "Continuing-education programmes for judges", D(2002, 1, 1), YEAR, D(2010, 1, 1), YEAR
    ),
    activity("WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW", D(2020, 12, 31)),
]


def boxes_overlap(a, b):
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


class TestNarrow:
    """The phone drawing: labels under their marks, never over another label or mark, never
    past either edge, in any script."""

    @pytest.mark.parametrize("narrow", [True, False])
    def test_no_label_overlaps_another_label_or_a_mark(self, narrow):
        width = timeline.NARROW if narrow else timeline.WIDE
        chart = layout(CROWDED, width, narrow=narrow)
        assert len(chart.items) == len(CROWDED)
        labels = [item.label_box for item in chart.items]
        marks = [item.mark_box for item in chart.items]
        for n, box in enumerate(labels):
            assert box[0] >= 0 and box[2] <= width, chart.items[n]
            assert box[1] > chart.axis_y and box[3] <= chart.height, chart.items[n]
            for other in labels[n + 1 :]:
                assert not boxes_overlap(box, other), (chart.items[n], other)
            for mark in marks:
                assert not boxes_overlap(box, mark), (chart.items[n], mark)

    def test_labels_sit_under_their_marks_and_use_the_whole_width(self):
        chart = layout(CROWDED, timeline.NARROW, narrow=True)
        items = by_title(chart)
        for item in chart.items:
            assert item.label_anchor == "start"
            assert item.label_box[1] >= item.y + item.height  # under the mark
        # Near the right edge a label moves left so it ends inside.
        last = items["友好城市关系建立25周年"]
        assert last.label_x < last.x
        assert last.label_span[1] <= timeline.NARROW
        # A label that fits the whole width is not shortened, however many characters.
        assert items["关于继续举办法官研讨会和继续教育项目的备忘录"].label == (
            "关于继续举办法官研讨会和继续教育项目的备忘录"
        )
        # One that does not ends in an ellipsis; the tooltip keeps the whole title.
        long = items["WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW"]
        assert long.label.endswith(timeline.ELLIPSIS)
        left, right = long.label_span
        assert timeline.EDGE <= left < right <= timeline.NARROW - timeline.EDGE
        assert right - left > timeline.NARROW - 2 * timeline.EDGE - timeline.FONT_SIZE

    def test_chinese_characters_are_measured_a_whole_em_wide(self):
        assert text_width("北京", 12) == 24
        assert text_width("ab", 12) < 24 < text_width("北京a", 12)
        assert timeline.label_width("关于职业教育合作的备忘录") == 12 * timeline.FONT_SIZE
        assert fit("关于职业教育合作的备忘录", 60, 12) == "关于职业…"
        assert fit("Memorandum", 1000, 12) == "Memorandum"
        assert fit("Memorandum", 5, 12) == ""

    def test_the_demo_pages_are_drawn_narrow(self, make_partnership, make_milestone):
        pair = make_partnership()
        make_milestone(pair, date=D(1994, 5, 1), date_precision=MONTH, title="关于交流项目的备忘录")
        charts = timeline.charts(pair.milestones.all(), [])
        (item,) = charts["narrow"].items
        assert item.label_y > item.y + item.height
        (item,) = charts["wide"].items
        assert item.label_y < item.y + item.height


def chart_markup(html):
    match = re.search(r'<div class="timeline-chart" aria-hidden="true">(.*?)</div>', html, re.S)
    return match and match.group(1)


@pytest.mark.django_db
class TestPage:
    def test_the_demo_page_has_a_timeline_and_keeps_its_lists(self, client):
        call_command("load_demo", stdout=StringIO())
        pair = Partnership.objects.get(slug="dresden-hangzhou")
        html = client.get(pair.get_absolute_url()).content.decode()
        chart = chart_markup(html)
        assert chart
        assert chart.count("<svg") == 2  # the wide drawing and the narrow one
        for milestone in pair.milestones.all():
            assert milestone.title in html[html.index('<ol class="timeline">') :]
        dated = [*pair.milestones.all(), *pair.activities.exclude(start_date=None)]
        assert len(dated) <= 20  # all of them fit in the page's bounded sections
        labels = re.findall(r'<text class="tl-label"[^>]*>([^<]*)</text>', chart)
        assert len(labels) == 2 * len(dated)
        assert "style=" not in chart  # the CSP allows no inline styles
        assert 'class="activity-list"' in html

    def test_titles_are_escaped(self, client, make_partnership, make_milestone, make_activity):
        pair = make_partnership()
        make_milestone(pair, title="<script>alert(1)</script> & co")
        make_activity(pair, title='Exchange "<b>bold</b>"', start_date=D(2011, 3, 1))
        html = client.get(pair.get_absolute_url()).content.decode()
        chart = chart_markup(html)
        assert "<script>" not in chart and "<b>" not in chart
        assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; co" in chart
        assert "&lt;b&gt;bold&lt;/b&gt;" in chart

    def test_activities_alone_make_a_timeline(self, client, make_partnership, make_activity):
        pair = make_partnership()
        make_activity(pair, title="Choir festival", start_date=D(2010, 5, 1))
        response = client.get(pair.get_absolute_url())
        assertContains(response, 'id="timeline-heading"')
        assertNotContains(response, '<ol class="timeline">')
        html = response.content.decode()
        chart = chart_markup(html)
        assert chart.count(">Choir festival</text>") == 2
        assert "Choir festival" in html[html.index('id="retrospective-heading"') :]

    def test_no_dated_entries_no_timeline(self, client, make_partnership, make_activity):
        pair = make_partnership()
        make_activity(pair, title="Expert exchanges", start_date=None)
        response = client.get(pair.get_absolute_url())
        assertNotContains(response, "timeline-chart")
        assertNotContains(response, '<svg class="timeline-svg')
        assertNotContains(response, 'id="timeline-heading"')
        assertContains(response, "Expert exchanges")


PRINT_CSS = settings.BASE_DIR / "static" / "css" / "print.css"


def print_rules():
    """The selectors and declarations inside the @media print block, as {selector: body}."""
    css = re.sub(r"/\*.*?\*/", "", PRINT_CSS.read_text(), flags=re.S)
    start = css.index("@media print")
    body = css[css.index("{", start) + 1 : css.rindex("}")]
    rules = {}
    for selectors, declarations in re.findall(r"([^{}]+)\{([^{}]*)\}", body):
        for selector in selectors.split(","):
            rules[" ".join(selector.split())] = declarations
    return rules


class TestPrint:
    @pytest.mark.django_db
    def test_every_page_links_the_print_stylesheet(self, client):
        response = client.get(reverse("home"))
        assertContains(
            response, '<link rel="stylesheet" href="/static/css/print.css" media="print">'
        )

    def test_navigation_and_screen_things_are_hidden(self):
        rules = print_rules()
        for selector in [
            ".site-header",
            ".site-search",
            ".site-footer",
            ".skip-link",
            ".filters-panel",
            ".follow",
        ]:
            assert "display: none" in rules[selector], selector

    def test_outside_links_show_their_address(self):
        rules = print_rules()
        assert 'content: " (" attr(href) ")"' in rules['a[href^="http"]::after']

    def test_black_on_white(self):
        rules = print_rules()
        assert "color: #000" in rules["*"]
        assert "background: #fff" in rules["body"]

    def test_sections_and_items_are_not_split_across_pages(self):
        rules = print_rules()
        for selector in [".partnership > section", ".activity-list > li", ".timeline > li"]:
            assert "break-inside: avoid" in rules[selector], selector
        assert "break-after: avoid" in rules["h2"]
