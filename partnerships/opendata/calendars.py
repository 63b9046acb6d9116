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
from icalendar import (
    TRANSP,
    Calendar,
    Event,
    Timezone,
    vCategory,
    vDDDTypes,
    vDuration,
    vText,
    vUri,
)

from core.addresses import SLUG_MARKER, slug_address
from core.dates import DatePrecision
from core.markdown import markdown_to_text
from core.text_hygiene import strip_control_bytes

from ..models import Activity, Partnership, public_cities
from .feeds import site_domain

CALENDAR_SIZE = 500
PRODID = "-//Twinning//Upcoming activities//EN"
# How often subscribers should fetch again (RFC 7986 REFRESH-INTERVAL; Outlook's own name).
REFRESH = datetime.timedelta(days=1)


@functools.lru_cache(maxsize=4)
def site_timezone(tzid, year):
    """The site's time zone as a VTIMEZONE, its rules from the start of `year` to the end of
    the next (computing them takes time: once per year and zone)."""
    return Timezone.from_tzid(
        tzid, first_date=datetime.date(year, 1, 1), last_date=datetime.date(year + 2, 1, 1)
    )


def is_precise(activity):
    day = DatePrecision.DAY
    return activity.start_precision == day and (
        activity.end_date is None or activity.end_precision == day
    )


# What an event shows, and nothing else: the widest rows (the cities' and partnerships' other
# texts) would cost more to fetch than the events take to write.
EVENT_FIELDS = (
    "title",
    "kind",
    "start_date",
    "start_precision",
    "end_date",
    "end_precision",
    "upcoming_until",
    "description",
    "location",
    "partnership__slug",
    "partnership__city_a__name",
    "partnership__city_b__name",
)


class EventWriter:
    """Turns one calendar's activities into events. A calendar holds up to CALENDAR_SIZE
    events, so what is the same for many of them (labels, a partnership's title and page, a
    date's display, the stamp) is worked out once per calendar, and each property is made as
    its icalendar type directly (Event.new() infers and checks every value again)."""

    def __init__(self, request, domain, stamp, with_partnership):
        self.domain = domain
        self.with_partnership = with_partnership
        self.stamp = vDDDTypes(stamp)
        self.transparent = vText(TRANSP.TRANSPARENT)
        self.date_label = _("date: %(when)s")
        self.dates_label = _("dates: %(when)s")
        self.where_label = _("Where: %(location)s")
        self.page_address = request.build_absolute_uri(slug_address("partnership_detail"))
        self.partnerships = {}  # pk: (title, page)
        self.kinds = {}  # kind: (label, categories)
        self.whens = {}  # the dates and precisions: when_display
        self.days = {}  # date: its DATE value (events share their first and last days)

    def partnership(self, partnership):
        found = self.partnerships.get(partnership.pk)
        if found is None:
            page = self.page_address.replace(SLUG_MARKER, partnership.slug, 1)
            found = self.partnerships[partnership.pk] = (partnership.title, page)
        return found

    def kind(self, activity):
        found = self.kinds.get(activity.kind)
        if found is None:
            label = str(activity.kind_label)
            found = self.kinds[activity.kind] = (label, vCategory([label]))
        return found

    def when(self, activity):
        key = (
            activity.start_date,
            activity.start_precision,
            activity.end_date,
            activity.end_precision,
        )
        found = self.whens.get(key)
        if found is None:
            found = self.whens[key] = activity.when_display
        return found

    def day(self, date):
        found = self.days.get(date)
        if found is None:
            found = self.days[date] = vDDDTypes(date)
        return found

    def event(self, activity):
        title, page = self.partnership(activity.partnership)
        kind_label, categories = self.kind(activity)
        when = self.when(activity)
        summary = activity.title
        if not is_precise(activity):
            label = self.date_label if activity.end_date is None else self.dates_label
            summary += f" ({label % {'when': when}})"
        if self.with_partnership:
            summary += f" · {title}"
        location = activity.location
        lines = [f"{when} · {kind_label}", title]
        if location:
            lines.append(self.where_label % {"location": location})
        # Calendar descriptions are plain text.
        details = markdown_to_text(activity.description)
        if details:
            lines += ["", details]
        lines += ["", page]
        event = Event()
        event["SUMMARY"] = vText(summary)
        event["DTSTART"] = self.day(activity.start_date)
        # upcoming_until is the last day the activity lasts, at its precision.
        event["DTEND"] = self.day(activity.upcoming_until + datetime.timedelta(days=1))
        event["DTSTAMP"] = self.stamp
        event["UID"] = vText(f"activity-{activity.pk}@{self.domain}")
        event["CATEGORIES"] = categories
        event["DESCRIPTION"] = vText("\n".join(lines))
        if location:
            event["LOCATION"] = vText(location)
        event["TRANSP"] = self.transparent
        event["URL"] = vUri(page)
        return event


# icalendar folds content lines of this many octets or more (RFC 5545 3.1).
FOLD_AT = 75


def serialised(calendar):
    """calendar.to_ical(), the same bytes, but each line that is too short to fold is only
    encoded: icalendar folds every line character by character, which took half the time
    of writing a calendar of many events, most of their lines being short."""
    lines = []
    for line in calendar.content_lines():
        if line:
            encoded = line.encode()
            lines.append(encoded if len(encoded) < FOLD_AT else line.to_ical())
    return b"\r\n".join(lines) + b"\r\n"


def calendar_response(request, *, name, description, key, filename, activities, with_partnership):
    """The calendar of `activities` that have not ended, soonest first, at most CALENDAR_SIZE,
    of published partnerships only (ActivityQuerySet.soonest sees to that).

    `key` (from primary keys) makes the calendar's UID, stable across renamed slugs.
    """
    domain = site_domain(request)
    calendar = Calendar.new(
        name=name,
        description=description,
        prodid=PRODID,
        uid=f"calendar-{key}@{domain}",
        refresh_interval=REFRESH,
    )
    calendar["REFRESH-INTERVAL"].params["VALUE"] = "DURATION"  # required by RFC 7986
    # As a duration ("P1D") too: a bare timedelta would be written "1 day, 0:00:00".
    calendar.add("X-PUBLISHED-TTL", vDuration(REFRESH))
    stamp = timezone.now().replace(microsecond=0)  # UTC, as DTSTAMP must be
    today = timezone.localdate()
    calendar.add_component(site_timezone(settings.TIME_ZONE, today.year))
    upcoming = (
        activities.select_related("partnership__city_a", "partnership__city_b")
        .only(*EVENT_FIELDS)
        .soonest(CALENDAR_SIZE, today)
    )
    writer = EventWriter(request, domain, stamp, with_partnership)
    for activity in upcoming:
        calendar.add_component(writer.event(activity))
    # RFC 5545 forbids control characters in text (icalendar writes them as they are): one
    # stored in a title, a city's name or a description is left out of the whole calendar.
    content = strip_control_bytes(serialised(calendar))
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}.ics"'
    return response


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
    city = get_object_or_404(public_cities(), slug=slug)
    return calendar_response(
        request,
        name=_("%(city)s: upcoming partnership activities") % {"city": city.name},
        description=_("Upcoming activities of %(city)s's city partnerships.") % {"city": city.name},
        key=f"city-{city.pk}",
        filename=city.slug,
        activities=Activity.objects.involving(city),
        with_partnership=True,
    )
