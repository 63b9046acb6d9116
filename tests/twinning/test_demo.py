"""The demo: `load_demo` (both case studies, idempotent, atomic) and `demo_login`.

The fact tests hold the demo data to the two seed documents (Dresden–Hangzhou, seed 000, and
Berlin–Beijing, seed 004): every date with its precision, number, name, topic, activity, plan and
source is checked as structured data, and then as a visitor reads it on the public pages.
"""

import datetime
import html
import json
import re
import stat
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core import serializers
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django.utils.html import strip_tags
from PIL import Image
from pytest_django.asserts import assertContains

from cities.models import City, CityFigure
from partnerships.models import (
    Activity,
    FocusArea,
    Milestone,
    Partnership,
    PartnershipFigure,
    Plan,
    Source,
)
from twinning.management.commands.load_demo import DEMO_FIXTURES

pytestmark = pytest.mark.django_db

MODELS = [
    City,
    CityFigure,
    FocusArea,
    Partnership,
    Milestone,
    Activity,
    Plan,
    Source,
    PartnershipFigure,
]
EXPECTED_COUNTS = {
    "cities.City": 4,
    "cities.CityFigure": 7,
    "partnerships.FocusArea": 21,
    "partnerships.Partnership": 2,
    "partnerships.Milestone": 10,
    "partnerships.Activity": 19,
    "partnerships.Plan": 7,
    "partnerships.Source": 2,
    "partnerships.PartnershipFigure": 4,
}


def load_demo(*args):
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


def counts():
    return {model._meta.label: model.objects.count() for model in MODELS}


def dump():
    """Every row of every demo model, with its many-to-many links."""
    return {
        model._meta.label: serializers.serialize("json", model.objects.order_by("pk"))
        for model in MODELS
    }


def demo_fixture_paths():
    return [Path(settings.FIXTURE_DIRS[0]) / f"{name}.json" for name in DEMO_FIXTURES]


@pytest.fixture
def demo(db):
    load_demo()


# --------------------------------------------------------------------------- load_demo


def test_load_demo_loads_both_case_studies():
    output = load_demo()
    assert counts() == EXPECTED_COUNTS
    assert "Loaded 76 demo records (76 new, 0 changed, 0 unchanged)" in output
    assert "partnerships.Partnership" in output


def test_second_run_changes_nothing():
    load_demo()
    first = dump()
    output = load_demo()
    assert counts() == EXPECTED_COUNTS
    assert dump() == first
    assert "(0 new, 0 changed, 76 unchanged)" in output


def test_second_run_restores_edited_demo_records():
    load_demo()
    first = dump()
    City.objects.filter(slug="dresden").update(population=1)
    Partnership.objects.get(slug="berlin-beijing").focus_areas.clear()
    output = load_demo()
    assert dump() == first
    assert "(0 new, 2 changed, 74 unchanged)" in output


def test_fixtures_hold_no_absolute_paths():
    for path in demo_fixture_paths():
        text = path.read_text(encoding="utf-8")
        assert str(settings.BASE_DIR) not in text
        for record in json.loads(text):
            for value in record["fields"].values():
                assert not (isinstance(value, str) and value.startswith("/")), record


def _set(model, pk, field, value):
    def mutate(records):
        (record,) = [r for r in records if (r["model"], r["pk"]) == (model, pk)]
        record["fields"][field] = value

    return mutate


BROKEN = {
    "unknown country": (
        "demo_cities",
        _set("cities.city", 1, "country", "XX"),
        ["cities.City", "pk=1", "country"],
    ),
    "latitude of 200": (
        "demo_cities",
        _set("cities.city", 1, "latitude", "200"),
        ["cities.City", "pk=1", "latitude"],
    ),
    "city paired with itself": (
        "demo_dresden_hangzhou",
        _set("partnerships.partnership", 1, "city_b", 1),
        ["partnerships.Partnership", "pk=1"],
    ),
    "malformed JSON": (
        "demo_berlin_beijing",
        '[{"model": "cities.city", ',
        ["demo_berlin_beijing.json"],
    ),
    "unknown field": (
        "demo_focus_areas",
        _set("partnerships.focusarea", 1, "colour", "red"),
        ["demo_focus_areas.json", "colour"],
    ),
    "month-precise date not on the 1st": (
        "demo_dresden_hangzhou",
        _set("partnerships.milestone", 1, "date", "2007-11-15"),
        ["partnerships.Milestone", "pk=1", "date"],
    ),
    "activity ending before it starts": (
        "demo_berlin_beijing",
        _set("partnerships.activity", 9, "end_date", "1999-01-01"),
        ["partnerships.Activity", "pk=9"],
    ),
}


