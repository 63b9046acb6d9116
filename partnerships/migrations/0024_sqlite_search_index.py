"""The SQLite search index (FTS5, partnerships/search.py), filled from the rows as they are.

Nothing on PostgreSQL, which keeps its weighted documents (`search_document`, GIN index).
"""

from django.db import migrations

from partnerships import search

# Partnership.NARRATIVE_FIELDS as of this migration.
NARRATIVE_FIELDS = [
    "summary",
    "character",
    "why_this_partner",
    "funding",
    "key_achievements",
    "future_expectations",
    "obstacles_and_needs",
]

def create(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    partnership = apps.get_model("partnerships", "Partnership")
    for statement in search.fts_create_sql(partnership):
        schema_editor.execute(statement)
    everything = partnership._base_manager.using(schema_editor.connection.alias).all()
    search.fts_refresh(everything, NARRATIVE_FIELDS)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    for statement in search.fts_drop_sql():
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("cities", "0011_population_index"),
        ("partnerships", "0023_partner_search_countries_with_kosovo"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]
