"""Partial dates as people write them: "2016", "2011-05", "May 2011", "29.05.1986", "2011年5月".

One text field per partial date: what was typed gives both the date and its precision (a year
alone is year precision), so the two can never disagree. The date is shown back in one
canonical form per precision, EDTF level 0 (the Library of Congress's Extended Date/Time
Format, the ISO 8601 profile for partial dates): "2016", "2011-05", "1986-05-29" — which reads
the same in every language and parses back to the same value.

Why a parser of our own and neither `dateparser` nor `edtf`:

- `dateparser` reads many languages, but it is built to find *a* date in any text. Tried
  (1.2.2, languages en/de/zh, DATE_ORDER=DMY, PREFER_DAY_OF_MONTH=first): "2011-05" and
  "05/2011" came back as 5 December 2011 at day precision, "2011-13" as 13 December 2011,
  "yesterday" and "gestern" as dates, "2016" as 1 December 2016; "1986-05-29" and
  "1986年5月29日" were not read at all. A form has to refuse what it cannot read exactly and
  say which forms it reads; that needs a closed list of forms. It would also pull in `regex`,
  `pytz` and `tzlocal`.
- `edtf` parses only EDTF; people write "May 2011" or "29.05.1986", and level 0 is a one-line
  format (core.dates.iso_partial_date), so the package would add nothing we use.

The forms read, in any active language (month names in English and German; Chinese with
年/月/日; full-width digits too):

    2016              year      2011-05, 2011/05, 05/2011, 05.2011, May 2011, Mai 2011, 2011年5月
    2016年            year      1986-05-29, 1986/5/29, 29.05.1986, 29 May 1986, 29. Mai 1986,
                                May 29, 1986, 1986年5月29日
"""

import datetime
import re
import unicodedata
from dataclasses import dataclass

from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import model_to_dict
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from .dates import DatePrecision, format_partial_date, iso_partial_date, truncate

ACCEPTED_FORMS = _(
    "Write the date as a year, a month or a day, for example 2016, 2011-05, May 2011, "
    "29.05.1986 or 1986-05-29."
)
HELP_TEXT = _(
    "A year, a month or a day: 2016, 2011-05 or 1986-05-29. May 2011, Mai 2011, 29.05.1986 "
    "and 2011年5月 are understood too."
)
# The same, for messages that are not translated (the importer's reports).
ACCEPTED_FORMS_EN = "2016, 2011-05, May 2011, 29.05.1986 or 1986-05-29"

MONTHS = {
    **{
        name: number
        for number, name in enumerate(
            [
                "january",
                "february",
                "march",
                "april",
                "may",
                "june",
                "july",
                "august",
                "september",
                "october",
                "november",
                "december",
            ],
            start=1,
        )
    },  # fmt: skip
    **{
        name: number
        for number, name in enumerate(
            [
                "januar",
                "februar",
                "märz",
                "april",
                "mai",
                "juni",
                "juli",
                "august",
                "september",
                "oktober",
                "november",
                "dezember",
            ],
            start=1,
        )
    },  # fmt: skip
    # Abbreviations, English and German; "sept", "maerz" and "jänner" as people write them.
    **{
        name: number
        for number, name in enumerate(
            ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
            start=1,
        )
    },  # fmt: skip
    "sept": 9,
    "mär": 3,
    "mrz": 3,
    "maerz": 3,
    "jänner": 1,
    "okt": 10,
    "dez": 12,
}

_Y = r"(?P<year>\d{4})"
_M = r"(?P<month>\d{1,2})"
_D = r"(?P<day>\d{1,2})"
_NAME = r"(?P<name>[^\W\d_]+)\.?"

# (pattern, precision): matched against the whole text after normalize().
FORMS = [
    (rf"{_Y}", DatePrecision.YEAR),
    (rf"{_Y} ?年", DatePrecision.YEAR),
    (rf"{_Y}(?P<sep>[-/.]){_M}", DatePrecision.MONTH),
    (rf"{_M}[/.] ?{_Y}", DatePrecision.MONTH),
    (rf"{_NAME},? {_Y}", DatePrecision.MONTH),
    (rf"{_Y} ?年 ?{_M} ?月", DatePrecision.MONTH),
    (rf"{_Y}(?P<sep>[-/.]){_M}(?P=sep){_D}", DatePrecision.DAY),
    (rf"{_D}\. ?{_M}\. ?{_Y}", DatePrecision.DAY),
    (rf"{_D}\.? {_NAME},? {_Y}", DatePrecision.DAY),
    (rf"{_NAME} {_D}(?:st|nd|rd|th)?,? {_Y}", DatePrecision.DAY),
    (rf"{_Y} ?年 ?{_M} ?月 ?{_D} ?[日号]", DatePrecision.DAY),
]
FORMS = [(re.compile(pattern), precision) for pattern, precision in FORMS]


