"""The public pages, one module per kind: partnerships (list, page, topics, activities), cities
(list, profile), search, and figures (anniversaries, statistics). Each view builds its queryset
in one place and computes everything the page shows; the templates only lay it out."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property

PAGE_SIZE = 20


class PublishedRecordPaginator(Paginator):
    """Pages of the published records among `object_list` (records of partnerships in any
    state, e.g. Activity.objects.listing()), counted by count_published(): the same count as the
    published ones' count(), without joining every record to its partnership."""

    def __init__(self, object_list, *args, **kwargs):
        self.records = object_list
        super().__init__(object_list.published(), *args, **kwargs)

    @cached_property
    def count(self):
        return self.records.count_published()
