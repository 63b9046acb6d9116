"""Annual reports: a partnership's and a city's year as a page, a PDF and a CSV file, counted
against a small partnership whose records are counted by hand below."""

import csv
import datetime
import io
import sys

import pytest
import time_machine
from pypdf import PdfReader

from partnerships import reports
from partnerships.models import Activity, Contact, Milestone, Partnership, Plan, prefetch_page
from partnerships.views.partnerships import PartnershipDetailView

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 6, 15)


@pytest.fixture(autouse=True)
def _today():
    with time_machine.travel(datetime.datetime(2026, 6, 15, 12, 0), tick=False):
        yield


@pytest.fixture
def known(make_city, make_partnership, make_focus_area, make_activity, make_milestone, make_plan):
    """Dresden – Hangzhou, established 16 October 2009. In 2024: four activities (one with no
    focus area, one with two), two milestones (one a delegation visit), one plan started, two
    done, two slipped, and the 15th anniversary."""
    dresden = make_city(name="Dresden", slug="dresden")
    hangzhou = make_city(name="Hangzhou", slug="hangzhou", country="CN")
    culture = make_focus_area(name="Culture", slug="culture")
    education = make_focus_area(name="Education", slug="education")
    environment = make_focus_area(name="Environment", slug="environment")
    p = make_partnership(city_a=dresden, city_b=hangzhou, slug="dresden-hangzhou")
    a = {}
    a["choir"] = make_activity(
        p,
        title="Choir tour",
        start_date=datetime.date(2019, 5, 1),
        start_precision="month",
        focus_areas=[culture],
    )
    a["training"] = make_activity(
        p,
        title="Teacher training",
        kind=Activity.Kind.TRAINING,
        start_date=datetime.date(2024, 3, 10),
        focus_areas=[education],
    )
    a["youth"] = make_activity(
        p,
        title="Youth exchange",
        title_zh_hans="青年交流",
        start_date=datetime.date(2024, 6, 1),
        participants="20 pupils",
        participants_de="20 Schüler",
        focus_areas=[culture, education],
    )
    a["seminar"] = make_activity(
        p,
        title="River seminar",
        kind=Activity.Kind.SEMINAR,
        start_date=datetime.date(2024, 9, 15),
        end_date=datetime.date(2025, 1, 10),
        location="Dresden",
        focus_areas=[environment],
    )
    a["photos"] = make_activity(
        p,
        title="Photo exhibition",
        kind=Activity.Kind.EXHIBITION,
        start_date=datetime.date(2024, 11, 1),
        start_precision="month",
    )
    a["film"] = make_activity(
        p,
        title="Film week",
        kind=Activity.Kind.FILM,
        start_date=datetime.date(2025, 2, 1),
        focus_areas=[culture],
    )
    make_activity(p, title="Ongoing contacts", start_date=None)
    make_milestone(p, title="Agreement signed")  # 16 October 2009
    make_milestone(
        p,
        title="Mayor’s visit to Hangzhou",
        kind=Milestone.Kind.DELEGATION_VISIT,
        date=datetime.date(2024, 4, 20),
        location="Hangzhou",
        participants="The mayor and twelve delegates",
    )
    make_milestone(
        p,
        title="Anniversary gala",
        kind=Milestone.Kind.ANNIVERSARY,
        date=datetime.date(2024, 10, 16),
    )
    make_milestone(
        p,
        title="Earlier visit",
        kind=Milestone.Kind.DELEGATION_VISIT,
        date=datetime.date(2023, 5, 1),
    )
    plans = {
        "network": make_plan(p, title="School network", status=Plan.Status.IN_PROGRESS),
        "youth": make_plan(p, title="Youth programme", status=Plan.Status.DONE),
        "river": make_plan(p, title="Joint river study", target_year=2024),
        "museum": make_plan(p, title="Museum", target_year=2024, status=Plan.Status.DROPPED),
        "parks": make_plan(p, title="Sister parks", target_year=2024, status=Plan.Status.DONE),
        "films": make_plan(
            p, title="Film archive", target_year=2024, status=Plan.Status.IN_PROGRESS
        ),
    }
    plans["network"].activities.set([a["training"], a["youth"]])
    plans["youth"].activities.set([a["choir"], a["youth"]])
    plans["films"].activities.set([a["film"]])
    Contact.objects.create(
        partnership=p,
        role=Contact.Role.ASSOCIATION,
        city=dresden,
        organisation="Friendship Society",
        is_public=True,
    )
    Contact.objects.create(
        partnership=p,
        role=Contact.Role.OFFICE,
        city=hangzhou,
        organisation="Former Office",
        until=datetime.date(2020, 12, 31),
        is_public=True,
    )
    Contact.objects.create(
        partnership=p,
        role=Contact.Role.SCHOOL,
        city=dresden,
        organisation="Secret Staff Desk",
        person="Private Person",
        email="private@example.org",
        is_public=False,
    )
    return p


