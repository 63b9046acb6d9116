"""Issue 20, item 5: a partnership's pictures and PDF documents.

Documents are checked by content (a PDF, not a web page renamed, not too large), served only
as downloads, never for an unpublished partnership; pictures go through the city pictures'
pipeline and show their description in the reader's language; the admin keeps each city's
staff to their own partnerships' media.
"""

import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from pytest_django.asserts import assertFormError

from partnerships.models import Document, PendingChange, Picture
from tests.cities.test_images import picture
from tests.partnerships.test_history import posted
from tests.partnerships.test_review import people, world  # noqa: F401 - fixtures
from tests.translations import in_english

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PDF_WITH_JAVASCRIPT = (
    b"%PDF-1.7\n1 0 obj << /Type /Catalog /OpenAction << /S /JavaScript "
    b"/JS (app.alert('hello')) >> >> endobj\n%%EOF\n"
)
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


def pdf(name="agreement.pdf", content=PDF):
    return SimpleUploadedFile(name, content, content_type="application/pdf")


@pytest.fixture
def make_document(db):
    def make(partnership, content=PDF, **kwargs):
        kwargs.setdefault("title", "Partnership agreement")
        return Document.objects.create(partnership=partnership, file=pdf(content=content), **kwargs)

    return make


@pytest.fixture
def make_picture(db, django_capture_on_commit_callbacks):
    def make(partnership, **kwargs):
        kwargs.setdefault("alt", "The two mayors signing")
        upload = SimpleUploadedFile("signing.jpg", picture(size=(1200, 900)))
        with django_capture_on_commit_callbacks(execute=True):  # the renditions task (eager)
            made = Picture.objects.create(partnership=partnership, image=upload, **kwargs)
        made.refresh_from_db()
        return made

    return make


def download_url(document):
    with translation.override("en"):
        return reverse("document_download", kwargs={"pk": document.pk})


def page(client, partnership, language="en"):
    with translation.override(language):
        url = partnership.get_absolute_url()
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


class TestDocumentChecks:
    def test_a_pdf_is_accepted_and_its_size_kept(self, make_partnership, make_document):
        document = make_document(make_partnership())
        assert document.size == len(PDF)
        assert document.file.name.startswith("documents/")
        assert document.file.name.endswith(".pdf")
        assert "agreement" not in document.file.name  # the uploader's name is not kept

    def test_html_renamed_pdf_is_refused_with_a_clear_error(self, make_partnership):
        document = Document(partnership=make_partnership(), title="X", file=pdf(content=HTML))
        with pytest.raises(ValidationError) as excinfo:
            document.full_clean()
        (message,) = excinfo.value.message_dict["file"]
        assert "web page (HTML), not a PDF document" in message

    def test_html_is_refused_even_without_full_clean(self, make_partnership):
        with pytest.raises(ValidationError):
            Document.objects.create(
                partnership=make_partnership(), title="X", file=pdf(content=HTML)
            )
        assert not Document.objects.exists()

    def test_other_content_is_refused(self, make_partnership):
        document = Document(
            partnership=make_partnership(), title="X", file=pdf(content=b"PK\x03\x04 a zip")
        )
        with pytest.raises(ValidationError) as excinfo:
            document.full_clean()
        assert excinfo.value.message_dict["file"] == [
            "This file is not a PDF document. Only PDF files can be attached."
        ]

    def test_too_large_is_refused(self, settings, make_partnership):
        settings.MAX_DOCUMENT_BYTES = len(PDF) - 1
        document = Document(partnership=make_partnership(), title="X", file=pdf())
        with pytest.raises(ValidationError) as excinfo:
            document.full_clean()
        (message,) = excinfo.value.message_dict["file"]
        assert message.startswith("The document is ")
        assert "documents may be at most" in message
        settings.MAX_DOCUMENT_BYTES = len(PDF)
        document.full_clean()


