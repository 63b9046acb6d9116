"""iCalendar feeds of upcoming activities, for calendar apps to subscribe to.

Every event is all-day (DATE values): a day-precise activity on its day; a month- or
year-precise one over the whole month or year, and then its summary says how precise the date
is, so no calendar shows "1 May" for an activity known only as "May 2010". DTEND is exclusive
(RFC 5545): the day after the activity's last day. Undated activities are not upcoming and
so never appear. Every event is TRANSP:TRANSPARENT: an activity a subscriber follows, often a
month or a year long, must not mark them busy.

Every calendar holds one VTIMEZONE, the site's time zone (TIME_ZONE), even with no event:
RFC 5545 (section 3.6) requires at least one component in a VCALENDAR, and a subscribed
calendar must stay a calendar when its last event has passed (a 404 would break the
subscription). The zone is a true statement, not filler: it is where the calendar's days begin
and end, so where "upcoming" is decided. The events are all-day DATE values, which need no
TZID, so no event refers to it, which RFC 5545 allows.
"""

import datetime
import functools

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from icalendar import Calendar, Timezone, vDuration

from core import ical
from core.addresses import SLUG_MARKER, slug_address
from core.choices import choice_label
from core.compiled_rows import CompiledRows
from core.dates import DatePrecision
from core.markdown import markdown_to_text
from core.text_hygiene import strip_control_bytes
from core.translated import translated

from ..models import Activity, Partnership
from ..models.records import when_display
from .feeds import public_city, site_domain

CALENDAR_SIZE = 500
PRODID = "-//Twinning//Upcoming activities//EN"
# How often subscribers should fetch again (RFC 7986 REFRESH-INTERVAL; Outlook's own name).
REFRESH = datetime.timedelta(days=1)
DAY = datetime.timedelta(days=1)


@functools.lru_cache(maxsize=4)
def site_timezone(tzid, year):
    """The site's time zone as a VTIMEZONE, written out, its rules from the start of `year` to
    the end of the next (computing them takes time: once per year and zone)."""
    zone = Timezone.from_tzid(
        tzid, first_date=datetime.date(year, 1, 1), last_date=datetime.date(year + 2, 1, 1)
    )
    return serialised(zone)


def is_precise(start_precision, end_date, end_precision):
    day = DatePrecision.DAY
    return start_precision == day and (end_date is None or end_precision == day)


def event_rows(activities, today):
    """The CALENDAR_SIZE soonest of `activities` that have not ended, as tuples of what an
    event shows (EventWriter.event), texts in the active language or else the original: model
    instances of these wide translated rows took longer to make than the events. Read as plain
    tuples (rewrite(False)): modeltranslation's rows go through a dictionary each, to put back
    the order of columns it had lost, for texts chosen here already (translated())."""
    return (
        activities.soonest(CALENDAR_SIZE, today)
        .rewrite(False)
        .values_list(
            "pk",
            "kind",
            "start_date",
            "start_precision",
            "end_date",
            "end_precision",
            "upcoming_until",
            "partnership__slug",
            translated("title"),
            translated("description"),
            translated("location"),
            translated("partnership__city_a__name"),
            translated("partnership__city_b__name"),
        )
    )


@functools.lru_cache(maxsize=8)
def _site_event_rows(language, today):
    """The site calendar's query as built in `language` (whose columns its texts are read
    from) on `today`, compiled: a memo of a pure function of the two, holding its SQL, never
    rows (site_event_rows() runs it each time), so an edit shows on the next request. Building
    and compiling it, the ORM copying soonest()'s nested subqueries at each level, took 4 ms
    on SQLite, as long as running it."""
    return CompiledRows(event_rows(Activity.objects.all(), today))


def site_event_rows(today):
    return _site_event_rows(get_language(), today).rows()


