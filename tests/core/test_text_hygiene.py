"""Issue 16: control characters (U+000B from a word processor's soft line break, and the like)
are refused by the admin, the models and `loaddata`, and left out of every output when one is
already stored."""

import csv
import datetime
import io
import json
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import feedparser
import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from icalendar import Calendar
from pytest_django.asserts import assertFormError, assertFormSetError
from reversion.models import Version

from cities.models import City
from core.text_hygiene import (
    ControlCharacterError,
    describe_character,
    dumps_without_control_characters,
    encoded_without_control_characters,
    find_control_character,
    guard_text_fields,
    strip_control_bytes,
    strip_control_characters,
    validate_no_control_characters,
)
from partnerships.models import Activity, Milestone, Partnership
from tests.partnerships.test_history import posted
from tests.translations import in_english
from twinning.management.commands.load_demo import DEMO_FIXTURES
from twinning.middleware import StripControlCharactersMiddleware

pytestmark = pytest.mark.django_db

LANGUAGES = ["en", "de", "zh-hans"]
REFUSED = ["\x00", "\x01", "\x08", "\x0b", "\x0c", "\x0e", "\x1b", "\x1f", "\x7f", "\x80", "\x85"]
REFUSED += ["\x9f", "\ud800", "\udfff"]
# In UTF-8, "€" (E2 82 AC) and "Ā" (C4 80) hold the bytes of C1 controls' second half.
KEPT = "Tab\there, lines\r\nand more – Straße 北京 € Ā"
VT_MESSAGE = (
    "Remove the invisible control character U+000B (vertical tab) at position 10 "
    "(it often comes with text pasted from a word processor)."
)


def refused_in(text):
    return find_control_character(text) is not None


def all_text(data):
    """Every string in decoded JSON, keys included."""
    if isinstance(data, str):
        yield data
    elif isinstance(data, dict):
        for key, value in data.items():
            yield key
            yield from all_text(value)
    elif isinstance(data, list):
        for value in data:
            yield from all_text(value)


# --- The helpers -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("char", "described"),
    [
        ("\x00", "U+0000 (NUL)"),
        ("\x0b", "U+000B (vertical tab)"),
        ("\x0c", "U+000C (form feed)"),
        ("\x7f", "U+007F (delete)"),
        ("\x85", "U+0085"),
        ("\ud800", "U+D800 (lone surrogate)"),
        ("\udfff", "U+DFFF (lone surrogate)"),
    ],
)
def test_characters_are_named_by_code_point_and_name(char, described):
    assert describe_character(char) == described


@pytest.mark.parametrize("char", REFUSED)
def test_every_refused_character_is_found_and_removed(char):
    assert find_control_character(f"ab{char}c") == (char, 3)
    with pytest.raises(ValidationError) as caught:
        validate_no_control_characters(f"ab{char}c")
    assert caught.value.code == "control_character"
    assert f"{describe_character(char)} at position 3" in caught.value.messages[0]
    assert strip_control_characters(f"ab{char}c") == "abc"
    if not "\ud800" <= char <= "\udfff":  # a lone surrogate cannot be encoded at all
        assert strip_control_bytes(f"ab{char}c".encode()) == b"abc"


def test_tab_line_breaks_and_other_scripts_are_kept():
    validate_no_control_characters(KEPT)
    assert strip_control_characters(KEPT) == KEPT
    # Multi-byte characters whose UTF-8 holds the bytes 0x80-0x9F survive a page's cleaning.
    assert strip_control_bytes(KEPT.encode()) == KEPT.encode()
    assert strip_control_bytes("a\x0bb\x85c\x7fd\x00".encode()) == b"abcd"


def test_data_is_cleaned_all_the_way_down():
    data = {"ti\x0btle": ["a\x0b", ("b\x85", 3)], "n": None, "when": datetime.date(2010, 5, 1)}
    assert strip_control_characters(data) == {
        "title": ["a", ["b", 3]],
        "n": None,
        "when": datetime.date(2010, 5, 1),
    }


@pytest.mark.parametrize("ensure_ascii", [False, True])
@pytest.mark.parametrize(
    "text", ["a\x0bb", "a\x08b", "a\x0cb", "a\x7fb", "a\x85b", "a\x1fb", "a\ud800b"]
)
def test_json_is_written_without_them_however_it_escapes_them(text, ensure_ascii):
    def dumps(value):
        return json.dumps(value, ensure_ascii=ensure_ascii)

    written = dumps_without_control_characters(dumps, {"title": text})
    assert json.loads(written) == {"title": "ab"}
    assert encoded_without_control_characters(dumps, {"title": text}) == written.encode()


