"""The admin in German and Chinese, and for staff using a screen reader or the keyboard: model
and field names translated, each language's field named and marked with its language, times in
the site's time zone, tabular inline cells labelled, the project's admin stylesheet and focus
script on every page."""

import datetime
import re

import pytest
import reversion
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains
from reversion.models import Version

from partnerships.models import Partnership

pytestmark = pytest.mark.django_db

GERMAN = {"HTTP_ACCEPT_LANGUAGE": "de-DE,de;q=0.9"}


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def attributes_of(html, name):
    """The attributes of the form control named `name` in `html`, as a dict."""
    match = re.search(rf'<(?:input|textarea|select)\b[^>]*\bname="{re.escape(name)}"[^>]*>', html)
    assert match, f"no control named {name}"
    return dict(re.findall(r'([\w-]+)="([^"]*)"', match.group(0)))


def label_of(html, field_id):
    match = re.search(rf'<label\b[^>]*\bfor="{re.escape(field_id)}"[^>]*>(.*?)</label>', html, re.S)
    assert match, f"no label for {field_id}"
    return re.sub(r"<[^>]+>|\s+", " ", match.group(1)).strip().rstrip(":").strip()


class TestGermanAdmin:
    def test_the_add_form_names_the_model_and_fields_in_german(self, admin_client):
        response = admin_client.get(admin_url(Partnership, "add"), **GERMAN)
        html = response.content.decode()
        assertContains(response, "Partnerschaft hinzufügen")
        assertNotContains(response, "partnership hinzufügen")
        assert label_of(html, "id_established") == "Gegründet"
        assert label_of(html, "id_summary_de") == "Zusammenfassung (Deutsch)"
        assert label_of(html, "id_city_b") == "Partnerstadt"

    def test_the_changelist_names_the_model_and_columns_in_german(
        self, admin_client, make_partnership
    ):
        make_partnership()
        response = admin_client.get(admin_url(Partnership, "changelist"), **GERMAN)
        assertContains(response, "Partnerschaften")
        assertContains(response, ">Gegründet</a>")
        assertNotContains(response, ">Established</a>")

    def test_english_labels_name_the_language_not_its_code(self, admin_client):
        html = admin_client.get(admin_url(Partnership, "add")).content.decode()
        assert label_of(html, "id_summary_en") == "Summary (English)"
        assert label_of(html, "id_summary_zh_hans") == "Summary (Chinese)"
        assert "[zh-hans]" not in html and "[de]" not in html


class TestLanguageMarks:
    def test_each_languages_field_carries_its_language(self, admin_client, make_partnership):
        partnership = make_partnership()
        html = admin_client.get(admin_url(Partnership, "change", partnership.pk)).content.decode()
        assert attributes_of(html, "summary_en")["lang"] == "en"
        assert attributes_of(html, "summary_de")["lang"] == "de"
        assert attributes_of(html, "summary_zh_hans")["lang"] == "zh-Hans"
        # A field in one language only has none: it is in the admin's language.
        assert "lang" not in attributes_of(html, "slug")

    def test_inline_rows_mark_their_languages_too(
        self, admin_client, make_partnership, make_milestone
    ):
        partnership = make_partnership()
        make_milestone(partnership, title="Signing")
        html = admin_client.get(admin_url(Partnership, "change", partnership.pk)).content.decode()
        assert attributes_of(html, "milestones-0-title_zh_hans")["lang"] == "zh-Hans"
        assert attributes_of(html, "milestones-0-description_de")["lang"] == "de"


class TestTimes:
    def test_compare_shows_a_stored_time_in_the_sites_time_zone(
        self, admin_client, make_partnership, settings
    ):
        settings.TIME_ZONE = "Europe/Berlin"
        partnership = make_partnership()
        for go_live in [None, datetime.datetime(2027, 1, 15, 8, 37, tzinfo=datetime.UTC)]:
            partnership.go_live_at = go_live
            with reversion.create_revision():
                partnership.save()
        newer, older = Version.objects.get_for_object(partnership)
        url = admin_url(Partnership, "compare", partnership.pk)
        response = admin_client.get(f"{url}?old={older.pk}&new={newer.pk}")
        (change,) = [c for c in response.context["changes"] if c.label == "Go live at"]
        assert "09:37" in str(change.new)  # 08:37 UTC is 09:37 in Berlin in January
        assert "08:37" not in response.content.decode()

    def test_the_saved_time_of_a_version_is_local(self, admin_client, make_partnership, settings):
        settings.TIME_ZONE = "Asia/Shanghai"
        partnership = make_partnership()
        for summary in ["One.", "Two."]:
            partnership.summary = summary
            with reversion.create_revision():
                partnership.save()
        newer, older = Version.objects.get_for_object(partnership)
        url = admin_url(Partnership, "compare", partnership.pk)
        response = admin_client.get(f"{url}?old={older.pk}&new={newer.pk}")
        local = timezone.localtime(newer.revision.date_created, timezone.get_current_timezone())
        assertContains(response, local.strftime("%H:%M"))


class TestForEveryone:
    def test_tabular_cells_are_labelled_with_their_column(
        self, admin_client, make_partnership, make_source
    ):
        partnership = make_partnership()
        make_source(partnership)
        html = admin_client.get(admin_url(Partnership, "change", partnership.pk)).content.decode()
        assert attributes_of(html, "sources-0-title")["aria-label"] == "Title"
        assert attributes_of(html, "sources-0-year")["aria-label"] == "Year"
        assert attributes_of(html, "sources-0-DELETE")["aria-label"] == "Delete"
        assert attributes_of(html, "figures-__prefix__-value")["aria-label"] == "Value"

    def test_city_figure_cells_are_labelled_in_german(self, admin_client, make_city):
        from cities.models import City

        city = make_city()
        html = admin_client.get(admin_url(City, "change", city.pk), **GERMAN).content.decode()
        assert attributes_of(html, "figures-__prefix__-year")["aria-label"] == "Jahr"

    def test_every_admin_page_loads_the_stylesheet_and_focus_script(self, admin_client):
        response = admin_client.get(reverse("admin:index"))
        assertContains(response, "css/admin_site.css")
        assertContains(response, 'src="/static/js/admin_focus.js" defer')


def test_the_busy_import_message_gives_the_local_time(admin_user, settings):
    from partnerships.admin.imports import busy_message
    from partnerships.models import ImportRun

    settings.TIME_ZONE = "Europe/Berlin"
    run = ImportRun.objects.create(started_by=admin_user, file_name="first.csv")
    ImportRun.objects.filter(pk=run.pk).update(
        created_at=datetime.datetime(2027, 1, 15, 8, 37, tzinfo=datetime.UTC)
    )
    run.refresh_from_db()
    assert "09:37" in busy_message(run)
