"""Content in the visitor's language, or the English original marked as not yet translated.

    {% load translated_tags %}
    {% translated partnership "summary" as summary %}
    {% if summary %}{{ summary.note }}
    <div class="prose"{{ summary.lang_attr }}>{{ summary|markdown }}</div>{% endif %}

`summary` is the text itself (a str: filters such as `markdown` take it as it is), with
`is_fallback` (the English shown for a missing translation), `note` (a visible "Not yet
translated" line, or nothing) and `lang_attr` (` lang="en"` on a fallback, so screen readers and
browsers read it as English). An empty translation never leaves an empty section: the English
is shown instead, and a section is left out only when the English is empty too.
"""

from django import template
from django.utils.html import format_html
from django.utils.translation import gettext
from modeltranslation.utils import get_language as active_language

from core.translated import ORIGINAL, column

register = template.Library()


class TranslatedText(str):
    is_fallback = False
    language = ORIGINAL

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


def translated_text(obj, field):
    """`obj`'s `field` in the active language, else the English (marked as a fallback)."""
    language = active_language()
    original = getattr(obj, column(field, ORIGINAL), None) or ""
    value = getattr(obj, column(field, language), None) if language != ORIGINAL else original
    text = TranslatedText(value or original)
    if not value and original:
        text.is_fallback = True
    return text


@register.simple_tag
def translated(obj, field):
    return translated_text(obj, field)
