"""iCalendar (RFC 5545) content lines written directly, as the icalendar library writes them.

A calendar of 500 events made of icalendar's objects took longer to serialise than everything
else in its request: each property is an object, each line is built from its parts and folded
character by character. The events' lines are simple (a name, at most one parameter, a TEXT,
DATE, DATE-TIME or URI value), so they are written here as text, byte for byte what icalendar
writes for the same values (tests/core/test_ical.py proves it, and parses the result with
icalendar). Parsing stays with the library.
"""

import datetime
import functools

# A line is folded when it reaches this many octets; each piece before a fold then holds at
# most FOLD_AT - 1 octets (icalendar's rule, stricter than RFC 5545's 75 without the CRLF).
FOLD_AT = 75
FOLD = "\r\n "
_FOLD_OCTETS = FOLD.encode()
CRLF = "\r\n"
_BACKSLASH, _CARET = ord("\\"), ord("^")


def escape_text(text):
    r"""A TEXT value (RFC 5545 3.3.11): backslash, semicolon and comma escaped, each line break
    (CRLF, LF or a lone CR) written as \n. The same replacements in the same order as
    icalendar's, including its reading of a literal "\N" as a line break; each only where its
    character occurs (a test for it costs half of a replacement that finds nothing, and most
    texts hold only one or two of the six)."""
    if "\\" in text:
        text = text.replace("\\N", "\n").replace("\\", "\\\\")
    if ";" in text:
        text = text.replace(";", "\\;")
    if "," in text:
        text = text.replace(",", "\\,")
    if "\r" in text:
        text = text.replace("\r\n", "\\n")
    if "\n" in text:
        text = text.replace("\n", "\\n")
    if "\r" in text:
        text = text.replace("\r", "\\n")
    return text


def fold(line):
    """One content line folded (RFC 5545 3.1): a CRLF and a space inserted before the line
    reaches FOLD_AT octets of UTF-8, never inside a character, and, as icalendar does, not
    between a backslash (or RFC 6868's caret) and the character it escapes."""
    if len(line) < FOLD_AT and line.isascii():  # most lines: short, one octet a character
        return line
    return _folded(line)


# The others kept by their text, a conversion keyed by its input: a calendar folds its 500
# summaries and descriptions again on every request, 0.8 ms of cutting octets in Python.
@functools.lru_cache(maxsize=4096)
def _folded(line):
    encoded = line.encode()
    end = len(encoded)
    if end < FOLD_AT:
        return line
    pieces = []
    start = 0
    while end - start >= FOLD_AT:
        cut = start + FOLD_AT - 1
        while encoded[cut] & 0xC0 == 0x80:  # a continuation byte: inside a character
            cut -= 1
        if encoded[cut - 1] in (_BACKSLASH, _CARET):
            cut -= 1
        pieces.append(encoded[start:cut])
        start = cut
    pieces.append(encoded[start:])
    return _FOLD_OCTETS.join(pieces).decode()


def date_value(date):
    """A DATE value: 20261207."""
    return f"{date.year:04d}{date.month:02d}{date.day:02d}"


def utc_value(moment):
    """A DATE-TIME value in UTC (form 2): 20261207T043728Z. `moment` must be aware."""
    moment = moment.astimezone(datetime.UTC)
    return f"{date_value(moment)}T{moment.hour:02d}{moment.minute:02d}{moment.second:02d}Z"


def line(name, value):
    """One content line, folded and ended by CRLF: `value` written as it is (a URI, a DATE-TIME,
    text already escaped)."""
    return fold(f"{name}:{value}") + CRLF


def text_line(name, value):
    """One content line of a TEXT value, escaped, folded and ended by CRLF."""
    return fold(f"{name}:{escape_text(value)}") + CRLF


def to_ical(lines):
    """Content lines (text) folded, each ended by CRLF, as UTF-8: encoded once, not by line."""
    return "".join([fold(line) + CRLF for line in lines]).encode()
