"""The public pages, one module per kind: partnerships (list, page, topics, activities), cities
(list, profile), search, and figures (anniversaries, statistics). Each view builds its queryset
in one place and computes everything the page shows; the templates only lay it out."""

from django.core.paginator import Paginator
from django.utils.functional import cached_property
from django.utils.translation import get_language

from core.compiled_rows import CompiledObjects
from core.index_walk import keys_in_index_order, walks

PAGE_SIZE = 20


class IndexWalkPaginator(Paginator):
    """Pages chosen by walking the index that gives the list's order where that pays (SQLite,
    core/index_walk.py): `order_by` is the index's column as the ORDER BY names it, `outer`
    the table to walk when it is not the list's own."""

    order_by = None
    outer = None

    def page(self, number):
        # Paginator.page(), with the walk in place of the slice where it applies.
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        keys = keys_in_index_order(
            self.object_list, bottom, top, self.count, self.order_by, self.outer
        )
        return self._get_page(self.page_objects(bottom, top, keys), number, self)

    def page_objects(self, bottom, top, keys):
        """The page's objects: those of `object_list` with `keys` (the walk's choice: a
        subquery), its joins, order and prefetches kept; without keys, its slice."""
        if keys is None:
            return self.object_list[bottom:top]
        return self.object_list.filter(pk__in=keys)


class PartnershipPaginator(IndexWalkPaginator):
    """The partnership list by name (listed()): SQLite walks city_name_country_idx, the names
    of the cities on the left, in the original language (the others' names have no index)."""

    order_by = '"cities_city"."name_en"'
    outer = ("partnerships_partnership", "cities_city")
    # The unfiltered list in its own order: which queryset `object_list` is (the cards', the
    # API's), set by the view; its pages' statements are then kept compiled (_kept_page()).
    kept = None

    def page(self, number):
        if self.kept is None or not self.count:  # (an empty page has no statement)
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        # The walk's choice read on each request (the rows' number moves with every edit);
        # the statement it leads to is the same for the same page, language and choice.
        walk, rows = walks(self.object_list, bottom, top, self.count)
        key = (self.kept, self.object_list.db, get_language(), bottom, top, walk)
        statement = _KEPT_PAGES.get(key)
        if statement is None:
            keys = keys_in_index_order(
                self.object_list, bottom, top, self.count, self.order_by, self.outer, rows
            )
            if len(_KEPT_PAGES) >= KEPT_PAGES:
                _KEPT_PAGES.clear()
            statement = _KEPT_PAGES[key] = CompiledObjects(self.page_objects(bottom, top, keys))
        return self._get_page(statement.objects(), number, self)


# The unfiltered partnership list's pages (PartnershipPaginator.kept): their querysets kept
# compiled by (which list, database, language, rows, walk), at most this many.
KEPT_PAGES = 256
_KEPT_PAGES = {}


class PublishedRecordPaginator(IndexWalkPaginator):
    """Pages of the published records among `object_list` (records of partnerships in any
    state, e.g. Activity.objects.listing()), counted by count_published(): the same count as the
    published ones' count(), without joining every record to its partnership. Newest first,
    SQLite walks activity_newest_idx."""

    order_by = '"partnerships_activity"."start_date" DESC'

    def __init__(self, object_list, *args, **kwargs):
        self.records = object_list
        super().__init__(object_list.not_unpublished(), *args, **kwargs)

    @cached_property
    def count(self):
        return self.records.count_published()
