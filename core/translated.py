"""Content in several languages (django-modeltranslation): explicit columns, fallback, staleness.

English is the original. Each translated field `summary` has the columns `summary_en` (the
original), `summary_de` and `summary_zh_hans`; reading `obj.summary` gives the active language's
text or, when that is empty, the English (MODELTRANSLATION_FALLBACK_LANGUAGES). Queries are
different: modeltranslation rewrites `filter(name=…)` and `order_by("name")` to the active
language's column *without* fallback, and a save under German writes German into the original
column `name`. So code that means "the original" reads `name_en` (`column("name", ORIGINAL)`),
code that means "any language" uses `in_any_language`/`columns`, and ordering by what the
visitor reads uses `translated()` (the active language, else English).

Staleness: neither library records which original a translation was made from. Each translated
model has `translated_from`, e.g. `{"de": {"summary": "3f2a9c0d1b7e"}}`: a fingerprint of the
English text the German summary was written (or confirmed) against. A translation is *missing*
when the English has text and the translation has none, *outdated* when the English changed
since (its fingerprint differs), else *current*. The admin stamps a translation when staff save
it (`stamp_changed`) or confirm it as still right; `load_demo` stamps the demo's.
"""

import hashlib
from functools import lru_cache, wraps

from django.conf import settings
from django.db import models
from django.db.models import F, Q, TextField, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import translation
from django.utils.html import conditional_escape, format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from modeltranslation.translator import NotRegistered, translator
from modeltranslation.utils import build_localized_fieldname, get_language

ORIGINAL = settings.MODELTRANSLATION_DEFAULT_LANGUAGE  # "en"
STAMPS = "translated_from"


class TranslationStamps(models.Model):
    """The bookkeeping of a translated model: which English text each translation was made
    from (see above), so that the admin can tell missing, outdated and current translations."""

    translated_from = models.JSONField(
        default=dict, blank=True, editable=False, verbose_name=_("translated from")
    )

    class Meta:
        abstract = True


MISSING = "missing"
OUTDATED = "outdated"
CURRENT = "current"


def languages():
    """Every content language, the original first: ["en", "de", "zh-hans"]."""
    codes = [code for code, _name in settings.LANGUAGES]
    return [ORIGINAL, *(code for code in codes if code != ORIGINAL)]


def translation_languages():
    """The languages translated from the original: ["de", "zh-hans"]."""
    return languages()[1:]


def column(field, language=None):
    """The column of `field` (a name or a path like "city_a__name") in `language` (default: the
    active one): "city_a__name_de"."""
    *path, name = field.split("__")
    return "__".join([*path, build_localized_fieldname(name, language or get_language())])


# A page reads hundreds of translated texts, each by the name of its column in a language: the
# same few dozen names, built once per process (they depend on the code, not on the data).
_column = lru_cache(maxsize=512)(column)


def columns(field):
    """The columns of `field` in every language, the original first (e.g. for search_fields)."""
    return [column(field, language) for language in languages()]


def per_language(options, fields):
    """`options` (e.g. a form's help texts by field name) for each language's column of
    `fields`: {"summary": "…"} → {"summary_en": "…", "summary_de": "…", …}."""
    return {
        column(name, language): options[name]
        for name in fields
        if name in options
        for language in languages()
    }


def in_any_language(field, lookup, value):
    """A Q matching rows whose `field` matches `value` in any language."""
    q = Q()
    for name in columns(field):
        q |= Q(**{f"{name}__{lookup}": value})
    return q


def translated(field, language=None, output_field=None):
    """An expression: the text of `field` in `language` (default: active), else the original.

    For ordering and annotations; an empty translation counts as none, as on the page.
    """
    language = language or get_language()
    output_field = output_field or TextField()
    original = F(column(field, ORIGINAL))
    if language == ORIGINAL:
        return Coalesce(original, Value(""), output_field=output_field)
    return Coalesce(
        NullIf(F(column(field, language)), Value("")),
        original,
        Value(""),
        output_field=output_field,
    )


def by_name(field, descending=False):
    """An order_by term for what the visitor reads: `field` in the active language, else the
    original. In the original language it is the plain column, so its index still serves the
    order (the world list's 25,000 partnerships are ordered by city name on every list page)."""
    term = F(column(field, ORIGINAL)) if get_language() == ORIGINAL else translated(field)
    return term.desc() if descending else term.asc()


def translated_fields(model):
    """The names of `model`'s translated fields (("name", "summary", …)), or () if none."""
    try:
        options = translator.get_options_for_model(model)
    except NotRegistered:
        return ()
    return tuple(options.fields)


