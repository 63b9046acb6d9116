"""The partnership page's activity items and timeline written in Python (record_tags) say what
the templates say: the same markup as includes/activity_item.html, their reference."""

import datetime

import pytest
from django.template.loader import render_to_string
from django.utils import translation

from partnerships.models import Activity
from partnerships.templatetags.record_tags import activity_items

FLAGS = [
    {},
    {"show_description": True, "show_focus_areas": True},
    {"show_partnership": True},
    {"show_partnership": True, "show_focus_areas": True},
]


@pytest.fixture
def varied(make_partnership, make_activity, make_focus_area, make_city):
    partnership = make_partnership(city_b=make_city(name="<Hangzhou>", country="CN"))
    culture, sport = make_focus_area(name="Culture & arts"), make_focus_area(name="Sport")
    make_activity(
        partnership,
        title="Choir <visit> & concert",
        title_de="Chorbesuch",
        kind=Activity.Kind.FESTIVAL,
        start_date=datetime.date(2019, 5, 1),
        start_precision="month",
        end_date=datetime.date(2019, 6, 30),
        end_precision="month",
        location="Zwinger, Dresden",
        participants="Kreuzchor\nHangzhou <choir>",
        description="A *concert* & [a link](https://example.org).",
        focus_areas=[sport, culture],
    )
    make_activity(partnership, title="Undated", start_date=None, location="Hangzhou")
    make_activity(partnership, title="Only who", participants="Students", description=" ")
    return partnership


@pytest.mark.parametrize("language", ["en", "de", "zh-hans"])
@pytest.mark.parametrize("flags", FLAGS)
def test_activity_items_write_what_the_template_writes(varied, language, flags):
    with translation.override(language):
        activities = list(Activity.objects.listing().filter(partnership=varied))
        expected = "".join(
            render_to_string("includes/activity_item.html", {"activity": activity, **flags})
            for activity in activities
        )
        assert activity_items(activities, **flags) == expected


def test_activity_items_show_the_focus_areas_the_sections_read(varied):
    sections = Activity.objects.filter(partnership=varied).sections(size=20)
    shown = sections["past"].activities + sections["undated"].activities
    html = activity_items(shown, show_focus_areas=True)
    culture, sport = shown[0].focus_area_list()  # by name, as the relation gives them
    assert (culture.name, sport.name) == ("Culture & arts", "Sport")
    assert f'<a class="tag" href="{culture.get_absolute_url()}">Culture &amp; arts</a>' in html
    assert shown[1].focus_area_list() == []


def test_the_sections_read_the_focus_areas_in_one_query(
    varied, django_assert_num_queries, make_activity
):
    for n in range(5):
        make_activity(varied, title=f"More {n}")
    with django_assert_num_queries(4):  # the counts, the past, the undated, the focus areas
        sections = Activity.objects.filter(partnership=varied).sections(size=20)
        html = activity_items(
            [a for s in sections.values() for a in s.activities], show_focus_areas=True
        )
    assert html.count('<li class="activity">') == 8


def test_the_partnership_page_draws_its_timeline_twice(client, varied, make_milestone):
    make_milestone(varied, title="Agreement & <signing>", date=datetime.date(2009, 10, 16))
    html = client.get(varied.get_absolute_url()).content.decode()
    assert html.count('<svg class="timeline-svg tl-') == 2
    assert html.count("<title>16 October 2009: Agreement &amp; &lt;signing&gt;</title>") == 2