def test_json_without_them_comes_back_unchanged():
    calls = []

    def dumps(value):
        calls.append(value)
        return json.dumps(value, ensure_ascii=False)

    assert json.loads(dumps_without_control_characters(dumps, {"title": KEPT})) == {"title": KEPT}
    assert len(calls) == 1  # written once
    # A backslash before "f" looks like an escaped form feed: written twice, the same.
    value = {"path": "C:\\new\\folder"}
    assert json.loads(dumps_without_control_characters(dumps, value)) == value
    assert len(calls) == 3
    # As UTF-8, searched in the bytes: the same, written once.
    assert encoded_without_control_characters(dumps, {"title": KEPT}) == (
        json.dumps({"title": KEPT}, ensure_ascii=False).encode()
    )
    assert len(calls) == 4


@pytest.mark.parametrize(
    ("content_type", "cleaned"),
    [
        ("text/html; charset=utf-8", True),
        ("application/atom+xml; charset=utf-8", True),
        ("application/json", True),
        ("image/png", False),  # binary: its bytes are not text
        ("application/octet-stream", False),
        ("text/plain; charset=windows-1252", False),  # C2 85 is "Â…" there
    ],
)
def test_the_middleware_cleans_only_utf8_text(rf, content_type, cleaned):
    body = "a\x0bb\x85c".encode() if "1252" not in content_type else b"a\xc2\x85c"
    middleware = StripControlCharactersMiddleware(
        lambda request: HttpResponse(body, content_type=content_type)
    )
    response = middleware(rf.get("/"))
    assert response.content == (b"abc" if cleaned else body)


# --- Refused at the doors --------------------------------------------------------------------


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def activity_form(activity, **fields):
    data = {
        "partnership": activity.partnership_id,
        "title": activity.title,
        "kind": activity.kind,
        "start_date": "2010-06-01",
        **fields,
    }
    return in_english(Activity, data)


def test_activity_admin_refuses_a_vertical_tab_in_the_title(admin_client, make_partnership):
    activity = make_partnership().activities.create(
        title="Choir concert", kind=Activity.Kind.FESTIVAL
    )
    response = admin_client.post(
        admin_url(Activity, "change", activity.pk),
        activity_form(activity, title="Choir con\x0bcert"),
    )
    assert response.status_code == 200
    assertFormError(response.context["adminform"].form, "title_en", [VT_MESSAGE])
    assert VT_MESSAGE in response.content.decode()
    activity.refresh_from_db()
    assert activity.title == "Choir concert"


def test_activity_admin_refuses_one_in_a_translation(admin_client, make_partnership):
    activity = make_partnership().activities.create(
        title="Choir concert", kind=Activity.Kind.FESTIVAL
    )
    response = admin_client.post(
        admin_url(Activity, "change", activity.pk),
        # In the middle: the form strips whitespace, U+0085 included, from the ends.
        activity_form(activity, title_de="Chor\x85konzert"),
    )
    assertFormError(
        response.context["adminform"].form,
        "title_de",
        [
            "Remove the invisible control character U+0085 at position 5 "
            "(it often comes with text pasted from a word processor)."
        ],
    )


def test_a_nul_gets_djangos_own_message(admin_client, make_partnership):
    activity = make_partnership().activities.create(title="Choir", kind=Activity.Kind.FESTIVAL)
    response = admin_client.post(
        admin_url(Activity, "change", activity.pk), activity_form(activity, title="Ch\x00oir")
    )
    assert (
        "Null characters are not allowed."
        in response.context["adminform"].form.errors["title_en"][0]
    )


