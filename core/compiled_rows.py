"""A values_list() query compiled to SQL once, run on every request.

A page whose query is the same for every request (of a language, of a day) pays the ORM for
building and compiling it each time: for the site calendar's, soonest()'s nested subqueries
copied and compiled, more than a third of what running it costs. Kept compiled, it is the
same statement with the same parameters; only the rows are read each time, so an edit shows
on the next request.
"""

from operator import attrgetter

from django.db import connections
from django.db.models.query import get_related_populators


class CompiledRows:
    """What iterating `queryset` (a values_list(), not flat) gives, its SQL compiled once:
    rows() runs it and returns tuples with Django's converters applied, as the queryset's own
    iteration would."""

    def __init__(self, queryset):
        self.db = queryset.db
        self.query = queryset.query
        compiler = self.query.get_compiler(self.db)
        self.sql, self.params = compiler.as_sql()
        self.converters = compiler.get_converters(
            [column for column, _sql, _alias in compiler.select[: compiler.col_count]]
        )

    def rows(self):
        with connections[self.db].cursor() as cursor:
            cursor.execute(self.sql, self.params)
            rows = cursor.fetchall()
        if not self.converters:
            return rows
        # The converters given this thread's connection, as the queryset's would be.
        compiler = self.query.get_compiler(self.db)
        return list(map(tuple, compiler.apply_converters(rows, self.converters)))


class CompiledInstances:
    """What iterating a model queryset gives (its instances, select_related()'s objects, its
    annotations, and the instance a related manager's queryset knows), its SQL compiled once,
    for querysets that differ from `queryset` only in the values of `variables` (a
    partnership's id): instances(queryset, values) runs the SQL with those values in their
    places and builds the instances as the queryset's own iteration (ModelIterable) would.
    Raises ValueError when a variable's place among the parameters is not plain to see."""

    def __init__(self, queryset, variables):
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
        select, klass_info = compiler.select, compiler.klass_info
        self.col_count = compiler.col_count if compiler.has_extra_select else None
        self.converters = compiler.get_converters(
            [column for column, _sql, _alias in select[: compiler.col_count]]
        )
        self.model = klass_info["model"]
        fields = klass_info["select_fields"]
        self.start, self.end = fields[0], fields[-1] + 1
        self.init_list = [column[0].target.attname for column in select[self.start : self.end]]
        self.populators = get_related_populators(klass_info, select, self.db)
        self.annotations = compiler.annotation_col_map

    def instances(self, queryset, values):
        params = self.params.copy()
        for place, value in zip(self.places, values, strict=True):
            params[place] = value
        with connections[self.db].cursor() as cursor:
            cursor.execute(self.sql, params)
            rows = cursor.fetchall()
        if self.col_count is not None:
            rows = [row[: self.col_count] for row in rows]
        if self.converters:
            rows = self.query.get_compiler(self.db).apply_converters(rows, self.converters)
        known = [
            (field, objects, attrgetter(field.attname))
            for field, objects in queryset._known_related_objects.items()
            if list(field.from_fields) == ["self"]
        ]
        if len(known) != len(queryset._known_related_objects):
            raise ValueError("known related objects through other fields")
        found = []
        db, model, start, end, init_list = self.db, self.model, self.start, self.end, self.init_list
        for row in rows:
            instance = model.from_db(db, init_list, row[start:end])
            for populator in self.populators:
                populator.populate(row, instance)
            for name, place in self.annotations.items():
                setattr(instance, name, row[place])
            # As ModelIterable: what select_related() brought is not overwritten.
            for field, objects, getter in known:
                if not field.is_cached(instance) and getter(instance) in objects:
                    setattr(instance, field.name, objects[getter(instance)])
            found.append(instance)
        return found
