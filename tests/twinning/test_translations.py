"""Content in three languages: fallback and note, staleness and its report, admin, search."""

import pytest
import reversion
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation
from reversion.models import Version

from cities.models import City
from core import translated
from partnerships import search
from partnerships.models import Partnership

NOTE = 'class="untranslated-note"'  # its text is in the visitor's language


def render(source, **context):
    return Template("{% load translated_tags twinning_tags %}" + source).render(Context(context))


SUMMARY = (
    '{% translated partnership "summary" as summary %}'
    '{% if summary %}{{ summary.note }}<div class="prose"{{ summary.lang_attr }}>'
    "{{ summary|markdown }}</div>{% endif %}"
)


class TestFallback:
    def test_translation_is_shown_without_a_note(self, make_partnership):
        partnership = make_partnership(summary="Two cities.", summary_de="Zwei Städte.")
        with translation.override("de"):
            html = render(SUMMARY, partnership=partnership)
        assert "Zwei Städte." in html
        assert NOTE not in html and 'lang="en"' not in html

    def test_missing_translation_shows_english_marked(self, make_partnership):
        partnership = make_partnership(summary="Two cities.")
        with translation.override("zh-hans"):
            html = render(SUMMARY, partnership=partnership)
        assert "Two cities." in html
        assert NOTE in html
        assert '<div class="prose" lang="en">' in html

    def test_english_page_has_no_note(self, make_partnership):
        partnership = make_partnership(summary="Two cities.", summary_de="Zwei Städte.")
        with translation.override("en"):
            html = render(SUMMARY, partnership=partnership)
        assert "Two cities." in html and NOTE not in html

    def test_nothing_in_any_language_leaves_the_section_out(self, make_partnership):
        partnership = make_partnership(summary="")
        with translation.override("de"):
            assert render(SUMMARY, partnership=partnership).strip() == ""

    def test_partnership_page_in_german(self, client, make_partnership):
        partnership = make_partnership(summary="Two cities.", character="Since 2009.")
        Partnership.objects.filter(pk=partnership.pk).update(summary_de="Zwei Städte.")
        with translation.override("de"):
            url = partnership.get_absolute_url()
        response = client.get(url, headers={"accept-language": "de"})
        assert response.status_code == 200
        html = response.content.decode()
        if translation.get_language_from_request(response.wsgi_request) != "de":
            pytest.skip("the page is not served in German (language prefixes not in place)")
        assert "Zwei Städte." in html
        assert NOTE in html  # the character section, in English
        assert "Since 2009." in html


class TestStaleness:
    def test_missing_outdated_current(self, make_city):
        city = make_city(name="Beijing", summary="The capital.")
        assert translated.state(city, "summary", "de") == translated.MISSING
        city.summary_de = "Die Hauptstadt."
        assert translated.state(city, "summary", "de") == translated.OUTDATED  # never stamped
        translated.stamp(city)
        assert translated.state(city, "summary", "de") == translated.CURRENT
        city.summary_en = "The capital of China."
        assert translated.state(city, "summary", "de") == translated.OUTDATED
        city.summary_en = "The capital."  # a revert of the English makes it current again
        assert translated.state(city, "summary", "de") == translated.CURRENT

    def test_empty_original_needs_no_translation(self, make_city):
        city = make_city(summary="")
        assert translated.state(city, "summary", "de") is None


def report_url(partnership):
    return reverse("admin:partnerships_partnership_translations", args=[partnership.pk])


@pytest.fixture
def rich(make_partnership, make_milestone, make_activity, make_plan, make_focus_area):
    culture = make_focus_area(name="Culture", slug="culture", name_de="Kultur")
    partnership = make_partnership(summary="Two cities.", focus_areas=[culture])
    make_milestone(partnership, title="Agreement signed", title_de="Vertrag unterzeichnet")
    make_activity(partnership, title="Choir exchange")
    make_plan(partnership, title="Climate partnership")
    return partnership