class PartialDateError(ValueError):
    """The text is not a date in one of the forms read (or not a date of the calendar)."""


def normalize(text):
    """Full-width digits and letters to plain ones, lower case, single spaces, no end dot."""
    text = unicodedata.normalize("NFKC", text).casefold()
    return " ".join(text.split()).removesuffix(".").strip()


@dataclass(frozen=True)
class PartialDate:
    """A date as far as it is known: the first day of its period and the precision."""

    date: datetime.date
    precision: str

    @classmethod
    def of(cls, value, precision):
        """The partial date a stored date (first or last day of its period) stands for."""
        return cls(truncate(value, precision), precision)

    def __str__(self):
        """The canonical written form, EDTF level 0: "2016", "2011-05" or "1986-05-29"."""
        return iso_partial_date(self.date, self.precision)

    def display(self):
        """As the site shows it in the active language: "May 2011", "Mai 2011"."""
        return format_partial_date(self.date, self.precision)


def parse_partial_date(text):
    """The PartialDate written in `text`; PartialDateError if it is none of the forms read."""
    normalized = normalize(text)
    for pattern, precision in FORMS:
        match = pattern.fullmatch(normalized)
        if match is None:
            continue
        parts = match.groupdict()
        if parts.get("name") is not None:
            month = MONTHS.get(parts["name"])
            if month is None:
                continue
        else:
            month = int(parts.get("month") or 1)
        try:
            value = datetime.date(int(parts["year"]), month, int(parts.get("day") or 1))
        except ValueError:
            raise PartialDateError(text) from None
        return PartialDate(value, precision)
    raise PartialDateError(text)


# --- Forms ------------------------------------------------------------------------------


class PartialDateField(forms.Field):
    """One text box for a date and its precision; cleans to a PartialDate (or None)."""

    widget = forms.TextInput(
        attrs={
            "size": 14,
            "autocomplete": "off",
            "spellcheck": "false",
            "class": "vPartialDateField",
        }
    )
    default_error_messages = {"invalid": ACCEPTED_FORMS}

    def to_python(self, value):
        if isinstance(value, str):
            value = value.strip()
        if isinstance(value, PartialDate) or value in self.empty_values:
            return value or None
        if isinstance(value, datetime.date):
            return PartialDate(value, DatePrecision.DAY)
        try:
            return parse_partial_date(str(value))
        except PartialDateError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None

    def prepare_value(self, value):
        if isinstance(value, datetime.date):
            return value.isoformat()
        return "" if value is None else str(value)

    def has_changed(self, initial, data):
        try:
            return self.to_python(initial) != self.to_python(data)
        except ValidationError:
            return True


class PartialDatesForm(forms.ModelForm):
    """Shows each partial date of the model (its `PARTIAL_DATES`: date field → precision field)
    as one PartialDateField and writes both fields from it; the precision field is not on the
    form."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, precision_name in self.partial_dates():
            model_field = self.fields[name]
            help_text = (
                format_lazy("{} {}", model_field.help_text, HELP_TEXT)
                if model_field.help_text
                else HELP_TEXT
            )
            self.fields[name] = PartialDateField(
                required=model_field.required,
                label=model_field.label,
                help_text=help_text,
                disabled=model_field.disabled,
            )
            self.fields.pop(precision_name, None)
            value = self.initial.get(name)
            if isinstance(value, datetime.date):  # from the instance, with its precision
                self.initial[name] = PartialDate.of(value, getattr(self.instance, precision_name))

    def partial_dates(self):
        """(date field, precision field) of the model's partial dates that are on this form."""
        declared = getattr(self._meta.model, "PARTIAL_DATES", {})
        return [(name, precision) for name, precision in declared.items() if name in self.fields]

    def _post_clean(self):
        for name, precision_name in self.partial_dates():
            if name not in self.cleaned_data:  # refused
                continue
            value = self.cleaned_data[name]
            if value is None:
                self.cleaned_data[name] = None
            else:
                self.cleaned_data[name] = value.date
                setattr(self.instance, precision_name, value.precision)
        super()._post_clean()

    def stored_values(self, instance, names):
        """`instance`'s values of the fields `names` as the form's initial data holds them."""
        values = model_to_dict(instance, fields=names)
        for name, precision_name in self.partial_dates():
            if values.get(name) is not None:
                values[name] = PartialDate.of(values[name], getattr(instance, precision_name))
        return values
