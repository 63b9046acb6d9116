"""Admin pieces for content in several languages (see core/translated.py).

`StampTranslations` goes before modeltranslation's `TranslationAdmin` (or an inline's base) in
an admin class: a translation saved in the admin, on the record's own form or in an inline,
records the original it was made from, so the translation report knows when the original
changes later; and each language's field carries that language (`lang="zh-Hans"`), so a
screen reader reads Chinese with a Chinese voice (`MarkLanguages`, for inlines on their own).
"""

from django.utils.translation import to_locale

from . import translated


def language_tag(language):
    """The BCP 47 tag of a Django language code, as HTML's `lang` wants it: "zh-hans" →
    "zh-Hans"."""
    return to_locale(language).replace("_", "-")


class MarkLanguages:
    """Each language's form field of a translated text gets `lang` on its input."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        language = getattr(db_field, "language", None)  # modeltranslation's columns
        if field is not None and language:
            widget = field.widget
            while hasattr(widget, "widget"):  # related-field and clearable wrappers
                widget = widget.widget
            widget.attrs["lang"] = language_tag(language)
        return field


class StampTranslations(MarkLanguages):
    """Saving a translation field (e.g. `summary_de`) stamps it with the current original."""

    def save_model(self, request, obj, form, change):
        translated.stamp_changed(obj, form.changed_data)
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        for inline_form in formset.forms:
            instance = inline_form.instance
            if inline_form.has_changed() and translated.translated_fields(type(instance)):
                translated.stamp_changed(instance, inline_form.changed_data)
        super().save_formset(request, form, formset, change)


class OriginalColumnNames:
    """A formset mixin: a unique constraint on an original column (e.g. `label_en`) is reported
    under the field's name ("label and year"), as staff know it, not the column's."""

    def get_unique_error_message(self, unique_check):
        model = self.model
        names = {
            translated.column(field, translated.ORIGINAL): field
            for field in translated.translated_fields(model)
        }
        return super().get_unique_error_message([names.get(name, name) for name in unique_check])
