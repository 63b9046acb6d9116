"""The page in the other languages: the switcher's links and the `hreflang` alternates.

Both come from `translate_url`, which resolves the current address and reverses it under each
language, so a visitor switching language stays on the same page (query string and all).
Pages outside the language prefixes (the admin, an unknown address) have no alternates.
"""

from html import escape
from urllib.parse import unquote, urlsplit, urlunsplit

from django import template
from django.conf import settings
from django.urls import (
    NoReverseMatch,
    Resolver404,
    get_script_prefix,
    get_urlconf,
    resolve,
    reverse,
)
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, get_language_info, gettext, override

from core.addresses import address_for
from core.chinese_script import NOTICE, shows_traditional_notice

from .seo_tags import canonical_url

register = template.Library()


def in_each_language(path, request=None):
    """[translate_url(path, code) for each language], the path resolved once, not once per
    language: the same addresses (an unknown path, or a name missing in a language, stays as
    it is) for a third of the work. Not resolved at all when it is the `request`'s own path:
    Django resolved that already (a third of the rest)."""
    parsed = urlsplit(path)
    path_info = unquote(parsed.path)
    match = getattr(request, "resolver_match", None)
    if match is None or path_info != request.path_info:
        try:
            match = resolve(path_info)
        except Resolver404:
            return [path for _code in settings.LANGUAGES]
    name = f"{match.namespace}:{match.url_name}" if match.namespace else match.url_name
    urls = []
    for code, _name in settings.LANGUAGES:
        try:
            if match.args or match.kwargs:
                with override(code):
                    url = reverse(name, args=match.args, kwargs=match.kwargs)
            else:
                url = page_address(name, code)
        except NoReverseMatch:
            urls.append(path)
        else:
            urls.append(urlunsplit((*parsed[:2], url, *parsed[3:])))
    return urls


_page_addresses = {}  # (name, language, URLconf, script prefix) -> address


def page_address(name, language):
    """reverse(name) in `language` for a page without arguments (the header's links, a list's
    alternates), worked out once per process: a pure function of the name, the language, the
    URLconf and the script prefix, which are its key (a few dozen addresses in all). 10-15 µs
    an address otherwise, a dozen times on every page."""
    key = (name, language, get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
    url = _page_addresses.get(key)
    if url is None:
        with override(language):
            url = _page_addresses[key] = reverse(name)
    return url


def alternates(path, request=None):
    """[(language code, its name in itself, the path in it, is current)] for a path of this
    site, or [] when the page is not translated (its address is the same in every language)
    or the "path" names another host (a request for //elsewhere.example/en/ must not turn the
    switcher into links to elsewhere)."""
    if path.startswith("//") or urlsplit(path).netloc:
        return []
    current = get_language()
    links = [
        (code, get_language_info(code)["name_local"], url, code == current)
        for (code, _name), url in zip(
            settings.LANGUAGES, in_each_language(path, request), strict=True
        )
    ]
    if len({url for _code, _name, url, _current in links}) < len(links):
        return []
    return links


def request_alternates(request, path):
    """alternates(path), worked out once per request: the head's hreflang links and the
    header's switcher ask for the same path on every page without a query string."""
    memo = request.__dict__.setdefault("_language_alternates", {})
    key = (path, get_language())
    if key not in memo:
        memo[key] = alternates(path, request)
    return memo[key]


# The switcher and the alternates are on every page: written here rather than by templates,
# whose loops cost a tenth of an empty page (issue 23); the same HTML, byte for byte (escape()
# is what autoescaping applies to the plain strings they are made of).
_CURRENT = ' aria-current="true"'


@register.simple_tag(takes_context=True)
def language_switcher(context):
    """The page in each language, filters and all: the visitor stays where they are."""
    request = context.get("request")
    links = request_alternates(request, request.get_full_path()) if request is not None else []
    if not links:
        return mark_safe("\n")
    items = "".join(
        f'\n    <li><a href="{escape(url)}" hreflang="{escape(code)}" lang="{escape(code)}"'
        f"{_CURRENT if current else ''}>{escape(name)}</a></li>\n    "
        for code, name, url, current in links
    )
    return mark_safe(  # noqa: S308 - every value escaped above
        f'<nav class="language-switcher" aria-label="{escape(gettext("Language"))}">\n'
        f"  <ul>\n    {items}\n  </ul>\n</nav>\n"
    )


@register.simple_tag(takes_context=True)
def hreflang_links(context):
    """<link rel="alternate" hreflang> for each language, and x-default: as in the sitemap,
    the address without a language, which LocaleMiddleware sends on to the visitor's. Built
    from the canonical address, so the alternates of a filtered list agree with its canonical
    (the unfiltered list) as search engines expect."""
    request = context.get("request")
    canonical = canonical_url(context)
    if request is None or not canonical:
        return mark_safe("\n")
    parts = urlsplit(canonical)
    links = request_alternates(request, parts.path + (f"?{parts.query}" if parts.query else ""))
    absolute = [(code, request.build_absolute_uri(url)) for code, _name, url, _current in links]
    english = dict(absolute).get(settings.LANGUAGE_CODE)
    prefix = f"/{settings.LANGUAGE_CODE}/"
    default = english.replace(prefix, "/", 1) if english else None
    html = "".join(
        f'<link rel="alternate" hreflang="{escape(code)}" href="{escape(url)}">\n  '
        for code, url in absolute
    )
    if default:
        html += f'<link rel="alternate" hreflang="x-default" href="{escape(default)}">'
    return mark_safe(html + "\n")  # noqa: S308 - every value escaped above


@register.simple_tag
def page_url(name):
    """{% url name %} for a page without arguments, in the active language (page_address())."""
    return page_address(name, get_language())


@register.simple_tag
def slug_url(name, slug):
    """{% url name slug=slug %}, from one reverse() per pattern and language
    (core.addresses.address_for): for a list's links to records."""
    return address_for(name, slug)


@register.simple_tag(takes_context=True)
def traditional_chinese_notice(context):
    """On a Chinese page, for a visitor whose browser asked for Traditional Chinese: that the
    site has none (core/chinese_script.py; the page cache keeps this copy apart)."""
    request = context.get("request")
    if request is None or not shows_traditional_notice(request):
        return ""
    return format_html('<p class="script-notice" lang="zh-Hant">{}</p>', NOTICE)