class TestDownload:
    def test_a_pdf_with_javascript_is_stored_but_only_downloaded(
        self, client, make_partnership, make_document
    ):
        document = make_document(make_partnership(), content=PDF_WITH_JAVASCRIPT)
        response = client.get(download_url(document))
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'attachment; filename="partnership-agreement.pdf"'
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == "sandbox"
        assert b"".join(response.streaming_content) == PDF_WITH_JAVASCRIPT

    @pytest.mark.parametrize("state", ["draft", "in_review"])
    def test_unpublished_partnerships_documents_are_404(
        self, client, make_partnership, make_document, state
    ):
        document = make_document(make_partnership(state=state))
        assert client.get(download_url(document)).status_code == 404

    def test_staff_of_the_city_may_download_an_unpublished_document(
        self, client, django_user_model, make_partnership, make_document
    ):
        partnership = make_partnership(state="draft")
        document = make_document(partnership)
        editor = django_user_model.objects.create_user("ed", is_staff=True)
        partnership.city_a.staff.add(editor)
        client.force_login(editor)
        response = client.get(download_url(document))
        assert response.status_code == 200
        assert "no-store" in response["Cache-Control"]
        # Read to the end, as a browser would: the test client then closes the file without
        # ending the test's database connection (response.close() would, on PostgreSQL).
        assert b"".join(response.streaming_content).startswith(b"%PDF-")
        stranger = django_user_model.objects.create_user("other", is_staff=True)
        client.force_login(stranger)
        assert client.get(download_url(document)).status_code == 404

    def test_unknown_document_is_404(self, client, db):
        assert client.get("/en/documents/999/download/").status_code == 404


class TestPartnershipPage:
    def test_lists_documents_with_title_date_and_size(
        self, client, make_partnership, make_document
    ):
        partnership = make_partnership()
        document = make_document(partnership, date=datetime.date(2011, 5, 29))
        html = page(client, partnership)
        assert download_url(document) in html
        assert "Partnership agreement" in html
        assert "29 May 2011" in html or "May 29, 2011" in html
        assert f"{len(PDF)}\xa0bytes" in html

    def test_shows_pictures_with_credit_and_renditions(
        self, client, make_partnership, make_picture
    ):
        partnership = make_partnership()
        item = make_picture(partnership, credit="City of Hamburg", focal_x=10, focal_y=90)
        assert item.image_renditions  # made by the task queue (eager in tests)
        html = page(client, partnership)
        assert 'alt="The two mayors signing"' in html
        assert "srcset=" in html
        assert "City of Hamburg" in html
        assert 'class="focus-0-100"' in html

    def test_the_chinese_page_shows_the_chinese_description(
        self, client, make_partnership, make_picture, make_document
    ):
        partnership = make_partnership()
        make_picture(
            partnership, alt_zh_hans="两位市长签字", credit="Hamburg", credit_zh_hans="汉堡"
        )
        make_document(partnership, title_zh_hans="友好城市协议")
        html = page(client, partnership, "zh-hans")
        assert 'alt="两位市长签字"' in html
        assert "汉堡" in html
        assert "友好城市协议" in html
        html = page(client, partnership, "de")  # not translated: the English
        assert 'alt="The two mayors signing"' in html
        assert "Partnership agreement" in html

    def test_unpublished_partnerships_media_are_not_shown(self, client, make_partnership):
        partnership = make_partnership(state="draft")
        with translation.override("en"):
            assert client.get(partnership.get_absolute_url()).status_code == 404

    @pytest.mark.parametrize("count", [1, 8])
    def test_queries_do_not_grow_with_media(
        self, client, make_partnership, make_document, make_picture, count
    ):
        partnership = make_partnership()
        for n in range(count):
            make_document(partnership, title=f"Document {n}")
            make_picture(partnership, alt=f"Picture {n}")
        with translation.override("en"):
            url = partnership.get_absolute_url()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        # tests/twinning/test_query_counts.py holds the page's bound (18); media add two.
        assert len(queries) <= 18


ADMIN_CHANGE = "admin:partnerships_{}_change"