class EventWriter:
    """Writes one calendar's events (event_rows) as text, each its content lines (core/ical.py)
    folded and ended by CRLF. A calendar holds up to CALENDAR_SIZE events, so what is the same
    for many of them (labels, a partnership's title and page, a date's display and its lines)
    is worked out once per calendar, and the lines that can never reach the fold (BEGIN,
    DTSTART, DTSTAMP, TRANSP, …: under 40 octets) are written as they are, unfolded."""

    def __init__(self, request, domain, stamp, with_partnership):
        self.with_partnership = with_partnership
        self.stamp = f"DTSTAMP:{ical.utc_value(stamp)}\r\n"
        self.uid_end = ical.escape_text(f"@{domain}")
        self.date_label = _("date: %(when)s")
        self.dates_label = _("dates: %(when)s")
        self.where_label = _("Where: %(location)s")
        self.page_address = request.build_absolute_uri(slug_address("partnership_detail"))
        self.partnerships = {}  # slug: (title, page, its URL line)
        self.kinds = {}  # kind: (its label, its CATEGORIES line)
        self.whens = {}  # the dates and precisions: (when_display, summary suffix, date lines)

    def partnership(self, slug, city_a, city_b):
        found = self.partnerships.get(slug)
        if found is None:
            page = self.page_address.replace(SLUG_MARKER, slug, 1)
            title = f"{city_a} – {city_b}"
            found = self.partnerships[slug] = (title, page, ical.line("URL", page))
        return found

    def kind(self, kind):
        found = self.kinds.get(kind)
        if found is None:
            label = str(choice_label(Activity.Kind, kind))
            found = self.kinds[kind] = (label, ical.text_line("CATEGORIES", label))
        return found

    def when(self, start_date, start_precision, end_date, end_precision, upcoming_until):
        """What an event shows of its dates: their display, what its summary adds when they
        are not days, and its DTSTART, DTEND and DTSTAMP lines."""
        key = (start_date, start_precision, end_date, end_precision)
        found = self.whens.get(key)
        if found is None:
            when = when_display(*key)
            if is_precise(start_precision, end_date, end_precision):
                suffix = ""
            else:
                label = self.date_label if end_date is None else self.dates_label
                suffix = f" ({label % {'when': when}})"
            # upcoming_until is the last day the activity lasts, at its precision: the same
            # for the same dates.
            lines = (
                f"DTSTART;VALUE=DATE:{ical.date_value(start_date)}\r\n"
                f"DTEND;VALUE=DATE:{ical.date_value(upcoming_until + DAY)}\r\n{self.stamp}"
            )
            found = self.whens[key] = (when, suffix, lines)
        return found

    def event(self, row):
        """The event of one row, its properties in the order icalendar writes an event's (its
        canonical order, then by name)."""
        (
            pk,
            kind,
            start_date,
            start_precision,
            end_date,
            end_precision,
            upcoming_until,
            slug,
            summary,
            description,
            location,
            city_a,
            city_b,
        ) = row
        title, page, url = self.partnership(slug, city_a, city_b)
        kind_label, categories = self.kind(kind)
        when, suffix, dates = self.when(
            start_date, start_precision, end_date, end_precision, upcoming_until
        )
        summary += suffix
        if self.with_partnership:
            summary += f" · {title}"
        details = f"{when} · {kind_label}\n{title}"
        if location:
            details += "\n" + self.where_label % {"location": location}
        # Calendar descriptions are plain text.
        text = markdown_to_text(description)
        if text:
            details += f"\n\n{text}"
        return "".join(
            (
                "BEGIN:VEVENT\r\n",
                ical.text_line("SUMMARY", summary),
                dates,
                ical.line("UID", f"activity-{pk}{self.uid_end}"),
                categories,
                ical.text_line("DESCRIPTION", f"{details}\n\n{page}"),
                ical.text_line("LOCATION", location) if location else "",
                "TRANSP:TRANSPARENT\r\n",
                url,
                "END:VEVENT\r\n",
            )
        )


def serialised(component):
    """component.to_ical(), the same bytes, folded by core.ical: icalendar folds every line
    character by character."""
    return ical.to_ical(line for line in component.content_lines() if line)


