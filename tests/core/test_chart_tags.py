"""`{% chart_svgs %}` writes what includes/chart.html writes for each drawing, which the
partnership reports still include."""

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from core import charts
from core.templatetags.chart_tags import chart_svgs

ROWS = [
    {"label": "Deutschland & <Österreich>", "value": 1234},
    {"label": "中国", "value": 7},
    {"label": 'Côte d\'Ivoire "Nord"', "value": 12},
    {"label": "A very long country name that is shortened to its room", "value": 0},
]


def drawings():
    title = "Partnerships of <Dresden> & friends"
    return [
        *charts.responsive(charts.bar_chart, ROWS, chart_id="bars", title=title),
        *charts.responsive(charts.column_chart, ROWS, chart_id="columns", title=title),
        charts.empty_chart("nothing", title),
        charts.empty_chart("nothing-narrow", title, variant="chart-narrow"),
    ]


@pytest.mark.parametrize("language", ["en", "de", "zh-hans"])
def test_chart_svgs_write_what_the_template_writes(language):
    with translation.override(language):
        shown = drawings()
        expected = "".join(
            render_to_string("includes/chart.html", {"chart": chart}) for chart in shown
        )
        assert chart_svgs(shown) == expected
    assert "&lt;Dresden&gt; &amp; friends" in expected
    assert "Côte d&#x27;Ivoire &quot;Nord&quot;" in expected  # the labels' own fast path


def test_values_are_escaped_as_the_template_escapes_them():
    from django.utils.safestring import mark_safe

    from core.templatetags.chart_tags import value_html

    assert value_html("<a> & \"b\" 'c'") == "&lt;a&gt; &amp; &quot;b&quot; &#x27;c&#x27;"
    assert value_html(mark_safe("<b>")) == "<b>"
    assert value_html(640) == "640"
