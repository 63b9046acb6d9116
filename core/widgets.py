"""Select boxes written in Python, for the public filter forms.

Django renders a select box through a template, and each option through a template include of
its own: the partnership list's filter form, with every country of the world, spent more time
on its menus than on the rest of the page together (docs/performance.md). QuickSelect writes
the same HTML, byte for byte, as Django's select.html, select_option.html and attrs.html
(tests/core/test_widgets.py compares them), escaped the same way.
"""

import html

from django import forms
from django.utils.html import conditional_escape, escape
from django.utils.safestring import SafeData, mark_safe
from django_filters.widgets import BaseCSVWidget


def _escape_label(label):
    """conditional_escape() without its checks for lazy text on every call (a menu of every
    country calls it 250 times): the same text, escaped by the same html.escape()."""
    if type(label) is str:
        return html.escape(label)
    return conditional_escape(label)


def _attrs(attrs):
    """attrs.html: ` name="value"` per attribute, ` name` for True, nothing for False."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{escape(value)}"'  # stringformat:'s': escaped
        for name, value in attrs.items()
        if value is not False
    )


class QuickSelect(forms.Select):
    def render(self, name, value, attrs=None, renderer=None):
        # Select.get_context() and optgroups() without a dictionary per option: the same
        # selection (the first option whose value matches) and the same attributes.
        attrs = self.build_attrs(self.attrs, attrs)
        if self.allow_multiple_selected:
            attrs["multiple"] = True
        values = self.format_value(value)
        parts = [f'<select name="{conditional_escape(name)}"{_attrs(attrs)}>']
        has_selected = False
        # The whitespace too: select_option.html ends with a line break.
        for option_value, option_label in self.choices:
            if option_value is None:
                option_value = ""
            grouped = isinstance(option_label, (list, tuple))
            if grouped and option_value:
                parts.append(f'\n  <optgroup label="{conditional_escape(option_value)}">')
            for value_, label in option_label if grouped else [(option_value, option_label)]:
                selected = (not has_selected or self.allow_multiple_selected) and str(
                    value_
                ) in values
                has_selected |= selected
                parts.append(
                    f'\n  <option value="{html.escape(str(value_))}"'
                    f"{' selected' if selected else ''}>{_escape_label(label)}</option>\n"
                )
            if grouped and option_value:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 (every part escaped above)


class QuickCSVSelect(BaseCSVWidget, QuickSelect):
    """django-filter's menu of an ordering (a CSVSelect: BaseCSVWidget on a Select), one value
    written by QuickSelect; several, as before, in a text box."""


class QuickInput:
    """input.html and attrs.html in Python, for a text or number box of a filter form (each
    would otherwise render two templates)."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, attrs)
        value = self.format_value(value)
        shown = ""
        if value is not None:
            # stringformat:'s' keeps text marked safe as it is, and escapes the rest.
            shown = f' value="{value if isinstance(value, SafeData) else escape(value)}"'
        return mark_safe(  # noqa: S308 (every part escaped)
            f'<input type="{conditional_escape(self.input_type)}" name="{conditional_escape(name)}"'
            f"{shown}{_attrs(attrs)}>"
        )


class QuickTextInput(QuickInput, forms.TextInput):
    pass


class QuickNumberInput(QuickInput, forms.NumberInput):
    pass


class QuickDateInput(QuickInput, forms.DateInput):
    """The activity list's date boxes: its own format_value() (the date in the input format)."""


class QuickHiddenInput(QuickInput, forms.HiddenInput):
    pass


QUICK = {
    forms.Select: QuickSelect,
    forms.TextInput: QuickTextInput,
    forms.NumberInput: QuickNumberInput,
    forms.DateInput: QuickDateInput,
    forms.HiddenInput: QuickHiddenInput,
}


class QuickSelectForm(forms.Form):
    """A form whose plain select boxes, text and number boxes are written in Python (the filter
    sets' Meta.form)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget_class = type(field.widget)
            quick = QUICK.get(widget_class)
            # django-filter makes a CSVSelect class for each field (a sort's menu).
            if widget_class.__bases__ == (BaseCSVWidget, forms.Select):
                quick = QuickCSVSelect
            if quick is not None:
                # The same widget, attributes and choices; only the way it is written differs.
                field.widget.__class__ = quick