def test_partnership_admin_refuses_one_in_an_activity_row(admin_client, make_city):
    data = {
        "city_a": make_city().pk,
        "city_b": make_city(country="CN").pk,
        "kind": Partnership.Kind.TWINNING,
        "status": Partnership.Status.ACTIVE,
        "established": "2009-10-16",
        "slug": "",
        "summary": "Two cities\x0c on one page",
    }
    for prefix in ("milestones", "activities", "plans", "sources", "figures"):
        data.update({f"{prefix}-TOTAL_FORMS": 0, f"{prefix}-INITIAL_FORMS": 0})
    data.update(
        {
            "activities-TOTAL_FORMS": 1,
            "activities-0-title": "Porcelain\x0b exhibition",
            "activities-0-kind": Activity.Kind.EXHIBITION,
        }
    )
    response = admin_client.post(admin_url(Partnership, "add"), in_english(Partnership, data))
    assert response.status_code == 200
    formset = next(
        f for f in response.context["inline_admin_formsets"] if f.formset.prefix == "activities"
    ).formset
    assertFormSetError(formset, 0, "title_en", [VT_MESSAGE])
    assert "U+000C (form feed) at position 11" in str(
        response.context["adminform"].form.errors["summary_en"]
    )
    assert not Partnership.objects.exists()


def test_full_clean_and_save_refuse_them_in_any_column(make_city):
    city = make_city(name="Dresden")
    city.name_de = "Dres\x0bden"
    with pytest.raises(ValidationError) as caught:
        city.full_clean()
    assert list(caught.value.message_dict) == ["name_de"]
    with pytest.raises(ValidationError) as caught:
        city.save()
    assert str(caught.value) == (
        f"cities.City (pk {city.pk}), field name_de: Remove the invisible control character "
        "U+000B (vertical tab) at position 5 (it often comes with text pasted from a word "
        "processor)."
    )
    assert City.objects.get().name_de in ("", None)


def test_saving_other_fields_leaves_an_old_stored_character_alone(make_partnership):
    """A record from before the checks can still be published; its text is cleaned on output
    and refused only when its own field is saved."""
    partnership = make_partnership(state=Partnership.State.DRAFT)
    Partnership.objects.filter(pk=partnership.pk).update(summary_en="Old\x0b text")
    partnership.refresh_from_db()
    partnership.state = Partnership.State.PUBLISHED
    partnership.save(update_fields=["state"])
    with pytest.raises(ValidationError):
        partnership.save(update_fields=["summary_en"])


@pytest.fixture
def demo_fixtures(tmp_path):
    """Copies of the demo fixtures, to spoil one of."""
    folder = Path(settings.FIXTURE_DIRS[0])
    paths = []
    for name in DEMO_FIXTURES:
        paths.append(shutil.copy(folder / f"{name}.json", tmp_path / f"{name}.json"))
    return [Path(path) for path in paths]


def test_the_demo_fixtures_load(demo_fixtures):
    call_command("loaddata", *demo_fixtures, verbosity=0)
    assert Activity.objects.count() > 0


def test_loaddata_refuses_a_fixture_with_one_and_writes_nothing(demo_fixtures):
    path = next(path for path in demo_fixtures if path.stem == "demo_dresden_hangzhou")
    records = json.loads(path.read_text())
    activity = next(r for r in records if r["model"] == "partnerships.activity")
    activity["fields"]["title_de"] = "Beginn der\x0b Krebsforschung"
    path.write_text(json.dumps(records))

    with pytest.raises(ValidationError) as caught:
        call_command("loaddata", *demo_fixtures, verbosity=0)
    message = str(caught.value)
    assert message == (
        f"Problem installing fixture '{path}': partnerships.Activity (pk {activity['pk']}), "
        "field title_de: Remove the invisible control character U+000B (vertical tab) at "
        "position 11 (it often comes with text pasted from a word processor)."
    )
    for model in (City, Partnership, Milestone, Activity):
        assert not model.objects.exists()


def test_load_demo_says_which_record_and_field(demo_fixtures):
    path = next(path for path in demo_fixtures if path.stem == "demo_cities")
    records = json.loads(path.read_text())
    records[0]["fields"]["region"] = "Sax\x7fony"
    path.write_text(json.dumps(records))
    with pytest.raises(CommandError, match=r"cities\.City \(pk \d+\), field region: .*U\+007F"):
        call_command("load_demo", *[f"--fixture={p}" for p in demo_fixtures], verbosity=0)
    assert not City.objects.exists()


# --- Left out of every output ----------------------------------------------------------------

TITLE = "Porcelain\x0b exhibition\x85"
TITLE_DE = "Porzellan\x0bausstellung\x85"
CITY = "Dres\x0bden\x85"