def broken_fixture_set(tmp_path, name, mutation):
    """The demo fixtures with one file replaced by a broken copy in tmp_path."""
    paths = []
    for path in demo_fixture_paths():
        if path.stem == name:
            target = tmp_path / path.name
            if isinstance(mutation, str):
                target.write_text(mutation, encoding="utf-8")
            else:
                records = json.loads(path.read_text(encoding="utf-8"))
                mutation(records)
                target.write_text(json.dumps(records), encoding="utf-8")
            path = target
        paths.append(path)
    return [f"--fixture={path}" for path in paths]


@pytest.mark.parametrize("preloaded", [False, True], ids=["empty", "preloaded"])
@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_fixture_is_refused_and_changes_nothing(tmp_path, case, preloaded):
    name, mutation, expected = BROKEN[case]
    if preloaded:
        load_demo()
    before_counts, before_dump = counts(), dump()
    args = broken_fixture_set(tmp_path, name, mutation)

    with pytest.raises(CommandError) as error:
        load_demo(*args)

    message = str(error.value)
    for part in expected:
        assert part in message
    assert "the database is unchanged" in message
    assert counts() == before_counts
    assert dump() == before_dump


def test_demo_never_overwrites_other_records_at_its_ids(make_city, make_partnership):
    other = make_city(pk=1, name="Berat", slug="berat", country="AL")
    make_partnership(city_a=other)
    before = dump()

    with pytest.raises(CommandError) as error:
        load_demo()

    assert "cities.City pk=1 already holds “Berat (AL)”" in str(error.value)
    assert dump() == before


def _image_fixture(tmp_path, country="DE"):
    folder = tmp_path / "fixture"
    (folder / "media" / "cities").mkdir(parents=True)
    Image.new("RGB", (4, 3), (200, 30, 30)).save(folder / "media" / "cities" / "demo-test.png")
    record = {
        "model": "cities.city",
        "pk": 900,
        "fields": {
            "name": "Pictureville",
            "slug": "pictureville",
            "country": country,
            "image": "cities/demo-test.png",
            "image_alt": "A red rectangle",
            "updated_at": "2026-01-01T00:00:00Z",
        },
    }
    path = folder / "pictures.json"
    path.write_text(json.dumps([record]), encoding="utf-8")
    return path


def test_fixture_media_is_copied_into_media_root(tmp_path):
    load_demo(f"--fixture={_image_fixture(tmp_path)}")
    target = Path(settings.MEDIA_ROOT) / "cities" / "demo-test.png"
    assert target.is_file()
    assert City.objects.get(pk=900).image.name == "cities/demo-test.png"


def test_refused_fixture_leaves_no_media_behind(tmp_path):
    with pytest.raises(CommandError, match="country"):
        load_demo(f"--fixture={_image_fixture(tmp_path, country='XX')}")
    assert not (Path(settings.MEDIA_ROOT) / "cities" / "demo-test.png").exists()
    assert not City.objects.exists()


# --------------------------------------------------------------------------- demo_login

PASSWORD = re.compile(r"^Password: (\S+)$", re.MULTILINE)


@pytest.fixture
def login_file(settings, tmp_path):
    settings.DEMO_LOGIN_FILE = tmp_path / "var" / "demo-login.txt"
    return settings.DEMO_LOGIN_FILE


def demo_login(*args):
    out = StringIO()
    call_command("demo_login", *args, stdout=out)
    output = out.getvalue()
    return output, PASSWORD.search(output).group(1)


def test_demo_login_creates_a_superuser_with_a_random_password(login_file):
    output, password = demo_login()

    user = get_user_model().objects.get(username="demo-admin")
    assert user.is_superuser and user.is_staff and user.is_active
    assert user.check_password(password)
    validate_password(password, user)
    assert "http://127.0.0.1:8000/admin/" in output
    assert "Username: demo-admin" in output
    assert password in login_file.read_text()
    assert stat.S_IMODE(login_file.stat().st_mode) == 0o600


def test_demo_login_second_run_prints_the_same_login_and_changes_nothing(login_file):
    first_output, first_password = demo_login()
    user_model = get_user_model()
    stored_hash = user_model.objects.get(username="demo-admin").password

    second_output, second_password = demo_login()

    assert second_password == first_password
    assert user_model.objects.count() == 1
    assert user_model.objects.get(username="demo-admin").password == stored_hash
    assert "unchanged" in second_output


