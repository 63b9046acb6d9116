"""Issue 21, item 4: key figures read in the visitor's language, never doubled, and what is
still English is marked as such (cities/figure_terms.py, templates/includes/figures.html)."""

import pytest
from django.utils import translation

pytestmark = pytest.mark.django_db

NOTE = {"de": "(noch nicht übersetzt)", "zh-hans": "（尚未翻译）"}
# The site's own words, new in this issue: in TRANSLATIONS.txt until the catalogues are compiled.
NEW_WORDS = {
    "de": {
        "(not yet translated)": NOTE["de"],
        "Agglomeration": "Ballungsraum",
        "inhabitants": "Einwohner",
        "people": "Menschen",
        "schools": "Schulen",
    },
    "zh-hans": {
        "(not yet translated)": NOTE["zh-hans"],
        "Agglomeration": "都市圈",
        "inhabitants": "人",
        "people": "人",
        "schools": "所学校",
    },
}


@pytest.fixture
def words(catalogue):
    for language, entries in NEW_WORDS.items():
        catalogue(language, entries)


@pytest.fixture
def dresden(make_city, make_partnership, words):
    city = make_city(name="Dresden", population=513000, population_year=2008)
    make_partnership(city_a=city, city_b=make_city(name="Hangzhou", country="CN"))
    return city


def page(client, city, language):
    with translation.override(language):
        url = city.get_absolute_url()
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def row(label, value, year=""):
    return f'<tr><th scope="row">{label}</th><td>{value}</td><td>{year}</td></tr>'


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", row("Agglomeration", "about 780,000 inhabitants")),
        ("de", row("Ballungsraum", "etwa 780.000 Einwohner")),
        ("zh-hans", row("都市圈", "约780,000人")),
    ],
)
def test_common_labels_and_units_are_translated_by_the_site(
    client, dresden, make_city_figure, language, expected
):
    make_city_figure(
        dresden, label="Agglomeration", qualifier="about", value=780000, unit="inhabitants"
    )
    html = page(client, dresden, language)
    assert expected in html
    assert "inhabitants" not in html.replace(expected, "") or language == "en"
    assert "untranslated-note" not in html


@pytest.mark.parametrize(
    ("language", "expected"),
    [
        ("en", row("Population", "513,000", 2008)),
        ("de", row("Einwohner", "513.000", 2008)),
        ("zh-hans", row("人口", "513,000", 2008)),
    ],
)
def test_the_population_is_not_doubled(client, dresden, language, expected):
    html = page(client, dresden, language)
    assert expected in html
    assert "Einwohner 513.000 Einwohner" not in html and "513.000 Einwohner" not in html


def test_a_unit_that_repeats_the_label_is_left_out(client, dresden, make_city_figure):
    make_city_figure(dresden, label="Population", value=1150000, unit="inhabitants", year=2020)
    assert row("Einwohner", "1.150.000", 2020) in page(client, dresden, "de")
    # In English the two words differ, and both are kept.
    assert row("Population", "1,150,000 inhabitants", 2020) in page(client, dresden, "en")
    # A translation staff wrote counts the same way.
    figure = dresden.figures.get()
    figure.label_de, figure.unit_de = "Bewohner", "bewohner"
    figure.save()
    assert row("Bewohner", "1.150.000", 2020) in page(client, dresden, "de")


def test_what_staff_translated_is_shown_as_written(client, dresden, make_city_figure):
    make_city_figure(dresden, label="Agglomeration", value=780000, unit="people")
    figure = dresden.figures.get()
    figure.label_de, figure.unit_de = "Großraum", "Personen"
    figure.label_zh_hans = "大德累斯顿"
    figure.save()
    assert row("Großraum", "780.000 Personen") in page(client, dresden, "de")
    assert row("大德累斯顿", "780,000人") in page(client, dresden, "zh-hans")


def test_symbols_read_the_same_in_every_language(client, dresden, make_city_figure):
    make_city_figure(dresden, label="Unemployment rate", qualifier="up_to", value=15, unit="%")
    make_city_figure(dresden, label="Area", value=328, unit="km²")
    html = page(client, dresden, "de")
    assert "<td>bis zu 15 %</td>" in html
    assert "<td>328 km²</td>" in html
    assert "<td>最多15%</td>" in page(client, dresden, "zh-hans")


@pytest.mark.parametrize("language", ["de", "zh-hans"])
def test_other_english_words_are_marked_as_not_yet_translated(
    client, dresden, make_city_figure, language
):
    make_city_figure(
        dresden,
        label="Bridges over the Elbe",
        value=12,
        unit="bridges",
        note="Within the city limits.",
    )
    html = page(client, dresden, language)
    note = f'<span class="untranslated-note">{NOTE[language]}</span>'
    separator = "" if language == "zh-hans" else " "
    assert (
        f'<th scope="row"><span lang="en">Bridges over the Elbe</span> {note}'
        f' <span class="note" lang="en">(Within the city limits.)</span> {note}</th>'
        f'<td>12{separator}<span lang="en">bridges</span> {note}</td>'
    ) in html
    assert "untranslated-note" not in page(client, dresden, "en")


def test_the_partnership_page_shows_its_figures_the_same_way(
    client, make_city, make_partnership, make_partnership_figure, words
):
    partnership = make_partnership(
        city_a=make_city(name="Dresden"), city_b=make_city(name="Hangzhou", country="CN")
    )
    make_partnership_figure(partnership, label="Partner schools", value=18, unit="schools")
    with translation.override("zh-hans"):
        html = client.get(partnership.get_absolute_url()).content.decode()
    note = f'<span class="untranslated-note">{NOTE["zh-hans"]}</span>'
    assert (
        f'<th scope="row"><span lang="en">Partner schools</span> {note}</th><td>18所学校</td>'
        in html
    )
