"""Select boxes written in Python, for the public filter forms.

Django renders a select box through a template, and each option through a template include of
its own: the partnership list's filter form, with every country of the world, spent more time
on its menus than on the rest of the page together (docs/performance.md). QuickSelect writes
the same HTML, byte for byte, as Django's select.html, select_option.html and attrs.html
(tests/core/test_widgets.py compares them), escaped the same way.
"""

from django import forms
from django.utils.html import conditional_escape, escape
from django.utils.safestring import mark_safe


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
        widget = self.get_context(name, value, attrs)["widget"]
        parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
        # The whitespace too: select_option.html ends with a line break.
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
            for option in options:
                parts.append(
                    f'\n  <option value="{escape(option["value"])}"'
                    f"{_attrs(option['attrs'])}>{conditional_escape(option['label'])}</option>\n"
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 (every part escaped above)


class QuickSelectForm(forms.Form):
    """A form whose plain select boxes are QuickSelects (the filter sets' Meta.form)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if type(field.widget) is forms.Select:
                # The same widget, attributes and choices; only the way it is written differs.
                field.widget.__class__ = QuickSelect
