"""Staff write narrative text in Markdown; visitors get sanitised HTML.

Markdown is rendered first, then nh3 (the Rust `ammonia` sanitiser) keeps only an allow-list
of tags, attributes and URL schemes, so no script, event handler or `javascript:` URL survives.
"""

import functools
import html
import re
import threading

import markdown as markdown_lib
import nh3
from django.utils.safestring import mark_safe

ALLOWED_TAGS = {
    "p", "br", "hr", "strong", "em", "b", "i", "code", "pre", "blockquote",
    "ul", "ol", "li", "a", "h2", "h3", "h4", "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "th": {"scope"}, "td": set()}
ALLOWED_URL_SCHEMES = {"http", "https", "mailto"}


_local = threading.local()


def _converter():
    """One Markdown converter per thread: building one (loading its extensions) costs far more
    than converting a paragraph, and a page converts dozens. A converter is not thread-safe."""
    converter = getattr(_local, "converter", None)
    if converter is None:
        converter = _local.converter = markdown_lib.Markdown(
            extensions=["extra", "sane_lists"], output_format="html"
        )
    return converter


def render_markdown(text):
    """Markdown → sanitised HTML, marked safe for templates. Empty text gives ""."""
    if not text or not text.strip():
        return ""
    return mark_safe(_sanitised_html(text))  # noqa: S308 - sanitised by nh3


# The same text always gives the same HTML, so each process keeps the latest few thousand: a
# description shown on several pages, or on one page in several forms, is converted once. The
# text itself is the key, so an edit can never be served its old rendering.
@functools.lru_cache(maxsize=2048)
def _sanitised_html(text):
    rendered = _converter().reset().convert(text)
    return nh3.clean(
        rendered,
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


# A tag of nh3's output: it escapes every "<" and ">" that is not a tag's own, in text and in
# attribute values alike, so each "<…>" is one tag.
TAG = re.compile("<[^>]*>")


@functools.lru_cache(maxsize=2048)
def markdown_to_text(text):
    """Staff Markdown as plain text, for places that take no HTML (feeds, calendars, JSON-LD):
    the sanitised rendering without its tags, entities decoded, whitespace collapsed. The tags
    go by a regular expression: what Django's strip_tags() leaves of nh3's output (the tests
    compare them), at a tenth of its time. Kept by its text, as the sanitised HTML it is made
    from: a calendar converts its 500 descriptions again on every request (0.4 ms)."""
    if not text or not text.strip():
        return ""
    return " ".join(html.unescape(TAG.sub("", _sanitised_html(text))).split())
