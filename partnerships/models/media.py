"""A partnership's media library: pictures and PDF documents (issue 20).

Each picture or document belongs to one partnership and may be attached to that partnership's
activities and milestones. Their texts are kept per language (partnerships/translation.py).
They are parts of the partnership (PARTNERSHIP_PARTS): its history and its pending changes hold
their rows; the files themselves are not versioned, so they are kept when a row is deleted or a
file replaced (a revert may bring the row back).

Pictures go through the city pictures' pipeline (core/images.py): checked and re-encoded on
upload, renditions made by the task queue (partnerships/tasks.py). Documents are checked by
content (core-free here: `check_document`): a PDF, not a web page renamed, at most
MAX_DOCUMENT_BYTES; they are only ever served as downloads (partnerships/views/media.py).
"""

import os
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, router, transaction
from django.template.defaultfilters import filesizeformat
from django.urls import reverse
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from core import images
from core.tasks import enqueue
from core.translated import TranslationStamps

from .partnership import Partnership
from .records import Activity, Milestone, PartnershipRecordQuerySet

PERCENT_VALIDATORS = [MinValueValidator(0), MaxValueValidator(100)]
# How much of a document is read to tell what it is.
SNIFF_BYTES = 1024
HTML_MARKERS = (b"<!doctype html", b"<html", b"<head", b"<body", b"<script", b"<iframe", b"<svg")


def picture_name(picture, filename):
    """A random name: the uploader's file name never reaches the media folder."""
    return images.generated_name("pictures", filename)


def document_name(document, filename):
    return f"documents/{uuid.uuid4().hex}.pdf"


def check_document(upload):
    """Refuse an upload that is too large, a web page, or not a PDF (judged by its content)."""
    size = getattr(upload, "size", None)
    limit = settings.MAX_DOCUMENT_BYTES
    if size is not None and size > limit:
        raise ValidationError(
            _("The document is %(size)s; documents may be at most %(limit)s."),
            code="document_too_large",
            params={"size": filesizeformat(size), "limit": filesizeformat(limit)},
        )
    position = upload.tell() if hasattr(upload, "tell") else None
    try:
        upload.seek(0)
        head = upload.read(SNIFF_BYTES)
    finally:
        if position is not None:
            upload.seek(position)
    if isinstance(head, str):
        head = head.encode()
    lowered = head.lstrip().lower()
    if any(marker in lowered for marker in HTML_MARKERS) and not head.startswith(b"%PDF-"):
        raise ValidationError(
            _(
                "This file is a web page (HTML), not a PDF document, whatever its name says. "
                "Save or print the page as a PDF and upload that."
            ),
            code="document_is_html",
        )
    if not head.startswith(b"%PDF-"):
        raise ValidationError(
            _("This file is not a PDF document. Only PDF files can be attached."),
            code="document_not_pdf",
        )


def validate_document(value):
    """Model-field validator: a new upload is checked; a stored file is taken as it is."""
    if not value or getattr(value, "_committed", False):
        return
    check_document(getattr(value, "file", value))


class MediaQuerySet(PartnershipRecordQuerySet):
    pass


class PictureQuerySet(MediaQuerySet):
    def ask_for_renditions(self):
        """Queue the renditions these pictures still wait for: those of a picture saved into
        pending changes were asked for in a transaction that was rolled back, and are asked
        for again when the changes are published (partnerships/review.py)."""
        from ..tasks import make_picture_renditions  # the tasks import the models

        waiting = self.filter(image_renditions_state=images.RenditionsState.PENDING).exclude(
            image=""
        )
        for pk, name in waiting.values_list("pk", "image"):
            enqueue(make_picture_renditions, pk, name)


