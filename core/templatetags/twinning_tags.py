from django import template
from django.utils.translation import get_language

from core.markdown import render_markdown

register = template.Library()


@register.filter(name="in_sentence")
def in_sentence_filter(name):
    """A name (of a focus area) as it is written inside a sentence: in lower case, except in
    German, whose nouns keep their capital ("Partnerschaften zum Thema Kultur")."""
    return in_sentence(name)


def in_sentence(name):
    if (get_language() or "").split("-")[0] == "de":
        return str(name)
    return str(name).lower()


@register.filter(name="markdown")
def markdown_filter(text):
    """Render staff-written Markdown as sanitised HTML."""
    return render_markdown(text)


@register.simple_tag(takes_context=True)
def query_with(context, **changes):
    """The current query string with some parameters replaced (for pagination links)."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        params[key] = value
    return params.urlencode()