def test_demo_login_password_differs_between_fresh_databases(login_file):
    _, first = demo_login()
    get_user_model().objects.all().delete()  # a fresh database (the file is still there)
    _, second = demo_login()
    assert first != second
    assert get_user_model().objects.get(username="demo-admin").check_password(second)


def test_demo_login_sets_a_new_password_when_the_file_is_missing(login_file):
    _, first = demo_login()
    login_file.unlink()
    output, second = demo_login()
    user = get_user_model().objects.get(username="demo-admin")
    assert second != first
    assert user.check_password(second) and not user.check_password(first)
    assert second in login_file.read_text()
    assert "new random password" in output


def test_demo_login_sets_a_new_password_when_the_stored_one_fails(login_file):
    _, first = demo_login()
    user = get_user_model().objects.get(username="demo-admin")
    user.set_password("changed-by-someone-else-42")
    user.save()
    _, second = demo_login()
    user.refresh_from_db()
    assert second not in {first, "changed-by-someone-else-42"}
    assert user.check_password(second)


def test_demo_login_prints_the_given_admin_address(login_file):
    output, _ = demo_login("--url", "http://127.0.0.1:8001/admin/")
    assert "Admin:    http://127.0.0.1:8001/admin/" in output


def test_demo_login_restores_staff_rights(login_file):
    _, password = demo_login()
    get_user_model().objects.filter(username="demo-admin").update(is_staff=False)
    _, again = demo_login()
    assert again == password
    assert get_user_model().objects.get(username="demo-admin").is_staff


# --------------------------------------------------------------------------- the facts


def partnership(slug):
    return Partnership.objects.get(slug=slug)


def city_figures(slug):
    return [
        (f.label, f.qualifier, f.value, f.unit, f.year, f.value_display)
        for f in CityFigure.objects.filter(city__slug=slug).order_by("position")
    ]


def test_cities(demo):
    dresden = City.objects.get(slug="dresden")
    assert (dresden.name, dresden.country.code, dresden.region) == ("Dresden", "DE", "Saxony")
    assert (dresden.latitude, dresden.longitude) == (Decimal("51.05"), Decimal("13.74"))
    assert (dresden.population, dresden.population_year) == (513000, 2008)
    for fact in (
        "one of the 16 political centres of Germany",
        "capital of Saxony",
        "German Democratic Republic (GDR)",
        "reunification",
        "Alongside Leipzig",
        "fastest-growing",
        "up to 15 %",
        "first German city to have written off its loans and become debt-free",
    ):
        assert fact in dresden.description

    hangzhou = City.objects.get(slug="hangzhou")
    assert (hangzhou.country.code, hangzhou.region) == ("CN", "Zhejiang")
    assert (hangzhou.latitude, hangzhou.longitude) == (Decimal("30.267"), Decimal("120.153"))
    assert hangzhou.population is None
    for fact in (
        "capital of Zhejiang province",
        "sub-provincial city",
        "prefecture-level city run by the province",
        "independently in the fields of economy and law",
        "manufacturing base and logistics hub for coastal China",
        "Since the early Nineties",
        "medicine, information technology, automotive components, electronics, "
        "telecommunications, fine chemicals and food processing",
        "historical relics and natural beauty, tourism",
    ):
        assert fact in hangzhou.description

    berlin = City.objects.get(slug="berlin")
    assert (berlin.country.code, berlin.region) == ("DE", "Berlin")
    assert (berlin.latitude, berlin.longitude) == (Decimal("52.52"), Decimal("13.405"))
    assert berlin.population is None and berlin.summary

    beijing = City.objects.get(slug="beijing")
    assert (beijing.country.code, beijing.region) == ("CN", "Beijing")
    assert (beijing.latitude, beijing.longitude) == (Decimal("39.9067"), Decimal("116.3975"))
    assert beijing.population is None
    assert "growing by leaps and bounds" in beijing.summary
    assert "Peking - Verbotene Stadt" in beijing.image_alt
    assert beijing.image_credit == "Allen Timothy Chang"
    assert not beijing.image  # no licensed copy of the photograph: credit without the file


