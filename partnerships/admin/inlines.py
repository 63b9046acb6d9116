"""The rows edited inside a partnership's form: milestones, activities, plans, sources, figures,
media and contacts."""

import copy

from django import forms
from django.contrib import admin
from django.forms.models import BaseInlineFormSet
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationStackedInline, TranslationTabularInline

from core.edit_conflicts import GuardedAdmin
from core.labelled_inlines import LabelledCells
from core.translation_admin import MarkLanguages, OriginalColumnNames

from ..models import (
    Activity,
    Contact,
    Document,
    Milestone,
    PartnershipFigure,
    Picture,
    Plan,
    Source,
)
from .base import URL_FIELD_OVERRIDES, may_write


class PartOfPartnershipInline:
    """Inline rows follow their partnership: editable while the user may change it (a published
    one only on its pending version, partnerships/pending.py)."""

    def has_add_permission(self, request, obj=None):
        return super().has_add_permission(request, obj) and may_write(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and may_write(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and may_write(request, obj)


# --- Inlines ---------------------------------------------------------------------------------


class SharedChoicesFormSet(BaseInlineFormSet):
    """Fetch each chooser's options once for the whole formset instead of once per form.

    Without this every inline row re-runs the query behind its select boxes, so a
    partnership with 200 activities would cost 200 queries per chooser.
    """

    shared_choice_fields = ()

    def limit_queryset(self, name, queryset):
        """Narrow the options of field `name`; by default keep them all."""
        return queryset

    @cached_property
    def shared_fields(self):
        shared = {}
        for name in self.shared_choice_fields:
            field = self.form.base_fields.get(name)
            if field is None:  # not on the form (e.g. read-only for this user)
                continue
            field = copy.deepcopy(field)
            queryset = field.queryset = self.limit_queryset(name, field.queryset)
            # iter(): a plain list() would first ask the iterator's length, an extra COUNT.
            shared[name] = (queryset, list(iter(field.choices)))
        return shared

    def add_fields(self, form, index):
        super().add_fields(form, index)
        for name, (queryset, choices) in self.shared_fields.items():
            form.fields[name].queryset = queryset  # what the submitted value is checked against
            form.fields[name].choices = choices  # what is rendered


class MilestoneInline(
    GuardedAdmin, MarkLanguages, PartOfPartnershipInline, TranslationStackedInline
):
    model = Milestone
    extra = 0
    show_change_link = True
    fields = [
        "date",
        ("kind", "title"),
        "description",
        ("location", "participants"),
    ]


class ActivityFormSet(SharedChoicesFormSet):
    shared_choice_fields = ["focus_areas"]


class ActivityInline(
    GuardedAdmin, MarkLanguages, PartOfPartnershipInline, TranslationStackedInline
):
    model = Activity
    formset = ActivityFormSet
    extra = 0
    show_change_link = True
    fields = [
        ("title", "kind"),
        ("start_date", "end_date"),
        "focus_areas",
        "description",
        ("location", "participants"),
    ]

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "focus_areas":
            # A handful of topics: tick boxes are the plainest chooser and need no script.
            kwargs["widget"] = forms.CheckboxSelectMultiple
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "focus_areas":
            # The "add another" pop-up cannot add a tick box; topics are added on their own page.
            formfield.widget.can_add_related = False
        return formfield

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("focus_areas")


class PlanFormSet(SharedChoicesFormSet):
    shared_choice_fields = ["focus_area", "activities"]

    def limit_queryset(self, name, queryset):
        if name != "activities":
            return queryset
        if self.instance.pk is None:  # a new partnership has no saved activities yet
            return queryset.none()
        return queryset.filter(partnership=self.instance)


class PlanInline(GuardedAdmin, MarkLanguages, PartOfPartnershipInline, TranslationStackedInline):
    model = Plan
    formset = PlanFormSet
    extra = 0
    show_change_link = True
    fields = [("title", "status"), ("focus_area", "target_year"), "description", "activities"]
    filter_horizontal = ["activities"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "activities":
            formfield.help_text = _(
                "The activities of this partnership that delivered the plan. "
                "New activities can be chosen here once the partnership has been saved."
            )
            # Adding an activity from here would not tie it to this partnership.
            formfield.widget.can_add_related = False
        return formfield

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("focus_area")
            .prefetch_related("activities")
        )


class SourceInline(GuardedAdmin, LabelledCells, PartOfPartnershipInline, admin.TabularInline):
    model = Source
    extra = 0
    formfield_overrides = URL_FIELD_OVERRIDES
    fields = ["title", "publisher", "year", "url", "note"]


class PartnershipFigureFormSet(OriginalColumnNames, BaseInlineFormSet):
    pass


class PartnershipFigureInline(
    GuardedAdmin, LabelledCells, MarkLanguages, PartOfPartnershipInline, TranslationTabularInline
):
    model = PartnershipFigure
    formset = PartnershipFigureFormSet
    extra = 0
    fields = ["label", "qualifier", "value", "unit", "year", "note", "position"]


class MediaFormSet(SharedChoicesFormSet):
    """Pictures and documents are attached to activities and milestones of their own
    partnership only."""

    shared_choice_fields = ["activities", "milestones"]

    def limit_queryset(self, name, queryset):
        if self.instance.pk is None:  # a new partnership has no saved records yet
            return queryset.none()
        return queryset.filter(partnership=self.instance)


class MediaInline(GuardedAdmin, PartOfPartnershipInline, TranslationStackedInline):
    formset = MediaFormSet
    extra = 0
    show_change_link = True

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name in ("activities", "milestones"):
            formfield.help_text = _(
                "This partnership's own; new ones can be chosen once the partnership is saved."
            )
            formfield.widget.can_add_related = False
        return formfield

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("activities", "milestones")


class PictureInline(MediaInline):
    model = Picture
    fields = [
        "image",
        "alt",
        "credit",
        ("focal_x", "focal_y"),
        ("activities", "milestones"),
        "position",
    ]


class DocumentInline(MediaInline):
    model = Document
    fields = ["title", ("file", "date"), ("activities", "milestones"), "position"]


# --- Partnership ----------------------------------------------------------------------------


class ContactFormSet(SharedChoicesFormSet):
    """A contact works for one of the partnership's two cities."""

    shared_choice_fields = ["city"]

    def limit_queryset(self, name, queryset):
        if self.instance.pk is None:  # the cities are chosen in this very form
            return queryset.none()
        return queryset.filter(pk__in=[self.instance.city_a_id, self.instance.city_b_id])


class ContactInline(GuardedAdmin, PartOfPartnershipInline, admin.StackedInline):
    model = Contact
    formset = ContactFormSet
    extra = 0
    formfield_overrides = URL_FIELD_OVERRIDES
    fields = [
        ("role", "city"),
        ("organisation", "function"),
        "person",
        ("email", "phone", "website"),
        ("since", "until"),
        "is_public",
        "notes",
    ]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if db_field.name == "city":
            formfield.help_text = _(
                "Which of the two cities this contact works for. New partnerships: save "
                "first, then add contacts."
            )
            formfield.widget.can_add_related = False
        return formfield