@pytest.fixture
def stored(make_city, make_focus_area, make_partnership, make_activity, make_milestone):
    """A published partnership whose activity title and city name hold U+000B and U+0085,
    written past every check (as text stored before them would be)."""
    today = timezone.localdate()
    soon = today + datetime.timedelta(days=30)
    topic = make_focus_area(name="Culture", slug="culture")
    dresden = make_city(name="Dresden", slug="dresden")
    hangzhou = make_city(name="Hangzhou", slug="hangzhou", country="CN", region="Zhejiang")
    # Ten years old within the year: in the anniversary feed too.
    established = soon.replace(year=soon.year - 10, day=min(soon.day, 28))
    pair = make_partnership(
        city_a=dresden,
        city_b=hangzhou,
        slug="dresden-hangzhou",
        established=established,
        focus_areas=[topic],
    )
    activity = make_activity(
        pair, title="Porcelain exhibition", start_date=soon, focus_areas=[topic]
    )
    make_milestone(pair, title="Agreement signed", date=datetime.date(2009, 10, 16))
    Activity.objects.filter(pk=activity.pk).update(title_en=TITLE, title_de=TITLE_DE)
    City.objects.filter(pk=dresden.pk).update(name_en=CITY)
    # A cell that would become a formula once the character is gone.
    City.objects.filter(pk=hangzhou.pk).update(region_en="\x0b=1+1")
    return pair


def url_in(language, name, *args):
    with translation.override(language):
        return reverse(name, args=args)


def get_clean(client, url):
    """The answer, 200 and without any refused character, as text."""
    response = client.get(url)
    assert response.status_code == 200, url
    content = (
        b"".join(response.streaming_content) if response.streaming else response.content
    ).decode()
    assert not refused_in(content), url
    return response, content


FEEDS = [
    ("site", ()),
    ("partnership", ("dresden-hangzhou",)),
    ("city", ("dresden",)),
    ("topic", ("culture",)),
    ("anniversary", ()),
]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("fmt", ["atom", "rss"])
@pytest.mark.parametrize(("scope", "args"), FEEDS)
def test_feeds_answer_in_every_language(client, stored, language, fmt, scope, args):
    _response, content = get_clean(client, url_in(language, f"{scope}_feed_{fmt}", *args))
    parsed = feedparser.parse(content)
    assert not parsed.bozo, parsed.get("bozo_exception")
    text = " ".join(entry.title for entry in parsed.entries) + parsed.feed.title
    if scope != "anniversary":
        title = "Porzellanausstellung" if language == "de" else "Porcelain exhibition"
        assert title in text
    assert "Dresden – Hangzhou" in text


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    ("name", "args"),
    [
        ("site_calendar", ()),
        ("partnership_calendar", ("dresden-hangzhou",)),
        ("city_calendar", ("dresden",)),
    ],
)
def test_calendars_answer_in_every_language(client, stored, language, name, args):
    _response, content = get_clean(client, url_in(language, name, *args))
    (event,) = Calendar.from_ical(content).walk("VEVENT")
    title = "Porzellanausstellung" if language == "de" else "Porcelain exhibition"
    assert str(event["SUMMARY"]).startswith(title)
    assert "Dresden – Hangzhou" in str(event["DESCRIPTION"])


def test_sitemaps_answer(client, stored):
    _response, index = get_clean(client, reverse("sitemap"))
    sections = re.findall(r"<loc>http://testserver(/[^<]+)</loc>", index)
    assert sections
    for section in sections:
        _response, content = get_clean(client, section)
        ET.fromstring(content)  # noqa: S314 - our own output, in a test


@pytest.mark.parametrize("fmt", ["json", "geojson"])
def test_json_list_exports(client, stored, fmt):
    _response, content = get_clean(client, f"{reverse('partnership_export')}?format={fmt}")
    data = json.loads(content)
    assert not any(refused_in(text) for text in all_text(data))
    items = data["partnerships"] if fmt == "json" else data["features"]
    (item,) = items
    title = item["title"] if fmt == "json" else item["properties"]["title"]
    assert title == "Dresden – Hangzhou"


def test_csv_export(client, stored):
    _response, content = get_clean(client, f"{reverse('partnership_export')}?format=csv")
    (row,) = csv.DictReader(io.StringIO(content.removeprefix("\ufeff")))
    assert row["title"] == "Dresden – Hangzhou"
    assert row["city_a_name"] == "Dresden"
    # Cleaned before the spreadsheet guard: it still sees the formula.
    assert row["city_b_region"] == "'=1+1"