def test_city_key_figures(demo):
    assert city_figures("dresden") == [
        ("Agglomeration", "about", 780000, "inhabitants", None, "about 780,000 inhabitants"),
        ("Region Dresden", "exact", 1150000, "inhabitants", None, "1,150,000 inhabitants"),
        ("Unemployment rate", "up_to", 15, "%", None, "up to 15 %"),
    ]
    assert city_figures("hangzhou") == [
        (
            "Population of the sub-provincial area",
            "more_than",
            8000000,
            "people",
            None,
            "more than 8,000,000 people",
        ),
        ("Districts within the metropolitan area", "exact", 8, "districts", None, "8 districts"),
        ("Metropolitan counties", "exact", 3, "counties", None, "3 counties"),
        ("Ordinary counties", "exact", 2, "counties", None, "2 counties"),
    ]


def test_focus_areas_cover_every_topic_the_seeds_name(demo):
    assert set(FocusArea.objects.values_list("slug", flat=True)) == {
        "culture",
        "education",
        "science-research",
        "history-and-modernity",
        "flood-protection",
        "architecture-engineering",
        "economy",
        "environment-climate",
        "judiciary",
        "public-security",
        "public-administration",
        "student-exchanges",
        "vocational-education",
        "urban-development",
        "transport-mobility",
        "energy",
        "creative-industries",
        "tourism",
        "health",
        "large-scale-events",
        "civic-involvement",
    }
    assert not FocusArea.objects.filter(description="").exists()


def test_dresden_hangzhou_partnership(demo):
    p = partnership("dresden-hangzhou")
    assert (p.city_a.slug, p.city_b.slug) == ("dresden", "hangzhou")
    assert (p.kind, p.status) == (Partnership.Kind.TWINNING, Partnership.Status.ACTIVE)
    assert (p.established, p.established_precision) == (datetime.date(2009, 10, 16), "day")
    assert p.established_display == "16 October 2009"
    assert p.is_published and p.is_featured
    assert set(p.focus_areas.values_list("slug", flat=True)) == {
        "history-and-modernity",
        "flood-protection",
        "culture",
        "education",
        "science-research",
        "architecture-engineering",
        "economy",
        "environment-climate",
    }
    assert "connection between history and the demands of modernity" in p.summary
    assert "of the Elbe River in Dresden and the annual spring flood in Hangzhou" in p.summary
    assert "Dr. Lutz Vogel" in p.character and "Cai Qi" in p.character
    assert "Funding comes from both cities’ administrations and from external actors" in p.funding
    assert "depending on the project" in p.funding
    assert "cancer research" in p.key_achievements
    assert "Conference of Mayors of Twin Cities" in p.key_achievements
    assert "active involvement of citizens" in p.future_expectations
    assert "no main communication difficulties" in p.obstacles_and_needs
    assert "architecture and engineering" in p.obstacles_and_needs
    assert "aren’t any special needs and wishes" in p.obstacles_and_needs


def test_berlin_beijing_partnership(demo):
    p = partnership("berlin-beijing")
    assert (p.city_a.slug, p.city_b.slug) == ("berlin", "beijing")
    assert (p.kind, p.status) == (Partnership.Kind.TWINNING, Partnership.Status.ACTIVE)
    # The 25th anniversary was in 2019: the partnership dates from the April 1994 declaration.
    assert (p.established, p.established_precision) == (datetime.date(1994, 4, 1), "month")
    assert p.established_display == "April 1994"
    assert p.is_published and p.is_featured
    assert set(p.focus_areas.values_list("slug", flat=True)) == {
        "judiciary",
        "public-security",
        "public-administration",
        "culture",
        "education",
        "student-exchanges",
        "vocational-education",
        "science-research",
        "urban-development",
        "economy",
        "transport-mobility",
        "energy",
        "creative-industries",
        "large-scale-events",
    }
    assert "“Isn’t it a pleasure to meet with friends from afar?”" in p.summary
    assert "Confucius" in p.summary
    assert "one of its most active city partnerships" in p.summary
    assert "German-Chinese dialogue on the rule of law on the federal level" in p.character
    assert "differ enormously in population and area" in p.character
    assert "intellectual property law" in p.key_achievements
    assert "tourism, climate protection/environmental protection, health" in p.future_expectations
    assert p.funding == "" and p.obstacles_and_needs == ""  # the seed says nothing on these


