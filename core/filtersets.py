"""A FilterSet for the public lists without django-filter's per-request deep copies.

django-filter's FilterSet deep-copies every declared filter for each request (and with them their
choices and querysets), then builds a new form class, a new field per filter, which the form
deep-copies once more: a few milliseconds of a list page that does nothing else slow. Here each
request's filters are shallow copies (what a request changes of a filter is its `extra`, its
`model` and `parent`: each copy has its own), and the form class is built once per `form_key()`
— the fields are a pure function of the declaration; the form still deep-copies them for each
request as every Django form does, so a field's queryset is read anew each time (a focus area
added shows at once) and lazy labels and choices are translated when they are read.
"""

import copy

import django_filters
from django.http import QueryDict


def _copy_for_request(filter_):
    """A filter for one request: its own `extra` (a FilterSet may change it, as the partnership
    filter does its sort's empty choice), its own method bound to it, and no field built for
    another request."""
    new = copy.copy(filter_)
    new.__dict__.pop("_field", None)
    new.extra = dict(filter_.extra)
    if filter_.method is not None:
        new.method = filter_.method  # the setter binds a new FilterMethod to the copy
    return new


class QuickFilterSet(django_filters.FilterSet):
    """A FilterSet whose subclasses name, in form_key(), everything their form's fields depend
    on beyond the declaration (nothing by default). Fields must not depend on the request."""

    _form_classes = None

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        # FilterSet.__init__() with shallow copies of the filters in place of a deep copy.
        if queryset is None:
            queryset = self._meta.model._default_manager.all()
        model = queryset.model
        self.is_bound = data is not None
        self.data = data or QueryDict()
        self.queryset = queryset
        self.request = request
        self.form_prefix = prefix
        self.filters = {name: _copy_for_request(f) for name, f in self.base_filters.items()}
        for filter_ in self.filters.values():
            filter_.model = model
            filter_.parent = self

    def form_key(self):
        return None

    def get_form_class(self):
        # One form class per FilterSet class and key: its fields are only ever deep-copied.
        cls = type(self)
        if cls.__dict__.get("_form_classes") is None:
            cls._form_classes = {}
        key = self.form_key()
        form_class = cls._form_classes.get(key)
        if form_class is None:
            form_class = cls._form_classes[key] = super().get_form_class()
        return form_class
