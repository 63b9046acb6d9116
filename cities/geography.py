"""How far apart two cities are and how far apart their clocks are, from coordinates alone.

Everything is computed offline: the great-circle distance with the haversine formula, each
city's time zone with timezonefinder (polygon data shipped in the package) and the offsets
with zoneinfo, so daylight saving time is honoured for the moment asked about.
"""

import functools
import math
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.contrib.humanize.templatetags.humanize import intcomma
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from timezonefinder import TimezoneFinder

# The mean Earth radius (IUGG), the usual choice for a spherical model.
EARTH_RADIUS_KM = 6371.0088


def distance_km(lat_a, lon_a, lat_b, lon_b):
    """The great-circle distance in kilometres between two points given in degrees."""
    phi_a, phi_b = math.radians(float(lat_a)), math.radians(float(lat_b))
    d_phi = phi_b - phi_a
    d_lambda = math.radians(float(lon_b) - float(lon_a))
    h = math.sin(d_phi / 2) ** 2 + math.cos(phi_a) * math.cos(phi_b) * math.sin(d_lambda / 2) ** 2
    # min() guards asin against rounding just above 1 for antipodal points.
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(h)))


def format_distance(km):
    """ "7,370 km": to the kilometre below 100 km, to ten kilometres above; more would be
    false precision for the distance between two city centres."""
    rounded = round(km) if km < 100 else int(round(km, -1))
    return f"{intcomma(rounded)} km"


@functools.cache
def _finder():
    # Building the finder takes tens of milliseconds: once per process, on first use.
    return TimezoneFinder()


# A finder must not be used by two threads at once (gunicorn runs threads); a lookup takes
# microseconds, so a lock costs less than one finder per thread.
_finder_lock = threading.Lock()


@functools.lru_cache(maxsize=4096)
def timezone_name(latitude, longitude):
    """The IANA time zone at a point ("Europe/Berlin"), or None where the data has none."""
    with _finder_lock:
        return _finder().timezone_at(lat=float(latitude), lng=float(longitude))


@functools.lru_cache(maxsize=1024)
def _zone(name):
    # ZoneInfo keeps only the 8 zones used last alive: the partner finder's 20 suggestions
    # span more, and each miss read and parsed the zone's file again.
    return ZoneInfo(name)


def utc_offset_minutes(zone_name, at):
    """The zone's offset from UTC at the instant `at` (an aware datetime), in minutes."""
    offset = at.astimezone(_zone(zone_name)).utcoffset() or timedelta(0)
    return round(offset.total_seconds() / 60)


def _hours_and_minutes(minutes):
    hours, rest = divmod(abs(minutes), 60)
    return hours, rest


def format_utc_offset(minutes):
    """ "UTC+8", "UTC+5:30", "UTC−3:30" (a true minus sign), "UTC"."""
    if minutes == 0:
        return "UTC"
    hours, rest = _hours_and_minutes(minutes)
    sign = "+" if minutes > 0 else "\N{MINUS SIGN}"
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def format_duration(minutes):
    """ "7 hours", "1 hour", "3 hours 30 minutes", "45 minutes" (of a positive difference)."""
    hours, rest = _hours_and_minutes(minutes)
    parts = []
    if hours:
        parts.append(ngettext("%(count)d hour", "%(count)d hours", hours) % {"count": hours})
    if rest:
        parts.append(ngettext("%(count)d minute", "%(count)d minutes", rest) % {"count": rest})
    return " ".join(parts)


def describe_time_difference(name_a, offset_a, name_b, offset_b):
    """ "Beijing is 7 hours ahead of Berlin", or "Same time in Dresden and Leipzig"."""
    difference = offset_b - offset_a
    if difference == 0:
        return _("Same time in %(city_a)s and %(city_b)s") % {"city_a": name_a, "city_b": name_b}
    ahead, behind = (name_b, name_a) if difference > 0 else (name_a, name_b)
    return _("%(ahead)s is %(duration)s ahead of %(behind)s") % {
        "ahead": ahead,
        "duration": format_duration(difference),
        "behind": behind,
    }


@dataclass(frozen=True)
class Clock:
    """A city's time zone and its offset from UTC at the moment asked about."""

    zone: str
    offset_minutes: int

    @property
    def offset_display(self):
        return format_utc_offset(self.offset_minutes)


@dataclass(frozen=True)
class Geography:
    distance_km: float
    clock_a: Clock | None
    clock_b: Clock | None
    time_difference: str  # "" when a time zone is unknown

    @property
    def distance_display(self):
        return format_distance(self.distance_km)


def clock(city, at):
    zone = timezone_name(city.latitude, city.longitude)
    if zone is None:
        return None
    try:
        return Clock(zone, utc_offset_minutes(zone, at))
    except ZoneInfoNotFoundError:  # a zone newer than the system's tz database
        return None


def between(city_a, city_b, at=None):
    """Distance and time difference of two cities at `at` (default: now); None when either
    city has no coordinates."""
    if not (city_a.has_coordinates and city_b.has_coordinates):
        return None
    at = at or timezone.now()
    if not isinstance(at, datetime) or timezone.is_naive(at):
        raise ValueError("`at` must be an aware datetime")
    clock_a, clock_b = clock(city_a, at), clock(city_b, at)
    difference = (
        describe_time_difference(
            city_a.name, clock_a.offset_minutes, city_b.name, clock_b.offset_minutes
        )
        if clock_a and clock_b
        else ""
    )
    return Geography(
        distance_km=distance_km(
            city_a.latitude, city_a.longitude, city_b.latitude, city_b.longitude
        ),
        clock_a=clock_a,
        clock_b=clock_b,
        time_difference=difference,
    )
