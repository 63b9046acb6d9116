"""Issue 20, item 7: every text staff write can be translated (region, picture description and
credit, location and participants, key-figure labels, units and notes), is shown in the reader's
language, falls back to English, and is listed by the translation report."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from cities.models import City, CityFigure
from core import translated
from partnerships import translation_report
from partnerships.models import Activity, Milestone, PartnershipFigure
from tests.cities.test_images import picture

pytestmark = pytest.mark.django_db


def page(client, partnership, language):
    with translation.override(language):
        url = partnership.get_absolute_url()
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def hamburg_shanghai(
    make_city, make_partnership, make_milestone, make_activity, make_partnership_figure
):
    hamburg = make_city(
        name="Hamburg",
        region="Hamburg",
        image=SimpleUploadedFile("harbour.jpg", picture(), content_type="image/jpeg"),
        image_alt="The harbour at night",
        image_alt_zh_hans="夜晚的港口",
        image_credit="A photographer",
        image_credit_zh_hans="一位摄影师",
    )
    shanghai = make_city(name="Shanghai", country="CN", region="Shanghai municipality")
    City.objects.filter(pk=shanghai.pk).update(region_zh_hans="上海市")
    partnership = make_partnership(city_a=hamburg, city_b=shanghai)
    make_milestone(
        partnership,
        location="Hamburg City Hall",
        location_zh_hans="汉堡市政厅",
        participants="The two mayors",
    )
    make_activity(partnership, location="Shanghai", participants="Twenty pupils")
    make_partnership_figure(partnership, label="Exchange students", unit="pupils")
    PartnershipFigure.objects.filter(partnership=partnership).update(
        label_zh_hans="交换学生", unit_zh_hans="名学生"
    )
    return partnership


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        (City, {"region", "image_alt", "image_credit"}),
        (Milestone, {"location", "participants"}),
        (Activity, {"location", "participants"}),
        (CityFigure, {"label", "unit", "note"}),
        (PartnershipFigure, {"label", "unit", "note"}),
    ],
)
def test_the_texts_are_translatable(model, fields):
    assert fields <= set(translated.translated_fields(model))


def test_the_chinese_page_shows_the_chinese_texts(client, hamburg_shanghai):
    html = page(client, hamburg_shanghai, "zh-hans")
    assert 'alt="夜晚的港口"' in html
    assert "一位摄影师" in html
    assert "上海市" in html
    assert "汉堡市政厅" in html
    assert "交换学生" in html
    assert "名学生" in html
    assert "The harbour at night" not in html


def test_untranslated_texts_fall_back_to_english(client, hamburg_shanghai):
    html = page(client, hamburg_shanghai, "de")
    assert 'alt="The harbour at night"' in html  # no German description: the English one
    assert "Hamburg City Hall" in html
    assert "The two mayors" in html
    assert "Exchange students" in html
    html = page(client, hamburg_shanghai, "zh-hans")
    assert "The two mayors" in html  # participants have no Chinese text


def test_the_report_lists_the_new_texts(hamburg_shanghai):
    with translation.override("en"):
        records = translation_report.report(hamburg_shanghai)
    entries = {
        (record.kind, record.name, entry.field_label, entry.language)
        for record in records
        for entry in record.entries
    }
    assert ("City", "Hamburg", "Picture description", "de") in entries
    assert ("City", "Shanghai", "Region", "de") in entries
    assert ("Milestone", hamburg_shanghai.milestones.get().title, "Participants", "zh-hans") in (
        entries
    )
    assert ("Key figure", "Exchange students", "Label", "de") in entries
    figure_record = next(r for r in records if r.name == "Exchange students")
    assert figure_record.url == reverse(
        "admin:partnerships_partnership_change", args=[hamburg_shanghai.pk]
    )


def test_the_admin_forms_have_a_field_per_language(admin_client, hamburg_shanghai):
    city = hamburg_shanghai.city_a
    html = admin_client.get(reverse("admin:cities_city_change", args=[city.pk])).content.decode()
    for language in ("en", "de", "zh_hans"):
        assert f'name="image_alt_{language}"' in html
        assert f'name="region_{language}"' in html
    url = reverse("admin:partnerships_partnership_change", args=[hamburg_shanghai.pk])
    html = admin_client.get(url).content.decode()
    for language in ("en", "de", "zh_hans"):
        assert f'name="milestones-0-location_{language}"' in html
        assert f'name="activities-0-participants_{language}"' in html
        assert f'name="figures-0-label_{language}"' in html
        assert f'name="figures-0-unit_{language}"' in html


# --- Issue 21, item 4: what falls back is marked (lang and a short note) --------------------

SHORT_NOTE = {"de": "(noch nicht übersetzt)", "zh-hans": "（尚未翻译）"}


@pytest.fixture
def short_note(catalogue):
    for language, text in SHORT_NOTE.items():
        catalogue(language, {"(not yet translated)": text})


@pytest.mark.parametrize("language", ["de", "zh-hans"])
def test_titles_places_and_participants_in_english_are_marked(
    client,
    make_city,
    make_partnership,
    make_milestone,
    make_activity,
    make_plan,
    short_note,
    language,
):
    partnership = make_partnership(
        city_a=make_city(name="Hamburg"), city_b=make_city(name="Shanghai", country="CN")
    )
    make_milestone(
        partnership,
        title="Agreement signed",
        location="City Hall",
        participants="The two mayors\nTheir deputies",
    )
    activity = make_activity(partnership, title="Harbour festival", participants="Twenty pupils")
    activity.title_de, activity.title_zh_hans = "Hafenfest", "港口节"
    activity.save()
    make_plan(partnership, title="Joint climate plan")
    note = f'<span class="untranslated-note">{SHORT_NOTE[language]}</span>'

    html = page(client, partnership, language)

    assert f'<h3><span lang="en">Agreement signed</span> {note}</h3>' in html
    assert f'<dd><span lang="en">City Hall</span> {note}</dd>' in html
    assert f'<dd><span lang="en">The two mayors<br>Their deputies</span> {note}</dd>' in html
    assert f'<dd><span lang="en">Twenty pupils</span> {note}</dd>' in html
    assert f'<strong><span lang="en">Joint climate plan</span> {note}</strong>' in html
    # A translated title is shown as it is, unmarked.
    title = {"de": "Hafenfest", "zh-hans": "港口节"}[language]
    assert f"<h3>{title}</h3>" in html


def test_translated_places_and_the_english_page_carry_no_mark(client, hamburg_shanghai):
    html = page(client, hamburg_shanghai, "zh-hans")
    assert "<dd>汉堡市政厅</dd>" in html
    assert '<p class="meta">上海市, ' in html
    english = page(client, hamburg_shanghai, "en")
    assert '<span lang="en">' not in english
    assert "untranslated-note" not in english
