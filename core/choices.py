"""Labels of choice values, for pages that list many records, and the country menu's choices."""

from functools import lru_cache

from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils import translation
from django.utils.choices import BaseChoiceIterator
from django_countries import countries


def choice_label(choices, value):
    """The label of `value` in a TextChoices class, or the value itself if it is not one.

    Model.get_FOO_display() hashes every choice's lazily translated label on each call, which
    translates them all: on a list of a hundred partnerships that is thousands of lookups. This
    translates one.
    """
    try:
        return choices(value).label
    except ValueError:
        return value


def choice_text(choices, value):
    """choice_label() as text in the active language, from a table made once per language and
    TextChoices class: a list of many records translated each label anew."""
    return _choice_texts(choices, translation.get_language()).get(value, value)


@lru_cache(maxsize=64)
def _choice_texts(choices, language):
    with translation.override(language):
        return {member.value: str(member.label) for member in choices}


def country_choices():
    """Every country as (code, name), by name in the active language: what iterating
    django_countries' `countries` gives, built once per language and process. Iterating it
    translates and sorts all 250 names each time, and a filter form does that twice per page
    (validating the choice and writing the menu): a fifth of a partnership list's time."""
    return _country_choices(translation.get_language())


class CountryChoices(BaseChoiceIterator):
    """country_choices() as a form field's choices, read when iterated (in the language of the
    moment): already the (value, label) pairs Django would make of them, so they are not
    normalized again each time (a callable's are, on every pass: validating, writing the menu).
    With `empty_label`, a first choice ("", that label) for a plain form field's "any country"."""

    def __init__(self, empty_label=None):
        self.empty_label = empty_label

    def __iter__(self):
        if self.empty_label is None:
            return iter(country_choices())
        return iter((("", str(self.empty_label)), *country_choices()))


@lru_cache(maxsize=16)
def _country_choices(language):
    with translation.override(language):
        return tuple((code, str(name)) for code, name in countries)


def country_name(code):
    """The name of the country `code` in the active language, or "" (as django_countries'
    `countries.name()`, which looks the code up through its alternative codes and translates
    the name anew each call: a few hundred times a page for the world map's countries)."""
    return _country_names(translation.get_language()).get(code, "")


def country_code(record):
    """The code stored in `record`'s `country` (a CountryField), as `record.country.code` gives
    it: django-countries' descriptor makes a Country object on every read (each looking the
    code up among the alternative codes), 40 of them for a list page's cards (0.3 ms). A
    deferred country is read through the descriptor, which loads it."""
    code = record.__dict__.get("country")
    return record.country.code if code is None else code


def country_names():
    """{code: name} in the active language: country_name() for many codes, the language
    looked up once."""
    return _country_names(translation.get_language())


@lru_cache(maxsize=16)
def _country_names(language):
    return dict(_country_choices(language))


@receiver(setting_changed)
def _forget_country_choices(setting, **kwargs):
    # Only tests change settings; django-countries' own list is forgotten by hand likewise.
    if setting.startswith("COUNTRIES_") or setting in ("LANGUAGES", "LANGUAGE_CODE"):
        _country_choices.cache_clear()
        _country_names.cache_clear()
    if setting in ("LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS"):
        _choice_texts.cache_clear()
