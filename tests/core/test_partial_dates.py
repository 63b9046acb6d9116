"""Dates as people write them: every form read, in each language, refusals and round trips."""

import datetime

import pytest
from django import forms
from django.utils import translation

from core.partial_dates import (
    PartialDate,
    PartialDateError,
    PartialDateField,
    parse_partial_date,
)

D = datetime.date
YEAR, MONTH, DAY = "year", "month", "day"

WRITTEN = [
    ("2016", D(2016, 1, 1), YEAR),
    ("2016年", D(2016, 1, 1), YEAR),
    ("2011-05", D(2011, 5, 1), MONTH),
    ("2011/5", D(2011, 5, 1), MONTH),
    ("05/2011", D(2011, 5, 1), MONTH),
    ("5.2011", D(2011, 5, 1), MONTH),
    ("May 2011", D(2011, 5, 1), MONTH),
    ("may 2011", D(2011, 5, 1), MONTH),
    ("Sept. 2011", D(2011, 9, 1), MONTH),
    ("Mai 2011", D(2011, 5, 1), MONTH),
    ("März 2011", D(2011, 3, 1), MONTH),
    ("Dez. 2011", D(2011, 12, 1), MONTH),
    ("2011年5月", D(2011, 5, 1), MONTH),
    ("2011 年 5 月", D(2011, 5, 1), MONTH),
    ("２０１１年５月", D(2011, 5, 1), MONTH),  # full-width digits
    ("29 May 1986", D(1986, 5, 29), DAY),
    ("May 29, 1986", D(1986, 5, 29), DAY),
    ("29. Mai 1986", D(1986, 5, 29), DAY),
    ("29 Oktober 1986", D(1986, 10, 29), DAY),
    ("29.05.1986", D(1986, 5, 29), DAY),
    ("29. 5. 1986", D(1986, 5, 29), DAY),
    ("1986-05-29", D(1986, 5, 29), DAY),
    ("1986/5/29", D(1986, 5, 29), DAY),
    ("1986年5月29日", D(1986, 5, 29), DAY),
    ("  1986-05-29 ", D(1986, 5, 29), DAY),
]


@pytest.mark.parametrize("language", ["en", "de", "zh-hans"])
@pytest.mark.parametrize(("text", "date", "precision"), WRITTEN)
def test_every_form_is_read_in_every_language(language, text, date, precision):
    with translation.override(language):
        assert parse_partial_date(text) == PartialDate(date, precision)


@pytest.mark.parametrize(
    "text",
    [
        "2011-13",  # no 13th month
        "31.02.2011",  # no 31 February
        "2011年13月",
        "29 Foo 1986",
        "yesterday",
        "gestern",
        "in two weeks",
        "05/06/2011",  # 5 June or 6 May: not guessed
        "11",
        "20111",
        "0000",
        "1986-05-29T10:00",
        "2011-05-",
        "",
    ],
)
def test_anything_else_is_refused(text):
    with pytest.raises(PartialDateError):
        parse_partial_date(text)


@pytest.mark.parametrize(("text", "date", "precision"), WRITTEN)
def test_the_canonical_form_reads_back_to_the_same_value(text, date, precision):
    shown = str(parse_partial_date(text))
    canonical = {YEAR: "%Y", MONTH: "%Y-%m", DAY: "%Y-%m-%d"}[precision]
    assert shown == date.strftime(canonical)
    assert parse_partial_date(shown) == PartialDate(date, precision)


def test_canonical_forms_per_precision():
    assert [str(parse_partial_date(t)) for t in ["2016年", "Mai 2011", "29.05.1986"]] == [
        "2016",
        "2011-05",
        "1986-05-29",
    ]


def test_a_stored_end_date_stands_for_its_period():
    # An end "May 2010" is stored as 31 May 2010; it is the same partial date as "2010-05".
    assert PartialDate.of(D(2010, 5, 31), MONTH) == parse_partial_date("2010-05")


class DateForm(forms.Form):
    when = PartialDateField()
    until = PartialDateField(required=False)


@pytest.mark.parametrize("language", ["en", "de", "zh-hans"])
def test_the_form_field_cleans_what_is_written_in_any_language(language):
    with translation.override(language):
        form = DateForm({"when": "2011年5月", "until": "Mai 2012"})
        assert form.is_valid()
    assert form.cleaned_data == {
        "when": PartialDate(D(2011, 5, 1), MONTH),
        "until": PartialDate(D(2012, 5, 1), MONTH),
    }


def test_a_refusal_names_the_forms_read():
    refused = DateForm({"when": "2011-13", "until": "yesterday"})
    assert not refused.is_valid()
    message = (
        "Write the date as a year, a month or a day, for example 2016, 2011-05, May 2011, "
        "29.05.1986 or 1986-05-29."
    )
    assert refused.errors == {"when": [message], "until": [message]}


def test_a_required_date_left_empty_is_refused_and_an_optional_one_is_none():
    form = DateForm({"when": "", "until": ""})
    assert not form.is_valid()
    assert form.errors["when"] == ["This field is required."]
    assert DateForm({"when": "2016", "until": " "}).is_valid()
    form = DateForm({"when": "2016", "until": ""})
    form.is_valid()
    assert form.cleaned_data["until"] is None


def test_shown_back_in_the_canonical_form_and_unchanged_when_retyped_alike():
    form = DateForm(initial={"when": PartialDate(D(2011, 5, 1), MONTH)})
    assert 'value="2011-05"' in str(form["when"])
    retyped = DateForm(
        {"when": "May 2011", "until": ""}, initial={"when": PartialDate(D(2011, 5, 1), MONTH)}
    )
    assert retyped.changed_data == []
    narrowed = DateForm(
        {"when": "2011-05-04", "until": ""}, initial={"when": PartialDate(D(2011, 5, 1), MONTH)}
    )
    assert narrowed.changed_data == ["when"]
