"""Dates that are only as precise as the source: "2019", "November 2007", "16 October 2009".

A partial date is a `DateField` plus a precision field. A date that starts something (a
founding, a milestone, an activity's start) is stored as the first day of its period; an end
date as the last day of its period, so "ends May 2010" is never before "starts 15 May 2010".
These helpers normalise, format and compare such dates.
"""

import calendar
import functools

from django.db import models
from django.db.models import Case, F, Func, When
from django.db.models.functions import Coalesce
from django.utils import dateformat
from django.utils.formats import date_format, get_format_modules
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class DatePrecision(models.TextChoices):
    YEAR = "year", _("Year")
    MONTH = "month", _("Month")
    DAY = "day", _("Day")


def precision_field(**kwargs):
    """The companion field that says how much of a date is known."""
    kwargs.setdefault("default", DatePrecision.DAY)
    kwargs.setdefault(
        "help_text",
        _("How much of the date is known. With “Month” or “Year” the rest is ignored."),
    )
    return models.CharField(max_length=5, choices=DatePrecision.choices, **kwargs)


def truncate(value, precision):
    """The first day of the period a partial date stands for."""
    if value is None:
        return None
    if precision == DatePrecision.YEAR:
        return value.replace(month=1, day=1)
    if precision == DatePrecision.MONTH:
        return value.replace(day=1)
    return value


def period_end(value, precision):
    """The last day of the period a partial date stands for."""
    if value is None:
        return None
    if precision == DatePrecision.YEAR:
        return value.replace(month=12, day=31)
    if precision == DatePrecision.MONTH:
        return value.replace(day=calendar.monthrange(value.year, value.month)[1])
    return value


def year_format():
    """How the active language writes a year alone: "Y" ("2019"), "Y年" in Chinese ("2019年").

    A format of the project's own, `YEAR_FORMAT` in core/formats/<language>/formats.py: Django
    has YEAR_MONTH_FORMAT ("2007年11月") but nothing for a year alone, and `get_format` reads
    only Django's own names.
    """
    for module in get_format_modules():
        if hasattr(module, "YEAR_FORMAT"):
            return module.YEAR_FORMAT
    return "Y"


def format_partial_date(value, precision, language=None):
    """ "2019", "November 2007" or "16 October 2009" — never a day that is not known — in the
    active language's formats: "16. Oktober 2009", "2009年10月16日", "2007年11月", "2019年".
    `language`: the active one, when the caller formats hundreds of dates and has it at hand."""
    if value is None:
        return ""
    return _formatted(value, precision, language or get_language())


# Django's date_format looks up the language's format modules and parses the format on every
# call (40–120 µs); a page shows hundreds of dates, most of them many times over. The same
# date, precision and language always read the same, so each process keeps the latest few
# thousand (the language is in the key; the formats are settings, fixed while it runs).
@functools.lru_cache(maxsize=4096)
def _formatted(value, precision, language):
    if precision == DatePrecision.YEAR:
        return dateformat.format(value, year_format())
    if precision == DatePrecision.MONTH:
        return date_format(value, "YEAR_MONTH_FORMAT")
    return date_format(value, "DATE_FORMAT")


def iso_partial_date(value, precision):
    """ISO 8601 with only what is known: "2019", "2019-05" or "2019-05-16" (for data: exports,
    schema.org, feeds). None without a date."""
    if value is None:
        return None
    if precision == DatePrecision.YEAR:
        return f"{value.year:04d}"
    if precision == DatePrecision.MONTH:
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


def anniversary_in(year, start):
    """The day in `year` that marks an anniversary of `start`.

    A 29 February is marked on 28 February in common years.
    """
    try:
        return start.replace(year=year)
    except ValueError:
        return start.replace(year=year, day=28)


def months_after(start, months):
    """The same day `months` months after `start`; the month's last day where it is shorter
    (31 January + 1 month = 28 or 29 February)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return start.replace(
        year=year, month=month, day=min(start.day, calendar.monthrange(year, month)[1])
    )


def full_years_between(start, today):
    """Completed years from `start` to `today`, counting by anniversary_in()."""
    years = today.year - start.year
    if today < anniversary_in(today.year, start):
        years -= 1
    return max(years, 0)


class EndOfPeriod(Func):
    """SQL: the last day of the year or month a date falls in.

    Written with each database's own date functions, all immutable, so that it can compute a
    stored generated column (PostgreSQL and SQLite; other databases are not supported).
    """

    output_field = models.DateField()
    arity = 1

    def __init__(self, expression, unit):
        if unit not in ("year", "month"):
            raise ValueError(f"unit must be 'year' or 'month', not {unit!r}")
        self.unit = unit
        super().__init__(expression)

    def as_sqlite(self, compiler, connection, **extra_context):
        template = f"date(%(expressions)s, 'start of {self.unit}', '+1 {self.unit}', '-1 day')"
        return self.as_sql(compiler, connection, template=template, **extra_context)

    def as_postgresql(self, compiler, connection, **extra_context):
        template = (
            f"(date_trunc('{self.unit}', (%(expressions)s)::timestamp)"
            f" + interval '1 {self.unit} - 1 day')::date"
        )
        return self.as_sql(compiler, connection, template=template, **extra_context)


def period_end_expression(field, precision_field_name):
    """The database's twin of period_end(): the last day of the period the partial date names."""
    return Case(
        When(**{precision_field_name: DatePrecision.YEAR}, then=EndOfPeriod(F(field), "year")),
        When(**{precision_field_name: DatePrecision.MONTH}, then=EndOfPeriod(F(field), "month")),
        default=F(field),
        output_field=models.DateField(),
    )


def last_day_expression(start_field, start_precision_field, end_field):
    """The last day a dated span lasts: its end (stored as the end of its period), else the
    end of its start's period. NULL when it has no date."""
    return Coalesce(F(end_field), period_end_expression(start_field, start_precision_field))


class DatePart(Func):
    """SQL: a date's year (2019) or month and day as one number (1231 for 31 December).

    Django's ExtractYear/ExtractMonth call a Python function for every row on SQLite; these
    are the databases' own immutable functions, fit for aggregates over hundreds of thousands
    of rows and for stored generated columns (PostgreSQL and SQLite)."""

    output_field = models.IntegerField()
    arity = 1
    # SQLite keeps a date as text, "YYYY-MM-DD".
    PARTS = {
        "year": "CAST(substr(%(expressions)s, 1, 4) AS integer)",
        "month_day": (
            "CAST(substr(%(expressions)s, 6, 2) || substr(%(expressions)s, 9, 2) AS integer)"
        ),
    }

    def __init__(self, expression, part):
        if part not in self.PARTS:
            raise ValueError(f"part must be one of {', '.join(self.PARTS)}, not {part!r}")
        self.part = part
        super().__init__(expression)

    def as_sqlite(self, compiler, connection, **extra_context):
        template = self.PARTS[self.part]
        return self.as_sql(compiler, connection, template=template, **extra_context)

    def as_postgresql(self, compiler, connection, **extra_context):
        if self.part == "year":
            template = "CAST(EXTRACT(year FROM %(expressions)s) AS integer)"
        else:
            template = (
                "CAST(EXTRACT(month FROM %(expressions)s) * 100"
                " + EXTRACT(day FROM %(expressions)s) AS integer)"
            )
        return self.as_sql(compiler, connection, template=template, **extra_context)