class TestAdmin:
    def test_another_citys_media_are_404(
        self, client, django_user_model, make_partnership, make_document, make_picture, make_city
    ):
        document = make_document(make_partnership())
        item = make_picture(document.partnership)
        editor = django_user_model.objects.create_user("ed", is_staff=True)
        editor.user_permissions.add(
            *Permission.objects.filter(
                codename__in=["change_document", "view_document", "change_picture", "view_picture"]
            )
        )
        make_city().staff.add(editor)
        client.force_login(editor)
        for obj, name in [(document, "document"), (item, "picture")]:
            url = reverse(ADMIN_CHANGE.format(name), args=[obj.pk])
            assert client.get(url).status_code == 404
        changelist = client.get(reverse("admin:partnerships_document_changelist"))
        assert "Partnership agreement" not in changelist.content.decode()

    def test_partnership_form_has_the_media_inlines_per_language(
        self, admin_client, make_partnership, make_document, make_picture
    ):
        partnership = make_partnership(state="draft")
        make_document(partnership)
        make_picture(partnership)
        url = reverse(ADMIN_CHANGE.format("partnership"), args=[partnership.pk])
        html = admin_client.get(url).content.decode()
        assert 'enctype="multipart/form-data"' in html
        for language in ("en", "de", "zh_hans"):
            assert f'name="pictures-0-alt_{language}"' in html
            assert f'name="documents-0-title_{language}"' in html

    def test_admin_refuses_html_renamed_pdf(self, admin_client, make_partnership):
        partnership = make_partnership(state="draft")
        data = in_english(
            Document,
            {"partnership": partnership.pk, "title": "Decision", "date": "", "position": "0"},
        )
        data["file"] = pdf("decision.pdf", HTML)
        response = admin_client.post(reverse("admin:partnerships_document_add"), data)
        assert response.status_code == 200
        assertFormError(
            response.context["adminform"].form,
            "file",
            [
                "This file is a web page (HTML), not a PDF document, whatever its name says. "
                "Save or print the page as a PDF and upload that."
            ],
        )
        assert not Document.objects.exists()

    def test_admin_adds_a_document(self, admin_client, make_partnership):
        partnership = make_partnership(state="draft")
        data = in_english(
            Document,
            {"partnership": partnership.pk, "title": "Decision", "date": "", "position": "0"},
        )
        data["file"] = pdf("decision.pdf")
        response = admin_client.post(reverse("admin:partnerships_document_add"), data)
        assert response.status_code == 302, response.content.decode()[:3000]
        document = Document.objects.get()
        assert document.title_en == "Decision"
        assert document.partnership == partnership


class TestPendingChanges:
    """Media are parts of the partnership: an editor's new document for a published
    partnership waits for review like a new milestone, its file stored meanwhile."""

    def test_a_document_added_by_an_editor_waits_for_review(self, client, world, people):  # noqa: F811
        ours = world["ours"]
        client.force_login(people["editor"])
        url = reverse(ADMIN_CHANGE.format("partnership"), args=[ours.pk])
        data = posted(client.get(url))
        rows = int(data["documents-TOTAL_FORMS"])
        data.update(
            {
                "documents-TOTAL_FORMS": str(rows + 1),
                f"documents-{rows}-title_en": "Council decision",
                f"documents-{rows}-file": pdf("decision.pdf"),
                f"documents-{rows}-date": "2011-05-29",
                f"documents-{rows}-position": "0",
            }
        )
        response = client.post(url, data)
        assert response.status_code == 302, response.context and response.context["errors"]
        assert PendingChange.objects.filter(partnership=ours).exists()
        assert not Document.objects.exists()  # not live yet

        client.force_login(people["publisher"])
        review_url = reverse("admin:partnerships_partnership_review", args=[ours.pk])
        assert client.post(review_url, {"move": "publish", "message": ""}).status_code == 302
        document = Document.objects.get(partnership=ours)
        assert document.title_en == "Council decision"
        client.logout()
        download = client.get(download_url(document))
        assert download.status_code == 200
        assert b"".join(download.streaming_content) == PDF  # the file kept for the review

    def test_a_picture_added_by_an_editor_gets_its_renditions_once_published(
        self,
        client,
        world,  # noqa: F811
        people,  # noqa: F811
        django_capture_on_commit_callbacks,
    ):
        ours = world["ours"]
        client.force_login(people["editor"])
        url = reverse(ADMIN_CHANGE.format("partnership"), args=[ours.pk])
        data = posted(client.get(url))
        rows = int(data["pictures-TOTAL_FORMS"])
        data.update(
            {
                "pictures-TOTAL_FORMS": str(rows + 1),
                f"pictures-{rows}-image": SimpleUploadedFile(
                    "choir.jpg", picture(size=(1200, 900))
                ),
                f"pictures-{rows}-alt_en": "The choir on stage",
                f"pictures-{rows}-alt_zh_hans": "舞台上的合唱团",
                f"pictures-{rows}-position": "0",
            }
        )
        response = client.post(url, data)
        assert response.status_code == 302, response.context and response.context["errors"]
        assert not Picture.objects.exists()

        client.force_login(people["publisher"])
        review_url = reverse("admin:partnerships_partnership_review", args=[ours.pk])
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(review_url, {"move": "publish", "message": ""})
        assert response.status_code == 302
        item = Picture.objects.get(partnership=ours)
        assert item.image_renditions_state == "ready"
        assert item.image_renditions
        assert item.image.storage.exists(item.image.name)
        client.logout()
        html = page(client, ours, "zh-hans")
        assert 'alt="舞台上的合唱团"' in html
