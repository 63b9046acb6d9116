"""NullsOrderedIndex: the same index on PostgreSQL and SQLite, where SQLite allows no NULLS."""

import pytest
from django.db import connection
from django.db.models import F

from core.indexes import NullsOrderedIndex
from partnerships.models import Activity


def test_only_orders_sqlite_can_keep_are_accepted():
    with pytest.raises(ValueError, match="ASC NULLS FIRST and DESC NULLS LAST only"):
        NullsOrderedIndex(F("start_date").asc(nulls_last=True), name="wrong_idx")
    with pytest.raises(ValueError, match="ASC NULLS FIRST and DESC NULLS LAST only"):
        NullsOrderedIndex(F("start_date").desc(nulls_first=True), name="wrong_idx")


@pytest.mark.django_db
def test_the_activity_list_index_puts_undated_activities_last():
    # The index as the migrations made it in this database.
    query = (
        "SELECT indexdef FROM pg_indexes WHERE indexname = %s"
        if connection.vendor == "postgresql"
        else "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(query, ["activity_newest_idx"])
        (sql,) = cursor.fetchone()
    assert Activity._meta.db_table in sql
    assert "start_date DESC" in sql.replace('"', "") and "id DESC" in sql.replace('"', "")
    if connection.vendor == "postgresql":
        assert "NULLS LAST" in sql
    else:  # SQLite sorts NULL lowest, so DESC already puts it last
        assert "NULLS" not in sql
