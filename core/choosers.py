"""Admin choosers (autocomplete) that offer only what the form they fill accepts."""

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist


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
