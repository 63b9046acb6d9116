"""Indexes that say where NULLs sort, on PostgreSQL and SQLite alike."""

from django.db import models
from django.db.models.expressions import OrderBy


class NullsOrderedIndex(models.Index):
    """An index on expressions like F("start_date").desc(nulls_last=True).

    PostgreSQL needs the NULLS clause for the index to match an ORDER BY that has it. SQLite
    refuses NULLS in an index, but it sorts NULL as the smallest value, so a plain ASC index
    already has NULLs first and a DESC one NULLs last, and its planner uses that index for such
    an ORDER BY. Only those two orders are accepted, so the index means the same on both.
    """

    def __init__(self, *expressions, **kwargs):
        for expression in expressions:
            if isinstance(expression, OrderBy) and (
                expression.nulls_first or expression.nulls_last
            ):
                desc = expression.descending
                if not (expression.nulls_last if desc else expression.nulls_first):
                    raise ValueError(
                        "NullsOrderedIndex supports ASC NULLS FIRST and DESC NULLS LAST only: "
                        "SQLite cannot index any other NULL order."
                    )
        super().__init__(*expressions, **kwargs)

    def create_sql(self, model, schema_editor, using="", **kwargs):
        if schema_editor.connection.vendor != "sqlite":
            return super().create_sql(model, schema_editor, using=using, **kwargs)
        plain = [
            OrderBy(expression.expression, descending=expression.descending)
            if isinstance(expression, OrderBy)
            else expression
            for expression in self.expressions
        ]
        index = models.Index(*plain, name=self.name, condition=self.condition)
        return index.create_sql(model, schema_editor, using=using, **kwargs)


def refresh_planner_statistics(*models, using="default"):
    """ANALYZE the tables of `models` on PostgreSQL, after a bulk load.

    Until autovacuum gets to it (a minute or more), PostgreSQL plans with the statistics of the
    table as it was: after thousands of rows arrive in an empty table, it expects one row and
    picks nested loops that visit the whole table once per row — minutes for a page at world
    scale. SQLite plans without such statistics: nothing to do there.
    """
    from django.db import connections

    connection = connections[using]
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for model in models:
            cursor.execute(f"ANALYZE {connection.ops.quote_name(model._meta.db_table)}")
