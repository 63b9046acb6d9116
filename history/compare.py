"""What changed between two stored versions of a record, in words a member of staff can read.

Pure functions for the admin's "Compare" page: they take a model's field metadata, the values
django-reversion stored (`Version.field_dict`: attribute name → value, a list of primary keys
for a many-to-many field) and the names of related records (looked up by the caller), and
return the changes, field by field, labelled with the fields' verbose names and shown with
their display values (a choice's label, a related record's name).

Changed text comes as HTML with deletions in <del> and insertions in <ins>; every piece of the
stored text in it is escaped, so hostile input stays inert. Line breaks count as the same
whatever their form: a browser sends a text area's as CRLF, so text first stored with LF (the
demo, an import) would otherwise differ in every paragraph the first time a form saves it.
"""

import datetime
import difflib
import re
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from core.translated import translated_fields

EMPTY = "—"

# Words and the whitespace between them: a diff over these tokens keeps line breaks.
TOKENS = re.compile(r"\s+|\S+")
# Beyond this many words, compare line by line; beyond this many lines, show old and new whole.
MAX_WORDS = 5000
MAX_LINES = 2000


@dataclass(frozen=True)
class FieldChange:
    name: str
    label: str
    old: str
    new: str
    # For text: the word-by-word difference as escaped HTML; None for other values.
    diff: SafeString | None = None


@dataclass
class PartChanges:
    """What happened to one kind of part (milestones, key figures, …) between two versions."""

    label: str
    added: list = field(default_factory=list)  # names
    removed: list = field(default_factory=list)  # names
    changed: list = field(default_factory=list)  # (name, [FieldChange, …])

    def __bool__(self):
        return bool(self.added or self.removed or self.changed)


def _diff_tokens(old_tokens, new_tokens):
    parts = []
    matcher = difflib.SequenceMatcher(None, old_tokens, new_tokens, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            parts.append(escape("".join(old_tokens[i1:i2])))
            continue
        if i2 > i1:
            parts.append(format_html("<del>{}</del>", "".join(old_tokens[i1:i2])))
        if j2 > j1:
            parts.append(format_html("<ins>{}</ins>", "".join(new_tokens[j1:j2])))
    return mark_safe("".join(parts))  # noqa: S308 - every piece above is escaped


def same_line_breaks(text):
    """`text` with its line breaks as LF (a browser's CRLF, an old Mac's CR)."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def text_diff(old, new):
    """`old` → `new` as HTML: unchanged text plain, removed words in <del>, added in <ins>."""
    old, new = same_line_breaks(old or ""), same_line_breaks(new or "")
    old_words, new_words = TOKENS.findall(old), TOKENS.findall(new)
    if max(len(old_words), len(new_words)) <= MAX_WORDS:
        return _diff_tokens(old_words, new_words)
    old_lines, new_lines = old.splitlines(keepends=True), new.splitlines(keepends=True)
    if max(len(old_lines), len(new_lines)) <= MAX_LINES:
        return _diff_tokens(old_lines, new_lines)
    return _diff_tokens([old], [new])


def is_text(model_field):
    return model_field.get_internal_type() in {"CharField", "TextField", "SlugField", "URLField"}


def _is_empty(value):
    return value is None or value == "" or value == []


def display_value(model_field, value, names=None):
    """How `value` of `model_field` reads on a page: labels for choices, names for relations."""
    names = names or {}
    if _is_empty(value):
        return EMPTY
    if model_field.many_to_many:
        related = model_field.related_model
        return ", ".join(sorted(_name_of(names, related, pk) for pk in value))
    if model_field.is_relation:
        return _name_of(names, model_field.related_model, value)
    if model_field.choices:
        labels = {str(key): label for key, label in model_field.flatchoices}
        return str(labels.get(str(value), value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)  # stored in UTC; read in the site's time zone
    return str(localize(value))


def _name_of(names, model, pk):
    name = names.get((model, pk))
    if name is None:
        return _("#%(pk)s (no longer exists)") % {"pk": pk}
    return str(name)


def compared_fields(model, exclude=()):
    """The fields a member of staff edits, in the model's order (no keys, no timestamps).

    A translated field counts in its languages ("Summary (English)", "Summary (German)"), not in its
    original column, which holds whichever language was saved last (core/translated.py).
    """
    exclude = {*exclude, *translated_fields(model)}
    return [
        f
        for f in [*model._meta.concrete_fields, *model._meta.many_to_many]
        if f.editable and not f.primary_key and f.name not in exclude
    ]


def _comparable(model_field, value):
    if model_field.many_to_many:
        return sorted(value or [])
    if isinstance(value, str):
        value = same_line_breaks(value)
    return None if _is_empty(value) else value


def field_changes(model, old, new, names=None, exclude=()):
    """The fields whose stored value differs between `old` and `new`, as FieldChanges."""
    changes = []
    for model_field in compared_fields(model, exclude):
        key = model_field.attname
        if key not in old and key not in new:
            continue
        before, after = old.get(key), new.get(key)
        if _comparable(model_field, before) == _comparable(model_field, after):
            continue
        diff = None
        if is_text(model_field) and not model_field.choices:
            diff = text_diff(before, after)
        changes.append(
            FieldChange(
                name=model_field.name,
                label=capfirst(str(model_field.verbose_name)),
                old=display_value(model_field, before, names),
                new=display_value(model_field, after, names),
                diff=diff,
            )
        )
    return changes


def part_changes(model, old_parts, new_parts, names=None, exclude=()):
    """Parts added, removed and changed between two versions of their parent.

    `old_parts` and `new_parts` map each part's primary key to (name, stored values).
    """
    result = PartChanges(label=capfirst(str(model._meta.verbose_name_plural)))
    for pk in sorted(new_parts.keys() - old_parts.keys(), key=str):
        result.added.append(new_parts[pk][0])
    for pk in sorted(old_parts.keys() - new_parts.keys(), key=str):
        result.removed.append(old_parts[pk][0])
    for pk in sorted(old_parts.keys() & new_parts.keys(), key=str):
        changes = field_changes(model, old_parts[pk][1], new_parts[pk][1], names, exclude)
        if changes:
            result.changed.append((new_parts[pk][0], changes))
    return result


def related_keys(model, *values, exclude=()):
    """Which related records' names `field_changes` needs: {related model: {primary key, …}}."""
    wanted = {}
    for model_field in compared_fields(model, exclude):
        if not model_field.is_relation:
            continue
        for stored in values:
            value = stored.get(model_field.attname)
            if _is_empty(value):
                continue
            pks = value if model_field.many_to_many else [value]
            wanted.setdefault(model_field.related_model, set()).update(pks)
    return wanted
