"""Names and narrative kept per language (django-modeltranslation; see core/translated.py).

English is the original: `name_en`, `summary_en`, … hold it; `*_de` and `*_zh_hans` the
translations, which fall back to the English when empty. Each model's `translated_from` records
which English text each translation was made from (core/translated.py).
"""

from modeltranslation.translator import TranslationOptions, register

from .models import (
    Activity,
    Document,
    FocusArea,
    Milestone,
    Partnership,
    PartnershipFigure,
    Picture,
    Plan,
)


@register(FocusArea)
class FocusAreaTranslationOptions(TranslationOptions):
    fields = ("name", "description")


@register(Partnership)
class PartnershipTranslationOptions(TranslationOptions):
    fields = tuple(Partnership.NARRATIVE_FIELDS)


@register(Milestone)
class MilestoneTranslationOptions(TranslationOptions):
    fields = ("title", "description", "location", "participants")


@register(Activity)
class ActivityTranslationOptions(TranslationOptions):
    fields = ("title", "description", "location", "participants")


@register(Plan)
class PlanTranslationOptions(TranslationOptions):
    fields = ("title", "description")


@register(PartnershipFigure)
class PartnershipFigureTranslationOptions(TranslationOptions):
    fields = ("label", "unit", "note")


@register(Picture)
class PictureTranslationOptions(TranslationOptions):
    fields = ("alt", "credit")


@register(Document)
class DocumentTranslationOptions(TranslationOptions):
    fields = ("title",)
