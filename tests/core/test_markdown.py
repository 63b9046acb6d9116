"""Staff Markdown reaches visitors as sanitised HTML, never as a script."""

import html
import threading
from html.parser import HTMLParser

import pytest
from django.utils.html import strip_tags
from pytest_django.asserts import assertContains, assertNotContains

from core import markdown
from core.markdown import ALLOWED_TAGS, render_markdown
from partnerships.models import Partnership

HOSTILE = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click me](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    "<iframe src='https://evil.example'></iframe>",
    '<svg onload="alert(1)"></svg>',
    '<p style="background:url(javascript:alert(1))" onclick="alert(1)">hi</p>',
    "![x](x){: onerror=alert(1) }",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
]


def test_markdown_renders_formatting_and_links():
    html = render_markdown("**Bold** and [a link](https://example.org)\n\n- one\n- two")
    assert "<strong>Bold</strong>" in html
    assert 'href="https://example.org"' in html
    assert 'rel="noopener noreferrer nofollow"' in html
    assert "<li>one</li>" in html


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_markdown_is_made_inert(text):
    html = render_markdown(text).lower()
    assert "<script" not in html
    assert "javascript:" not in html
    assert "onerror" not in html and "onload" not in html and "onclick" not in html
    assert "<iframe" not in html and "<svg" not in html
    assert "style=" not in html


class StartTags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.found = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, [name for name, _value in attrs]))


def start_tags(html):
    parser = StartTags()
    parser.feed(html)
    return parser.found


STYLE_AND_HANDLERS = ' style="position:fixed;inset:0" onclick="alert(1)" onmouseover="alert(2)"'


def with_hostile_attributes(tag):
    """Raw HTML that keeps `tag` where the parser allows it, carrying style and handlers."""
    if tag in ("table", "thead", "tbody", "tr", "th", "td"):
        a = STYLE_AND_HANDLERS
        return (
            f"<table{a}><thead{a}><tr{a}><th{a} scope='col'>h</th></tr></thead>"
            f"<tbody{a}><tr{a}><td{a}>c</td></tr></tbody></table>"
        )
    if tag == "li":
        return f"<ul><li{STYLE_AND_HANDLERS}>item</li></ul>"
    if tag in ("br", "hr"):
        return f"<p>before<{tag}{STYLE_AND_HANDLERS}>after</p>"
    return f"<p>x <{tag}{STYLE_AND_HANDLERS} href='https://example.org'>text</{tag}></p>"


@pytest.mark.parametrize("tag", sorted(ALLOWED_TAGS))
def test_no_allowed_tag_keeps_a_style_or_an_event_handler(tag):
    # A style can lay an invisible link over the whole page; a handler runs script.
    kept = [
        attrs
        for name, attrs in start_tags(render_markdown(with_hostile_attributes(tag)))
        if name == tag
    ]
    assert kept, "the tag itself is kept"
    for attributes in kept:
        assert [a for a in attributes if a == "style" or a.startswith("on")] == []


def test_aligned_table_columns_lose_their_style():
    """Markdown aligns a table column with style= on every cell; the cells are kept bare."""
    html = render_markdown("| City | Since |\n|:-----|------:|\n| Dresden | 1988 |")
    assert "<td>Dresden</td>" in html and "<th>Since</th>" in html
    assert "style=" not in html


def test_each_thread_keeps_one_converter_of_its_own():
    """Building a converter costs more than a paragraph; sharing one between threads (a
    gthread worker) would mix two pages' text, since a converter keeps state while it works."""
    first = markdown._converter()
    assert markdown._converter() is first
    other = []
    thread = threading.Thread(target=lambda: other.append(markdown._converter()))
    thread.start()
    thread.join()
    assert other[0] is not first
    assert other[0].convert("*a*") == first.convert("*a*") == "<p><em>a</em></p>"


def test_empty_text_renders_nothing():
    assert render_markdown("") == ""
    assert render_markdown("   \n") == ""


def test_markdown_as_plain_text_for_feeds_and_calendars():
    """What a calendar or feed shows: the words, no tags, "&" as itself, one space between."""
    text = "**Choir** & *band*\n\n-   from   Dresden\n- to [Hangzhou](https://example.org)"
    assert markdown.markdown_to_text(text) == "Choir & band from Dresden to Hangzhou"
    assert markdown.markdown_to_text("<script>alert(1)</script>Hello") == "Hello"
    assert markdown.markdown_to_text("  ") == ""


@pytest.mark.parametrize(
    "text",
    [
        *HOSTILE,
        "a > b < c & d &amp; e &lt;f&gt; \"quoted\" 'single'",
        '[link](https://example.org "title with > and < and \\"quotes\\"")',
        "<a href='https://example.org' title='x > y'>raw link</a> <b>bold</b>",
        "<!-- a comment --> <![CDATA[ x > y ]]> <?pi x?> <!DOCTYPE html> text",
        '| a | b |\n|---|---|\n| 1 < 2 | 3 > 2 |\n\n```\n<code> & "x"\n```',
        "> quote\n\n* one\n* two\n\n1. x\n2. y\n\n---\n\n## Heading &nbsp; Zürich 上海",
        "line one  \nline two\\\n`a<b>c`",
        "<p>unclosed <em>tags <strong>nested",
        "x < y > z <notatag <<>> &#60;script&#62; &#x3C;",
    ],
)
def test_plain_text_is_what_strip_tags_leaves(text):
    """markdown_to_text() strips nh3's tags by a regular expression: the same text as Django's
    strip_tags(), whatever the Markdown or HTML written."""
    expected = " ".join(html.unescape(strip_tags(render_markdown(text))).split())
    assert markdown.markdown_to_text(text) == expected


@pytest.mark.django_db
@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_in_every_narrative_section_is_inert_on_the_page(
    client, make_partnership, text
):
    fields = Partnership.NARRATIVE_FIELDS
    partnership = make_partnership(**{field: f"{field} {text}" for field in fields})
    response = client.get(partnership.get_absolute_url())
    for field in fields:
        assertContains(response, field)
    assertNotContains(response, "<script>alert")
    assertNotContains(response, "javascript:")
    assertNotContains(response, "onerror=")
