"""QuickSelect writes what Django's select templates write (core/widgets.py)."""

import datetime

import pytest
from django import forms
from django.utils.safestring import mark_safe

from core.widgets import (
    QuickCSVSelect,
    QuickDateInput,
    QuickHiddenInput,
    QuickNumberInput,
    QuickSelect,
    QuickSelectForm,
    QuickTextInput,
)

CHOICES = [
    ("", "Any country"),
    ("DE", "Germany"),
    ("CN", "China & <Taiwan>"),
    ("x\"y'", mark_safe("<b>safe</b>")),  # noqa: S308 (a label someone marked safe)
    (3, "A number"),
]
GROUPED = [
    ("", "Any"),
    ("Europe & more", [("DE", "Germany"), ("FR", "France")]),
    ("Asia", [("CN", "China")]),
]


ODD = [(None, "Nothing"), ("", [("a", "A"), ("DE", "Twice")]), ("DE", "Germany")]


@pytest.mark.parametrize("choices", [CHOICES, GROUPED, ODD, []])
@pytest.mark.parametrize("value", [None, "", "DE", "CN", 3, "missing"])
@pytest.mark.parametrize(
    "attrs",
    [None, {"id": "id_country"}, {"id": "x", "required": True, "disabled": False, "data-x": '"<>'}],
)
def test_the_same_html_as_django_writes(choices, value, attrs):
    django_select = forms.Select(choices=choices).render("country", value, attrs)
    quick_select = QuickSelect(choices=choices).render("country", value, attrs)

    assert quick_select == django_select


def test_the_filter_forms_plain_menus_become_quick_and_nothing_else():
    class Form(QuickSelectForm):
        country = forms.ChoiceField(choices=CHOICES)
        several = forms.MultipleChoiceField(choices=CHOICES)
        when = forms.SplitDateTimeField()

    form = Form(data={"country": "DE"})

    assert type(form.fields["country"].widget) is QuickSelect
    assert type(form.fields["several"].widget) is forms.SelectMultiple
    assert 'value="DE" selected' in str(form["country"])
    # The class keeps its choices and attributes; another form instance is untouched.
    assert type(forms.ChoiceField(choices=CHOICES).widget) is forms.Select


@pytest.mark.parametrize(
    ("widget", "quick"),
    [
        (forms.TextInput, QuickTextInput),
        (forms.NumberInput, QuickNumberInput),
        (forms.HiddenInput, QuickHiddenInput),
        (forms.DateInput, QuickDateInput),
    ],
)
@pytest.mark.parametrize(
    "value",
    [None, "", "Dresden & <Berlin> \"'", 1990, mark_safe("<b>"), datetime.date(2010, 5, 1)],  # noqa: S308
)
@pytest.mark.parametrize(
    "attrs",
    [None, {"id": "id_q"}, {"id": "x", "required": True, "disabled": False, "data-x": '"<>'}],
)
def test_text_and_number_boxes_are_written_as_django_writes_them(widget, quick, value, attrs):
    own = {"inputmode": "numeric", "maxlength": 200}
    assert quick(attrs=own).render("q", value, attrs) == widget(attrs=own).render("q", value, attrs)
    dated = {"type": "date"}  # as the activity list's date boxes
    assert quick(attrs=dated).render("q", value, attrs) == widget(attrs=dated).render(
        "q", value, attrs
    )


def test_the_filter_forms_boxes_become_quick():
    class Form(QuickSelectForm):
        q = forms.CharField()
        year = forms.IntegerField()
        when = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    form = Form()

    assert type(form.fields["q"].widget) is QuickTextInput
    assert type(form.fields["year"].widget) is QuickNumberInput
    assert type(form.fields["when"].widget) is QuickDateInput


@pytest.mark.parametrize("value", [None, "", [], ["name"], ["-name"], ["name", "-established"]])
@pytest.mark.parametrize("attrs", [None, {"id": "id_sort"}])
def test_an_orderings_menu_is_written_as_django_filter_writes_it(value, attrs):
    import django_filters

    ordering = django_filters.OrderingFilter(fields=("name", "established"))
    choices = [("name", "Name & <more>"), ("-name", "Name (Z–A)"), ("established", "Oldest")]

    class Form(QuickSelectForm):
        sort = ordering.field_class(choices=choices, required=False)

    plain = ordering.field_class(choices=choices, required=False).widget
    quick = Form().fields["sort"].widget
    assert type(quick) is QuickCSVSelect
    assert quick.render("sort", value, attrs) == plain.render("sort", value, attrs)
