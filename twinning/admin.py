"""The admin site, set once for every app's admin: its names, and two of its addresses kept to
what a staff member may see.

The names say whose workplace it is and nothing about the software behind it.
"""

from django.apps import apps
from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.contrib.contenttypes.models import ContentType
from django.contrib.contenttypes.views import shortcut
from django.core.exceptions import FieldDoesNotExist
from django.http import Http404
from django.utils.translation import gettext_lazy as _

admin.site.site_header = _("Twinning staff")
admin.site.site_title = _("Twinning staff")
admin.site.index_title = _("Twinning staff")


def view_on_site(request, content_type_id, object_id):
    """Django's "view on site" redirect (admin/r/…), for records the user may see in the admin.

    The address it redirects to names the record (a draft's slug), so for anyone but a
    superuser it answers 404 for records outside their scope and for models without an admin.
    """
    if not request.user.is_superuser:
        try:
            model = ContentType.objects.get_for_id(content_type_id).model_class()
        except ContentType.DoesNotExist:
            raise Http404 from None
        model_admin = admin.site._registry.get(model)
        if model_admin is None:
            raise Http404
        obj = model_admin.get_object(request, unquote(str(object_id)))
        if obj is None or not model_admin.has_view_or_change_permission(request, obj):
            raise Http404
    return shortcut(request, content_type_id, object_id)


def autocomplete_source(request):
    """(model, field) of the form field an admin autocomplete request fills, or None."""
    match = request.resolver_match
    if match is None or match.url_name != "autocomplete":
        return None
    try:
        model = apps.get_model(request.GET["app_label"], request.GET["model_name"])
        return model, model._meta.get_field(request.GET["field_name"])
    except (KeyError, LookupError, FieldDoesNotExist):
        return None


class OffersWhatTheFormAccepts:
    """A ModelAdmin whose records other forms choose by autocomplete offers each form only
    the records that form's field accepts (its formfield_for_foreignkey), not every record
    the user may see: otherwise the choice is offered, then refused as "not a valid choice".
    """

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        source = autocomplete_source(request)
        if source is None:
            return queryset, may_have_duplicates
        model, field = source
        # An inline's model has no admin here: its field is offered the user's whole scope.
        source_admin = self.admin_site._registry.get(model)
        if source_admin is not None and field.many_to_one and field.related_model is self.model:
            accepted = source_admin.formfield_for_foreignkey(field, request)
            if accepted is not None:
                queryset = queryset.filter(pk__in=accepted.queryset.values("pk"))
        return queryset, may_have_duplicates
