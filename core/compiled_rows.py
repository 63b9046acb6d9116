"""Queries compiled to SQL once, run on every request.

A page whose query is the same for every request (of a language, of a day) pays the ORM for
building and compiling it each time: for the site calendar's, soonest()'s nested subqueries
copied and compiled, more than a third of what running it costs. Kept compiled, it is the
same statement with the same parameters; only the rows are read each time, so an edit shows
on the next request. A query that differs only in a few values (a partnership's id) is kept
with those values' places among its parameters, filled in on each run.
"""

from operator import attrgetter

from django.db import connections
from django.db.models.query import ValuesListIterable, get_related_populators
from django.utils.translation import get_language


class _Compiled:
    def __init__(self, queryset, variables=()):
        self._compile(queryset, variables)

    def _compile(self, queryset, variables):
        self.db = queryset.db
        self.query = queryset.query
        compiler = self.query.get_compiler(self.db)
        self.sql, params = compiler.as_sql()
        self.params = list(params)
        self.places = []
        for value in variables:
            places = [
                n for n, param in enumerate(params) if type(param) is type(value) and param == value
            ]
            if len(places) != 1:
                raise ValueError(f"{value!r} is {len(places)} of the parameters, not one")
            self.places.append(places[0])
        self.col_count = compiler.col_count
        self.converters = compiler.get_converters(
            [column for column, _sql, _alias in compiler.select[: compiler.col_count]]
        )
        return compiler

    def _rows(self, values):
        params = self.params
        if self.places:
            params = params.copy()
            for place, value in zip(self.places, values, strict=True):
                params[place] = value
        with connections[self.db].cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if rows and len(rows[0]) > self.col_count:  # the ordering's own columns
            rows = [row[: self.col_count] for row in rows]
        if not self.converters:
            return rows
        # The converters given this thread's connection, as the queryset's would be.
        return self.query.get_compiler(self.db).apply_converters(rows, self.converters)


class CompiledRows(_Compiled):
    """What iterating `queryset` (a values_list(), not flat) gives, its SQL compiled once:
    rows() runs it and returns tuples with Django's converters applied, as the queryset's own
    iteration would; rows(values) with `values` in the places of `variables`."""

    def __init__(self, queryset, variables=()):
        # Not modeltranslation's values_list(), which reorders dicts: .rewrite(False) first.
        if queryset._iterable_class is not ValuesListIterable:
            raise TypeError(f"not a plain values_list(): {queryset._iterable_class.__name__}")
        super().__init__(queryset, variables)

    def rows(self, values=()):
        return list(map(tuple, self._rows(values)))


class CompiledInstances(_Compiled):
    """What iterating a model queryset gives (its instances, select_related()'s objects, its
    annotations), its SQL compiled once: instances(values) runs it with `values` in the places
    of `variables` and builds the instances as the queryset's own iteration (ModelIterable)
    would; instances(values, queryset) gives them the instance `queryset` (a related manager's)
    knows, as its iteration does."""

    def __init__(self, queryset, variables=()):
        compiler = self._compile(queryset, variables)
        select, klass_info = compiler.select, compiler.klass_info
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [column[0].target.attname for column in select[self.start : self.end]]
        self.populators = get_related_populators(klass_info, select, self.db)
        self.annotations = compiler.annotation_col_map

    def instances(self, values=(), queryset=None):
        known = []
        if queryset is not None:
            for field, objects in queryset._known_related_objects.items():
                if list(field.from_fields) != ["self"]:
                    raise ValueError("known related objects through other fields")
                known.append((field, objects, attrgetter(field.attname)))
        found = []
        db, model, start, end, init_list = self.db, self.model, self.start, self.end, self.init_list
        for row in self._rows(values):
            instance = model.from_db(db, init_list, row[start:end])
            for populator in self.populators:
                populator.populate(row, instance)
            for name, place in self.annotations.items():
                setattr(instance, name, row[place])
            # As ModelIterable: what select_related() brought is not replaced.
            for field, objects, getter in known:
                if not field.is_cached(instance) and getter(instance) in objects:
                    setattr(instance, field.name, objects[getter(instance)])
            found.append(instance)
        return found


class _Uncompiled:
    """A query run through the ORM, as it is."""

    def __init__(self, queryset):
        self.queryset = queryset

    def rows(self, values=()):
        return list(self.queryset)

    def instances(self, values=(), queryset=None):
        return list(self.queryset)


_KEPT = {}  # by kind, the caller's key, the language


def compiled(kind, key, build, variables):
    """kind(build(), variables) (CompiledRows or CompiledInstances), kept by `key` (which names
    the query and its database) and the language, the queryset built only the first time.
    When one of the variables' values is also among the other parameters, its place is not
    plain: that query (not kept) runs through the ORM."""
    full_key = (kind, *key, get_language())
    found = _KEPT.get(full_key)
    if found is None:
        queryset = build()
        try:
            found = _KEPT[full_key] = kind(queryset, variables)
        except ValueError:
            return _Uncompiled(queryset)
    return found
