"""Queries compiled to SQL once, run on every request: rows (CompiledRows), model instances of
one query (CompiledInstances) or what a whole queryset gives (CompiledObjects).

A page whose query is the same for every request (of a language, of a day) pays the ORM for
building and compiling it each time: for the site calendar's, soonest()'s nested subqueries
copied and compiled, more than a third of what running it costs. Kept compiled, it is the
same statement with the same parameters; only the rows are read each time, so an edit shows
on the next request. A statement for one record differs only in a few values; it is kept with
their places among its parameters, filled in on each run: stand-ins it was built with (`SLOT`
for a key, `TEXT_SLOT` for a slug, `SUBQUERY_SLOT` for a page's keys), or values of the record
it was first built for (`variables`, each found at one place, as compiled() uses them).
"""

import functools
import re
from operator import attrgetter

from django.db import connections
from django.db.models import Model, signals
from django.db.models.base import ModelState
from django.db.models.fields.files import FileDescriptor, ImageFileDescriptor
from django.db.models.fields.related_descriptors import ForeignKeyDeferredAttribute
from django.db.models.query import ValuesListIterable, get_related_populators
from django.db.models.query_utils import DeferredAttribute
from django.db.models.sql import Query
from django.utils.translation import get_language
from modeltranslation.fields import TranslationFieldDescriptor
from modeltranslation.manager import FallbackValuesListIterable
from modeltranslation.translator import delete_mt_init

# Stand-ins for a key given to rows(), a number or a text (a slug): no record has them.
SLOT, TEXT_SLOT = -2_046_813_579, "\x00slot"
# In place of a subquery given to rows(): `RawSQL("%s", [SUBQUERY_SLOT])`.
SUBQUERY_SLOT = "\x00subquery"
_PLACEHOLDER = re.compile("%%|%s")


class _Compiled:
    def __init__(self, queryset, variables=(), stand_ins=False, statement=None):
        self._compile(queryset, variables, stand_ins, statement)

    def _compile(self, queryset, variables, stand_ins=False, statement=None):
        """`stand_ins`: the variables are values no record has, each filled at every place it
        is found (if any). `statement`: (sql, params) the caller wrote of `queryset`'s and
        others' (a UNION ALL), run in place of the queryset's own, its rows read as they come
        (no converters)."""
        self.db = queryset.db
        self.query = queryset.query
        compiler = self.query.get_compiler(self.db)
        self.sql, params = compiler.as_sql() if statement is None else statement
        self.params = list(params)
        self.slots = [
            n
            for n, param in enumerate(params)
            if type(param) in (int, str) and param in (SLOT, TEXT_SLOT)
        ]
        self.places = []
        for value in variables:
            places = [
                n for n, param in enumerate(params) if type(param) is type(value) and param == value
            ]
            if len(places) != 1 and not stand_ins:
                raise ValueError(f"{value!r} is {len(places)} of the parameters, not one")
            self.places.append(places)
        if statement is not None:
            self.col_count, self.converters, self.names = None, {}, []
            return compiler
        self.col_count = compiler.col_count
        selected = compiler.select[: compiler.col_count]
        self.converters = compiler.get_converters([column for column, _sql, _alias in selected])
        # The columns' names in the statement's order: values_list() may give another (of a
        # union, its annotations last), which its iteration restores and rows() does not.
        self.names = [alias for _column, _sql, alias in selected]
        return compiler

    def _rows(self, key=None, values=(), subquery=None):
        sql, params = self.sql, self.params
        if self.slots or self.places:
            params = params.copy()
            for n in self.slots:
                params[n] = key
            for places, value in zip(self.places, values, strict=True):
                for place in places:
                    params[place] = value
        if subquery is not None:
            sql, params = _with_subquery(sql, params, *subquery)
        with connections[self.db].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        # The ordering's own columns.
        if self.col_count is not None and rows and len(rows[0]) > self.col_count:
            rows = [row[: self.col_count] for row in rows]
        if not self.converters:
            return rows
        # The converters given this thread's connection, as the queryset's would be.
        return self.query.get_compiler(self.db).apply_converters(rows, self.converters)


def _with_subquery(sql, params, subquery, subquery_params):
    """`sql` with `subquery` in place of the SUBQUERY_SLOT parameter's placeholder."""
    at = params.index(SUBQUERY_SLOT)
    # The statement's at-th placeholder ("%%" is a literal "%", not one).
    found = (m for m in _PLACEHOLDER.finditer(sql) if m.group() == "%s")
    place = next(m for i, m in enumerate(found) if i == at)
    return (
        sql[: place.start()] + subquery + sql[place.end() :],
        [*params[:at], *subquery_params, *params[at + 1 :]],
    )


class CompiledRows(_Compiled):
    """What iterating `queryset` (a values_list(), not flat) gives, its SQL compiled once:
    rows() runs it and returns tuples with Django's converters applied, as the queryset's own
    iteration would; rows(key) with `key` in place of each SLOT or TEXT_SLOT, rows(subquery=
    (sql, params)) with it in place of SUBQUERY_SLOT, rows(values=…) with `values` in the
    places of `variables`."""

    def __init__(self, queryset, variables=(), stand_ins=False, statement=None):
        # Tuples, in the statement's order (`names`): modeltranslation's values_list() puts its
        # columns in another and reads translated ones with fallbacks, which rows() does not
        # (its callers name the columns they read, or .rewrite(False) first).
        if queryset._iterable_class not in (ValuesListIterable, FallbackValuesListIterable):
            raise TypeError(f"not a values_list(): {queryset._iterable_class.__name__}")
        super().__init__(queryset, variables, stand_ins, statement)

    def rows(self, key=None, subquery=None, values=()):
        return list(map(tuple, self._rows(key, values, subquery)))


