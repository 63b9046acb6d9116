"""The partnership list's filters (partnerships/filters.py): the sort menu and the panel."""

import re

import pytest
from django import forms
from django.http import QueryDict
from django.urls import reverse
from django.utils import translation

from partnerships.filters import ActivityFilter, PartnershipFilter
from partnerships.models import FocusArea

ORDERS = ["name", "-name", "-established", "established", "-updated", "updated"]
LABELS = {
    "en": [
        "Name (A–Z)",
        "Name (Z–A)",
        "Newest first",
        "Oldest first",
        "Recently updated",
        "Least recently updated",
    ],
    "de": [
        "Name (A–Z)",
        "Name (Z–A)",
        "Neueste zuerst",
        "Älteste zuerst",
        "Zuletzt aktualisiert",
        "Am längsten nicht aktualisiert",
    ],
    "zh-hans": ["名称（A–Z）", "名称（Z–A）", "最新的在前", "最早的在前", "最近更新", "最久未更新"],
}


def sort_choices(query, language):
    with translation.override(language):
        form = PartnershipFilter(QueryDict(query)).form
        return [(value, str(label)) for value, label in form.fields["sort"].choices]


def options(html):
    """(value, selected, label) of each option of the sort menu in a page."""
    menu = re.search(r'<select name="sort".*?</select>', html, re.S).group(0)
    return re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', menu)


@pytest.mark.parametrize("language", LABELS)
def test_each_order_once_with_a_label_for_its_direction(language):
    choices = sort_choices("", language)
    assert [value for value, _ in choices] == ORDERS
    assert [label for _, label in choices] == LABELS[language]
    assert len({label for _, label in choices}) == len(ORDERS)
    assert not any("descending" in label or "absteigend" in label for _, label in choices)


@pytest.mark.parametrize("language", LABELS)
def test_while_searching_best_match_comes_first(language):
    choices = sort_choices("q=culture", language)
    assert choices[0][0] == ""
    assert choices[0][1] not in LABELS[language]  # "Best match", in the page's language
    assert [value for value, _ in choices[1:]] == ORDERS
    # A blank search is no search.
    assert [value for value, _ in sort_choices("q=++&sort=", language)] == ORDERS


@pytest.mark.django_db
class TestPage:
    def test_by_name_without_a_search(self, client, make_partnership):
        make_partnership()
        found = options(client.get(reverse("partnership_list")).content.decode())
        assert [value for value, _, _ in found] == ORDERS
        assert not any(selected for _, selected, _ in found)  # the first one shows: by name
        found = options(client.get(reverse("partnership_list"), {"sort": "-name"}).content.decode())
        assert [value for value, selected, _ in found if selected] == ["-name"]

    def test_best_match_chosen_while_searching(self, client, make_partnership):
        make_partnership()
        html = client.get(reverse("partnership_list"), {"q": "culture"}).content.decode()
        found = options(html)
        assert found[0] == ("", " selected", "Best match")
        assert [value for value, _, _ in found[1:]] == ORDERS
        html = client.get(reverse("partnership_list"), {"q": "x", "sort": "name"}).content.decode()
        assert [value for value, selected, _ in options(html) if selected] == ["name"]

    def test_sort_labels_in_german(self, client, make_partnership):
        make_partnership()
        html = client.get("/de/partnerships/").content.decode()
        assert [label for _, _, label in options(html)] == LABELS["de"]

    def test_country_menu_in_each_page_language(self, client, make_partnership):
        """The country names are kept per language once built (core.choices.country_choices):
        each language's page still lists them in its own language, in its own order."""
        make_partnership()
        for path, germany, order in (
            ("/en/partnerships/", "Germany", ["Afghanistan", "Åland Islands", "Albania"]),
            ("/de/partnerships/", "Deutschland", ["Afghanistan", "Ägypten", "Åland-Inseln"]),
            ("/en/partnerships/", "Germany", ["Afghanistan", "Åland Islands", "Albania"]),
        ):
            html = client.get(path, {"country": "DE"}).content.decode()
            menu = re.search(r'<select name="country".*?</select>', html, re.S).group(0)
            labels = re.findall(r'<option value="[^"]*"(?: selected)?>([^<]*)</option>', menu)
            assert f'<option value="DE" selected>{germany}</option>' in menu
            assert labels[1:4] == order  # after "Any country"


