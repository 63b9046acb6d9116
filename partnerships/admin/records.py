"""The admins of a partnership's records on their own pages: activities, milestones, plans and
sources."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from core import translated
from core.edit_conflicts import GuardedAdmin, GuardedModelForm
from core.translation_admin import StampTranslations

from .. import permissions
from ..models import (
    Activity,
    Milestone,
    Partnership,
    Plan,
    Source,
)
from .base import (
    PARTNERSHIP_SEARCH,
    PARTNERSHIP_SELECT_RELATED,
    URL_FIELD_OVERRIDES,
    ScopedAdmin,
)


class PartnershipChildAdmin(ScopedAdmin):
    """Shared set-up for records that belong to one partnership."""

    autocomplete_fields = ["partnership"]
    list_select_related = PARTNERSHIP_SELECT_RELATED

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "partnership":
            # The user's partnerships, shown by title, which needs both cities. A record added
            # to a published one by an editor joins its pending changes.
            choices = permissions.in_scope(request.user, Partnership.objects.all())
            kwargs["queryset"] = choices.select_related("city_a", "city_b")
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj))
        if getattr(request, "drafting", None) is not None and obj is not None:
            # A pending change belongs to one partnership: moving a record elsewhere is a
            # change to two pages, made on the live records only.
            readonly.append("partnership")
        return readonly

    # Changes to a published partnership's records go to its pending changes (on_pending).

    def add_view(self, request, form_url="", extra_context=None):
        partnership = None
        if request.method == "POST":
            chosen = request.POST.get("partnership", "")
            partnership = (
                permissions.in_scope(request.user, Partnership.objects.all())
                .filter(pk=int(chosen))
                .first()
                if chosen.isdigit()
                else None
            )
        if not self.keeps_pending(request, partnership):
            return super().add_view(request, form_url, extra_context)
        return self.on_pending(
            request,
            partnership,
            lambda: super(PartnershipChildAdmin, self).add_view(request, form_url, extra_context),
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        partnership = self.get_object(request, unquote(object_id)).partnership
        if not self.keeps_pending(request, partnership):
            return super().change_view(request, object_id, form_url, extra_context)
        return self.on_pending(
            request,
            partnership,
            lambda: super(PartnershipChildAdmin, self).change_view(
                request, object_id, form_url, extra_context
            ),
        )

    def delete_view(self, request, object_id, extra_context=None):
        partnership = self.get_object(request, unquote(object_id)).partnership
        if not self.keeps_pending(request, partnership):
            return super().delete_view(request, object_id, extra_context)
        return self.on_pending(
            request,
            partnership,
            lambda: super(PartnershipChildAdmin, self).delete_view(
                request, object_id, extra_context
            ),
        )

    @admin.display(description=_("published"), boolean=True, ordering="partnership__state")
    def partnership_published(self, obj):
        return obj.partnership.is_published


@admin.register(Activity)
class ActivityAdmin(GuardedAdmin, StampTranslations, TranslationAdmin, PartnershipChildAdmin):
    list_display = ["title", "kind", "when", "partnership", "partnership_published"]
    list_filter = ["kind", "focus_areas", "partnership__state", "start_precision"]
    search_fields = [
        *translated.columns("title"),
        *translated.columns("location"),
        *PARTNERSHIP_SEARCH,
    ]
    date_hierarchy = "start_date"
    filter_horizontal = ["focus_areas"]
    fields = [
        "partnership",
        ("title", "kind"),
        ("start_date", "end_date"),
        "focus_areas",
        "description",
        ("location", "participants"),
    ]

    @admin.display(description=_("when"), ordering="start_date")
    def when(self, activity):
        return activity.when_display

    def delete_queryset(self, request, queryset):
        # A bulk delete skips Activity.delete(): refresh the search documents it changes.
        partnership_ids = set(queryset.values_list("partnership", flat=True))
        super().delete_queryset(request, queryset)
        Partnership.objects.filter(pk__in=partnership_ids).refresh_search_document()


@admin.register(Milestone)
class MilestoneAdmin(GuardedAdmin, StampTranslations, TranslationAdmin, PartnershipChildAdmin):
    list_display = ["title", "kind", "date_display", "partnership", "partnership_published"]
    list_filter = ["kind", "partnership__state", "date_precision"]
    search_fields = [
        *translated.columns("title"),
        *translated.columns("location"),
        *PARTNERSHIP_SEARCH,
    ]
    date_hierarchy = "date"
    fields = [
        "partnership",
        "date",
        ("kind", "title"),
        "description",
        ("location", "participants"),
    ]

    @admin.display(description=_("date"), ordering="date")
    def date_display(self, milestone):
        return milestone.date_display


class PlanAdminForm(GuardedModelForm):
    class Meta:
        model = Plan
        fields = [
            "partnership",
            "title",
            "status",
            "focus_area",
            "target_year",
            "description",
            "activities",
        ]

    def clean(self):
        cleaned_data = super().clean()
        partnership = cleaned_data.get("partnership")
        activities = cleaned_data.get("activities")
        if partnership and activities:
            foreign = [a for a in activities if a.partnership_id != partnership.pk]
            if foreign:
                self.add_error(
                    "activities",
                    _("These activities belong to another partnership: %(titles)s.")
                    % {"titles": ", ".join(str(a) for a in foreign)},
                )
        return cleaned_data


@admin.register(Plan)
class PlanAdmin(GuardedAdmin, StampTranslations, TranslationAdmin, PartnershipChildAdmin):
    form = PlanAdminForm
    list_display = ["title", "status", "target_year", "focus_area", "partnership"]
    list_filter = ["status", "focus_area", "partnership__state"]
    search_fields = [*translated.columns("title"), *PARTNERSHIP_SEARCH]
    list_select_related = [*PARTNERSHIP_SELECT_RELATED, "focus_area"]
    filter_horizontal = ["activities"]
    fields = [
        "partnership",
        ("title", "status"),
        ("focus_area", "target_year"),
        "description",
        "activities",
    ]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if "activities" in form.base_fields:
            field = form.base_fields["activities"]
            if obj is None:
                field.help_text = _(
                    "Save the plan first; then the activities of its partnership can be chosen."
                )
                field.queryset = field.queryset.none()
            else:
                field.queryset = field.queryset.filter(partnership=obj.partnership_id)
        return form


@admin.register(Source)
class SourceAdmin(GuardedAdmin, PartnershipChildAdmin):
    formfield_overrides = URL_FIELD_OVERRIDES
    list_display = ["title", "publisher", "year", "partnership"]
    search_fields = ["title", "publisher", "url", *PARTNERSHIP_SEARCH]
    fields = ["partnership", "title", "publisher", "year", "url", "note"]
