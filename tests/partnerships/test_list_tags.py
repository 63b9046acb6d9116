"""The partnership list's cards and the search's results written in Python (list_tags) say
what the includes say: includes/partnership_card.html and includes/search_results.html, the
references they are held to."""

import datetime

import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from partnerships import search
from partnerships.models import Partnership
from partnerships.templatetags.list_tags import partnership_cards, search_results


@pytest.fixture
def varied(make_partnership, make_city, make_focus_area):
    culture = make_focus_area(name="Culture & <arts>", name_de="Kultur & Künste")
    sport = make_focus_area(name="Sport", name_zh_hans="体育")
    make_partnership(
        city_a=make_city(name="Dresden", name_zh_hans="德累斯顿"),
        city_b=make_city(name="<Hangzhou> & Co", country="CN"),
        established=datetime.date(2009, 10, 16),
        established_precision="day",
        focus_areas=[sport, culture],
    )
    make_partnership(
        city_a=make_city(name="Pristina", country="XK"),
        city_b=make_city(name="Ōsaka", name_de="Osaka", country="JP"),
        established=None,
        kind=Partnership.Kind.FRIENDSHIP,
        status=Partnership.Status.ENDED,
    )
    make_partnership(established=datetime.date(1990, 1, 1), established_precision="year")


@pytest.mark.parametrize("language", ["en", "de", "zh-hans"])
def test_the_cards_write_what_the_include_writes(varied, language):
    with translation.override(language):
        for queryset in (Partnership.objects.listed(), Partnership.objects.listed().for_cards()):
            partnerships = list(queryset)
            expected = "".join(
                render_to_string("includes/partnership_card.html", {"partnership": partnership})
                for partnership in partnerships
            )
            assert partnership_cards(partnerships) == expected
    assert "&lt;Hangzhou&gt; &amp; Co" in expected


def test_the_cards_read_nothing_more(client, varied, make_partnership, django_assert_num_queries):
    for _ in range(5):
        make_partnership()
    page = list(Partnership.objects.listed().for_cards())
    with django_assert_num_queries(0):
        partnership_cards(page)
    html = client.get(reverse("partnership_list")).content.decode()
    assert html.count('<article class="card">') == 8
    assert "Kultur" not in html and "Culture &amp; &lt;arts&gt;" in html


@pytest.mark.parametrize("language", ["en", "de", "zh-hans"])
def test_the_search_results_write_what_the_include_writes(varied, language):
    with translation.override(language):
        results = list(Partnership.objects.listed())
        for partnership, snippet in zip(
            results,
            [search.marked_html("a \ue000match\ue001 <b>"), "", "plain & text"],
            strict=True,
        ):
            partnership.snippet = snippet
        expected = render_to_string("includes/search_results.html", {"results": results})
        assert search_results(results) == expected.removesuffix("\n")
    assert "&lt;Hangzhou&gt; &amp; Co" in expected and "<mark>match</mark> &lt;b&gt;" in expected
    assert "plain &amp; text" in expected


@pytest.mark.parametrize("query", ["", "?country=CN", "?q=Dresden", "?country=DE&kind=twinning"])
def test_the_list_reads_narrow_rows_but_by_country_on_postgresql(client, varied, query):
    # The cards' columns alone; by country on PostgreSQL whole rows, which keep its plan
    # (PartnershipQuerySet.whole_rows_on_postgresql).
    response = client.get(reverse("partnership_list") + query)
    partnerships = list(response.context["partnerships"])
    assert partnerships
    whole = connection.vendor == "postgresql" and "country" in query
    for partnership in partnerships:
        assert ("summary" in partnership.get_deferred_fields()) is not whole
        assert ("summary" in partnership.city_a.get_deferred_fields()) is not whole


def test_the_api_list_reads_narrow_rows(varied):
    partnership = Partnership.objects.listed().for_api_list().first()
    assert {"character", "funding"} <= partnership.get_deferred_fields()
    assert "summary" not in partnership.get_deferred_fields()


# The home page's loops the tags replaced (templates/twinning/home.html before issue 23's sixth
# session), each the reference its tag is held to.
VITALITY_LOOP = (
    "{% load humanize i18n %}{% for row in by_vitality %}{% if row.value %}"
    "<a href=\"{% url 'partnership_list' %}?vitality={{ row.slug }}\">{% blocktranslate trimmed "
    "with state=row.label number=row.value|intcomma %}{{ state }}: {{ number }}"
    "{% endblocktranslate %}</a>{% endif %}{% endfor %}"
)
COUNTRY_LOOP = """
        {% for country in world_map.countries %}
        <li><a href="{% url 'partnership_list' %}?country={{ country.code|urlencode }}">{{ country.name }}</a>: {{ country.partnerships }}</li>
        {% endfor %}
"""  # noqa: E501 (the template's own line)
LINK_LOOP = """
        {% for link in world_map.top_links %}
        <li>{{ link.country_a.name }} – {{ link.country_b.name }}: {{ link.partnerships }}</li>
        {% endfor %}
"""


@pytest.mark.parametrize("language", ["en", "de", "zh-hans"])
def test_the_home_pages_tags_write_what_its_loops_wrote(language):
    from django.template import Context, Template

    from partnerships.maps import CountryLink, CountryTotals
    from partnerships.templatetags.list_tags import (
        map_country_items,
        map_link_items,
        vitality_links,
    )

    with translation.override(language):
        by_vitality = [
            {"label": label, "slug": state, "value": value, "share": 0}
            for (state, label), value in zip(
                Partnership.Vitality.choices, [12345, 0, 7, 1234567], strict=False
            )
        ]
        germany = CountryTotals("DE", "Germany & <Co>", partnerships=24580)
        odd = CountryTotals("X&Y", 'Odd "one"', partnerships=1)
        world_map = {
            "countries": [germany, odd, CountryTotals("CN", "China", partnerships=0)],
            "top_links": [CountryLink(germany, odd, 1234), CountryLink(odd, odd, 3)],
        }
        context = Context({"by_vitality": by_vitality, "world_map": world_map})
        assert vitality_links(by_vitality) == Template(VITALITY_LOOP).render(context)
        assert "12,345" in vitality_links(by_vitality) or language != "en"
        countries = Template(COUNTRY_LOOP).render(context)
        assert countries.strip() and "Germany &amp; &lt;Co&gt;" in countries
        assert f"\n        {map_country_items(world_map['countries'])}\n" == countries
        links = Template(LINK_LOOP).render(context)
        assert f"\n        {map_link_items(world_map['top_links'])}\n" == links
    assert map_country_items([]) == "" and map_link_items([]) == "" and vitality_links([]) == ""