class TestReport:
    def test_lists_missing_and_outdated(self, admin_client, rich):
        response = admin_client.get(report_url(rich))
        assert response.status_code == 200
        html = response.content.decode()
        records = {(r.kind, r.name): r for r in response.context["records"]}
        assert ("Milestone", "Agreement signed") in records
        milestone = records[("Milestone", "Agreement signed")]
        states = {(e.field_label, e.language): e.state for e in milestone.entries}
        assert states[("Title", "de")] == translated.OUTDATED  # written outside the admin
        assert states[("Title", "zh-hans")] == translated.MISSING
        assert ("Activity", "Choir exchange") in records
        assert "still right" in html

    def test_confirming_makes_an_outdated_translation_current(self, admin_client, rich):
        milestone = rich.milestones.get()
        key = f"partnerships.milestone:{milestone.pk}:title:de"
        response = admin_client.post(report_url(rich), {"key": [key]})
        assert response.status_code == 302
        milestone.refresh_from_db()
        assert translated.state(milestone, "title", "de") == translated.CURRENT
        milestone.title_en = "Agreement signed in Dresden"
        milestone.save()
        assert translated.state(milestone, "title", "de") == translated.OUTDATED

    def test_link_on_the_change_form(self, admin_client, rich):
        url = reverse("admin:partnerships_partnership_change", args=[rich.pk])
        assert report_url(rich) in admin_client.get(url).content.decode()

    def test_staff_outside_the_scope_get_404(self, client, rich, django_user_model, make_city):
        editor = django_user_model.objects.create_user("ed", is_staff=True)
        make_city().staff.add(editor)
        client.force_login(editor)
        assert client.get(report_url(rich)).status_code == 404
        assert client.post(report_url(rich), {"key": ["x"]}).status_code == 404

    @pytest.mark.parametrize("size", [1, 60], ids=["small", "large"])
    def test_query_count_is_constant(
        self, admin_client, django_assert_max_num_queries, rich, size, make_milestone
    ):
        for n in range(size):
            make_milestone(rich, title=f"Milestone {n}", title_de=f"Meilenstein {n}")
        # session, user, the partnership with its cities, milestones, activities, plans, topics,
        # and (issue 20: their texts are translated) partnership figures, city figures,
        # pictures and documents
        with django_assert_max_num_queries(11):
            response = admin_client.get(report_url(rich))
        assert response.status_code == 200


class TestAdmin:
    def test_city_admin_saves_each_language_and_stamps(self, admin_client):
        data = {
            "name_en": "Beijing",
            "name_de": "Peking",
            "name_zh_hans": "北京",
            "slug": "beijing",
            "country": "CN",
            "summary_en": "The capital.",
            "summary_de": "Die Hauptstadt.",
            "figures-TOTAL_FORMS": 0,
            "figures-INITIAL_FORMS": 0,
        }
        response = admin_client.post(reverse("admin:cities_city_add"), data)
        assert response.status_code == 302, response.context and response.context["errors"]
        city = City.objects.get()
        assert (city.name_en, city.name_de, city.name_zh_hans) == ("Beijing", "Peking", "北京")
        assert translated.state(city, "summary", "de") == translated.CURRENT
        assert translated.state(city, "name", "zh-hans") == translated.CURRENT
        assert translated.state(city, "summary", "zh-hans") == translated.MISSING

    def test_form_shows_the_languages_side_by_side(self, admin_client, rich):
        url = reverse("admin:partnerships_partnership_change", args=[rich.pk])
        form = admin_client.get(url).context["adminform"].form
        assert {"summary_en", "summary_de", "summary_zh_hans"} <= set(form.fields)

    def test_city_autocomplete_finds_every_language(self, admin_client, make_city):
        make_city(name="Beijing", name_de="Peking", name_zh_hans="北京", country="CN")
        for term in ("Bei", "Pek", "北京"):
            response = admin_client.get(reverse("admin:cities_city_changelist"), {"q": term})
            assert [str(c) for c in response.context["cl"].result_list] == ["Beijing (CN)"], term


class TestSearch:
    @pytest.mark.parametrize("term", ["Peking", "北京", "peking"])
    def test_finds_a_partnership_by_a_translated_city_name(self, make_partnership, make_city, term):
        beijing = make_city(name="Beijing", name_de="Peking", name_zh_hans="北京", country="CN")
        wanted = make_partnership(city_a=make_city(name="Berlin"), city_b=beijing)
        make_partnership()
        found = search.search(Partnership.objects.published(), term)
        assert list(found) == [wanted]

    def test_finds_a_german_summary(self, make_partnership):
        wanted = make_partnership(summary="Flood protection.", summary_de="Hochwasserschutz.")
        make_partnership()
        found = search.search(Partnership.objects.published(), "Hochwasserschutz")
        assert list(found) == [wanted]

    def test_slug_comes_from_the_english_names(self, make_city):
        berlin = make_city(name="Berlin")
        beijing = make_city(name="Beijing", name_de="Peking", country="CN")
        with translation.override("de"):  # saved from a German page
            partnership = Partnership.objects.create(city_a=berlin, city_b=beijing)
        assert partnership.slug == "berlin-beijing"


class TestHistory:
    def test_a_version_holds_and_restores_every_language(self, make_partnership):
        partnership = make_partnership(summary="Two cities.")
        with reversion.create_revision():
            partnership.summary_de = "Zwei Städte."
            partnership.save()
        version = Version.objects.get_for_object(partnership).get()
        assert version.field_dict["summary_de"] == "Zwei Städte."
        assert "summary_zh_hans" in version.field_dict
        Partnership.objects.filter(pk=partnership.pk).update(summary_de="Falsch.")
        version.revert()
        partnership.refresh_from_db()
        assert partnership.summary_de == "Zwei Städte."