MILESTONES = [
    # partnership, date, precision, kind, display, title, location, participants
    (
        "dresden-hangzhou",
        datetime.date(2007, 11, 1),
        "month",
        "delegation_visit",
        "November 2007",
        "First Dresden delegation to Hangzhou",
        "Hangzhou",
        ["Dresden administration", "City Council", "University of Dresden", "business"],
    ),
    (
        "dresden-hangzhou",
        datetime.date(2007, 11, 1),
        "month",
        "memorandum",
        "November 2007",
        "Memorandum of Understanding on friendship and cooperation",
        "Hangzhou",
        ["Dr. Lutz Vogel, Mayor of Dresden", "Cai Qi, Mayor of Hangzhou"],
    ),
    (
        "dresden-hangzhou",
        datetime.date(2009, 4, 1),
        "month",
        "delegation_visit",
        "April 2009",
        "Return visit of a Hangzhou delegation to Dresden",
        "Dresden",
        ["Hangzhou"],
    ),
    (
        "dresden-hangzhou",
        datetime.date(2009, 10, 16),
        "day",
        "agreement",
        "16 October 2009",
        "Twinning Agreement signed",
        "",
        [],
    ),
    (
        "berlin-beijing",
        datetime.date(1988, 5, 5),
        "day",
        "agreement",
        "5 May 1988",
        "Agreement on friendly cooperation",
        "",
        ["The Magistrat (East Berlin’s city government)", "counterpart in Beijing"],
    ),
    (
        "berlin-beijing",
        datetime.date(1994, 4, 1),
        "month",
        "joint_declaration",
        "April 1994",
        "Joint declaration on the city partnership",
        "",
        [],
    ),
    (
        "berlin-beijing",
        datetime.date(1994, 4, 1),
        "month",
        "memorandum",
        "April 1994",
        "Memorandum on exchange programmes",
        "",
        [],
    ),
    (
        "berlin-beijing",
        datetime.date(2009, 6, 1),
        "month",
        "memorandum",
        "June 2009",
        "Memorandum on cooperation in vocational education",
        "",
        [
            "Berlin Senate Department for Education, Science and Research",
            "Beijing Education Committee",
        ],
    ),
    (
        "berlin-beijing",
        datetime.date(2014, 1, 1),
        "year",
        "memorandum",
        "2014",
        "Memorandum on continuing the judges’ seminar and continuing-education programme",
        "",
        [],
    ),
    (
        "berlin-beijing",
        datetime.date(2019, 1, 1),
        "year",
        "anniversary",
        "2019",
        "25th anniversary of the city partnership",
        "",
        [],
    ),
]


def test_milestones(demo):
    rows = Milestone.objects.select_related("partnership").order_by("partnership_id", "date", "id")
    assert len(rows) == len(MILESTONES)
    for milestone, expected in zip(rows, MILESTONES, strict=True):
        slug, date, precision, kind, display, title, location, participants = expected
        assert milestone.partnership.slug == slug
        assert (milestone.date, milestone.date_precision, milestone.kind) == (date, precision, kind)
        assert milestone.date_display == display
        assert (milestone.title, milestone.location) == (title, location)
        for name in participants:
            assert name in milestone.participants
    judges = Milestone.objects.get(title__startswith="Memorandum on continuing the judges")
    assert "does not date" in judges.description  # only loosely tied to 2014 by the seed


