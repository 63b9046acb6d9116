"""The partner finder (a city's "partners like you") and the "seeking a partner" listings."""

from django.http import Http404
from django.views.generic import ListView, TemplateView

from .. import finder
from ..filters import PartnerFinderForm
from ..models import PartnerSearch
from . import PAGE_SIZE


class PartnerFinderView(TemplateView):
    template_name = "cities/partner_finder.html"

    def get_context_data(self, **kwargs):
        # Public: checked for this one city (finder.public_q). City.objects.public() lists the
        # cities of every published partnership to test one (13 ms on SQLite at world scale).
        city = finder.public_city(self.kwargs["slug"])
        if city is None:
            raise Http404("No City matches the given query.")
        form = PartnerFinderForm(self.request.GET or None)
        if form.is_bound and not form.is_valid():
            suggestions = []  # the errors are shown instead
        else:
            filters = form.filters() if form.is_bound else {}
            suggestions = finder.suggest(city, **filters)
        return super().get_context_data(
            city=city, filter={"form": form}, suggestions=suggestions, **kwargs
        )


class SeekingListView(ListView):
    template_name = "partnerships/seeking_list.html"
    context_object_name = "listings"
    paginate_by = PAGE_SIZE

    def get_queryset(self):
        return (
            PartnerSearch.objects.current()
            .select_related("city")
            .prefetch_related("focus_areas")
            .order_by("-updated_at", "pk")
        )

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        matches = finder.matches_for_listings(context["listings"])
        for listing in context["listings"]:
            listing.matching_cities = matches.get(listing.pk, [])
        return context
