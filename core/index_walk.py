"""A page of a long list read in index order on SQLite, instead of sorting every row.

SQLite's planner starts a join from the table with the most selective index for the WHERE
clause (the partnerships' state, the activities' partnership) and then sorts every matching row
for the ORDER BY, even where an index on the outer table gives that order and the page is the
first 20 rows: at world scale 40–70 ms for the partnership list by name or the activity list
by date. A CROSS JOIN is SQLite's way to fix the order of the tables (PostgreSQL ignores it and
plans the walk by itself, so this is SQLite only): with the table whose index gives the order
outside, the database reads rows in that order, tests each against the filters and stops after
the page. That costs about one index probe per row passed over, so it pays only while the page
lies near the start of a list that matches often; otherwise the plain query (and its sort) runs.

The walk chooses only the page's primary keys, in one subquery of the page's own query, which
keeps the queryset's order, joins and prefetches: the same rows in the same order either way.
"""

from django.db import connections
from django.db.models.expressions import RawSQL

# Walk while at most about this many rows are passed over to fill the page: about 10 ms on
# SQLite (the cost of sorting every partnership is that of passing over 20,000-30,000).
WALK_ROWS = 5000
# Fewer matches than this are sorted faster than any walk could find them (and tests, with a
# few rows each, see the plain query).
WALK_FROM = 1000


def keys_in_index_order(queryset, bottom, top, count, order_by, outer=None, rows=None):
    """The keys of the rows `bottom:top` of `queryset` (which has `count` rows in all), on
    SQLite chosen by walking the index that gives the order, as a subquery; or None where that
    does not pay, or does not apply.

    `order_by` is how the query's ORDER BY must begin for the walk to give it (the index's
    column, e.g. '"partnerships_activity"."start_date" DESC'); `outer` names the table to put
    first, (table, joined): the query's own table joined to it (the partnership list walks the
    cities by name: ("partnerships_partnership", "cities_city")); by default the query's own
    table stays first. Every other join of the query keeps its place after it. `rows`: the
    table's highest key where the caller read it already (walks()), else read here.
    """
    connection = connections[queryset.db]
    if connection.vendor != "sqlite" or count < WALK_FROM or top <= bottom:
        return None
    # The keys chosen apart must be the rows the whole query would choose: an order that ends
    # with the primary key, so that no two rows tie.
    order = queryset.query.order_by
    if not order or order[-1] not in ("pk", "-pk", "id", "-id"):
        return None
    sql, params = queryset.values("pk")[bottom:top].query.sql_with_params()
    # The rows passed over: the page's end over the share of all rows that match.
    if rows is None:
        rows = _highest_key(connection, queryset.model._meta)
    if top * rows > WALK_ROWS * count or f"ORDER BY {order_by}" not in sql:
        # Deeper in: still sorted, but only the keys (SQLite's sorter holds every column it
        # returns; a page 250 deep in the activities took 550 ms with all of them).
        return queryset.values("pk")[bottom:top]
    if outer is not None:
        table, joined = outer
        first = f'FROM "{table}" INNER JOIN "{joined}" ON'
        if first not in sql:
            return None
        sql = sql.replace(first, f'FROM "{joined}" CROSS JOIN "{table}" ON', 1)
    sql = sql.replace(" INNER JOIN ", " CROSS JOIN ")
    # Django's own SQL for this queryset, its values still apart as parameters.
    return RawSQL(sql, params)  # noqa: S611


def walks(queryset, bottom, top, count):
    """Which way keys_in_index_order() goes for the rows `bottom:top` of `queryset`, as far as
    the rows' number decides it: (None, None) where it never walks (not SQLite, few rows, an
    empty page), else (whether the page lies near enough to the start to walk, the table's
    highest key to hand back to keys_in_index_order()). The rest of its choice follows from the
    query's SQL alone."""
    connection = connections[queryset.db]
    if connection.vendor != "sqlite" or count < WALK_FROM or top <= bottom:
        return None, None
    rows = _highest_key(connection, queryset.model._meta)
    return top * rows <= WALK_ROWS * count, rows


def _highest_key(connection, meta):
    """The table's highest primary key (0 when empty), written out: the ORM's aggregate() took
    longer to build than SQLite takes to read the last entry of the key's index."""
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX({quote(meta.pk.column)}) FROM {quote(meta.db_table)}")  # noqa: S608
        return cursor.fetchone()[0] or 0
