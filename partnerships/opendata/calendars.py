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
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe
from icalendar import Calendar, Timezone, vDuration

from core import ical
from core.addresses import SLUG_MARKER, slug_address
from core.choices import choice_label
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
    instances of these wide translated rows took longer to make than the events."""
    return activities.soonest(CALENDAR_SIZE, today).values_list(
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


class EventWriter:
    """Writes one calendar's events (event_rows) as content lines (core/ical.py). A calendar
    holds up to CALENDAR_SIZE events, so what is the same for many of them (labels, a
    partnership's title and page, a date's display) is worked out once per calendar."""

    def __init__(self, request, domain, stamp, with_partnership):
        self.domain = domain
        self.with_partnership = with_partnership
        self.stamp = ical.utc_value(stamp)
        self.date_label = _("date: %(when)s")
        self.dates_label = _("dates: %(when)s")
        self.where_label = _("Where: %(location)s")
        self.page_address = request.build_absolute_uri(slug_address("partnership_detail"))
        self.partnerships = {}  # slug: (title, page)
        self.kinds = {}  # kind: its label
        self.whens = {}  # the dates and precisions: when_display

    def partnership(self, slug, city_a, city_b):
        found = self.partnerships.get(slug)
        if found is None:
            page = self.page_address.replace(SLUG_MARKER, slug, 1)
            found = self.partnerships[slug] = (f"{city_a} – {city_b}", page)
        return found

    def kind(self, kind):
        found = self.kinds.get(kind)
        if found is None:
            found = self.kinds[kind] = str(choice_label(Activity.Kind, kind))
        return found

    def when(self, key):
        found = self.whens.get(key)
        if found is None:
            found = self.whens[key] = when_display(*key)
        return found

    def event(self, lines, row):
        """Adds the event of one row to `lines` (ical.Lines), its properties in the order
        icalendar writes an event's (its canonical order, then by name)."""
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
        title, page = self.partnership(slug, city_a, city_b)
        kind_label = self.kind(kind)
        when = self.when((start_date, start_precision, end_date, end_precision))
        if not is_precise(start_precision, end_date, end_precision):
            label = self.date_label if end_date is None else self.dates_label
            summary += f" ({label % {'when': when}})"
        if self.with_partnership:
            summary += f" · {title}"
        details = [f"{when} · {kind_label}", title]
        if location:
            details.append(self.where_label % {"location": location})
        # Calendar descriptions are plain text.
        text = markdown_to_text(description)
        if text:
            details += ["", text]
        details += ["", page]
        lines.begin("VEVENT")
        lines.text("SUMMARY", summary)
        lines.date("DTSTART", start_date)
        # upcoming_until is the last day the activity lasts, at its precision.
        lines.date("DTEND", upcoming_until + DAY)
        lines.raw("DTSTAMP", self.stamp)
        lines.text("UID", f"activity-{pk}@{self.domain}")
        lines.text("CATEGORIES", kind_label)
        lines.text("DESCRIPTION", "\n".join(details))
        if location:
            lines.text("LOCATION", location)
        lines.raw("TRANSP", "TRANSPARENT")
        lines.raw("URL", page)
        lines.end("VEVENT")


def serialised(component):
    """component.to_ical(), the same bytes, folded by core.ical: icalendar folds every line
    character by character."""
    return ical.to_ical(line for line in component.content_lines() if line)


END = b"END:VCALENDAR\r\n"


def calendar_response(request, *, name, description, key, filename, activities, with_partnership):
    """The calendar of `activities` that have not ended, soonest first, at most CALENDAR_SIZE,
    of published partnerships only (ActivityQuerySet.soonest sees to that).

    `key` (from primary keys) makes the calendar's UID, stable across renamed slugs.
    The calendar's own properties are written by icalendar (a few lines, some of them in its
    own manner: NAME unescaped), its VTIMEZONE and events here.
    """
    domain = site_domain(request)
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
    head = serialised(calendar)
    stamp = timezone.now().replace(microsecond=0)  # UTC, as DTSTAMP must be
    today = timezone.localdate()
    writer = EventWriter(request, domain, stamp, with_partnership)
    events = ical.Lines()
    for row in event_rows(activities, today):
        writer.event(events, row)
    content = b"".join(
        (
            head.removesuffix(END),
            site_timezone(settings.TIME_ZONE, today.year),
            events.to_ical(),
            END,
        )
    )
    # RFC 5545 forbids control characters in text (icalendar writes them as they are): one
    # stored in a title, a city's name or a description is left out of the whole calendar.
    content = strip_control_bytes(content)
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}.ics"'
    return response


def one_line(text):
    """`text` with its line breaks (CRLF, LF, CR) as spaces."""
    return " ".join(str(text).splitlines())


@require_safe
def site_calendar(request):
    return calendar_response(
        request,
        name=_("Twinning: upcoming activities"),
        description=_("Upcoming activities of all city partnerships."),
        key="site",
        filename="twinning",
        activities=Activity.objects.all(),
        with_partnership=True,
    )


@require_safe
def partnership_calendar(request, slug):
    partnership = get_object_or_404(
        Partnership.objects.published().select_related("city_a", "city_b"), slug=slug
    )
    return calendar_response(
        request,
        name=_("%(title)s: upcoming activities") % {"title": partnership.title},
        description=_("Upcoming activities of the partnership %(title)s.")
        % {"title": partnership.title},
        key=f"partnership-{partnership.pk}",
        filename=partnership.slug,
        activities=Activity.objects.filter(partnership=partnership),
        with_partnership=False,
    )


@require_safe
def city_calendar(request, slug):
    city = public_city(slug)
    return calendar_response(
        request,
        name=_("%(city)s: upcoming partnership activities") % {"city": city.name},
        description=_("Upcoming activities of %(city)s's city partnerships.") % {"city": city.name},
        key=f"city-{city.pk}",
        filename=city.slug,
        activities=Activity.objects.involving(city),
        with_partnership=True,
    )