def report_of(partnership, year):
    years = reports.record_years(partnership.activities.all(), partnership.milestones.all())
    begins = reports.beginning([partnership], years, TODAY)
    return reports.build([partnership], year, TODAY, years, begins)


def titles(records):
    return [record.title for record in records]


def test_the_figures_of_a_year_as_counted_by_hand(known):
    report = report_of(known, 2024)
    assert titles(report.activities) == [
        "Teacher training",
        "Youth exchange",
        "River seminar",
        "Photo exhibition",
    ]
    assert [(g.label, titles(g.activities)) for g in report.by_focus_area] == [
        ("Culture", ["Youth exchange"]),
        ("Education", ["Teacher training", "Youth exchange"]),
        ("Environment", ["River seminar"]),
        ("No focus area", ["Photo exhibition"]),
    ]
    assert [(g.label, g.count) for g in report.by_kind] == [
        ("Exchange", 1),
        ("Seminar", 1),
        ("Training programme", 1),
        ("Exhibition", 1),
    ]
    part = report.parts[0]
    assert titles(part.milestones) == ["Mayor’s visit to Hangzhou", "Anniversary gala"]
    assert titles(part.delegations) == ["Mayor’s visit to Hangzhou"]
    assert report.delegation_count == 1
    assert titles(part.taking_part) == [
        "Mayor’s visit to Hangzhou",
        "Youth exchange",
        "River seminar",
    ]
    assert [p.plan.title for p in part.plans_started] == ["School network"]
    # Done: the last delivering activity in 2024; or, with none, the target year.
    assert sorted(p.plan.title for p in part.plans_done) == ["Sister parks", "Youth programme"]
    # Slipped: target 2024, neither done nor dropped (one of them under way since 2025).
    assert sorted(p.plan.title for p in part.plans_slipped) == ["Film archive", "Joint river study"]
    assert part.jubilee.years == 15 and part.jubilee.date == datetime.date(2024, 10, 16)
    # The ten years up to 2024, with the activities each year began.
    assert [(r["year"], r["value"]) for r in report.chart_rows] == [
        (year, {2019: 1, 2024: 4}.get(year, 0)) for year in range(2015, 2025)
    ]
    assert (report.previous_year, report.next_year) == (2023, 2025)


def test_another_year_of_the_same_partnership(known):
    report = report_of(known, 2025)
    assert titles(report.activities) == ["Film week"]  # the seminar ending in 2025 began in 2024
    part = report.parts[0]
    assert [p.plan.title for p in part.plans_started] == ["Film archive"]
    assert part.plans_done == [] and part.plans_slipped == [] and part.jubilee is None
    # The chart starts no earlier than the founding year.
    assert report_of(known, 2011).chart_rows[0]["year"] == 2009
    assert report_of(known, 2009).previous_year is None
    assert report_of(known, 2026).next_year is None