def test_each_filterset_has_filters_of_its_own():
    """The filters are copied for each FilterSet (core/filtersets.py), shallowly: what one
    request changes, another does not see, and each method is bound to its own filter set."""
    searching = PartnershipFilter(QueryDict("q=culture"))
    plain = PartnershipFilter(QueryDict(""))
    assert searching.filters["sort"].extra["empty_label"] is not None
    assert plain.filters["sort"].extra["empty_label"] is None
    assert PartnershipFilter.base_filters["sort"].extra["empty_label"] is None
    for name, filter_ in plain.filters.items():
        assert filter_ is not PartnershipFilter.base_filters[name]
        assert filter_ is not searching.filters[name]
        assert filter_.parent is plain
    assert plain.filters["country"].filter.method.__self__ is plain
    assert searching.filters["country"].filter.method.__self__ is searching


def test_the_form_class_is_built_once_per_kind_and_its_fields_are_the_forms_own():
    first, second = PartnershipFilter(QueryDict("country=DE")), PartnershipFilter(QueryDict(""))
    assert first.get_form_class() is second.get_form_class()
    assert PartnershipFilter(QueryDict("q=x")).get_form_class() is not first.get_form_class()
    assert first.form.fields["country"] is not second.form.fields["country"]
    assert first.form.fields["focus_area"].queryset is not second.form.fields["focus_area"].queryset


@pytest.mark.django_db
def test_the_activity_filters_form_class_is_built_once_and_follows_the_database(
    make_focus_area, make_partnership
):
    """The activity list's filters as the partnership list's (QuickFilterSet): the form class
    built once, its menus and the partnerships it accepts read anew for each request."""
    first = ActivityFilter(QueryDict("kind=festival"))
    assert first.get_form_class() is ActivityFilter(QueryDict("")).get_form_class()
    first.form.as_div()
    make_focus_area(name="Water", name_de="Wasser", slug="water")
    pair = make_partnership()
    with translation.override("de"):
        filterset = ActivityFilter(QueryDict(f"focus_area=water&partnership={pair.slug}"))
        assert filterset.is_valid(), filterset.errors
        assert "Wasser" in str(filterset.form["focus_area"])
        assert f'value="{pair.slug}"' in str(filterset.form["partnership"])
    assert list(ActivityFilter(QueryDict("date_from=bad&when=never")).errors) == [
        "when",
        "date_from",
    ]


@pytest.mark.django_db
def test_the_focus_area_menu_and_errors_follow_the_database_and_the_language(make_focus_area):
    PartnershipFilter(QueryDict("")).form.as_div()  # the form class is built before the area
    area = make_focus_area(name="Water", name_de="Wasser", slug="water")
    with translation.override("de"):
        filterset = PartnershipFilter(QueryDict("focus_area=water&country=XX"))
        assert filterset.is_valid() is False
        assert list(filterset.errors) == ["country"]  # a focus area added is a choice at once
        assert "XX" in filterset.errors["country"][0]
        assert "Wasser" in str(filterset.form["focus_area"])
        assert '<option value="DE">Deutschland</option>' in str(filterset.form["country"])
    area.name_de = "Trinkwasser"  # the menu's SQL is kept (_all_names), its rows are not
    area.save()
    with translation.override("de"):
        assert "Trinkwasser" in str(PartnershipFilter(QueryDict("")).form["focus_area"])
    area.delete()
    with translation.override("zh-hans"):
        filterset = PartnershipFilter(QueryDict("focus_area=water&country=DE"))
        assert list(filterset.errors) == ["focus_area"]
        assert '<option value="DE" selected>德国</option>' in str(filterset.form["country"])


