"""Focus areas: the topics partnerships and activities are about."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from core.addresses import address_for
from core.translated import TranslationStamps


class FocusArea(TranslationStamps):
    name = models.CharField(max_length=100, unique=True, verbose_name=_("name"))
    slug = models.SlugField(max_length=120, unique=True, verbose_name=_("address name"))
    description = models.TextField(
        blank=True, help_text=_("Markdown."), verbose_name=_("description")
    )

    class Meta:
        # The original name's column: "name" would be rewritten to the active language's,
        # where untranslated names tie on NULL.
        ordering = ["name_en"]
        verbose_name = _("focus area")
        verbose_name_plural = _("focus areas")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return address_for("topic_detail", self.slug)
