"""iCalendar feeds of upcoming activities, parsed with icalendar."""

import datetime

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from icalendar import TRANSP, Calendar, Event

from cities.models import City
from core.dates import period_end, truncate
from partnerships.models import Activity, Partnership
from partnerships.opendata import calendars

pytestmark = pytest.mark.django_db

DAY = datetime.timedelta(days=1)


def first_of_next_month(date):
    return period_end(date, "month") + DAY


@pytest.fixture
def world(make_city, make_partnership, make_activity):
    """Dresden–Hangzhou with upcoming activities at every precision, a past and an undated
    one; a draft Ulm–Dresden whose upcoming activity must never show."""
    today = timezone.localdate()
    month_start = first_of_next_month(first_of_next_month(today))  # at least a month ahead
    next_year = datetime.date(today.year + 1, 1, 1)
    dresden = make_city(name="Dresden", slug="dresden")
    pair = make_partnership(
        city_a=dresden, city_b=make_city(name="Hangzhou", country="CN"), slug="dresden-hangzhou"
    )
    draft = make_partnership(
        city_a=make_city(name="Ulm", slug="ulm"), city_b=dresden, state=Partnership.State.DRAFT
    )
    return {
        "today": today,
        "pair": pair,
        "day": make_activity(
            pair,
            title="Choir concert",
            kind=Activity.Kind.FESTIVAL,
            start_date=today + 10 * DAY,
            location="Kulturpalast",
            description="**Bold** singing <script>alert(1)</script>",
        ),
        "month": make_activity(
            pair, title="Porcelain exhibition", start_date=month_start, start_precision="month"
        ),
        "year": make_activity(
            pair, title="Flood research", start_date=next_year, start_precision="year"
        ),
        "span": make_activity(
            pair,
            title="Student exchange",
            start_date=today + 3 * DAY,
            end_date=month_start,
            end_precision="month",
        ),
        "ongoing_since_last_year": make_activity(
            pair,
            title="Long project",
            start_date=datetime.date(today.year - 1, 1, 1),
            start_precision="year",
            end_date=datetime.date(today.year, 12, 31),
            end_precision="year",
        ),
        "past": make_activity(pair, title="Old visit", start_date=today - 400 * DAY),
        "undated": make_activity(pair, title="Ongoing cooperation", start_date=None),
        "secret": make_activity(draft, title="Secret meeting", start_date=today + 5 * DAY),
        "month_start": month_start,
        "next_year": next_year,
    }


