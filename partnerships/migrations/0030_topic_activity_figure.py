"""The activities of published partnerships per focus area, kept by triggers like the other
figures (partnerships/figures.py): the topic page's count of its activities, which counted
some 13,000 links per request at world scale. A database migrated from scratch has the table
from 0028 already (its triggers are those of figures.py as it is now)."""

import django.db.models.deletion
from django.db import migrations, models

from partnerships import figures


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    focus_area_id = "bigint" if vendor == "postgresql" else "integer"
    for statement in [
        f"CREATE TABLE IF NOT EXISTS {figures.TOPICS} (focus_area_id {focus_area_id} "
        "PRIMARY KEY, n integer NOT NULL)",
        f"CREATE INDEX IF NOT EXISTS topic_figure_zero ON {figures.TOPICS} (n) WHERE n = 0",
        *figures.create_sql(vendor),
    ]:
        schema_editor.execute(statement, params=None)
    figures.rebuild(schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [
        ("partnerships", "0029_published_city_b_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="FocusAreaActivityFigure",
            fields=[
                (
                    "focus_area",
                    models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="published_activity_count",
                        serialize=False,
                        to="partnerships.focusarea",
                    ),
                ),
                ("n", models.IntegerField()),
            ],
            options={
                "db_table": "partnerships_focusareaactivityfigure",
                "managed": False,
            },
        ),
        # Back to 0029 the table and its triggers stay (the other figures' triggers count
        # into it, and 0028's way back drops it with them).
        migrations.RunPython(create, migrations.RunPython.noop, elidable=False),
    ]
