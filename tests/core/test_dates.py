"""Partial dates: "2019", "November 2007", "16 October 2009"."""

import datetime

import pytest
from django.utils import translation

from core.dates import (
    DatePart,
    DatePrecision,
    format_partial_date,
    full_years_between,
    period_end,
    precision_field,
    truncate,
)

D = datetime.date


@pytest.mark.parametrize(
    ("value", "precision", "expected"),
    [
        (D(2019, 1, 1), DatePrecision.YEAR, "2019"),
        (D(2007, 11, 1), DatePrecision.MONTH, "November 2007"),
        (D(2007, 11, 15), DatePrecision.MONTH, "November 2007"),
        (D(2009, 10, 16), DatePrecision.DAY, "16 October 2009"),
        (D(2009, 10, 6), "day", "6 October 2009"),
        (None, DatePrecision.DAY, ""),
    ],
)
def test_format_partial_date(value, precision, expected):
    assert format_partial_date(value, precision) == expected


@pytest.mark.parametrize(
    ("language", "precision", "expected"),
    [
        ("zh-hans", DatePrecision.YEAR, "2002年"),
        ("zh-hans", DatePrecision.MONTH, "2002年5月"),
        ("zh-hans", DatePrecision.DAY, "2002年5月29日"),
        ("de", DatePrecision.YEAR, "2002"),
        ("de", DatePrecision.MONTH, "Mai 2002"),
        ("de", DatePrecision.DAY, "29. Mai 2002"),
    ],
)
def test_partial_dates_in_each_language(language, precision, expected):
    with translation.override(language):
        assert format_partial_date(D(2002, 5, 29), precision) == expected


@pytest.mark.parametrize(
    ("precision", "expected"),
    [
        (DatePrecision.YEAR, D(2007, 1, 1)),
        (DatePrecision.MONTH, D(2007, 11, 1)),
        (DatePrecision.DAY, D(2007, 11, 15)),
    ],
)
def test_truncate(precision, expected):
    assert truncate(D(2007, 11, 15), precision) == expected


def test_truncate_none():
    assert truncate(None, DatePrecision.YEAR) is None


@pytest.mark.parametrize(
    ("value", "precision", "expected"),
    [
        (D(2007, 11, 1), DatePrecision.YEAR, D(2007, 12, 31)),
        (D(2007, 11, 1), DatePrecision.MONTH, D(2007, 11, 30)),
        (D(2024, 2, 1), DatePrecision.MONTH, D(2024, 2, 29)),
        (D(2023, 2, 1), DatePrecision.MONTH, D(2023, 2, 28)),
        (D(2000, 2, 1), DatePrecision.MONTH, D(2000, 2, 29)),
        (D(1900, 2, 1), DatePrecision.MONTH, D(1900, 2, 28)),
        (D(2007, 12, 1), DatePrecision.MONTH, D(2007, 12, 31)),
        (D(2007, 11, 15), DatePrecision.DAY, D(2007, 11, 15)),
        (None, DatePrecision.MONTH, None),
    ],
)
def test_period_end(value, precision, expected):
    assert period_end(value, precision) == expected


@pytest.mark.parametrize(
    ("today", "years"),
    [
        (D(2019, 10, 15), 9),  # the day before the anniversary
        (D(2019, 10, 16), 10),  # the anniversary itself
        (D(2019, 10, 17), 10),
        (D(2019, 12, 31), 10),
        (D(2020, 1, 1), 10),
        (D(2009, 10, 16), 0),
        (D(2009, 1, 1), 0),  # before the start: never negative
    ],
)
def test_full_years_between(today, years):
    assert full_years_between(D(2009, 10, 16), today) == years


@pytest.mark.parametrize(
    ("today", "years"),
    [(D(2001, 2, 27), 0), (D(2001, 2, 28), 1), (D(2004, 2, 29), 4)],
)
def test_full_years_between_from_29_february(today, years):
    assert full_years_between(D(2000, 2, 29), today) == years


def test_precision_field_defaults_to_day():
    field = precision_field()
    assert field.default == DatePrecision.DAY
    assert [value for value, _label in field.choices] == ["year", "month", "day"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("established", "year", "month_day"),
    [
        (datetime.date(1987, 4, 23), 1987, 423),
        (datetime.date(2004, 12, 31), 2004, 1231),
        (datetime.date(1960, 2, 29), 1960, 229),
        (datetime.date(999, 1, 1), 999, 101),
        (None, None, None),
    ],
)
def test_date_parts_in_the_database(make_partnership, established, year, month_day):
    """The database's own year and month-day of a date, as the statistics and the
    anniversaries group and filter by them, the same on SQLite and PostgreSQL."""
    from partnerships.models import Partnership

    partnership = make_partnership(established=established)
    row = (
        Partnership.objects.filter(pk=partnership.pk)
        .annotate(
            year=DatePart("established", "year"), month_day=DatePart("established", "month_day")
        )
        .values("year", "month_day")
        .get()
    )

    assert row == {"year": year, "month_day": month_day}


def test_date_part_refuses_an_unknown_part():
    with pytest.raises(ValueError, match="month_day"):
        DatePart("established", "week")
