"""The partnership page's activity items and timeline written in Python (record_tags) say what
the templates say: the same markup as includes/activity_item.html, their reference."""

import datetime

import pytest
from django.template import engines
from django.template.loader import render_to_string
from django.utils import translation

from core import structured_data
from partnerships import reports
from partnerships.models import (
    Activity,
    FocusArea,
    Milestone,
    listed_activities,
    with_focus_areas,
)
from partnerships.templatetags.record_tags import (
    activity_items,
    figure_table,
    focus_area_tags,
    milestone_items,
    plan_items,
    report_links,
)

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
    url = FocusArea.objects.get(slug=culture.slug).get_absolute_url()
    assert f'<a class="tag" href="{url}">Culture &amp; arts</a>' in html
    assert shown[1].focus_area_list() == []


def test_the_sections_read_the_focus_areas_in_one_query(
    varied, django_assert_num_queries, make_activity
):
    for n in range(5):
        make_activity(varied, title=f"More {n}")
    with django_assert_num_queries(3):  # the dates, the activities shown, the focus areas
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


# The loops of templates/partnerships/partnership_detail.html that milestone_items, plan_items
# and focus_area_tags replaced, as the page had them.
MILESTONE_LOOP = """{% load i18n translated_tags twinning_tags %}{% for milestone in milestones %}
      <li>
        <p class="when"><time datetime="{{ milestone.date|date:'Y-m-d' }}">{{ milestone.date_display }}</time> · {{ milestone.kind_label }}</p>
        {% translated milestone "title" as title %}<h3>{{ title.marked }}</h3>
        {% translated milestone "location" as location %}{% translated milestone "participants" as participants %}
        {% if location or participants %}
        <dl class="facts">
          {% if location %}<dt>{% translate "Where" %}</dt><dd>{{ location.marked }}</dd>{% endif %}
          {% if participants %}<dt>{% translate "Who" %}</dt><dd><span{{ participants.lang_attr }}>{{ participants|linebreaksbr }}</span>{{ participants.inline_note }}</dd>{% endif %}
        </dl>
        {% endif %}
        {% translated milestone "description" as description %}{% if description %}{{ description.note }}<div class="prose"{{ description.lang_attr }}>{{ description|markdown }}</div>{% endif %}
      </li>
      {% endfor %}"""  # noqa: E501

PLAN_LOOP = """{% load i18n translated_tags twinning_tags %}{% for progress in plans %}{% with plan=progress.plan %}
      <li class="plan-{{ progress.state }}">
        <p>{% translated plan "title" as title %}<strong>{{ title.marked }}</strong> <span class="status status-{{ progress.state }}">{{ progress.label }}</span>{% if progress.started %} <span class="meta">{% if progress.state == "done" %}{% blocktranslate trimmed with start=progress.started end=progress.latest %}{{ start }} to {{ end }}{% endblocktranslate %}{% else %}{% blocktranslate trimmed with date=progress.started %}since {{ date }}{% endblocktranslate %}{% endif %}</span>{% endif %}</p>
        <p class="meta">{% if plan.focus_area %}<a href="{{ plan.focus_area.get_absolute_url }}">{{ plan.focus_area.name }}</a>{% endif %}{% if plan.focus_area and plan.target_year %} · {% endif %}{% if plan.target_year %}{% blocktranslate trimmed with year=plan.target_year %}by {{ year }}{% endblocktranslate %}{% endif %}</p>
        {% translated plan "description" as description %}{% if description %}{{ description.note }}<div class="prose"{{ description.lang_attr }}>{{ description|markdown }}</div>{% endif %}
        {% if progress.delivered %}
        <p class="meta">{% translate "Delivered through:" %} {% for activity in progress.delivered %}{% translated activity "title" as title %}{{ title.marked }} ({{ activity.start_display }}){% if not forloop.last %}; {% endif %}{% endfor %}</p>
        {% endif %}
      </li>
      {% endwith %}{% endfor %}"""  # noqa: E501

AREA_LOOP = """{% for area in areas %}<li><a class="tag" href="{{ area.get_absolute_url }}">{{ area.name }}</a></li>{% endfor %}"""  # noqa: E501


@pytest.fixture
def recorded(varied, make_milestone, make_plan, make_focus_area):
    make_milestone(
        varied,
        title="Signing <in> Dresden",
        title_de="Unterzeichnung",
        kind=Milestone.Kind.AGREEMENT,
        date=datetime.date(1988, 5, 12),
        date_precision="day",
        location="Rathaus & Co",
        location_zh_hans="市政厅",
        participants="Mayor\nDeputy <mayor>",
        description="The *first* agreement.",
        description_de="Der *erste* Vertrag.",
    )
    make_milestone(varied, date=datetime.date(1995, 1, 1), date_precision="year")
    make_milestone(varied, date=datetime.date(2001, 3, 1), participants="Choirs")
    make_milestone(varied, date=datetime.date(2003, 3, 1), location="Hangzhou")
    area = make_focus_area(name="Water & <energy>", name_de="Wasser")
    activities = list(varied.activities.order_by("id"))
    done = make_plan(
        varied, title="Solar <schools>", focus_area=area, target_year=2012, status="done"
    )
    done.activities.set(activities)
    slipped = make_plan(
        varied,
        title="Exchange",
        title_zh_hans="交流",
        description="More *youth*.",
        target_year=1234,
    )
    slipped.activities.set(activities[:1])
    make_plan(varied, title="Dropped", status="dropped", focus_area=area)
    make_plan(varied, title="Far off", target_year=2090, description_de="Später")
    return varied


