"""Admin form data with translated fields posted as their English columns (title → title_en).

The admin edits every language of a translated field side by side (django-modeltranslation):
the form has `summary_en`, `summary_de`, `summary_zh_hans` instead of `summary`.
"""

from django.apps import apps

from core.translated import ORIGINAL, column, translated_fields

# Inline prefixes of the partnership form whose rows have translated fields.
INLINE_MODELS = {
    "milestones": "partnerships.Milestone",
    "activities": "partnerships.Activity",
    "plans": "partnerships.Plan",
    # The key figures of a city's form and of a partnership's: the same translated fields.
    "figures": "cities.CityFigure",
}


def in_english(model, data):
    """`data` for `model`'s admin form, its translated fields renamed to the English column."""
    result = {}
    for key, value in data.items():
        parts = key.split("-")
        if len(parts) == 3 and parts[0] in INLINE_MODELS:
            fields = translated_fields(apps.get_model(INLINE_MODELS[parts[0]]))
            if parts[2] in fields:
                key = f"{parts[0]}-{parts[1]}-{column(parts[2], ORIGINAL)}"
        elif len(parts) == 1 and key in translated_fields(model):
            key = column(key, ORIGINAL)
        result[key] = value
    return result