ACTIVITIES = {
    # title: (partnership, kind, start, precision, end, end precision, when, location, focus)
    "Start of the cooperation on cancer research": (
        "dresden-hangzhou", "research", datetime.date(2010, 1, 1), "month", None, "day",
        "January 2010", "", {"science-research", "health"},
    ),
    "Refurbishing the Chinese Pavilion": (
        "dresden-hangzhou", "expert_mission", datetime.date(2010, 1, 1), "month", None, "day",
        "January 2010", "Dresden",
        {"history-and-modernity", "architecture-engineering", "culture"},
    ),
    "Chinese New Year cultural programme": (
        "dresden-hangzhou", "festival", datetime.date(2010, 2, 1), "month", None, "day",
        "February 2010", "", {"culture"},
    ),
    "3rd International Children’s Choir Festival": (
        "dresden-hangzhou", "festival", datetime.date(2010, 5, 1), "month", None, "day",
        "May 2010", "", {"culture"},
    ),
    "Expert exchanges of the Economic Development Office": (
        "dresden-hangzhou", "exchange", None, "day", None, "day", "", "", {"economy"},
    ),
    "Expert exchanges of the Environment Centre": (
        "dresden-hangzhou", "exchange", None, "day", None, "day", "", "",
        {"environment-climate"},
    ),
    "Engineering students visit Hangzhou": (
        "dresden-hangzhou", "exchange", None, "day", None, "day", "", "Hangzhou",
        {"education", "architecture-engineering"},
    ),
    "Conference of Mayors of Twin Cities": (
        "dresden-hangzhou", "conference", datetime.date(2010, 10, 1), "month", None, "day",
        "October 2010", "Hangzhou", set(),
    ),
    "Continuing-education programmes for judges and civil servants from Beijing": (
        "berlin-beijing", "training", datetime.date(2002, 1, 1), "year",
        datetime.date(2011, 1, 31), "month", "2002 – January 2011", "Berlin",
        {"judiciary", "public-administration", "vocational-education"},
    ),
    "Seminar for judges from Beijing": (
        "berlin-beijing", "seminar", datetime.date(2014, 1, 1), "year", None, "day", "2014",
        "Berlin", {"judiciary"},
    ),
    "Exchange of experience on large-scale events before the 2008 Summer Olympics": (
        "berlin-beijing", "exchange", None, "day", None, "day", "", "",
        {"large-scale-events"},
    ),
    "Berlin Film Fest Week in Beijing": (
        "berlin-beijing", "film", datetime.date(2014, 1, 1), "year", None, "day", "2014",
        "Beijing", {"culture", "creative-industries"},
    ),
    "The 8 of Paths: Art in Beijing": (
        "berlin-beijing", "exhibition", datetime.date(2014, 1, 1), "year", None, "day", "2014",
        "Berlin", {"culture", "creative-industries"},
    ),
    "18 school partnerships between Berlin and Beijing": (
        "berlin-beijing", "school_partnership", None, "day", None, "day", "",
        "Berlin and Beijing", {"student-exchanges", "education"},
    ),
    "Cooperation in vocational and continuing education": (
        "berlin-beijing", "exchange", None, "day", None, "day", "", "",
        {"vocational-education", "education"},
    ),
    "Scientific cooperation projects": (
        "berlin-beijing", "research", None, "day", None, "day", "", "", {"science-research"},
    ),
    "25th anniversary: a series of events and activities": (
        "berlin-beijing", "other", datetime.date(2019, 1, 1), "year", None, "day", "2019", "",
        set(),
    ),
    "Reciprocal delegation visits": (
        "berlin-beijing", "exchange", None, "day", None, "day", "", "",
        {"public-administration"},
    ),
    "Cultural projects on Chinese culture in Germany": (
        "berlin-beijing", "other", None, "day", None, "day", "", "", {"culture"},
    ),
}  # fmt: skip


def test_activities(demo):
    activities = {
        a.title: a
        for a in Activity.objects.select_related("partnership").prefetch_related("focus_areas")
    }
    assert set(activities) == set(ACTIVITIES)
    for title, expected in ACTIVITIES.items():
        a = activities[title]
        slug, kind, start, precision, end, end_precision, when, location, focus = expected
        assert (a.partnership.slug, a.kind) == (slug, kind), title
        assert (a.start_date, a.start_precision, a.end_date, a.end_precision) == (
            start,
            precision,
            end,
            end_precision,
        ), title
        assert a.when_display == when, title
        assert a.location == location, title
        assert {f.slug for f in a.focus_areas.all()} == focus, title


def test_activity_participants_and_descriptions(demo):
    def get(title):
        return Activity.objects.get(title=title)

    assert "Five Chinese experts" in get("Refurbishing the Chinese Pavilion").participants
    assert (
        "International Hygiene Exhibition in 1911"
        in get("Refurbishing the Chinese Pavilion").description
    )
    assert "Artists from Hangzhou" in get("Chinese New Year cultural programme").participants
    assert (
        "Children’s choirs from Dresden and Hangzhou"
        in get("3rd International Children’s Choir Festival").participants
    )
    assert (
        "Engineering Institute of the University of Dresden"
        in get("Engineering students visit Hangzhou").participants
    )
    assert "read as October 2010" in get("Conference of Mayors of Twin Cities").description
    judges = get("Continuing-education programmes for judges and civil servants from Beijing")
    assert "High-level judges and civil servants from Beijing" in judges.participants
    assert "two-week" in judges.description
    schools = get("18 school partnerships between Berlin and Beijing")
    assert "third foreign language at 10 schools" in schools.description
    assert "second foreign language at another school" in schools.description
    assert "contemporary art exhibition" in get("The 8 of Paths: Art in Beijing").description