def fetch(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    raw = response.content.decode()
    assert raw.startswith("BEGIN:VCALENDAR\r\n") and raw.endswith("END:VCALENDAR\r\n")
    calendar = Calendar.from_ical(response.content)
    assert calendar["VERSION"] == "2.0"
    assert calendar["PRODID"] == calendars.PRODID
    # RFC 5545, section 3.6: at least one component, events or not. icalendar reads an empty
    # VCALENDAR without complaint, so this is checked here: one VTIMEZONE, the site's zone.
    assert calendar.subcomponents
    (zone,) = calendar.walk("VTIMEZONE")
    assert str(zone["TZID"]) == settings.TIME_ZONE
    assert zone.walk("STANDARD")  # a zone needs at least one STANDARD or DAYLIGHT (3.6.5)
    assert {component.name for component in calendar.subcomponents} <= {"VTIMEZONE", "VEVENT"}
    events = calendar.walk("VEVENT")
    uids = [str(event["UID"]) for event in events]
    assert len(uids) == len(set(uids)), "UIDs must be unique"
    for event in events:
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        # All-day: DATE values, never date-times.
        assert type(start) is datetime.date and type(end) is datetime.date
        assert event["DTSTART"].params.get("VALUE") == "DATE"
        assert end > start  # DTEND is exclusive
        stamp = event.decoded("DTSTAMP")
        assert isinstance(stamp, datetime.datetime) and stamp.utcoffset() == datetime.timedelta(0)
        # Following an activity, often a month or a year long, must not make anyone busy.
        assert str(event["TRANSP"]) == "TRANSPARENT"
    if events:
        assert "DTSTART;VALUE=DATE:" in raw
        assert raw.count("\r\nTRANSP:TRANSPARENT\r\n") == len(events)
    return calendar, {
        str(event["SUMMARY"]).split(" (")[0].split(" · ")[0]: event for event in events
    }


@pytest.mark.parametrize(
    "url",
    [
        "/en/calendar.ics",
        "/en/partnerships/dresden-hangzhou/calendar.ics",
        "/en/cities/dresden/calendar.ics",
    ],
)
def test_calendars_hold_the_upcoming_published_dated_activities(client, world, url):
    _calendar, events = fetch(client, url)
    assert set(events) == {
        "Choir concert",
        "Porcelain exhibition",
        "Flood research",
        "Student exchange",
        "Long project",
    }


def test_each_precision_becomes_an_all_day_range(client, world):
    calendar, events = fetch(client, reverse("partnership_calendar", args=["dresden-hangzhou"]))
    today, month_start, next_year = world["today"], world["month_start"], world["next_year"]

    day = events["Choir concert"]
    assert day.decoded("DTSTART") == today + 10 * DAY
    assert day.decoded("DTEND") == today + 11 * DAY
    assert str(day["SUMMARY"]) == "Choir concert"  # precise: no note on the date

    month = events["Porcelain exhibition"]
    assert month.decoded("DTSTART") == month_start
    assert month.decoded("DTEND") == first_of_next_month(month_start)
    assert str(month["SUMMARY"]) == f"Porcelain exhibition (date: {month_start:%B %Y})"

    year = events["Flood research"]
    assert year.decoded("DTSTART") == next_year
    assert year.decoded("DTEND") == datetime.date(next_year.year + 1, 1, 1)
    assert str(year["SUMMARY"]) == f"Flood research (date: {next_year.year})"

    span = events["Student exchange"]
    assert span.decoded("DTSTART") == today + 3 * DAY
    assert span.decoded("DTEND") == first_of_next_month(month_start)
    start = today + 3 * DAY
    assert str(span["SUMMARY"]) == (
        f"Student exchange (dates: {start.day} {start:%B %Y} – {month_start:%B %Y})"
    )

    assert events["Long project"].decoded("DTEND") == datetime.date(today.year + 1, 1, 1)


def test_calendar_and_event_properties(client, world):
    calendar, events = fetch(client, reverse("partnership_calendar", args=["dresden-hangzhou"]))
    assert str(calendar["X-WR-CALNAME"]) == "Dresden – Hangzhou: upcoming activities"
    assert calendar.decoded("REFRESH-INTERVAL") == datetime.timedelta(days=1)
    raw = client.get(reverse("partnership_calendar", args=["dresden-hangzhou"])).content.decode()
    # RFC 7986 requires VALUE=DURATION; Outlook's twin is a duration too, not "1 day, 0:00:00".
    assert "\r\nREFRESH-INTERVAL;VALUE=DURATION:P1D\r\n" in raw
    assert "\r\nX-PUBLISHED-TTL:P1D\r\n" in raw
    concert = events["Choir concert"]
    assert str(concert["UID"]) == f"activity-{world['day'].pk}@testserver"
    assert str(concert["LOCATION"]) == "Kulturpalast"
    assert str(concert["URL"]) == "http://testserver/en/partnerships/dresden-hangzhou/"
    description = str(concert["DESCRIPTION"])
    # Markdown as plain text, sanitised: no markup, no script.
    assert "Bold singing" in description
    assert "**" not in description and "<" not in description and "alert" not in description
    assert "Festival" in description and "Dresden – Hangzhou" in description


def test_descriptions_are_plain_text_with_entities_decoded(client, world, make_activity):
    make_activity(
        world["pair"], title="Talk", start_date=world["today"] + 2 * DAY, description="A & B <c>"
    )
    _calendar, events = fetch(client, "/en/partnerships/dresden-hangzhou/calendar.ics")
    description = str(events["Talk"]["DESCRIPTION"])
    assert "\nA & B\n" in description
    assert "&amp;" not in description and "<c>" not in description


def test_events_are_what_icalendar_would_make_of_the_same_values(rf, world):
    """EventWriter writes each event's lines itself (core/ical.py, for speed): the same event,
    byte for byte, as Event.new() makes of the same values."""
    stamp = timezone.now().replace(microsecond=0)
    writer = calendars.EventWriter(rf.get("/"), "testserver", stamp, with_partnership=True)
    activities = Activity.objects.filter(pk=world["day"].pk)
    (row,) = calendars.event_rows(activities, world["today"])
    page = "http://testserver/en/partnerships/dresden-hangzhou/"
    start = world["day"].start_date
    description = "\n".join(
        [
            f"{world['day'].when_display} · Festival",
            "Dresden – Hangzhou",
            "Where: Kulturpalast",
            "",
            "Bold singing",
            "",
            page,
        ]
    )
    expected = Event.new(
        uid=f"activity-{world['day'].pk}@testserver",
        stamp=stamp,
        start=start,
        end=start + DAY,
        summary="Choir concert · Dresden – Hangzhou",
        description=description,
        location="Kulturpalast",
        categories=["Festival"],
        url=page,
        transparency=TRANSP.TRANSPARENT,
    )
    assert writer.event(row).encode() == expected.to_ical()


def test_long_texts_in_any_script_are_folded_and_read_back_whole(client, world, make_activity):
    title = "Partnerschaftsfest – 友好城市节 – Fête du jumelage; ça, c'est \\ tout " * 3
    description = "Ein sehr langer Text über Zürich, Köln und 上海 🎉 " * 20
    make_activity(
        world["pair"],
        title=title,
        start_date=world["today"] + 4 * DAY,
        location="Kulturpalast, Saal 3; " * 6,
        description=description,
    )
    response = client.get("/en/partnerships/dresden-hangzhou/calendar.ics")
    physical = response.content.split(b"\r\n")
    # Folded at 75 octets at most, each line whole UTF-8: no character split by a fold.
    assert all(len(line) <= 75 for line in physical)
    assert [line.decode() for line in physical]
    assert any(line.startswith(b" ") for line in physical)
    _calendar, events = fetch(client, "/en/partnerships/dresden-hangzhou/calendar.ics")
    event = events[title.split(" (")[0].split(" · ")[0]]
    assert str(event["SUMMARY"]) == title
    assert str(event["LOCATION"]) == "Kulturpalast, Saal 3; " * 6
    # Markdown as plain text: the same words, whitespace collapsed.
    assert description.strip() in str(event["DESCRIPTION"])


def test_texts_are_in_the_calendars_language_else_the_original(client, world):
    """A translation where there is one, else the English, as on the pages."""
    Activity.objects.filter(pk=world["day"].pk).update(
        title_de="Chorkonzert", location_de="", description_de="**Fetter** Gesang"
    )
    City.objects.filter(name_en="Hangzhou").update(name_de="Hangzhou (Zhejiang)")
    _calendar, events = fetch(client, "/de/partnerships/dresden-hangzhou/calendar.ics")
    concert = events["Chorkonzert"]
    assert str(concert["LOCATION"]) == "Kulturpalast"  # no German: the English
    description = str(concert["DESCRIPTION"])
    assert "Fetter Gesang" in description and "Dresden – Hangzhou (Zhejiang)" in description
    assert "Porcelain exhibition" in events  # not translated: the English title
    assert str(concert["URL"]) == "http://testserver/de/partnerships/dresden-hangzhou/"


@pytest.mark.parametrize("size", [73, 74, 75, 76, 150])
def test_calendars_are_folded_as_icalendar_folds_them(size):
    """serialised() leaves lines too short to fold to icalendar's folding unasked: the same
    bytes as to_ical() for lines of `size` octets, with multi-byte characters and an escape
    at the fold's edge."""
    room = size - len("SUMMARY:")
    calendar = Calendar()
    for text in ("x" * room, "é" * (room // 2) + "x" * (room % 2), "x" * (room - 2) + ","):
        event = Event()
        event.add("SUMMARY", text)
        event.add("DESCRIPTION", f"{text}\n{text}")
        calendar.add_component(event)
    assert calendars.serialised(calendar) == calendar.to_ical()


def test_site_and_city_calendars_name_the_partnership(client, world):
    for url in ("/en/calendar.ics", "/en/cities/dresden/calendar.ics"):
        _calendar, events = fetch(client, url)
        assert str(events["Choir concert"]["SUMMARY"]) == "Choir concert · Dresden – Hangzhou"
    calendar, _events = fetch(client, "/en/cities/dresden/calendar.ics")
    assert str(calendar["X-WR-CALNAME"]) == "Dresden: upcoming partnership activities"


def test_a_city_named_on_two_lines_still_has_a_calendar(client, world):
    # Names come from imports and the admin; a line break in one must not break the calendar.
    City.objects.filter(slug="dresden").update(name="Dresden\r\nAltstadt")
    calendar, events = fetch(client, "/en/cities/dresden/calendar.ics")
    assert str(calendar["X-WR-CALNAME"]) == "Dresden Altstadt: upcoming partnership activities"
    assert "Choir concert" in events


def test_uids_are_stable_across_renames(client, world):
    url = "/en/calendar.ics"
    before = {str(e["UID"]) for e in fetch(client, url)[0].walk("VEVENT")}
    Partnership.objects.filter(pk=world["pair"].pk).update(slug="renamed")
    Activity.objects.filter(pk=world["day"].pk).update(title="Renamed concert")
    after = {str(e["UID"]) for e in fetch(client, url)[0].walk("VEVENT")}
    assert before == after


def test_city_calendar_covers_the_city_on_either_side(client, world, make_partnership):
    other = make_partnership(city_b=world["pair"].city_a, slug="other-dresden")
    Activity.objects.create(
        partnership=other, title="Harbour days", kind="festival", start_date=world["today"]
    )
    _calendar, events = fetch(client, "/en/cities/dresden/calendar.ics")
    assert "Harbour days" in events
    _calendar, events = fetch(client, "/en/partnerships/dresden-hangzhou/calendar.ics")
    assert "Harbour days" not in events


def test_events_come_soonest_first_and_are_bounded(client, make_partnership, monkeypatch):
    monkeypatch.setattr(calendars, "CALENDAR_SIZE", 5)
    pair = make_partnership(slug="busy")
    today = timezone.localdate()
    Activity.objects.bulk_create(
        Activity(partnership=pair, title=f"Event {i}", kind="exchange", start_date=today + i * DAY)
        for i in (7, 3, 9, 1, 5, 2, 8, 4)
    )
    calendar, _events = fetch(client, "/en/partnerships/busy/calendar.ics")
    assert [str(e["SUMMARY"]) for e in calendar.walk("VEVENT")] == [
        f"Event {i}" for i in (1, 2, 3, 4, 5)
    ]


@pytest.mark.parametrize(
    "url",
    [
        "/en/partnerships/no-such-thing/calendar.ics",
        "/en/cities/no-such-thing/calendar.ics",
        "/en/cities/ulm/calendar.ics",  # only a draft partnership: no public page, no calendar
    ],
)
def test_unknown_or_unpublished_answer_404(client, world, url):
    assert client.get(url).status_code == 404


def test_a_draft_partnership_has_no_calendar(client, world):
    draft = Partnership.objects.get(state=Partnership.State.DRAFT)
    assert client.get(f"/en/partnerships/{draft.slug}/calendar.ics").status_code == 404


def test_calendars_only_answer_get_and_head(client, world):
    assert client.post("/en/calendar.ics").status_code == 405
    assert client.head("/en/calendar.ics").status_code == 200


def test_an_empty_calendar_is_still_valid(client, make_partnership):
    make_partnership(slug="quiet")
    calendar, events = fetch(client, "/en/partnerships/quiet/calendar.ics")
    assert events == {}
    assert str(calendar["X-WR-CALNAME"]).endswith(": upcoming activities")
    # The one component (fetch checks it is the site's time zone): nothing made up.
    assert [component.name for component in calendar.subcomponents] == ["VTIMEZONE"]
    raw = client.get("/en/partnerships/quiet/calendar.ics").content.decode()
    assert "BEGIN:VEVENT" not in raw


def test_a_calendar_whose_last_event_has_passed_stays_a_calendar(
    client, make_partnership, make_activity
):
    """Subscribers keep their subscription: no 404 once nothing is upcoming."""
    pair = make_partnership(slug="quiet")
    today = timezone.localdate()
    make_activity(pair, title="Last concert", start_date=today + 2 * DAY)
    url = "/en/partnerships/quiet/calendar.ics"
    _calendar, events = fetch(client, url)
    assert list(events) == ["Last concert"]
    cache.clear()  # the page cache keeps a page for its day; this is another day
    later = datetime.datetime.combine(today + 5 * DAY, datetime.time(12), tzinfo=datetime.UTC)
    with time_machine.travel(later, tick=False):
        calendar, events = fetch(client, url)
    assert events == {}
    assert [component.name for component in calendar.subcomponents] == ["VTIMEZONE"]


# Query counts: a fixed number, however much there is.

MAX_QUERIES = {
    "site_calendar": 1,  # upcoming activities with their partnerships and cities
    "partnership_calendar": 2,  # the partnership, its upcoming activities
    "city_calendar": 2,  # the city, the upcoming activities of its partnerships
}


def build(size):
    """`size` published partnerships around one hub city, each with `size` activities around
    today at every precision, and a draft with upcoming activities."""
    today = timezone.localdate()
    cities = City.objects.bulk_create(
        City(name=f"City {i}", slug=f"city-{i}", country="DE", latitude=50, longitude=10)
        for i in range(size + 2)
    )
    partnerships = Partnership.objects.bulk_create(
        Partnership(
            slug=f"p-{i}",
            city_a=cities[0],
            city_b=cities[i],
            state="published" if i <= size else "draft",
        )
        for i in range(1, size + 2)
    )
    precisions = ["day", "month", "year"]
    Activity.objects.bulk_create(
        Activity(
            partnership=partnership,
            title=f"Activity {i}",
            kind=Activity.Kind.EXCHANGE,
            # Stored as the first day of its period, as Activity.save() would.
            start_date=None if i % 4 == 3 else truncate(today + (i - size // 2) * DAY, precision),
            start_precision=precision,
        )
        for partnership in partnerships
        for i in range(size)
        for precision in [precisions[i % 3]]
    )
    return {"site_calendar": [], "partnership_calendar": ["p-1"], "city_calendar": ["city-0"]}


@pytest.mark.parametrize("size", [1, 40], ids=["small", "large"])
@pytest.mark.parametrize("name", sorted(MAX_QUERIES))
def test_calendar_query_count_does_not_grow(client, django_assert_max_num_queries, name, size):
    url = reverse(name, args=build(size)[name])
    with django_assert_max_num_queries(MAX_QUERIES[name]):
        response = client.get(url)
    assert response.status_code == 200
    events = Calendar.from_ical(response.content).walk("VEVENT")
    assert events, "the data must reach the calendar for the count to mean anything"


def test_the_site_calendar_shows_an_edit_on_the_next_request(client, world):
    """Its query is built and compiled once per language and day (calendars._site_event_rows),
    never its rows: each request runs it."""
    _calendar, events = fetch(client, "/en/calendar.ics")
    assert "Choir concert" in events
    Activity.objects.filter(pk=world["day"].pk).update(title_en="Organ recital")
    _calendar, events = fetch(client, "/en/calendar.ics")
    assert "Organ recital" in events and "Choir concert" not in events
