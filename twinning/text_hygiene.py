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


def strip_control_characters(value):
    """Text without refused characters; anything else is returned unchanged."""
    if isinstance(value, str):
        return CONTROL_CHARACTERS.sub("", value)
    return value


# The same characters as UTF-8 bytes (lone surrogates cannot be encoded, so never occur there):
# for cleaning a rendered page without decoding it.
CONTROL_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|\xc2[\x80-\x9f]")


def strip_control_bytes(content):
    return CONTROL_BYTES.sub(b"", content)
