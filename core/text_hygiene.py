"""Control characters: refused at every door, removed on every way out.

Text pasted from word processors carries invisible characters (U+000B "vertical tab" from a
soft line break, U+000C from a page break, NUL from broken exports). XML 1.0 cannot hold them, so
one of them in a title breaks every feed that includes it; iCalendar and HTML forbid them too.
Forms, the importer and `loaddata` refuse them with a message naming the character and where it
is; outputs remove any that are already stored (written before these checks, or by hand).

Refused: C0 controls except tab, line feed and carriage return; DEL; C1 controls; lone
surrogates (which cannot be encoded as UTF-8 at all).
"""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.signals import pre_save
from django.utils.translation import gettext as _

CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")

# Names for those that unicodedata leaves unnamed (all C0 and C1 controls are).
_NAMES = {
    "\x00": "NUL",
    "\x0b": "vertical tab",
    "\x0c": "form feed",
    "\x1b": "escape",
    "\x7f": "delete",
}


def describe_character(char):
    """ "U+000B (vertical tab)": the code point, and a name where one helps."""
    code = f"U+{ord(char):04X}"
    name = _NAMES.get(char) or unicodedata.name(char, "")
    if 0xD800 <= ord(char) <= 0xDFFF:
        name = "lone surrogate"
    return f"{code} ({name})" if name else code


def find_control_character(text):
    """The first refused character in text and its 1-based position, or None."""
    found = CONTROL_CHARACTERS.search(text)
    if found is None:
        return None
    return found.group(), found.start() + 1


def control_character_message(text):
    """What to tell a person about the first refused character in text, or "" if none."""
    found = find_control_character(text)
    if found is None:
        return ""
    char, position = found
    return _(
        "Remove the invisible control character %(character)s at position %(position)s "
        "(it often comes with text pasted from a word processor)."
    ) % {"character": describe_character(char), "position": position}


def validate_no_control_characters(value):
    """A form or model validator: a clear error naming the character and where it is."""
    if isinstance(value, str):
        message = control_character_message(value)
        if message:
            raise ValidationError(message, code="control_character")


def text_fields(model):
    """The model's columns that hold text, translation columns (title_de, …) included."""
    return [
        field
        for field in model._meta.concrete_fields
        if isinstance(field, (models.CharField, models.TextField))
    ]


def guard_text_fields(model):
    """Refuse control characters in every text column of `model`, at both doors.

    Validation (full_clean, so every ModelForm and the admin): the validator is appended to the
    field's validator list, as CharField does with max_length, and not passed as validators=,
    which would go into migrations. Saving (any code path, and `loaddata`, which saves raw
    without validating): a pre_save receiver.
    """
    for field in text_fields(model):
        # modeltranslation's columns can share their original's list: add it once.
        if validate_no_control_characters not in field.validators:
            field.validators.append(validate_no_control_characters)
    pre_save.connect(
        refuse_control_characters, sender=model, dispatch_uid=f"text-hygiene-{model._meta.label}"
    )


class ControlCharacterError(ValidationError):
    """Refused on saving. Its text is the plain message, not a list's repr(), and follows the
    arguments, to which `loaddata` adds the fixture file it was loading."""

    def __str__(self):
        return str(self.args[0])


def refuse_control_characters(sender, instance, update_fields=None, **kwargs):
    """A pre_save receiver: no save writes a control character, naming the record and field."""
    for field in text_fields(sender):
        if update_fields is not None and field.name not in update_fields:
            continue  # an older value left alone does not stop saving others
        value = field.value_from_object(instance)
        message = control_character_message(value) if isinstance(value, str) else ""
        if message:
            raise ControlCharacterError(
                _("%(model)s (pk %(pk)s), field %(field)s: %(problem)s")
                % {
                    "model": sender._meta.label,
                    "pk": instance.pk,
                    "field": field.name,
                    "problem": message,
                },
                code="control_character",
            )