def test_demo_activities_are_all_in_the_past_or_undated(demo):
    today = timezone.localdate()
    assert not Activity.objects.upcoming(today).exists()
    assert Activity.objects.past(today).first().title == (
        "25th anniversary: a series of events and activities"
    )


def test_plans(demo):
    plans = {
        p.title: (
            p.partnership.slug,
            p.status,
            p.focus_area.slug if p.focus_area else None,
            p.target_year,
            {a.title for a in p.activities.all()},
        )
        for p in Plan.objects.select_related("partnership", "focus_area")
    }
    assert plans == {
        "Active involvement of citizens, associations and institutions in all fields of daily "
        "life": ("dresden-hangzhou", "planned", "civic-involvement", None, set()),
        "Stepped-up cooperation in tourism": ("berlin-beijing", "planned", "tourism", None, set()),
        "Stepped-up cooperation in climate and environmental protection": (
            "berlin-beijing",
            "planned",
            "environment-climate",
            None,
            set(),
        ),
        "Stepped-up cooperation in health": ("berlin-beijing", "planned", "health", None, set()),
        "Stepped-up cooperation in administration": (
            "berlin-beijing",
            "planned",
            "public-administration",
            None,
            set(),
        ),
        "Continue the judges’ seminar and continuing-education programme": (
            "berlin-beijing",
            "in_progress",
            "judiciary",
            None,
            {
                "Continuing-education programmes for judges and civil servants from Beijing",
                "Seminar for judges from Beijing",
            },
        ),
        "Celebrate the 25th anniversary of the city partnership": (
            "berlin-beijing",
            "done",
            None,
            2019,
            {"25th anniversary: a series of events and activities"},
        ),
    }


def test_partnership_key_figures(demo):
    figures = [
        (f.partnership.slug, f.label, f.qualifier, f.value, f.unit, f.year, f.value_display)
        for f in PartnershipFigure.objects.select_related("partnership").order_by("position")
    ]
    assert figures == [
        (
            "berlin-beijing",
            "Partnerships between schools in Berlin and Beijing",
            "exact",
            18,
            "school partnerships",
            None,
            "18 school partnerships",
        ),
        (
            "berlin-beijing",
            "Berlin schools offering Chinese as the third foreign language",
            "exact",
            10,
            "schools",
            None,
            "10 schools",
        ),
        (
            "berlin-beijing",
            "Berlin schools offering Chinese as the second foreign language",
            "exact",
            1,
            "school",
            None,
            "1 school",
        ),
        (
            "berlin-beijing",
            "Length of the continuing-education programmes for judges and civil servants",
            "exact",
            2,
            "weeks",
            None,
            "2 weeks",
        ),
    ]


def test_sources(demo):
    dresden = Source.objects.get(partnership__slug="dresden-hangzhou")
    assert "Europe - China Exchange Platform Survey" in dresden.title
    assert dresden.publisher == "Department of European and International Affairs, City of Dresden"
    assert (dresden.year, dresden.url) == (2011, "")
    berlin = Source.objects.get(partnership__slug="berlin-beijing")
    assert (berlin.title, berlin.publisher) == ("City Partnership Beijing", "State of Berlin")
    assert (berlin.year, berlin.url) == (None, "")  # the seed gives neither: nothing guessed
    assert "Allen Timothy Chang" in berlin.note


# --------------------------------------------------------------------------- the pages


def page_text(client, url):
    """What a visitor reads on the page: tags stripped, entities decoded, spaces collapsed."""
    response = client.get(url)
    assertContains(response, "</html>")
    return " ".join(html.unescape(strip_tags(response.content.decode())).split())


def assert_reads(text, facts):
    missing = [fact for fact in facts if fact not in text]
    assert not missing, f"not on the page: {missing}"


