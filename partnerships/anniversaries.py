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
from django.db.models import F
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


class JubileeYear(models.Expression):
    """SQL: the year of the first jubilee of the row's founding (`year` and `month_day`, its
    DatePart annotations, and `precision`) whose period is not over by `today` and that begins
    by `horizon`, or NULL.

    For each target year from today's to the horizon's, in turn: founded a multiple of five
    years before it (from the year 1000 on, as a date field holds them); in today's year, not
    over yet at the founding date's precision; in the horizon's year, begun by the horizon (a
    29 February founding celebrated on 28 February in a common year).

    The CASE is written here rather than built from When() and Q() objects: Django took about
    7 ms a page to resolve and compile those for a query that runs in under a millisecond. The
    SQL is the same, with the same parameters, and so is the plan."""

    output_field = models.IntegerField()

    def __init__(self, year, month_day, precision, today, horizon):
        super().__init__()
        self.sources = [year, month_day, precision]
        self.today, self.horizon = today, horizon

    def get_source_expressions(self):
        return self.sources

    def set_source_expressions(self, exprs):
        self.sources = list(exprs)

    def as_sql(self, compiler, connection):
        (year, year_params), (month_day, md_params), (precision, p_params) = (
            compiler.compile(source) for source in self.sources
        )
        today, horizon = self.today, self.horizon
        sql, params = [], []

        def add(text, *values):  # `values`: the columns' parameters and the numbers, in order
            sql.append(text)
            for value in values:
                params.extend(value if isinstance(value, (list, tuple)) else [value])

        add("CASE")
        for target in range(today.year, horizon.year + 1):
            add(
                f" WHEN (({year} %% %s) = %s AND {year} >= %s AND {year} <= %s",
                year_params,
                JUBILEE_STEP,
                target % JUBILEE_STEP,
                year_params,
                1000,
                year_params,
                target - JUBILEE_STEP,
            )
            if target == today.year:  # not over yet, at the founding date's precision
                add(
                    f" AND ({precision} = %s OR ({precision} = %s AND {month_day} >= %s)"
                    f" OR ({precision} = %s AND {month_day} >= %s))",
                    p_params,
                    DatePrecision.YEAR.value,
                    p_params,
                    DatePrecision.MONTH.value,
                    md_params,
                    today.month * 100,
                    p_params,
                    DatePrecision.DAY.value,
                    md_params,
                    today.month * 100 + today.day,
                )
            if target == horizon.year:  # begins by the horizon
                if calendar.isleap(target):
                    add(f" AND {month_day} <= %s", md_params, horizon.month * 100 + horizon.day)
                else:
                    add(
                        f" AND CASE WHEN ({month_day} = %s) THEN %s ELSE {month_day} END <= %s",
                        md_params,
                        229,
                        228,
                        md_params,
                        horizon.month * 100 + horizon.day,
                    )
            add(") THEN %s", target)
        add(" ELSE NULL END")
        return "".join(sql), params


def jubilee_queryset(partnerships, today, within_days=365):
    """`partnerships` with a jubilee in the next `within_days`, soonest first, annotated with
    `jubilee_year`. Only active and dormant partnerships have jubilees."""
    if not 0 <= within_days <= MAX_WINDOW_DAYS:
        raise ValueError(f"within_days must be between 0 and {MAX_WINDOW_DAYS}")
    horizon = today + datetime.timedelta(days=within_days)
    celebrated = partnerships.model.CELEBRATED_STATUSES
    # The database's own date functions (DatePart): Django's year and month lookups call Python
    # for every row on SQLite. SQL's own % on both databases (Django's Mod() is a Python
    # function on an SQLite built without its math functions).
    year = DatePart("established", "year")
    month_day = DatePart("established", "month_day")
    return (
        partnerships.filter(established__isnull=False, status__in=celebrated)
        .annotate(
            founding_year=year,
            founding_month_day=month_day,
            jubilee_year=JubileeYear(year, month_day, F("established_precision"), today, horizon),
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
