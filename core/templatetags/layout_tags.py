"""What every page's layout (templates/base.html) writes around its content, in Python.

The header's skip link, brand, menu and search form are the same on every page of a language,
but for which menu entry is the current page: as template text they were eight translations,
five addresses and four comparisons on every page, a quarter of an empty page's template work
(issue 23). Written once per process for each key and kept: a pure function of the language,
the current page's menu entry, the URLconf and the script prefix (a few dozen texts in all);
forgotten when the settings they come from change (tests). The same HTML, byte for byte (a
test holds it equal to the template text it replaced): `{% translate %}` writes a template
literal's translation unescaped (Django marks it safe), `{% page_url %}` escaped.
"""

from django import template
from django.conf import settings
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.urls import get_script_prefix, get_urlconf
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext, pgettext

from .language_tags import language_switcher, page_address, traditional_chinese_notice

register = template.Library()

# The menu's pages, in its order, with their labels (msgids of the template's translations).
MENU = ("partnership_list", "city_list", "activity_list", "statistics")
_headers = {}  # (language, current menu entry or None, URLconf, script prefix) -> HTML
_CURRENT = ' aria-current="page"'


@register.simple_tag(takes_context=True)
def site_header(context):
    """The skip link and the header: the menu in the active language with the current page's
    entry marked, the search form, then the language switcher and the notice, which are the
    request's own (language_tags)."""
    return mark_safe(  # noqa: S308 - each part is safe HTML
        f"{_kept_header(context)}\n      {language_switcher(context)}\n      "
        f"{traditional_chinese_notice(context)}\n    </div>\n  </header>"
    )


def _kept_header(context):
    request = context.get("request")
    match = getattr(request, "resolver_match", None)
    current = getattr(match, "url_name", None)
    language = get_language()
    key = (
        language,
        current if current in MENU else None,
        get_urlconf() or settings.ROOT_URLCONF,
        get_script_prefix(),
    )
    html = _headers.get(key)
    if html is None:
        html = _headers[key] = _header_html(language, key[1])
    return html


def _header_html(language, current):
    def url(name):
        return escape(page_address(name, language))

    labels = (gettext("Partnerships"), gettext("Cities"), gettext("Activities"))
    labels += (gettext("Statistics"),)
    items = "".join(
        f'          <li><a href="{url(name)}"{_CURRENT if name == current else ""}>{label}</a>'
        "</li>\n"
        for name, label in zip(MENU, labels, strict=True)
    )
    return mark_safe(  # noqa: S308 - addresses escaped; translations as {% translate %} writes them
        f'<a class="skip-link" href="#content">{gettext("Skip to main content")}</a>\n'
        '  <header class="site-header">\n'
        '    <div class="wrap">\n'
        f'      <a class="brand" href="{url("home")}">Twinning</a>\n'
        f'      <nav aria-label="{pgettext("navigation", "Main")}">\n'
        '        <ul class="nav-list">\n'
        f"{items}"
        "        </ul>\n"
        "      </nav>\n"
        f'      <form class="site-search" role="search" aria-label="{pgettext("search", "Site")}"'
        f' method="get" action="{url("search")}">\n'
        '        <label for="site-search-q" class="visually-hidden">'
        f"{gettext('Search partnerships')}</label>\n"
        '        <input type="search" id="site-search-q" name="q" maxlength="200">\n'
        f'        <button type="submit">{pgettext("button", "Search")}</button>\n'
        "      </form>"
    )


@receiver(setting_changed)
def _forget_headers(setting, **kwargs):
    # Only tests change settings: the languages, their catalogues, the URLconf.
    if setting in ("LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS", "ROOT_URLCONF"):
        _headers.clear()
