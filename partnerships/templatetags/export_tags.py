from django import template
from django.http import QueryDict
from django.urls import reverse

register = template.Library()


@register.simple_tag(takes_context=True)
def export_url(context, fmt):
    """The list export in `fmt` with the filters the visitor has chosen (not the page)."""
    params = QueryDict(mutable=True)
    for key, values in context["request"].GET.lists():
        kept = [value for value in values if value]
        if key not in ("page", "format") and kept:
            params.setlist(key, kept)
    params["format"] = fmt
    return f"{reverse('partnership_export')}?{params.urlencode()}"