# What setting a field's value in Model.__init__ does through these descriptors: put it in the
# instance's __dict__ (a translated field's, in its constructor; a key's, with nothing cached).
_PLAIN_SETTERS = (
    DeferredAttribute,
    ForeignKeyDeferredAttribute,
    FileDescriptor,
    ImageFileDescriptor,
    TranslationFieldDescriptor,
)


def _plain_init(model):
    """Whether `model`'s constructor is Model's, directly or through modeltranslation's
    (patch_constructor()'s new_init, whose `_mt_init` its post_init receiver removes)."""
    init = model.__init__
    if init is Model.__init__:
        return True
    cells = dict(zip(init.__code__.co_freevars, init.__closure__ or (), strict=True))
    old = cells.get("old_init")
    return init.__name__ == "new_init" and old is not None and old.cell_contents is Model.__init__


class _Built:
    """model.from_db(db, init_list, values) for a model whose from_db() and constructor are
    Django's and whose fields' descriptors set plain values: the instance made with its values
    in its __dict__ and its state as from_db() leaves it, without the constructor's signals and
    per-field setattr() (a page's 45 translated rows: most of the time of making them). Where
    either signal has receivers beyond modeltranslation's, or anything else differs, from_db()."""

    def __init__(self, model, init_list):
        self.model, self.init_list = model, init_list
        descriptors = [model.__dict__.get(name) for name in init_list]
        for klass in model.__mro__[1:]:
            if klass is Model:
                break
            descriptors = [
                found if found is not None else klass.__dict__.get(name)
                for found, name in zip(descriptors, init_list, strict=True)
            ]
        self.plain = (
            model.from_db.__func__ is Model.from_db.__func__
            and _plain_init(model)
            and all(
                type(found) in _PLAIN_SETTERS
                and not (isinstance(found, TranslationFieldDescriptor) and found.field.is_relation)
                for found in descriptors
            )
        )

    def quiet(self):
        """Whether no pre_init or post_init receiver but modeltranslation's is connected now."""
        model = self.model
        return not signals.pre_init.has_listeners(model) and all(
            receiver is delete_mt_init
            for receivers in signals.post_init._live_receivers(model)
            for receiver in receivers
        )

    def make(self, db, values):
        """What from_db(db, self.init_list, values) gives (when `plain` and quiet())."""
        instance = self.model.__new__(self.model)
        state = instance._state = ModelState()
        state.adding, state.db = False, db
        instance.__dict__.update(zip(self.init_list, values, strict=True))
        return instance

    def from_db(self, db, init_list, values):
        """As RelatedPopulator calls its model's (in place of which it is set)."""
        if self.plain and init_list is self.init_list and self.quiet():
            return self.make(db, values)
        return self.model.from_db(db, init_list, values)

    def maker(self):
        """A function of (db, values) making an instance, for one call's rows."""
        if self.plain and self.quiet():
            return self.make
        model, init_list = self.model, self.init_list
        return lambda db, values: model.from_db(db, init_list, values)


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
        _build_populated(self.populators)
        self.built = _Built(self.model, self.init_list)
        self.annotations = compiler.annotation_col_map

    def instances(self, values=(), queryset=None):
        known = []
        if queryset is not None:
            for field, objects in queryset._known_related_objects.items():
                if list(field.from_fields) != ["self"]:
                    raise ValueError("known related objects through other fields")
                known.append((field, objects, attrgetter(field.attname)))
        found = []
        db, start, end, make = self.db, self.start, self.end, self.built.maker()
        for row in self._rows(values=values):
            instance = make(db, row[start:end])
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


def _build_populated(populators):
    """select_related()'s objects made as the query's own (_Built), each populator's and
    theirs."""
    for populator in populators:
        populator.model_cls = _Built(populator.model_cls, populator.init_list)
        _build_populated(populator.related_populators)


class _Uncompiled:
    """A query run through the ORM, as it is."""

    def __init__(self, queryset):
        self.queryset = queryset

    def rows(self, values=()):  # as CompiledRows.rows(values=…)
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


# What a compiler works out with the SQL and reads again to make instances of the rows.
_COMPILED_STATE = ("select", "klass_info", "annotation_col_map", "col_count", "has_extra_select")


class _CompiledSQL:
    """Mixed into a backend's compiler: the SQL and select its query keeps (`compiled`)."""

    def __init__(self, query, *args):
        super().__init__(query, *args)
        self.__dict__.update(query.compiled[1])

    def as_sql(self, with_limits=True, with_col_aliases=False):
        return self.query.compiled[0]


@functools.cache
def _compiled_compiler(compiler_class):
    return type(f"Compiled{compiler_class.__name__}", (_CompiledSQL, compiler_class), {})


class _CompiledQuery(Query):
    compiled = None  # ((sql, params), the compiler's _COMPILED_STATE)

    def get_compiler(self, using=None, connection=None, elide_empty=True):
        connection = connections[using] if using else connection
        compiler_class = _compiled_compiler(connection.ops.compiler(self.compiler))
        return compiler_class(self, connection, using, elide_empty)


class CompiledObjects:
    """What iterating `queryset` gives (instances, with its select_related(), its iterable
    class's and its prefetches' extras), its SQL compiled once: objects() runs it. The
    queryset itself is never handed out: a filter or a count of it would run the kept SQL."""

    def __init__(self, queryset):
        compiler = queryset.query.get_compiler(queryset.db)
        sql = compiler.as_sql()
        query = queryset.query.chain(_CompiledQuery)
        query.compiled = sql, {name: getattr(compiler, name) for name in _COMPILED_STATE}
        self.queryset = queryset.all()
        self.queryset.query = query

    def objects(self):
        return list(self.queryset.all())
