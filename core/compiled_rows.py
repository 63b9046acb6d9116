"""A query compiled to SQL once, run on every request: a values_list() (CompiledRows) or one of
model instances (CompiledObjects).

A page whose query is the same for every request (of a language, of a day) pays the ORM for
building and compiling it each time: for the site calendar's, soonest()'s nested subqueries
copied and compiled, more than a third of what running it costs. Kept compiled, it is the
same statement with the same parameters; only the rows are read each time, so an edit shows
on the next request. A statement for one record (a city's page) is built with a stand-in value
in its place (`SLOT`) and run with the record's own.
"""

import functools
import re

from django.db import connections
from django.db.models.sql import Query

# Stand-ins for a key given to rows(), a number or a text (a slug): no record has them.
SLOT, TEXT_SLOT = -2_046_813_579, "\x00slot"
# In place of a subquery given to rows(): `RawSQL("%s", [SUBQUERY_SLOT])`.
SUBQUERY_SLOT = "\x00subquery"
_PLACEHOLDER = re.compile("%%|%s")


class CompiledRows:
    """What iterating `queryset` (a values_list(), not flat) gives, its SQL compiled once:
    rows() runs it and returns tuples with Django's converters applied, as the queryset's own
    iteration would; rows(key) with `key` in place of each parameter that is a SLOT or
    TEXT_SLOT."""

    def __init__(self, queryset):
        self.db = queryset.db
        self.query = queryset.query
        compiler = self.query.get_compiler(self.db)
        self.sql, self.params = compiler.as_sql()
        self.slots = [
            i
            for i, param in enumerate(self.params)
            if type(param) in (int, str) and param in (SLOT, TEXT_SLOT)
        ]
        selected = compiler.select[: compiler.col_count]
        self.converters = compiler.get_converters([column for column, _sql, _alias in selected])
        # The columns' names in the statement's order: values_list() may give another (of a
        # union, its annotations last), which its iteration restores and rows() does not.
        self.names = [alias for _column, _sql, alias in selected]

    def rows(self, key=None, subquery=None):
        """Its rows; `subquery` (sql, params), of a statement made with SUBQUERY_SLOT, in its
        place."""
        sql, params = self.sql, self.params
        if self.slots:
            params = list(params)
            for i in self.slots:
                params[i] = key
        if subquery is not None:
            sql, params = self._with_subquery(sql, params, *subquery)
        with connections[self.db].cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if not self.converters:
            return rows
        # The converters given this thread's connection, as the queryset's would be.
        compiler = self.query.get_compiler(self.db)
        return list(map(tuple, compiler.apply_converters(rows, self.converters)))

    @staticmethod
    def _with_subquery(sql, params, subquery, subquery_params):
        at = list(params).index(SUBQUERY_SLOT)
        # The statement's at-th placeholder ("%%" is a literal "%", not one).
        found = (m for m in _PLACEHOLDER.finditer(sql) if m.group() == "%s")
        place = next(m for i, m in enumerate(found) if i == at)
        return (
            sql[: place.start()] + subquery + sql[place.end() :],
            [*params[:at], *subquery_params, *params[at + 1 :]],
        )


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