def test_the_page_shows_the_year(client, known):
    response = client.get("/en/partnerships/dresden-hangzhou/report/2024/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Annual report 2024" in page
    for text in (
        "Teacher training",
        "Mayor’s visit to Hangzhou",
        "The mayor and twelve delegates",
        "Joint river study",
        "15th anniversary: 16 October 2024",
        'id="report-chart"',
        'href="/en/partnerships/dresden-hangzhou/report/2023/"',
        'href="/en/partnerships/dresden-hangzhou/report/2025/"',
        'href="/en/partnerships/dresden-hangzhou/report/2024/report.pdf"',
        'href="/en/partnerships/dresden-hangzhou/report/2024/report.csv"',
        "Friendship Society",
    ):
        assert text in page, text
    assert "Film week" not in page
    assert "Former Office" not in page  # responsible until 2020
    assert (
        "Former Office"
        in client.get("/en/partnerships/dresden-hangzhou/report/2019/").content.decode()
    )


def test_translated_fields_in_the_page_language(client, known):
    page = client.get("/de/partnerships/dresden-hangzhou/report/2024/").content.decode()
    assert "20 Schüler" in page and "20 pupils" not in page
    page = client.get("/zh-hans/partnerships/dresden-hangzhou/report/2024/").content.decode()
    assert "青年交流" in page
    assert "20 pupils" in page  # no Chinese text: the English, marked as such


@pytest.mark.parametrize(
    ("url", "message"),
    [
        (
            "/en/partnerships/dresden-hangzhou/report/2027/",
            "No report for 2027: the year has not come yet.",
        ),
        (
            "/en/partnerships/dresden-hangzhou/report/2008/",
            "No report for 2008: the partnership began in 2009.",
        ),
        (
            "/en/partnerships/dresden-hangzhou/report/2027/report.pdf",
            "No report for 2027: the year has not come yet.",
        ),
        (
            "/en/cities/dresden/report/2008/report.csv",
            "No report for 2008: the city’s first partnership began in 2009.",
        ),
    ],
)
def test_a_year_without_a_report_is_not_found_with_the_reason(client, known, url, message):
    response = client.get(url)
    assert response.status_code == 404
    assert message in response.content.decode()


@pytest.mark.parametrize("year", ["24", "20245", "abcd", "2024x"])
def test_a_year_that_is_not_four_digits_is_no_match(client, known, year):
    response = client.get(f"/en/partnerships/dresden-hangzhou/report/{year}/")
    assert response.status_code == 404
    assert b"No report for" not in response.content


def test_an_unpublished_partnership_has_no_report(client, known):
    known.state = "draft"
    known.save()
    assert client.get("/en/partnerships/dresden-hangzhou/report/2024/").status_code == 404


def test_the_city_report_groups_its_published_partnerships(
    client, known, make_city, make_partnership, make_activity
):
    dresden = known.city_a
    other = make_partnership(
        city_a=dresden,
        city_b=make_city(name="Brno", slug="brno", country="CZ"),
        established=datetime.date(2015, 1, 1),
    )
    make_activity(
        other,
        title="Trade fair",
        kind=Activity.Kind.CONFERENCE,
        start_date=datetime.date(2024, 5, 5),
    )
    quiet = make_partnership(
        city_a=dresden,
        city_b=make_city(name="Quietville", slug="quietville"),
        established=datetime.date(2016, 1, 1),
    )
    draft = make_partnership(city_a=dresden, state="draft")
    make_activity(draft, title="Draft activity", start_date=datetime.date(2024, 5, 5))
    page = client.get("/en/cities/dresden/report/2024/").content.decode()
    # Grouped by partnership, the earliest first.
    assert f"<h2>{known.title}</h2>" in page and f"<h2>{other.title}</h2>" in page
    assert page.index(f"<h2>{known.title}</h2>") < page.index(f"<h2>{other.title}</h2>")
    assert page.index("Teacher training", page.index(f"<h2>{known.title}</h2>")) < page.index(
        f"<h2>{other.title}</h2>"
    )
    assert "Trade fair" in page and "Teacher training" in page
    assert "Draft activity" not in page
    # A partnership with nothing in the year is named once, not given a section of its own.
    assert f"<h2>{quiet.title}</h2>" not in page
    nothing = page.index("<h2>Nothing recorded for this year</h2>")
    assert page.index(quiet.title, nothing) > nothing
    assert page.count(quiet.title) == 1
    assert "Secret Staff Desk" not in page


def test_partnership_and_city_pages_link_the_years_with_records(client, known):
    page = client.get(known.get_absolute_url()).content.decode()
    links = [
        f'<a href="/en/partnerships/dresden-hangzhou/report/{year}/">{year}</a>'
        for year in (2025, 2024, 2023, 2019, 2009)
    ]
    assert "Annual reports: " + " · ".join(links) in page
    page = client.get("/en/cities/dresden/").content.decode()
    assert '<a href="/en/cities/dresden/report/2024/">2024</a>' in page


def test_csv_one_row_per_activity_and_milestone(client, known):
    response = client.get("/en/partnerships/dresden-hangzhou/report/2024/report.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="dresden-hangzhou-2024-en.csv"' in response["Content-Disposition"]
    text = response.content.decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))
    assert list(rows[0]) == list(reports.CSV_COLUMNS)
    assert [(r["record"], r["date"], r["title"]) for r in rows] == [
        ("milestone", "2024-04-20", "Mayor’s visit to Hangzhou"),
        ("milestone", "2024-10-16", "Anniversary gala"),
        ("activity", "2024-03-10", "Teacher training"),
        ("activity", "2024-06-01", "Youth exchange"),
        ("activity", "2024-09-15", "River seminar"),
        ("activity", "2024-11", "Photo exhibition"),
    ]
    youth = rows[3]
    assert youth["focus_areas"] == "Culture; Education"
    assert youth["participants"] == "20 pupils"
    assert rows[4]["end_date"] == "2025-01-10"
    assert rows[0]["kind"] == "delegation_visit" and rows[0]["kind_label"] == "Delegation visit"
    assert "Secret Staff Desk" not in text


