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

Short texts inside a line (a title, a place, a list of participants, a key figure's label) take
the inline forms: `{{ title.marked }}` is the text, or on a fallback `<span lang="en">…</span>`
with a short "(not yet translated)" after it; `inline_note` is that note alone, for an element
that marks itself:
`<dd><span{{ who.lang_attr }}>{{ who|linebreaksbr }}</span>{{ who.inline_note }}</dd>`.
(core/translated.py: TranslatedText.)
"""

from django import template

from core.translated import TranslatedText, translated_text

__all__ = ["TranslatedText", "translated_text"]

register = template.Library()


@register.simple_tag
def translated(obj, field):
    return translated_text(obj, field)
