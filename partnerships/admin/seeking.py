"""The "seeking a partner" listings' admin: staff see and edit only their own cities' listings."""

from django.contrib import admin
from django.http import Http404
from django.utils.translation import gettext_lazy as _

from cities.permissions import is_unrestricted, own_city_ids
from core import translated

from ..models import PartnerSearch


@admin.register(PartnerSearch)
class PartnerSearchAdmin(admin.ModelAdmin):
    """Superusers see every listing; anyone else the listings of the cities assigned to them
    (`City.staff`): a listing of another city answers 404 on every view, and the city chooser
    offers only their cities."""

    list_display = ["city", "size_band", "contact_role", "is_published", "valid_until"]
    list_filter = ["is_published", "size_band"]
    search_fields = [*translated.columns("city__name"), "contact_role", "description"]
    filter_horizontal = ["focus_areas"]
    fieldsets = [
        (None, {"fields": ["city", "is_published", "valid_until"]}),
        (
            _("What the city looks for"),
            {"fields": ["size_band", "focus_areas", "countries", "regions", "languages"]},
        ),
        (None, {"fields": ["contact_role", "description"]}),
    ]

    def get_queryset(self, request):
        listings = super().get_queryset(request).select_related("city")
        if is_unrestricted(request.user):
            return listings
        return listings.filter(city__in=own_city_ids(request.user))

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(_("There is no such listing among your cities’ listings."))
        return obj

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "city" and not is_unrestricted(request.user):
            kwargs["queryset"] = db_field.remote_field.model.objects.filter(
                pk__in=own_city_ids(request.user)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)
