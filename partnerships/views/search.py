"""The site search: partnerships by free text, best match first."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.views.generic import ListView

from .. import search
from ..models import Partnership
from . import PAGE_SIZE

RESULT_FIELDS = (
    "slug",
    "kind",
    "established",
    "established_precision",
    *(f"{side}__{name}" for side in ("city_a", "city_b") for name in ("name", "country")),
)


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search partnerships"),
        max_length=search.MAX_QUERY_LENGTH,
        error_messages={
            "required": _("Type a word to search for: a city, a topic, an activity."),
            "max_length": _(
                "That is too long to search for: use at most %(limit_value)d characters "
                "(this has %(show_value)d)."
            ),
        },
    )


class SearchView(ListView):
    """/search/?q=…: published partnerships matching the words, best first, with a snippet."""

    template_name = "partnerships/search.html"
    context_object_name = "results"
    paginate_by = PAGE_SIZE

    def get(self, request, *args, **kwargs):
        self.form = SearchForm(request.GET if "q" in request.GET else None)
        self.query = self.form.cleaned_data["q"] if self.form.is_valid() else ""
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        if not self.query:
            return Partnership.objects.none()
        # Only what a result shows (the rows hold every narrative text in every language).
        partnerships = Partnership.objects.published().only(
            *RESULT_FIELDS, *search.snippet_fields(Partnership, Partnership.objects.db)
        )
        found = search.search(partnerships.select_related("city_a", "city_b"), self.query)
        return search.with_snippet_sources(found, self.query)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        results = list(context["object_list"])
        for partnership in results:
            partnership.snippet = search.snippet(partnership, self.query)
        context.update(
            results=results,
            object_list=results,
            form=self.form,
            query=self.query,
            full_text=search.is_full_text(Partnership.objects.db),
        )
        return context
