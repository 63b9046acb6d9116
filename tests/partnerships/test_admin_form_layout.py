"""The partnership form's layout (issue 20, "a form that fits"): what the page gives its script,
and the Markdown preview behind the form's "Preview" buttons. The tabs themselves are tested in
Chromium (tests/browser/test_partnership_form.py)."""

import json

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from core import translated
from twinning.roles import EDITOR, setup_roles

pytestmark = pytest.mark.django_db

PREVIEW = "admin:partnerships_partnership_markdown_preview"


def layout_of(response):
    """The JSON the change form gives its script."""
    html = response.content.decode()
    start = html.index('<script id="partnership-form-layout" type="application/json">')
    body = html[html.index(">", start) + 1 : html.index("</script>", start)]
    return json.loads(body)


@pytest.fixture
def editor(make_city):
    setup_roles()
    user = get_user_model().objects.create_user(
        "form-editor", password="x-Very-long-pass-42", is_staff=True
    )
    user.groups.add(Group.objects.get(name=EDITOR))
    user.assigned_cities.add(make_city(name="Dresden", slug="dresden"))
    return user


class TestMarkdownPreview:
    def test_staff_get_the_html_visitors_would_see(self, client, editor):
        client.force_login(editor)
        response = client.post(reverse(PREVIEW), {"text": "Choirs *sing* together."})
        assert response.status_code == 200
        assert response.json() == {"html": "<p>Choirs <em>sing</em> together.</p>"}

    def test_scripts_and_event_handlers_are_removed(self, client, editor):
        client.force_login(editor)
        text = (
            "<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n"
            "[link](javascript:alert(3)) and <b onclick=alert(4)>bold</b>"
        )
        html = client.post(reverse(PREVIEW), {"text": text}).json()["html"]
        assert "<script" not in html
        assert "onerror" not in html
        assert "onclick" not in html
        assert "javascript:" not in html
        assert "<b>bold</b>" in html

    def test_empty_text_gives_nothing(self, client, editor):
        client.force_login(editor)
        assert client.post(reverse(PREVIEW), {"text": "  \n"}).json() == {"html": ""}

    def test_anonymous_visitors_are_sent_to_sign_in(self, client):
        response = client.post(reverse(PREVIEW), {"text": "*hi*"})
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))

    def test_a_signed_in_person_without_staff_status_is_sent_to_sign_in(self, client):
        user = get_user_model().objects.create_user("visitor", password="x-Very-long-pass-42")
        client.force_login(user)
        response = client.post(reverse(PREVIEW), {"text": "*hi*"})
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))

    def test_staff_without_a_role_are_refused(self, client):
        user = get_user_model().objects.create_user(
            "no-role", password="x-Very-long-pass-42", is_staff=True
        )
        client.force_login(user)
        assert client.post(reverse(PREVIEW), {"text": "*hi*"}).status_code == 403

    def test_only_post(self, client, editor):
        client.force_login(editor)
        assert client.get(reverse(PREVIEW), {"text": "*hi*"}).status_code == 405

    def test_the_csrf_token_is_needed(self, editor):
        client = Client(enforce_csrf_checks=True)
        client.force_login(editor)
        assert client.post(reverse(PREVIEW), {"text": "*hi*"}).status_code == 403
        # With the token of a form page (as the script sends it, in X-CSRFToken): previewed.
        client.get(reverse("admin:partnerships_partnership_add"))
        token = client.cookies["csrftoken"].value
        response = client.post(reverse(PREVIEW), {"text": "*hi*"}, headers={"X-CSRFToken": token})
        assert response.status_code == 200
        assert response.json()["html"] == "<p><em>hi</em></p>"

    def test_too_long_a_text_is_refused(self, client, editor):
        client.force_login(editor)
        response = client.post(reverse(PREVIEW), {"text": "a" * 100_001})
        assert response.status_code == 400


class TestFormLayout:
    def test_the_add_form_names_its_tabs_languages_and_preview(self, admin_client):
        response = admin_client.get(reverse("admin:partnerships_partnership_add"))
        layout = layout_of(response)
        tabs = {tab["key"]: tab for tab in layout["tabs"]}
        assert list(tabs) == [
            "cities",
            "story",
            "milestones",
            "activities",
            "plans",
            "sources",
            "memory",
            "publishing",
        ]
        assert tabs["milestones"]["inlines"] == ["milestones-group"]
        assert tabs["sources"]["inlines"] == ["sources-group", "figures-group"]
        assert [language["suffix"] for language in layout["languages"]] == ["en", "de", "zh_hans"]
        assert layout["preview_url"] == reverse(PREVIEW)
        # The script and its style come from this site (the CSP allows nothing else).
        html = response.content.decode()
        assert "/static/js/admin_partnership_form.js" in html
        assert "/static/css/admin_partnership_form.css" in html
        # Every part of the form is on the page, as headed sections without the script.
        for field in ("city_a", "summary_en", "summary_de", "funding_zh_hans", "slug"):
            assert f'id="id_{field}"' in html
        assert 'class="module aligned tab-story"' in html
        assert "data-markdown" in html

    def test_missing_and_outdated_translations_are_named_per_language(
        self, admin_client, make_partnership
    ):
        partnership = make_partnership(summary_en="The summary.", funding_en="Both cities.")
        partnership.summary_de = "Die Zusammenfassung."
        translated.stamp(partnership, ["summary"], ["de"])
        partnership.save()
        partnership.summary_en = "The summary, changed."  # the German one is now outdated
        partnership.save()

        url = reverse("admin:partnerships_partnership_change", args=[partnership.pk])
        languages = {lang["code"]: lang for lang in layout_of(admin_client.get(url))["languages"]}
        assert languages["en"]["states"] == {}
        assert languages["de"]["states"] == {"summary_de": "outdated", "funding_de": "missing"}
        assert languages["zh-hans"]["states"] == {
            "summary_zh_hans": "missing",
            "funding_zh_hans": "missing",
        }
        # What the language's tab says.
        assert languages["en"]["mark"] == ""
        assert languages["de"]["mark"] == "1 missing, 1 outdated"
        assert languages["zh-hans"]["mark"] == "2 missing"
