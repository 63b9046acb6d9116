"""The city's text kept per language (django-modeltranslation; see core/translated.py)."""

from modeltranslation.translator import TranslationOptions, register

from .models import City, CityFigure


@register(City)
class CityTranslationOptions(TranslationOptions):
    fields = ("name", "summary", "description", "region", "image_alt", "image_credit")


@register(CityFigure)
class CityFigureTranslationOptions(TranslationOptions):
    fields = ("label", "unit", "note")