class Picture(TranslationStamps):
    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="pictures")
    image = images.PictureField(
        _("picture"),
        upload_to=picture_name,
        help_text=_("A JPEG, PNG or WebP picture."),
    )
    image_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    image_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    image_renditions = models.JSONField(default=list, blank=True, editable=False)
    image_renditions_state = models.CharField(
        _("renditions"),
        max_length=10,
        choices=images.RenditionsState.choices,
        blank=True,
        default="",
        editable=False,
    )
    alt = models.CharField(
        _("description"),
        max_length=250,
        help_text=_("What the picture shows, for visitors who cannot see it."),
    )
    credit = models.CharField(
        _("credit"), max_length=250, blank=True, help_text=_("Photographer or rights holder.")
    )
    focal_x = models.PositiveSmallIntegerField(
        _("focal point across"),
        null=True,
        blank=True,
        validators=PERCENT_VALIDATORS,
        help_text=_(
            "Where the picture's subject is, in percent from the left; kept in view in crops."
        ),
    )
    focal_y = models.PositiveSmallIntegerField(
        _("focal point down"),
        null=True,
        blank=True,
        validators=PERCENT_VALIDATORS,
        help_text=_("Where the picture's subject is, in percent from the top."),
    )
    activities = models.ManyToManyField(
        Activity, blank=True, related_name="pictures", verbose_name=_("activities")
    )
    milestones = models.ManyToManyField(
        Milestone, blank=True, related_name="pictures", verbose_name=_("milestones")
    )
    position = models.PositiveSmallIntegerField(
        _("position"), default=0, help_text=_("Order on the page.")
    )

    objects = PictureQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("picture")
        verbose_name_plural = _("pictures")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(focal_x__isnull=True, focal_y__isnull=True)
                | models.Q(focal_x__lte=100, focal_y__lte=100),
                name="picture_focal_point_in_range",
                violation_error_message=_(
                    "A focal point is given in percent (0 to 100), both coordinates or neither."
                ),
            ),
        ]

    def __str__(self):
        return self.alt

    def clean(self):
        if (self.focal_x is None) != (self.focal_y is None):
            missing = "focal_y" if self.focal_y is None else "focal_x"
            raise ValidationError(
                {missing: _("Give both coordinates of the focal point, or neither.")}
            )

    def save(self, *args, **kwargs):
        using = kwargs.get("using") or router.db_for_write(Picture, instance=self)
        stored = upload = None
        if self.image and not self.image._committed:
            upload = self.image.file
            try:
                stored = images.store(self.image)
            except images.StoreUnavailable:
                self.image = upload
                raise
            self.image_width, self.image_height = stored.width, stored.height
            self.image_renditions = []
            self.image_renditions_state = stored.renditions_state
        try:
            with transaction.atomic(using=using):
                super().save(*args, **kwargs)
        except BaseException:
            if stored is not None:  # the row was not written: neither is the file
                images.delete_quietly(self.image.storage, self.image.name)
                self.image = upload
            raise
        # The file is kept even if the surrounding transaction rolls back, unlike a city's
        # picture: a save to a published partnership is tried out and rolled back, and its
        # pending changes (partnerships/pending.py) name the file, to be shown once published.
        if stored is not None and self.image_renditions_state == images.RenditionsState.PENDING:
            from ..tasks import make_picture_renditions  # the tasks import the models

            enqueue(make_picture_renditions, self.pk, self.image.name)

    @property
    def picture(self):
        """The <img> attributes (src, srcset, width, height), or None."""
        return images.picture(
            self.image, self.image_width, self.image_height, self.image_renditions
        )

    @property
    def focus_class(self):
        """A class keeping the focal point in view when the picture is cropped (site.css has
        them in steps of 25 %; the Content-Security-Policy allows no inline style)."""
        if self.focal_x is None or self.focal_y is None:
            return ""
        x, y = (round(value / 25) * 25 for value in (self.focal_x, self.focal_y))
        return f"focus-{x}-{y}"


class Document(TranslationStamps):
    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="documents")
    title = models.CharField(_("title"), max_length=250)
    date = models.DateField(
        _("date"), null=True, blank=True, help_text=_("When it was signed, decided or issued.")
    )
    file = models.FileField(
        _("file"),
        upload_to=document_name,
        validators=[validate_document],
        help_text=_("A PDF document."),
    )
    size = models.PositiveIntegerField(_("size"), null=True, blank=True, editable=False)
    activities = models.ManyToManyField(
        Activity, blank=True, related_name="documents", verbose_name=_("activities")
    )
    milestones = models.ManyToManyField(
        Milestone, blank=True, related_name="documents", verbose_name=_("milestones")
    )
    position = models.PositiveSmallIntegerField(
        _("position"), default=0, help_text=_("Order on the page.")
    )

    objects = MediaQuerySet.as_manager()

    class Meta:
        ordering = ["position", "id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        if self.file and not self.file._committed:
            # Checked here too: a save without full_clean() (a script) stores no web page.
            check_document(self.file.file)
            self.size = self.file.size
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        return reverse("document_download", kwargs={"pk": self.pk})

    @property
    def download_name(self):
        """The file name offered for saving: from the English title."""
        base = slugify(self.title_en or self.title)[:80] or "document"
        return f"{base}.pdf"

    @property
    def extension(self):
        return os.path.splitext(self.file.name)[1].lstrip(".").upper()
