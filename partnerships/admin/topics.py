"""The focus areas' admin."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from core import translated
from core.edit_conflicts import GuardedAdmin
from core.translation_admin import StampTranslations
from history.admin import HistoryAdmin

from ..models import (
    Activity,
    FocusArea,
    Partnership,
)
from .base import count_of


@admin.register(FocusArea)
class FocusAreaAdmin(GuardedAdmin, StampTranslations, TranslationAdmin, HistoryAdmin):
    list_display = ["name", "slug", "partnership_count", "activity_count"]
    search_fields = [*translated.columns("name"), *translated.columns("description")]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "description"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                partnership_total=count_of(Partnership.focus_areas.through, "focusarea"),
                activity_total=count_of(Activity.focus_areas.through, "focusarea"),
            )
        )

    @admin.display(description=_("partnerships"), ordering="partnership_total")
    def partnership_count(self, focus_area):
        return focus_area.partnership_total

    @admin.display(description=_("activities"), ordering="activity_total")
    def activity_count(self, focus_area):
        return focus_area.activity_total


# --- Records that belong to a partnership, listed on their own so staff can find them --------
