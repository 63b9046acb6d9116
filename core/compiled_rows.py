"""A values_list() query compiled to SQL once, run on every request.

A page whose query is the same for every request (of a language, of a day) pays the ORM for
building and compiling it each time: for the site calendar's, soonest()'s nested subqueries
copied and compiled, more than a third of what running it costs. Kept compiled, it is the
same statement with the same parameters; only the rows are read each time, so an edit shows
on the next request.
"""

from django.db import connections


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

    def rows(self, params=None):
        """`params`, if given, in place of the compiled ones, as many and in the same places:
        a statement compiled with stand-in values, run with each request's own."""
        with connections[self.db].cursor() as cursor:
            cursor.execute(self.sql, self.params if params is None else params)
            rows = cursor.fetchall()
        if not self.converters:
            return rows
        # The converters given this thread's connection, as the queryset's would be.
        compiler = self.query.get_compiler(self.db)
        return list(map(tuple, compiler.apply_converters(rows, self.converters)))
