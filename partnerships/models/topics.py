"""Focus areas: the topics partnerships and activities are about."""

from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core.translated import TranslationStamps


class FocusArea(TranslationStamps):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True, help_text=_("Markdown."))

    class Meta:
        # The original name's column: "name" would be rewritten to the active language's,
        # where untranslated names tie on NULL.
        ordering = ["name_en"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("topic_detail", kwargs={"slug": self.slug})