@pytest.mark.django_db
def test_a_countrys_list_is_counted_by_its_figures_and_an_edit_shows_at_once(
    client, make_partnership, make_city
):
    from partnerships.models import Partnership

    dresden, leipzig = make_city(name="Dresden"), make_city(name="Leipzig")
    make_partnership(city_a=dresden, city_b=leipzig)  # both in Germany: counted once
    make_partnership(city_a=make_city(country="FR"), city_b=dresden)
    hidden = make_partnership(city_a=dresden, state="draft")
    make_partnership(city_a=make_city(country="FR"))
    queries = [
        "country=DE",
        "country=DE&sort=-established",
        "country=DE&vitality=unknown",
        "country=DE&vitality=active",
        "country=CN",
        "country=JP",
        "",
        "page=2",
        "sort=-updated",
        "vitality=unknown",
        "vitality=active",
    ]
    for query in queries:
        filterset = PartnershipFilter(QueryDict(query), queryset=Partnership.objects.listed())
        assert filterset.figure_count() == filterset.qs.count(), query
    unbound = PartnershipFilter(None, queryset=Partnership.objects.listed())
    assert unbound.figure_count() == unbound.qs.count() == 3
    for query in ("country=DE&q=dresden", "country=DE&kind=twinning", "country=XX", "kind=x"):
        filterset = PartnershipFilter(QueryDict(query))
        assert filterset.figure_count() is None, query
    hidden.state = "published"
    hidden.save()
    html = client.get(reverse("partnership_list"), {"country": "DE"}).content.decode()
    assert "3 partnerships found" in html
    assert html.count('<article class="card">') == 3
    assert "4 partnerships found" in client.get(reverse("partnership_list")).content.decode()


@pytest.mark.django_db
def test_the_focus_area_menu_from_rows_is_the_stock_iterators(make_focus_area):
    """NameChoices: the menu the stock ModelChoiceIterator gives (str() of each area, its name
    in the language or the original's), chosen and escaped alike, without an instance each."""
    import django_filters

    make_focus_area(name="Water", name_de="Wasser", slug="water")
    make_focus_area(name="Arts & <Crafts>", slug="arts")  # untranslated: the original's name
    make_focus_area(name="Youth", name_de="Jugend", name_zh_hans="青年", slug="youth")
    for language in ("en", "de", "zh-hans"):
        with translation.override(language):
            for query in ("", "focus_area=water", "focus_area=arts&country=DE"):
                field = PartnershipFilter(QueryDict(query)).form["focus_area"]
                stock = django_filters.fields.ModelChoiceIterator(field.field)
                assert [(str(v), str(label)) for v, label in field.field.choices] == [
                    (str(v), str(label)) for v, label in stock
                ], (language, query)
                widget = field.field.widget
                html = str(field)
                widget.choices = list(stock)
                assert field.as_widget() == html, (language, query)


@pytest.mark.parametrize("language", ["en", "de", "zh-hans"])
def test_the_focus_area_menu_offers_what_the_model_choices_offer(make_focus_area, language):
    make_focus_area(name="Water", name_de="Wasser", slug="water")
    make_focus_area(name="Culture & arts", name_zh_hans="文化", slug="culture")
    make_focus_area(name="Sport", slug="sport")
    stock = forms.ModelChoiceField(
        FocusArea.objects.all(), to_field_name="slug", empty_label="Any focus area"
    )
    with translation.override(language):
        for filterset in (ActivityFilter(QueryDict()), PartnershipFilter(QueryDict())):
            menu = filterset.form.fields["focus_area"].choices
            assert [(str(value), str(label)) for value, label in menu][1:] == [
                (str(value), str(label)) for value, label in stock.choices
            ][1:]
