"""Round anniversaries ("jubilees") of partnerships, worked out from the founding date.

A jubilee falls every fifth year after the founding, on the same day (a 29 February founding on
28 February in common years), and is as precise as the founding date: a partnership founded in
April 1994 has its 25th anniversary in "April 2019", one founded in 1989 its 30th in "2019".
A jubilee counts as upcoming until its period is over.

Which partnerships have a jubilee in a window is decided by the database, so a page of jubilees
costs the same two queries (count, page) however many partnerships there are.
"""

import calendar
import datetime
from dataclasses import dataclass

from django.db import models
from django.db.models import Case, F, Q, Value, When
from django.utils.translation import pgettext

from core.dates import DatePart, DatePrecision, anniversary_in, format_partial_date, period_end
from core.translated import by_name

JUBILEE_STEP = 5
# A longer window could hold two jubilees of one partnership (the query keeps only the first).
MAX_WINDOW_DAYS = JUBILEE_STEP * 365 - 1


@dataclass(frozen=True)
class Jubilee:
    partnership: object
    years: int
    date: datetime.date
    precision: str

    @property
    def date_display(self):
        return format_partial_date(self.date, self.precision)

    @property
    def ordinal(self):
        """ "25th" in English, "25." in German, "25" in Chinese (whose "25周年" needs no
        ordinal mark): the number as the active language writes it before "anniversary"."""
        return ordinal(self.years)


def ordinal(number):
    """The ordinal of `number` in the active language, as in "%(ordinal)s anniversary"."""
    if 10 <= number % 100 <= 20:
        template = pgettext("ordinal 10 to 20", "{}th")
    else:
        template = {
            1: pgettext("ordinal ending in 1", "{}st"),
            2: pgettext("ordinal ending in 2", "{}nd"),
            3: pgettext("ordinal ending in 3", "{}rd"),
        }.get(number % 10) or pgettext("ordinal ending in 0 or 4 to 9", "{}th")
    return template.format(number)


def next_jubilee(established, precision, today):
    """The first jubilee whose period is not over by `today`, or None without a founding date."""
    if established is None:
        return None
    target = max(today.year, established.year + 1)
    while (target - established.year) % JUBILEE_STEP:
        target += 1
    day = anniversary_in(target, established)
    if period_end(day, precision) < today:
        target += JUBILEE_STEP
        day = anniversary_in(target, established)
    return Jubilee(None, target - established.year, day, precision)


def _in_target_year(target, today, horizon):
    """The founding dates whose jubilee in `target` falls in [today's period, horizon]."""
    # Founded a multiple of five years before `target` (and from the year 1000 on, as a date
    # field holds them): as arithmetic rather than a list of the 200 years, which Django took
    # 10 ms and more to build into SQL for every page with jubilees.
    condition = Q(
        founding_year__gte=1000,
        founding_year__lte=target - JUBILEE_STEP,
        founding_phase=target % JUBILEE_STEP,
    )
    month_day = F("founding_month_day")
    if target == today.year:  # not over yet, at the founding date's precision
        this_month, this_day = today.month * 100, today.month * 100 + today.day
        condition &= (
            Q(established_precision=DatePrecision.YEAR)
            | Q(established_precision=DatePrecision.MONTH, founding_month_day__gte=this_month)
            | Q(established_precision=DatePrecision.DAY, founding_month_day__gte=this_day)
        )
    if target == horizon.year:  # begins by the horizon
        leap_day_moves = not calendar.isleap(target)
        day_of_jubilee = (
            Case(When(founding_month_day=229, then=Value(228)), default=month_day)
            if leap_day_moves
            else month_day
        )
        condition &= Q(
            models.lookups.LessThanOrEqual(day_of_jubilee, horizon.month * 100 + horizon.day)
        )
    return condition


def jubilee_queryset(partnerships, today, within_days=365):
    """`partnerships` with a jubilee in the next `within_days`, soonest first, annotated with
    `jubilee_year`. Only active and dormant partnerships have jubilees."""
    if not 0 <= within_days <= MAX_WINDOW_DAYS:
        raise ValueError(f"within_days must be between 0 and {MAX_WINDOW_DAYS}")
    horizon = today + datetime.timedelta(days=within_days)
    targets = range(today.year, horizon.year + 1)
    celebrated = partnerships.model.CELEBRATED_STATUSES
    # The database's own date functions (DatePart): Django's year and month lookups call Python
    # for every row on SQLite.
    annotated = (
        partnerships.filter(established__isnull=False, status__in=celebrated)
        .annotate(
            founding_year=DatePart("established", "year"),
            founding_month_day=DatePart("established", "month_day"),
        )
        # SQL's own % on both databases (Django's Mod() is a Python function on an SQLite
        # built without its math functions).
        .alias(founding_phase=F("founding_year") % JUBILEE_STEP)
    )
    return (
        annotated.annotate(
            jubilee_year=Case(
                *(When(_in_target_year(t, today, horizon), then=Value(t)) for t in targets),
                default=None,
                output_field=models.IntegerField(),
            )
        )
        .filter(jubilee_year__isnull=False)
        .order_by(
            "jubilee_year",
            "founding_month_day",
            by_name("city_a__name"),
            by_name("city_b__name"),
            "pk",
        )
    )


def jubilee_of(partnership):
    """The Jubilee of a partnership from jubilee_queryset()."""
    start = partnership.established
    year = partnership.jubilee_year
    return Jubilee(
        partnership,
        year - start.year,
        anniversary_in(year, start),
        partnership.established_precision,
    )


class Jubilees:
    """Jubilees from a queryset, sliced and counted by the database, so a Paginator can page
    through them without loading them all."""

    def __init__(self, queryset):
        self.queryset = queryset

    def count(self):
        return self.queryset.count()

    def __len__(self):
        return self.count()

    def __getitem__(self, index):
        if isinstance(index, slice):
            return [jubilee_of(p) for p in self.queryset[index]]
        return jubilee_of(self.queryset[index])

    def __iter__(self):
        return (jubilee_of(p) for p in self.queryset)


def upcoming_jubilees(partnerships, today, within_days=365, limit=None):
    """Jubilees whose period is not over and that begin within `within_days`, soonest first."""
    jubilees = Jubilees(jubilee_queryset(partnerships, today, within_days))
    return jubilees[:limit] if limit else list(jubilees)
