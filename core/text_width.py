"""How wide a line of text is drawn in SVG, estimated without the font: the charts and the
timeline place their labels in Python, before any browser has measured them.

The estimates are generous, so that a label that fits here fits on the screen whatever the
visitor's sans-serif: a Chinese, Japanese or Korean character (and any full-width form) takes
a whole em, capitals and wide letters about 0.75 em, the narrow ones (i, l, t, punctuation,
spaces) a third, any other Latin, Greek or Cyrillic letter and digit 0.6 em. An ellipsis
counts as a whole em (it is one in CJK fonts).
"""

import functools
import unicodedata

ELLIPSIS = "…"
NARROW_CHARACTERS = frozenset(" !'(),-./:;[]`fijlrtI|")
WIDE_LATIN = frozenset("mwMW@%—")


# Labels are measured character by character, thousands per page, from a small alphabet.
@functools.lru_cache(maxsize=4096)
def character_width(character):
    """The width of one character, in em."""
    if character == ELLIPSIS or unicodedata.east_asian_width(character) in {"W", "F"}:
        return 1.0
    if unicodedata.combining(character):
        return 0.0
    if character in WIDE_LATIN:
        return 0.92
    if character in NARROW_CHARACTERS:
        return 0.34
    if character.isupper():
        return 0.75
    return 0.6


def text_width(text, font_size):
    """The width `text` takes at `font_size`, in the same units as the font size."""
    return sum(map(character_width, text)) * font_size


def fit(text, width, font_size):
    """`text` (its white space collapsed) shortened with an ellipsis to at most `width`; an
    empty string when not even one character and the ellipsis fit."""
    text = " ".join(str(text).split())
    if text_width(text, font_size) <= width:
        return text
    room = width - text_width(ELLIPSIS, font_size)
    kept, used = [], 0.0
    for character in text:
        used += character_width(character) * font_size
        if used > room:
            break
        kept.append(character)
    kept = "".join(kept).rstrip()
    return kept + ELLIPSIS if kept else ""