def test_dresden_hangzhou_page(client, demo):
    p = partnership("dresden-hangzhou")
    text = page_text(client, p.get_absolute_url())
    assert_reads(
        text,
        [
            "Dresden",
            "Hangzhou",
            p.established_display,
            "16 October 2009",
            "November 2007",
            "April 2009",
            "Lutz Vogel",
            "Cai Qi",
            "Memorandum of Understanding on friendship and cooperation",
            "January 2010",
            "February 2010",
            "May 2010",
            "October 2010",
            "Chinese Pavilion",
            "3rd International Children’s Choir Festival",
            "Conference of Mayors of Twin Cities",
            "Engineering students visit Hangzhou",
            "Economic Development Office",
            "Environment Centre",
            "History and modernity",
            "Flood protection",
            "Elbe River",
            "external actors",
            "architecture and engineering",
            "all fields of daily life",
            "Europe - China Exchange Platform Survey",
            "Department of European and International Affairs, City of Dresden",
            "2011",
        ],
    )
    for milestone in p.milestones.all():
        assert_reads(text, [milestone.date_display, milestone.title])
    for plan in p.plans.all():
        assert_reads(text, [plan.title, str(plan.progress().label)])  # against what was done
    # A month-precise date never prints a day (a year such as "2011" may stand before it).
    assert not re.search(r"(?<!\d)1 November 2007", text)


def test_berlin_beijing_page(client, demo):
    p = partnership("berlin-beijing")
    text = page_text(client, p.get_absolute_url())
    assert_reads(
        text,
        [
            "Berlin",
            "Beijing",
            "April 1994",
            "5 May 1988",
            "June 2009",
            "2019",
            "2014",
            "2002 – January 2011",
            "Isn’t it a pleasure to meet with friends from afar?",
            "Confucius",
            "Magistrat",
            "Berlin Senate Department for Education, Science and Research",
            "Beijing Education Committee",
            "The 8 of Paths: Art in Beijing",
            "Berlin Film Fest Week in Beijing",
            "Seminar for judges from Beijing",
            "2008 Summer Olympics",
            "18 school partnerships",
            "10 schools",
            "1 school",
            "Judiciary",
            "Public security",
            "Transportation and mobility",
            "Energy and energy efficiency",
            "Creative industries",
            "City Partnership Beijing",
            "State of Berlin",
            "Allen Timothy Chang",
        ],
    )
    for milestone in p.milestones.all():
        assert_reads(text, [milestone.date_display, milestone.title])
    for figure in p.figures.all():
        assert_reads(text, [figure.label, figure.value_display])
    for plan in p.plans.all():
        assert_reads(text, [plan.title, str(plan.progress().label)])  # against what was done
    assert "1 April 1994" not in text


def test_dresden_page(client, demo):
    text = page_text(client, City.objects.get(slug="dresden").get_absolute_url())
    assert_reads(
        text,
        [
            "Dresden",
            "Saxony",
            "513,000",
            "2008",
            "about 780,000",
            "about 780,000 inhabitants",
            "1,150,000 inhabitants",
            "up to 15 %",
            "Region Dresden",
            "debt-free",
            "Hangzhou",
            "16 October 2009",
        ],
    )


def test_hangzhou_page(client, demo):
    text = page_text(client, City.objects.get(slug="hangzhou").get_absolute_url())
    assert_reads(
        text,
        [
            "Hangzhou",
            "Zhejiang",
            "more than 8,000,000 people",
            "8 districts",
            "3 counties",
            "2 counties",
            "Metropolitan counties",
            "Ordinary counties",
            "logistics hub",
            "Dresden",
        ],
    )


def test_beijing_and_berlin_pages(client, demo):
    beijing = page_text(client, City.objects.get(slug="beijing").get_absolute_url())
    assert_reads(beijing, ["Beijing", "Allen Timothy Chang", "Berlin", "April 1994"])
    berlin = page_text(client, City.objects.get(slug="berlin").get_absolute_url())
    assert_reads(berlin, ["Berlin", "Beijing", "April 1994"])


def test_demo_login_creates_an_editor_and_a_publisher_per_demo_city(login_file):
    load_demo()
    output, admin_password = demo_login()
    users = get_user_model().objects.exclude(username="demo-admin")
    assert sorted(users.values_list("username", flat=True)) == sorted(
        f"{city}-{role}"
        for city in ("dresden", "hangzhou", "berlin", "beijing")
        for role in ("editor", "publisher")
    )
    stored = login_file.read_text()
    for user in users:
        [city] = user.assigned_cities.all()
        assert user.username.startswith(city.slug)
        [group] = user.groups.all()
        assert group.name == ("Editor" if user.username.endswith("editor") else "Publisher")
        assert not user.is_superuser and user.is_staff
        password = re.search(rf"^{user.username}: (\S+)$", stored, re.MULTILINE).group(1)
        assert user.check_password(password)
        assert password in output
    assert len({line.split(": ")[1] for line in stored.splitlines()[1:]}) == 9  # all different
    again, _ = demo_login()
    assert "unchanged" in again
