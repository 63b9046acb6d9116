"""Staff Markdown reaches visitors as sanitised HTML, never as a script."""

import pytest
from pytest_django.asserts import assertContains, assertNotContains

from partnerships.models import Partnership
from twinning.markdown import render_markdown

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


def test_empty_text_renders_nothing():
    assert render_markdown("") == ""
    assert render_markdown("   \n") == ""


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
