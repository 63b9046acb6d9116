"""`{% site_header %}` writes what templates/base.html wrote with its own tags, in every
language, for each menu entry as the current page and for others, with and without the
Traditional Chinese notice; and a translation's edit reaches the kept header."""

import pytest
from django.template import engines
from django.test import RequestFactory
from django.urls import Resolver404, resolve
from django.utils import translation

from core.templatetags import layout_tags

# The header as base.html wrote it before the tag.
TEMPLATE = """{% load i18n language_tags %}<a class="skip-link" href="#content">{% translate "Skip to main content" %}</a>
  <header class="site-header">
    <div class="wrap">
      <a class="brand" href="{% page_url 'home' %}">Twinning</a>
      <nav aria-label="{% translate "Main" context "navigation" %}">
        <ul class="nav-list">
          <li><a href="{% page_url 'partnership_list' %}"{% if request.resolver_match.url_name == 'partnership_list' %} aria-current="page"{% endif %}>{% translate "Partnerships" %}</a></li>
          <li><a href="{% page_url 'city_list' %}"{% if request.resolver_match.url_name == 'city_list' %} aria-current="page"{% endif %}>{% translate "Cities" %}</a></li>
          <li><a href="{% page_url 'activity_list' %}"{% if request.resolver_match.url_name == 'activity_list' %} aria-current="page"{% endif %}>{% translate "Activities" %}</a></li>
          <li><a href="{% page_url 'statistics' %}"{% if request.resolver_match.url_name == 'statistics' %} aria-current="page"{% endif %}>{% translate "Statistics" %}</a></li>
        </ul>
      </nav>
      <form class="site-search" role="search" aria-label="{% translate "Site" context "search" %}" method="get" action="{% page_url 'search' %}">
        <label for="site-search-q" class="visually-hidden">{% translate "Search partnerships" %}</label>
        <input type="search" id="site-search-q" name="q" maxlength="200">
        <button type="submit">{% translate "Search" context "button" %}</button>
      </form>
      {% language_switcher %}
      {% traditional_chinese_notice %}
    </div>
  </header>"""  # noqa: E501


def render(source, path, **headers):
    request = RequestFactory().get(path, **headers)
    try:
        request.resolver_match = resolve(request.path_info)
    except Resolver404:  # an unknown address: no match, as on the 404 page
        request.resolver_match = None
    template = engines["django"].from_string(source)
    return template.render({}, request)


@pytest.mark.parametrize("language", ["en", "de", "zh-hans"])
@pytest.mark.parametrize(
    "page",
    ["partnerships/", "cities/", "activities/", "statistics/", "", "search/?q=x", "no-such/"],
)
def test_site_header_writes_what_the_template_wrote(language, page):
    path = f"/{language}/{page}"
    with translation.override(language):
        expected = render(TEMPLATE, path)
        assert render("{% load layout_tags %}{% site_header %}", path) == expected
    assert expected.count('aria-current="page"') == (
        page in ("partnerships/", "cities/", "activities/", "statistics/")
    )


def test_site_header_with_the_traditional_chinese_notice():
    headers = {"HTTP_ACCEPT_LANGUAGE": "zh-Hant-TW,zh;q=0.8"}
    with translation.override("zh-hans"):
        expected = render(TEMPLATE, "/zh-hans/cities/", **headers)
        shown = render("{% load layout_tags %}{% site_header %}", "/zh-hans/cities/", **headers)
    assert shown == expected
    assert "script-notice" in shown


def test_the_kept_header_is_forgotten_with_the_translations(settings):
    with translation.override("de"):
        render("{% load layout_tags %}{% site_header %}", "/de/")
    assert layout_tags._headers
    settings.LOCALE_PATHS = [*settings.LOCALE_PATHS]
    assert not layout_tags._headers