@pytest.mark.parametrize("language", ["en", "de", "zh-hans"])
def test_the_page_loops_write_what_the_template_wrote(recorded, language):
    engine = engines["django"]
    today = datetime.date(2026, 12, 7)
    with translation.override(language):
        milestones = list(recorded.milestones.all())
        assert milestone_items(milestones) == engine.from_string(MILESTONE_LOOP).render(
            {"milestones": milestones}
        )
        plans = [plan.progress(today) for plan in recorded.plans.order_by("id")]
        assert {progress.state for progress in plans} == {"done", "slipped", "dropped", "planned"}
        assert plan_items(plans) == engine.from_string(PLAN_LOOP).render({"plans": plans})
        areas = list(recorded.plans.get(status="done").focus_area.__class__.objects.all())
        assert focus_area_tags(areas) == engine.from_string(AREA_LOOP).render({"areas": areas})
    assert "Deputy &lt;mayor&gt;" in milestone_items(milestones)
    assert "Solar &lt;schools&gt;" in plan_items(plans)


def test_nothing_to_list_writes_nothing():
    assert milestone_items([]) == plan_items([]) == focus_area_tags([]) == ""


@pytest.fixture
def listed(varied, make_activity, make_city, make_focus_area, make_partnership):
    """Activities of two partnerships, with texts, cities and focus areas translated or not."""
    berlin = make_city(name="Berlin", name_de="Berlin", name_zh_hans="柏林", region="Berlin")
    beijing = make_city(
        name="Beijing", name_de="Peking", country="CN", latitude=None, longitude=None
    )
    partnership = make_partnership(city_a=berlin, city_b=beijing)
    music = make_focus_area(name="Music", name_de="Musik")
    make_activity(
        partnership,
        title="Concert in Beijing",
        title_de="Konzert in Peking",
        location="Beijing",
        location_zh_hans="北京",
        participants="Orchestra",
        participants_de="Orchester",
        description="Two *orchestras*.",
        description_de="Zwei *Orchester*.",
        start_date=datetime.date(2021, 3, 1),
        focus_areas=[music],
    )
    make_activity(partnership, title="Ongoing", start_date=None, location="Berlin and Beijing")
    return Activity.objects.filter(partnership__in=[varied, partnership])


def rows_of(activities, focus_areas=False):
    listing = activities.listing()
    return listed_activities(listing.values("pk"), listing.query.order_by, focus_areas)


@pytest.mark.parametrize("language", ["en", "de", "zh-hans"])
@pytest.mark.parametrize("flags", FLAGS)
def test_listed_rows_write_what_the_activities_write(listed, language, flags):
    with translation.override(language):
        activities = with_focus_areas(list(listed.listing()))
        rows = rows_of(listed, focus_areas=True)
        assert len(rows) == 5
        assert activity_items(rows, **flags) == activity_items(activities, **flags)


@pytest.mark.parametrize("language", ["en", "de", "zh-hans"])
def test_listed_rows_give_the_list_the_same_structured_data(listed, rf, language):
    request = rf.get("/")
    with translation.override(language):
        activities = with_focus_areas(list(listed.listing()))
        rows = rows_of(listed, focus_areas=True)
        assert structured_data.activity_list(rows, request) == structured_data.activity_list(
            activities, request
        )


def test_listed_rows_are_read_in_two_queries(listed, django_assert_num_queries):
    with django_assert_num_queries(2):  # the rows, their focus areas
        rows_of(listed, focus_areas=True)
    with django_assert_num_queries(1):
        rows_of(listed)


@pytest.mark.parametrize("language", ["en", "de", "zh-hans"])
@pytest.mark.parametrize(
    "links", [[], [(2024, "/en/cities/a&b/report/2024/")], [(2024, "/r/2024/"), (999, "/r/0999/")]]
)
def test_report_links_write_what_the_template_writes(language, links):
    with translation.override(language):
        expected = render_to_string("partnerships/includes/report_links.html", {"links": links})
        assert report_links(links) == expected


@pytest.mark.parametrize("language", ["en", "de", "zh-hans"])
@pytest.mark.parametrize("years", [[], [2024], [2024, 2019, 1990, 987]])
def test_report_links_write_what_the_include_writes(language, years):
    with translation.override(language):
        links = reports.year_links("partnership_report", "a-b", years)
        links += [(year, f"/?year={year}&<x>") for year in years[:1]]  # escaped as {{ }}
        expected = render_to_string("partnerships/includes/report_links.html", {"links": links})
        assert report_links(links) == expected


@pytest.mark.parametrize("language", ["en", "de", "zh-hans"])
def test_figure_table_writes_what_the_include_writes(
    language, make_partnership, make_city, make_partnership_figure, make_city_figure
):
    city = make_city(name="Dresden <&>", population=556227, population_year=2023)
    quiet = make_city(name="Hangzhou")
    partnership = make_partnership(city_a=city, city_b=quiet)
    make_partnership_figure(
        partnership, label="Exchanges", value=12, unit="students", note="so far", year=2024
    )
    make_partnership_figure(
        partnership,
        label="Population",
        label_de="Einwohner",
        value=1234567.5,
        qualifier="about",
        unit="inhabitants <all>",
        note="<estimated> & rounded",
        note_de="geschätzt",
    )
    make_city_figure(city, label="Students", value=5000, year=2020)
    with translation.override(language):
        cases = [
            (list(partnership.figures.all()), "The partnership & <more>", None),
            (list(city.figures.all()), city.name, city),
            ([], city.name, city),
            ([], quiet.name, quiet),
            (list(partnership.figures.all()), quiet.name, quiet),
        ]
        for figures, caption, shown_city in cases:
            expected = render_to_string(
                "includes/figures.html",
                {"figures": figures, "caption": caption, "city": shown_city},
            )
            assert figure_table(figures, caption, shown_city) == expected