@pytest.mark.parametrize(
    ("name", "slug"), [("partnership_data", "dresden-hangzhou"), ("city_data", "dresden")]
)
def test_json_documents(client, stored, name, slug):
    _response, content = get_clean(client, reverse(name, args=[slug]))
    data = json.loads(content)
    assert not any(refused_in(text) for text in all_text(data))
    assert data["name" if name == "city_data" else "title"].startswith("Dresden")
    if name == "partnership_data":
        assert [a["title"] for a in data["activities"]] == ["Porcelain exhibition"]


PAGES = [
    ("partnership_detail", ("dresden-hangzhou",)),
    ("city_detail", ("dresden",)),
    ("activity_list", ()),
    ("topic_detail", ("culture",)),
    ("home", ()),
    ("partnership_list", ()),
    ("city_list", ()),
]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("name", "args"), PAGES)
def test_pages_and_their_structured_data(client, stored, language, name, args):
    response, content = get_clean(client, url_in(language, name, *args))
    assert response["Content-Length"] == str(len(response.content))
    assert "Dresden" in content
    if name not in ("city_detail", "city_list", "partnership_list"):  # without activities
        assert ("Porzellanausstellung" if language == "de" else "Porcelain exhibition") in content
    for script in re.findall(r'<script type="application/ld\+json">(.*?)</script>', content):
        assert not any(refused_in(text) for text in all_text(json.loads(script)))


def test_admin_pages_answer(admin_client, stored):
    activity = Activity.objects.get()
    _response, content = get_clean(admin_client, admin_url(Activity, "change", activity.pk))
    assert "Porcelain exhibition" in content
    get_clean(admin_client, admin_url(Activity, "changelist"))
    get_clean(admin_client, admin_url(City, "changelist"))


def test_a_version_from_before_the_checks_can_be_restored(admin_client, make_partnership):
    """The history keeps a record as it was, control characters and all; restoring that
    version restores its text without them."""
    partnership = make_partnership(summary="Two cities.")
    Partnership.objects.filter(pk=partnership.pk).update(summary_en="Two\x0b cities.")
    change_url = admin_url(Partnership, "change", partnership.pk)
    page = admin_client.get(change_url)
    assert "Two cities." in page.content.decode()  # shown without it, and saved so
    form = strip_control_characters(posted(page))
    response = admin_client.post(change_url, {**form, "summary_en": "Rewritten."})
    assert response.status_code == 302
    baseline = Version.objects.get_for_object(partnership).last()
    assert "\\u000b" in baseline.serialized_data

    revision_url = admin_url(Partnership, "revision", partnership.pk, baseline.pk)
    page = admin_client.get(revision_url)
    response = admin_client.post(revision_url, strip_control_characters(posted(page)))
    assert response.status_code == 302
    partnership.refresh_from_db()
    assert partnership.summary_en == "Two cities."


def test_a_model_an_app_guards_refuses_control_characters_in_forms_and_saves():
    """Exercised directly (the apps guard theirs before any test runs): auth.Group stands in
    for a model of a new app."""
    from django.contrib.auth.models import Group, Permission
    from django.db.models.signals import pre_save

    name = Group._meta.get_field("name")
    guard_text_fields(Group)
    guard_text_fields(Group)  # a second registration changes nothing
    try:
        assert name.validators.count(validate_no_control_characters) == 1
        with pytest.raises(ValidationError) as refused:
            Group(name="Editors\x0bDresden").full_clean()
        assert "U+000B" in str(refused.value.message_dict["name"])
        with pytest.raises(
            ControlCharacterError, match=r"auth\.Group .*field name.*U\+000B"
        ) as saved:
            Group.objects.create(name="Editors\x0bDresden")
        # The same code whichever door refused it, for code that tells errors apart.
        assert saved.value.code == refused.value.error_dict["name"][0].code == "control_character"
        # Only the guarded model's saves are checked.
        permission = Permission.objects.first()
        permission.name += "\x0b"
        permission.save()
    finally:
        name.validators.remove(validate_no_control_characters)
        pre_save.disconnect(sender=Group, dispatch_uid="text-hygiene-auth.Group")
    # Removed under the names they were registered with, both doors are open again.
    Group(name="Editors\x0bDresden").full_clean()
    assert Group.objects.create(name="Editors\x0bDresden").pk