def value_columns(model):
    """What `.values()` needs for the report: every translated field in every language."""
    return [column(name, language) for name in translated_fields(model) for language in languages()]


# --- Shown on a page, marked where it falls back ---------------------------------------------


class TranslatedText(str):
    """A text as a page shows it; on a fallback (the English shown for a missing translation)
    it knows so and marks itself (core/templatetags/translated_tags.py)."""

    is_fallback = False
    language = ORIGINAL

    @classmethod
    def fallback(cls, text, language=ORIGINAL):
        shown = cls(text)
        shown.is_fallback, shown.language = True, language
        return shown

    @property
    def lang_attr(self):
        return format_html(' lang="{}"', self.language) if self.is_fallback else ""

    @property
    def note(self):
        if not self.is_fallback:
            return ""
        return format_html(
            '<p class="untranslated-note">{}</p>',
            gettext("Not yet translated: shown in the original English."),
        )

    @property
    def inline_note(self):
        """A short note after a fallback inside a line: " (not yet translated)"."""
        if not self.is_fallback:
            return ""
        return format_html(
            ' <span class="untranslated-note">{}</span>', gettext("(not yet translated)")
        )

    @property
    def marked(self):
        """Safe HTML for a line: the text, or on a fallback the text in its language's
        <span lang> followed by the short note."""
        if not self.is_fallback:
            return conditional_escape(str(self))
        return format_html(
            '<span lang="{}">{}</span>{}', self.language, str(self), self.inline_note
        )


def translated_text(obj, field, language=None):
    """`obj`'s `field` in the active language, else the English (marked as a fallback).
    `language`: the active one, when the caller reads hundreds of texts and has it at hand."""
    language = language or get_language()
    original = getattr(obj, _column(field, ORIGINAL), None) or ""
    value = getattr(obj, _column(field, language), None) if language != ORIGINAL else original
    if not value and original:
        return TranslatedText.fallback(original)
    return TranslatedText(value or original)


# --- Staleness ----------------------------------------------------------------------------


def fingerprint(text):
    """A short fingerprint of an original text (what a translation was made from)."""
    return hashlib.sha1((text or "").encode(), usedforsecurity=False).hexdigest()[:12]


def _get(record, name):
    return record.get(name) if isinstance(record, dict) else getattr(record, name, None)


def state(record, field, language):
    """MISSING, OUTDATED, CURRENT, or None when the original is empty (nothing to translate).

    `record` is a model instance or a `.values()` dict with the field's columns and the stamps.
    """
    original = _get(record, column(field, ORIGINAL))
    if not original:
        return None
    if not _get(record, column(field, language)):
        return MISSING
    stamps = _get(record, STAMPS) or {}
    if stamps.get(language, {}).get(field) != fingerprint(original):
        return OUTDATED
    return CURRENT


def stamp(obj, fields=None, languages_=None):
    """Record the current original as the source of `obj`'s translations (those with text).

    Only in memory; the caller saves. Returns whether anything changed.
    """
    stamps = dict(getattr(obj, STAMPS) or {})
    changed = False
    for language in languages_ or translation_languages():
        entry = dict(stamps.get(language, {}))
        for field in fields or translated_fields(type(obj)):
            if not getattr(obj, column(field, language), None):
                continue
            mark = fingerprint(getattr(obj, column(field, ORIGINAL), ""))
            if entry.get(field) != mark:
                entry[field] = mark
                changed = True
        if entry:
            stamps[language] = entry
    setattr(obj, STAMPS, stamps)
    return changed


def stamp_changed(obj, changed_data):
    """Stamp the translations a form changed (`form.changed_data`, e.g. ["summary_de"])."""
    for field in translated_fields(type(obj)):
        for language in translation_languages():
            if column(field, language) in changed_data:
                stamp(obj, [field], [language])


# --- Views in the original language ----------------------------------------------------------


def _streamed_in(language, content):
    with translation.override(language):
        yield from content


def in_original_language(view):
    """Run a view in the original language, whatever the request asked for: the open-data
    exports have no language in their address, and their names, texts, labels and links are
    the original's, the same for every client (and every cached copy). A streamed response is
    produced after the view returns, so its content is drawn in that language too."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        with translation.override(ORIGINAL):
            response = view(request, *args, **kwargs)
        if response.streaming:
            response.streaming_content = _streamed_in(ORIGINAL, response.streaming_content)
        # LocaleMiddleware would label it with the visitor's language on the way out.
        response.headers.setdefault("Content-Language", ORIGINAL)
        return response

    return wrapped
