"""`{% chart_svgs %}` writes what includes/chart.html writes for each drawing, which the
partnership reports still include."""

import pytest
from django.template import engines
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


# As the pages include count_table.html: headings from {% translate … as %}, rows of years too.
TABLE_CALL = (
    '{% load i18n %}{% translate "Partnerships by decade of founding" as caption %}'
    '{% translate "Decade" as label %}{% translate "Partnerships" as counted %}'
    '{% include "partnerships/includes/count_table.html" with rows=rows caption=caption '
    "label=label counted=counted only %}"
)
TABLE_TAG = (
    '{% load i18n chart_tags %}{% translate "Partnerships by decade of founding" as caption %}'
    '{% translate "Decade" as label %}{% translate "Partnerships" as counted %}'
    "{% chart_table rows caption label counted %}"
)


@pytest.mark.parametrize("language", ["en", "de", "zh-hans"])
@pytest.mark.parametrize(
    "rows", [ROWS, [{"label": 1990, "value": 12345}, {"label": "2000s", "value": 3}], []]
)
def test_chart_table_writes_what_the_template_writes(language, rows):
    engine = engines["django"]
    with translation.override(language):
        expected = engine.from_string(TABLE_CALL).render({"rows": rows})
        assert engine.from_string(TABLE_TAG).render({"rows": rows}) == expected
    assert "<table" in expected


@pytest.mark.parametrize("grouping", [False, True])
def test_numbers_are_written_as_the_template_writes_them(settings, grouping):
    settings.USE_THOUSAND_SEPARATOR = grouping
    rows = [{"label": 1990, "value": 12345}, {"label": "x", "value": 2.5}]
    engine = engines["django"]
    with translation.override("de"):
        expected = engine.from_string(TABLE_CALL).render({"rows": rows})
        assert engine.from_string(TABLE_TAG).render({"rows": rows}) == expected
    assert ("12.345" in expected) is grouping
