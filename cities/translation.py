"""The city's text kept per language (django-modeltranslation; see core/translated.py)."""

from modeltranslation.translator import TranslationOptions, register

from .models import City


@register(City)
class CityTranslationOptions(TranslationOptions):
    fields = ("name", "summary", "description")
