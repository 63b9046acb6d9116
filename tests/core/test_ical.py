"""core.ical writes content lines itself; icalendar (pinned) is the reference it must match and
the parser that must read its output back."""

import datetime

import pytest
from icalendar import TRANSP, Calendar, Event, vText
from icalendar.parser import Contentline

from core import ical

TRICKY = [
    "plain",
    "",
    "a, b; c",
    "back\\slash",
    "line\nbreak",
    "crlf\r\nbreak",
    "lone\rreturn",
    "literal \\N and \\n",
    "caret ^ and ^^",
    "Zürich – 上海 · 🎉",
    "all; of, them\\N\r\n\r\\ at once",
    "cr before \\N: \r\\N",
]


@pytest.mark.parametrize("text", TRICKY)
def test_text_is_escaped_as_icalendar_escapes_it(text):
    assert ical.escape_text(text) == vText(text).to_ical().decode()


def lines_around_the_fold():
    """Content lines of up to 300 octets, with characters of 1 to 4 octets, backslash escapes
    and carets at every offset around the first fold, and more folds after it."""
    fillers = ["x", "é", "中", "🎉"]
    inserts = ["", "\\,", "\\\\", "\\n", "^", "é", "中", "🎉"]
    for count in (0, 1, 2, 30, 60):
        for filler in fillers:
            for insert in inserts:
                for at in range(50, 80):
                    yield "DESCRIPTION:" + "x" * at + insert + filler * count


def test_lines_are_folded_as_icalendar_folds_them():
    for line in lines_around_the_fold():
        assert ical.fold(line).encode() == Contentline(line).to_ical(), line


def test_folding_never_splits_a_character_and_unfolds_to_the_line():
    for line in lines_around_the_fold():
        folded = ical.fold(line).encode()
        physical = folded.split(b"\r\n")
        assert all(len(piece) <= ical.FOLD_AT for piece in physical)
        assert all(piece.startswith(b" ") for piece in physical[1:])
        # Each piece is whole UTF-8 on its own (decode() fails on a character cut in two).
        pieces = [piece.decode() for piece in physical]
        assert pieces[0] + "".join(piece[1:] for piece in pieces[1:]) == line


def test_short_lines_are_only_encoded():
    line = "SUMMARY:" + "é" * 33  # 74 octets: the longest unfolded line
    assert ical.fold(line) == line
    assert "\r\n " in ical.fold(line + "x")


def test_values():
    assert ical.date_value(datetime.date(987, 6, 5)) == "09870605"
    moment = datetime.datetime(
        2026, 12, 7, 5, 4, 3, tzinfo=datetime.timezone(datetime.timedelta(hours=1))
    )
    assert ical.utc_value(moment) == "20261207T040403Z"


def written_event(summary, description, location, stamp):
    return "".join(
        [
            "BEGIN:VEVENT\r\n",
            ical.text_line("SUMMARY", summary),
            f"DTSTART;VALUE=DATE:{ical.date_value(datetime.date(2027, 5, 1))}\r\n",
            f"DTEND;VALUE=DATE:{ical.date_value(datetime.date(2027, 6, 1))}\r\n",
            ical.line("DTSTAMP", ical.utc_value(stamp)),
            ical.text_line("UID", "activity-7@example.org"),
            ical.text_line("CATEGORIES", "Festival, Fair"),
            ical.text_line("DESCRIPTION", description),
            ical.text_line("LOCATION", location),
            ical.line("TRANSP", "TRANSPARENT"),
            ical.line("URL", "https://example.org/en/partnerships/a-b/"),
            "END:VEVENT\r\n",
        ]
    ).encode()


@pytest.mark.parametrize(
    "summary, description, location",
    [
        ("Choir concert", "One line", "Kulturpalast"),
        ("Konzert; Chor, Orgel \\ Bass", "Zeile 1\nZeile 2\r\nZeile 3", "Saal 1, 2. Stock"),
        # Long non-ASCII lines: folded on octet boundaries, never inside a character.
        ("上海" * 40, "Zürich – Köln · 🎉 " * 30, "Пётр " * 20),
    ],
)
def test_events_are_what_icalendar_writes_and_parse_back(summary, description, location):
    stamp = datetime.datetime(2026, 12, 7, 4, 0, 5, tzinfo=datetime.UTC)
    written = written_event(summary, description, location, stamp)
    expected = Event.new(
        uid="activity-7@example.org",
        stamp=stamp,
        start=datetime.date(2027, 5, 1),
        end=datetime.date(2027, 6, 1),
        summary=summary,
        description=description,
        location=location,
        categories=["Festival, Fair"],
        url="https://example.org/en/partnerships/a-b/",
        transparency=TRANSP.TRANSPARENT,
    )
    assert written == expected.to_ical()
    assert all(len(line) <= ical.FOLD_AT for line in written.split(b"\r\n"))
    calendar = Calendar.from_ical(
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n" + written + b"END:VCALENDAR\r\n"
    )
    (event,) = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == summary
    # icalendar reads each escaped line break back as "\n".
    assert str(event["DESCRIPTION"]) == description.replace("\r\n", "\n")
    assert str(event["LOCATION"]) == location
    assert event.decoded("DTSTART") == datetime.date(2027, 5, 1)
    assert event.decoded("DTSTAMP") == stamp
    assert [str(c) for c in event["CATEGORIES"].cats] == ["Festival, Fair"]