def test_csv_cells_are_not_formulas(client, known, make_activity):
    make_activity(known, title="=HYPERLINK(1)", start_date=datetime.date(2024, 12, 1))
    text = client.get("/en/partnerships/dresden-hangzhou/report/2024/report.csv").content.decode()
    assert "'=HYPERLINK(1)" in text


def pdf_text(response):
    reader = PdfReader(io.BytesIO(response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_pdf_is_made_on_the_server_and_reads_back(client, known):
    response = client.get("/en/partnerships/dresden-hangzhou/report/2024/report.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    text = pdf_text(response)
    for expected in ("Annual report 2024", "Teacher training", "Photo exhibition", "Friendship"):
        assert expected in text, expected
    assert "Secret Staff Desk" not in text and "Private Person" not in text


def test_the_chinese_pdf_has_the_chinese_text(client, known):
    response = client.get("/zh-hans/partnerships/dresden-hangzhou/report/2024/report.pdf")
    assert response.status_code == 200
    assert "青年交流" in pdf_text(response)
    # A CJK font is embedded, so the characters show rather than empty boxes.
    fonts = {
        str(font.get_object()["/BaseFont"])
        for page in PdfReader(io.BytesIO(response.content)).pages
        for font in page["/Resources"]["/Font"].values()
    }
    assert any("WenQuanYi" in font for font in fonts), fonts


def test_the_pdf_degrades_when_weasyprint_cannot_load(client, known, monkeypatch):
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # the import fails
    response = client.get("/en/partnerships/dresden-hangzhou/report/2024/report.pdf")
    assert response.status_code == 503
    page = response.content.decode()
    assert "The PDF cannot be made at the moment" in page
    assert 'href="/en/partnerships/dresden-hangzhou/report/2024/"' in page
    assert client.get("/en/partnerships/dresden-hangzhou/report/2024/").status_code == 200


def test_the_pdf_degrades_when_pango_fails(client, known, monkeypatch):
    import weasyprint

    def broken(*args, **kwargs):
        raise OSError("cannot load library 'libpango-1.0-0'")

    monkeypatch.setattr(weasyprint, "HTML", broken)
    response = client.get("/en/cities/dresden/report/2024/report.pdf")
    assert response.status_code == 503
    assert client.get("/en/cities/dresden/report/2024/").status_code == 200


def test_private_contacts_appear_nowhere(client, known):
    for url in (
        "/en/partnerships/dresden-hangzhou/report/2024/",
        "/en/cities/dresden/report/2024/",
        "/en/partnerships/dresden-hangzhou/report/2024/report.csv",
    ):
        body = client.get(url).content.decode()
        assert "Secret Staff Desk" not in body and "private@example.org" not in body, url
    assert "Friendship Society" in client.get("/en/cities/dresden/report/2024/").content.decode()


def add_much(partnership, make_activity, make_milestone, make_plan, focus_areas):
    for i in range(30):
        activity = make_activity(
            partnership,
            start_date=datetime.date(2015 + i % 10, 1 + i % 12, 1),
            participants=f"People {i}",
            focus_areas=focus_areas,
        )
        plan = make_plan(partnership, target_year=2020 + i % 6)
        plan.activities.add(activity)
        make_milestone(partnership, date=datetime.date(2015 + i % 10, 2, 1))
        Contact.objects.create(
            partnership=partnership,
            role=Contact.Role.OTHER,
            city=partnership.city_a,
            organisation=f"Org {i}",
            is_public=bool(i % 2),
        )


@pytest.mark.parametrize("much", [False, True], ids=["small", "large"])
def test_query_counts_are_fixed(
    client,
    django_assert_num_queries,
    known,
    make_partnership,
    make_activity,
    make_milestone,
    make_plan,
    much,
):
    areas = list(known.focus_areas.all())
    if much:
        add_much(known, make_activity, make_milestone, make_plan, areas)
        for _ in range(5):
            other = make_partnership(city_a=known.city_a)
            add_much(other, make_activity, make_milestone, make_plan, areas)
    for url, queries in (
        ("/en/partnerships/dresden-hangzhou/report/2024/", 8),
        ("/en/partnerships/dresden-hangzhou/report/2024/report.csv", 8),
        ("/en/cities/dresden/report/2024/", 9),
    ):
        with django_assert_num_queries(queries):
            assert client.get(url).status_code == 200


@pytest.fixture
def page_cache(settings):
    from django.core.cache import cache

    settings.PAGE_CACHE_SECONDS = 300
    cache.clear()
    yield
    cache.clear()


def test_the_pdf_is_cached_like_the_pages_and_a_failure_is_not(
    client, known, page_cache, monkeypatch, django_assert_num_queries
):
    url = "/en/partnerships/dresden-hangzhou/report/2024/report.pdf"
    import weasyprint

    with monkeypatch.context() as broken:
        broken.setattr(weasyprint, "HTML", None)  # calling it fails
        assert client.get(url).status_code == 503
    made = client.get(url)  # the failure was not kept: made now
    assert made.status_code == 200
    with django_assert_num_queries(0):
        again = client.get(url)
    assert again.status_code == 200 and again.content == made.content
    assert again["Content-Type"] == "application/pdf"
    assert again["Content-Disposition"] == made["Content-Disposition"]


def test_the_partnership_page_tells_the_years_from_the_records_it_read(
    known, make_activity, make_milestone, django_assert_num_queries
):
    # Before it began, after this year, undated: the links the one query found, without it.
    make_activity(known, start_date=datetime.date(2001, 1, 1))
    make_activity(known, start_date=datetime.date(2030, 1, 1))
    make_activity(known, start_date=None)
    make_milestone(known, date=datetime.date(2012, 5, 1))
    view = PartnershipDetailView()
    view.object = prefetch_page(Partnership.objects.select_related("city_a", "city_b").get())
    today = TODAY
    dates = view.object.activities.keys_and_dates()
    with django_assert_num_queries(0):
        links = view.report_links(today, dates)
    assert links == view.report_links(today)  # by the query (a partnership of many activities)
    assert [year for year, _address in links] == [2025, 2024, 2023, 2019, 2012, 2009]
