"""Visitors who read Traditional Chinese, on a site that has Simplified Chinese only.

A browser that asks for zh-TW, zh-HK, zh-MO or zh-Hant is sent to the Simplified Chinese pages
(/zh-hans/: Django takes the closest language the site has). That is a fair fallback, but the
page says so: a short notice in the header, written in Traditional characters, for whoever's
Accept-Language names a Traditional variant as their first Chinese.

Server-side, not a script reading navigator.languages: the notice is then there without
JavaScript, and the test can see it. The page cache keeps the two copies of a Chinese page
apart (core/page_cache.py adds `page_variant()` to the key and Vary: Accept-Language to the
response), so the notice is never served to a zh-CN visitor from a zh-TW visitor's copy, nor
left out for the next zh-TW visitor. Only Chinese pages have a second copy.
"""

import re

from django.utils.translation import get_language
from django.utils.translation.trans_real import parse_accept_lang_header

SIMPLIFIED = "zh-hans"
_TRADITIONAL = re.compile(r"zh-(?:hant|tw|hk|mo)(?:-|$)")
# For readers of Traditional characters, so written in them (and marked lang="zh-Hant"); not a
# translation of the site's, which has no Traditional Chinese to translate into.
NOTICE = "本站暫無繁體中文版本，以下為簡體中文。"


def prefers_traditional_chinese(request):
    """Whether the first Chinese of the visitor's Accept-Language is a Traditional one."""
    for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        if code == "zh" or code.startswith("zh-"):
            return bool(_TRADITIONAL.match(code))
    return False


def shows_traditional_notice(request, language=None):
    """Whether this request's page carries the notice: a Chinese page, for such a visitor.
    `language`: the page's, when not yet the active one."""
    return (language or get_language()) == SIMPLIFIED and prefers_traditional_chinese(request)


def page_variant(request, language=None):
    """What, besides the address, tells one cached copy of a page from another: "" for most,
    "zh-hant" for a Chinese page with the notice."""
    return "zh-hant" if shows_traditional_notice(request, language) else ""


def varies(request):
    """Whether the page depends on Accept-Language (a Chinese page: the notice)."""
    return get_language() == SIMPLIFIED