END = b"END:VCALENDAR\r\n"


def calendar_head(name, description, key, domain):
    """The calendar's own properties, written by icalendar (a few lines, some of them in its
    own manner: NAME unescaped), up to its VTIMEZONE. `key` (from primary keys) makes the
    calendar's UID, stable across renamed slugs."""
    calendar = Calendar.new(
        # icalendar writes these two as they are and refuses a line break in them: a city
        # named on two lines would make its calendar fail. One line each, as a title reads.
        name=one_line(name),
        description=one_line(description),
        prodid=PRODID,
        uid=f"calendar-{key}@{domain}",
        refresh_interval=REFRESH,
    )
    calendar["REFRESH-INTERVAL"].params["VALUE"] = "DURATION"  # required by RFC 7986
    # As a duration ("P1D") too: a bare timedelta would be written "1 day, 0:00:00".
    calendar.add("X-PUBLISHED-TTL", vDuration(REFRESH))
    return serialised(calendar).removesuffix(END)


@functools.lru_cache(maxsize=8)
def site_head(language, domain):
    """The site calendar's calendar_head() in `language`: its texts are the site's own, not
    content, so written once per language and domain (0.35 ms with icalendar)."""
    return calendar_head(
        _("Twinning: upcoming activities"),
        _("Upcoming activities of all city partnerships."),
        "site",
        domain,
    )


def calendar_response(request, *, head, filename, rows, with_partnership):
    """The calendar of the activities of `rows(today)` (the query of event_rows() on `today`):
    those that have not ended, soonest first, at most CALENDAR_SIZE, of published partnerships
    only (ActivityQuerySet.soonest sees to that). `head(domain)`: its calendar_head(). Its
    VTIMEZONE and events are written here.
    """
    domain = site_domain(request)
    stamp = timezone.now().replace(microsecond=0)  # UTC, as DTSTAMP must be
    today = timezone.localdate()
    writer = EventWriter(request, domain, stamp, with_partnership)
    events = "".join([writer.event(row) for row in rows(today)]).encode()
    content = b"".join(
        (
            head(domain),
            site_timezone(settings.TIME_ZONE, today.year),
            events,
            END,
        )
    )
    # RFC 5545 forbids control characters in text (icalendar writes them as they are): one
    # stored in a title, a city's name or a description is left out of the whole calendar.
    content = strip_control_bytes(content)
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}.ics"'
    # Not searched again by StripControlCharactersMiddleware (255 KB for the site's).
    response.control_characters_removed = True
    return response


def one_line(text):
    """`text` with its line breaks (CRLF, LF, CR) as spaces."""
    return " ".join(str(text).splitlines())


@require_safe
def site_calendar(request):
    return calendar_response(
        request,
        head=functools.partial(site_head, get_language()),
        filename="twinning",
        rows=site_event_rows,
        with_partnership=True,
    )


@require_safe
def partnership_calendar(request, slug):
    partnership = get_object_or_404(
        Partnership.objects.published().select_related("city_a", "city_b"), slug=slug
    )
    return calendar_response(
        request,
        head=functools.partial(
            calendar_head,
            _("%(title)s: upcoming activities") % {"title": partnership.title},
            _("Upcoming activities of the partnership %(title)s.") % {"title": partnership.title},
            f"partnership-{partnership.pk}",
        ),
        filename=partnership.slug,
        rows=functools.partial(event_rows, Activity.objects.filter(partnership=partnership)),
        with_partnership=False,
    )


@require_safe
def city_calendar(request, slug):
    city = public_city(slug)
    return calendar_response(
        request,
        head=functools.partial(
            calendar_head,
            _("%(city)s: upcoming partnership activities") % {"city": city.name},
            _("Upcoming activities of %(city)s's city partnerships.") % {"city": city.name},
            f"city-{city.pk}",
        ),
        filename=city.slug,
        rows=functools.partial(event_rows, Activity.objects.involving(city)),
        with_partnership=True,
    )
