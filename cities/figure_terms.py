"""The words key figures are commonly given in, translated by the site.

A key figure's label, unit and note are written by staff in each language (translation.py).
Most figures are counted in a few common words ("Population", "inhabitants", "schools"), and
staff rarely write those again in German and Chinese: a page in another language would show
"etwa 780.000 inhabitants". So a label or unit whose translation is empty but whose English is
one of the words below is shown in the site's own translation of it; only other words fall back
to the English, marked as such (core/translated.py: TranslatedText). Symbols and units of
measurement ("%", "km²", "ha") read the same in every language.

Keys are compared without case or extra spaces; the words are marked for translation here and
translated when shown.
"""

import re

from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_noop as _

from core.translated import ORIGINAL, TranslatedText, column

LABELS = {
    "population": _("Population"),
    "inhabitants": _("Inhabitants"),
    "agglomeration": _("Agglomeration"),
    "metropolitan area": _("Metropolitan area"),
    "area": _("Area"),
    "population density": _("Population density"),
    "unemployment rate": _("Unemployment rate"),
    "students": _("Students"),
    "schools": _("Schools"),
    "districts": _("Districts"),
    "counties": _("Counties"),
}

UNITS = {
    "inhabitants": _("inhabitants"),
    "residents": _("residents"),
    "people": _("people"),
    "students": _("students"),
    "pupils": _("pupils"),
    "schools": _("schools"),
    "districts": _("districts"),
    "counties": _("counties"),
    "visitors": _("visitors"),
    "participants": _("participants"),
    "members": _("members"),
    "projects": _("projects"),
    "years": _("years"),
}

# No letters ("%", "‰", "€"), or a symbol of measurement or currency.
NEUTRAL = re.compile(
    r"[\W\d_]+|(?:km|m|cm|mm|ha|kg|t|°c|kwh|mwh|gwh|eur|usd|cny|rmb)[²³23]?(?:/\w+)?",
    re.IGNORECASE,
)


def key(text):
    return " ".join((text or "").split()).casefold()


def shown_term(obj, field, vocabulary):
    """`obj`'s `field` as the page shows it (a TranslatedText): the active language's text, else
    the site's translation of a known word, else a symbol as it is, else the English marked as a
    fallback."""
    language = get_language()
    original = getattr(obj, column(field, ORIGINAL), None) or ""
    value = getattr(obj, column(field, language), None) if language != ORIGINAL else original
    if value or not original:
        return TranslatedText(value or "")
    known = vocabulary.get(key(original))
    if known is not None and gettext(known) != known:  # else not in this language's catalogue
        return TranslatedText(gettext(known))
    if NEUTRAL.fullmatch(original.strip()):
        return TranslatedText(original)
    return TranslatedText.fallback(original)
