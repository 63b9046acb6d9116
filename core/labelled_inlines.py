"""Tabular inlines whose cells say what they are.

A tabular inline heads its columns with a `<th>` but labels none of its inputs, so a screen
reader announces each cell as "edit text" (axe's `label` rule: 42 findings on the city form).
`LabelledCells` gives every input of the row its column's name (`aria-label`), the delete
tick box included.
"""

from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _


def _innermost(widget):
    while hasattr(widget, "widget"):  # related-field and clearable wrappers
        widget = widget.widget
    return widget


class LabelledCells:
    """For an admin.TabularInline: each cell's input is labelled with its column's name."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        field = super().formfield_for_dbfield(db_field, request, **kwargs)
        if field is not None:
            _innermost(field.widget).attrs["aria-label"] = capfirst(
                field.label or db_field.verbose_name
            )
        return field

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)

        class LabelledFormSet(formset):
            def add_fields(self, form, index):
                super().add_fields(form, index)
                if "DELETE" in form.fields:
                    form.fields["DELETE"].widget.attrs["aria-label"] = _("Delete")

        LabelledFormSet.__name__ = formset.__name__
        return LabelledFormSet
