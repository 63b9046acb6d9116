"""The page in the other languages: the switcher's links and the `hreflang` alternates.

Both come from `translate_url`, which resolves the current address and reverses it under each
language, so a visitor switching language stays on the same page (query string and all).
Pages outside the language prefixes (the admin, an unknown address) have no alternates.
"""

from urllib.parse import urlsplit

from django import template
from django.conf import settings
from django.urls import translate_url
from django.utils.html import format_html
from django.utils.translation import get_language, get_language_info

from core.chinese_script import NOTICE, shows_traditional_notice

from .seo_tags import canonical_url

register = template.Library()


def alternates(path):
    """[(language code, its name in itself, the path in it, is current)] for a path of this
    site, or [] when the page is not translated (its address is the same in every language)
    or the "path" names another host (a request for //elsewhere.example/en/ must not turn the
    switcher into links to elsewhere)."""
    if path.startswith("//") or urlsplit(path).netloc:
        return []
    current = get_language()
    links = [
        (code, get_language_info(code)["name_local"], translate_url(path, code), code == current)
        for code, _name in settings.LANGUAGES
    ]
    if len({url for _code, _name, url, _current in links}) < len(links):
        return []
    return links


@register.inclusion_tag("includes/language_switcher.html", takes_context=True)
def language_switcher(context):
    """The page in each language, filters and all: the visitor stays where they are."""
    request = context.get("request")
    return {"links": alternates(request.get_full_path()) if request is not None else []}


@register.inclusion_tag("includes/hreflang.html", takes_context=True)
def hreflang_links(context):
    """<link rel="alternate" hreflang> for each language, and x-default: as in the sitemap,
    the address without a language, which LocaleMiddleware sends on to the visitor's. Built
    from the canonical address, so the alternates of a filtered list agree with its canonical
    (the unfiltered list) as search engines expect."""
    request = context.get("request")
    canonical = canonical_url(context)
    if request is None or not canonical:
        return {"alternates": [], "default": None}
    parts = urlsplit(canonical)
    links = alternates(parts.path + (f"?{parts.query}" if parts.query else ""))
    absolute = [(code, request.build_absolute_uri(url)) for code, _name, url, _current in links]
    english = dict(absolute).get(settings.LANGUAGE_CODE)
    prefix = f"/{settings.LANGUAGE_CODE}/"
    default = english.replace(prefix, "/", 1) if english else None
    return {"alternates": absolute, "default": default}


@register.simple_tag(takes_context=True)
def traditional_chinese_notice(context):
    """On a Chinese page, for a visitor whose browser asked for Traditional Chinese: that the
    site has none (core/chinese_script.py; the page cache keeps this copy apart)."""
    request = context.get("request")
    if request is None or not shows_traditional_notice(request):
        return ""
    return format_html('<p class="script-notice" lang="zh-Hant">{}</p>', NOTICE)