def strip_control_characters(value):
    """Text without refused characters; the same for every text in a dict, list or tuple (data
    about to be written as JSON or CSV, which come back as dicts and lists); anything else is
    returned unchanged."""
    if isinstance(value, str):
        return CONTROL_CHARACTERS.sub("", value)
    if isinstance(value, dict):
        return {
            strip_control_characters(key): strip_control_characters(item)
            for key, item in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [strip_control_characters(item) for item in value]
    return value


# A refused character in JSON text: written as it is (DEL, C1 and lone surrogates with
# ensure_ascii=False) or escaped (C0 as \u000b, \b or \f; C1 and surrogates with
# ensure_ascii=True). A literal backslash before "b" or "f" matches too, which only costs a
# needless second pass. Two patterns, each searched quickly for its first character (one of a
# set; a backslash): as alternatives of one pattern every one was tried at every character,
# three times slower (0.67 ms for a partnership page's 23 KB of JSON-LD, now 0.19).
JSON_CONTROL_CHARACTERS = (
    re.compile(r"[\x7f-\x9f\ud800-\udfff]"),
    re.compile(
        r"\\(?:u00(?:0[0-8bcef]|1[0-9a-f]|7f|[89][0-9a-f])|ud[89a-f][0-9a-f]{2}|[bf])",
        re.IGNORECASE,
    ),
)


def dumps_without_control_characters(dumps, value):
    """dumps(value), a JSON text, without refused characters in any of its strings.

    The text is searched once and written again from a cleaned copy only if it shows one:
    cheaper than walking every row of an export of thousands, where they are rare.
    """
    text = dumps(value)
    if _json_has_control_characters(text):
        text = dumps(strip_control_characters(value))
    return text


def _json_has_control_characters(text):
    """Whether JSON_CONTROL_CHARACTERS finds one in `text`, told as in
    encoded_without_control_characters(): a lone surrogate cannot be encoded, DEL and C1 are
    found in the bytes (a partnership page's 23 KB of JSON-LD, with CJK names, took 0.27 ms by
    the first pattern, 0.07 so), only the escapes in the text."""
    try:
        content = text.encode()
    except UnicodeEncodeError:
        return True
    return has_control_bytes(content) or JSON_CONTROL_CHARACTERS[1].search(text) is not None


def encoded_without_control_characters(dumps, value):
    """dumps_without_control_characters(dumps, value) as UTF-8, as a response sends it. The
    characters written as they are (DEL, C1) are searched for in the bytes, twice as quickly
    as in the text (where CJK names make every character two bytes wide); a lone surrogate
    cannot be encoded; C0 characters are always escaped, and only the escapes are searched for
    in the text."""
    text = dumps(value)
    try:
        content = text.encode()
    except UnicodeEncodeError:
        content = None
    if content is None or has_control_bytes(content) or JSON_CONTROL_CHARACTERS[1].search(text):
        content = dumps(strip_control_characters(value)).encode()
    return content


# The same characters as UTF-8 bytes (lone surrogates cannot be encoded, so never occur there):
# for cleaning a rendered page without decoding it.
CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f]")


_C0_AND_DEL_BYTES = bytes([*range(0x00, 0x09), 0x0B, 0x0C, *range(0x0E, 0x20), 0x7F])
_C1_BYTES = re.compile(rb"\xc2[\x80-\x9f]")


def has_control_bytes(content):
    # Nearly every page has none and comes through here on each request: two scans in C (a
    # translate, a search for a literal byte) tell that four times faster than CONTROL_BYTES.
    return (
        len(content.translate(None, _C0_AND_DEL_BYTES)) != len(content)
        or _C1_BYTES.search(content) is not None
    )


def strip_control_bytes(content):
    return CONTROL_BYTES.sub(b"", content) if has_control_bytes(content) else content


# Text responses that are UTF-8 and can carry stored text; binary responses are never touched.
TEXT_TYPES = ("text/", "application/json", "application/xml", "application/javascript")
TEXT_SUFFIXES = ("+json", "+xml")


def is_text_response(response):
    """Whether a response's body is UTF-8 text (a page, a feed, JSON), not a PDF or a picture."""
    content_type = response.get("Content-Type", "").split(";")[0].strip().lower()
    return (
        content_type.startswith(TEXT_TYPES) or content_type.endswith(TEXT_SUFFIXES)
    ) and response.charset.lower().replace("_", "-") in ("utf-8", "utf8")


def clean_response_text(response):
    """The body of a whole response with control characters removed if it is text."""
    if is_text_response(response):
        return strip_control_bytes(response.content)
    return response.content
