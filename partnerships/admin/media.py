"""The media library's pictures and documents on their own pages (issue 20), scoped to the
staff member's cities like every partnership record; usually edited inside the partnership."""

from django.contrib import admin
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _
from modeltranslation.admin import TranslationAdmin

from core import images, translated
from core.edit_conflicts import GuardedAdmin
from core.translation_admin import StampTranslations

from ..models import Document, Picture
from .base import PARTNERSHIP_SEARCH
from .records import PartnershipChildAdmin


class MediaAdmin(GuardedAdmin, StampTranslations, TranslationAdmin, PartnershipChildAdmin):
    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name in ("activities", "milestones"):
            # The records of the media item's own partnership (none yet on the add form).
            object_id = request.resolver_match.kwargs.get("object_id")
            owner = self.model.objects.filter(pk=object_id).values("partnership")
            related = db_field.related_model.objects.select_related(None)
            kwargs["queryset"] = (
                related.filter(partnership__in=owner) if object_id else related.none()
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@admin.register(Picture)
class PictureAdmin(images.PictureAdminMixin, MediaAdmin):
    list_display = ["alt", "partnership", "renditions", "partnership_published"]
    list_filter = ["partnership__state", "image_renditions_state"]
    search_fields = [*translated.columns("alt"), *PARTNERSHIP_SEARCH]
    fields = [
        "partnership",
        "image",
        "alt",
        "credit",
        ("focal_x", "focal_y"),
        ("activities", "milestones"),
        "position",
    ]

    @admin.display(description=_("renditions"), ordering="image_renditions_state")
    def renditions(self, picture):
        return picture.get_image_renditions_state_display()


@admin.register(Document)
class DocumentAdmin(MediaAdmin):
    list_display = ["title", "date", "size_display", "partnership", "partnership_published"]
    list_filter = ["partnership__state"]
    search_fields = [*translated.columns("title"), *PARTNERSHIP_SEARCH]
    date_hierarchy = "date"
    fields = ["partnership", "title", ("file", "date"), ("activities", "milestones"), "position"]

    @admin.display(description=_("size"), ordering="size")
    def size_display(self, document):
        return filesizeformat(document.size) if document.size else ""
