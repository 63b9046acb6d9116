"""The maintained world-wide figures (partnerships/models/figures.py): their tables, the
triggers that keep them (partnerships/figures.py), filled from the rows as they are."""

import django.db.models.deletion
from django.db import migrations, models

from partnerships import figures


def tables_sql(vendor):
    # SQLite's rowid tables want "integer PRIMARY KEY" exactly; PostgreSQL's ids are bigint.
    city_id = "bigint" if vendor == "postgresql" else "integer"
    # Read in the order of their keys: clustered on SQLite (WITHOUT ROWID).
    clustered = "" if vendor == "postgresql" else " WITHOUT ROWID"
    return [
        "CREATE TABLE partnerships_countrypairfigure (country_a varchar(2) NOT NULL, "
        "country_b varchar(2) NOT NULL, vitality varchar(10) NOT NULL, n integer NOT NULL, "
        f"PRIMARY KEY (country_a, country_b, vitality)){clustered}",
        "CREATE TABLE partnerships_countryfigure (country varchar(2) NOT NULL, "
        "vitality varchar(10) NOT NULL, n integer NOT NULL, located integer NOT NULL, "
        "latitude numeric(15, 5) NOT NULL, east double precision NOT NULL, "
        f"north double precision NOT NULL, PRIMARY KEY (country, vitality)){clustered}",
        "CREATE TABLE partnerships_activityyearfigure (year integer PRIMARY KEY, "
        "n integer NOT NULL)",
        "CREATE TABLE partnerships_foundingyearfigure (year integer PRIMARY KEY, "
        "n integer NOT NULL)",
        f"CREATE TABLE partnerships_focusareafigure (focus_area_id {city_id} PRIMARY KEY, "
        "n integer NOT NULL)",
        # Added by 0030 to the databases migrated before it; made here too, as the triggers
        # made below (partnerships/figures.py, as it is now) count into it.
        f"CREATE TABLE partnerships_focusareaactivityfigure (focus_area_id {city_id} "
        "PRIMARY KEY, n integer NOT NULL)",
        f"CREATE TABLE partnerships_citypartnershipcount (city_id {city_id} PRIMARY KEY, "
        "n integer NOT NULL)",
        # The triggers remove the rows that reach zero through these small indexes.
        "CREATE INDEX pair_figure_zero ON partnerships_countrypairfigure (n) WHERE n = 0",
        "CREATE INDEX country_figure_zero ON partnerships_countryfigure (n) WHERE n = 0",
        "CREATE INDEX year_figure_zero ON partnerships_activityyearfigure (n) WHERE n = 0",
        "CREATE INDEX founding_figure_zero ON partnerships_foundingyearfigure (n) WHERE n = 0",
        "CREATE INDEX focus_figure_zero ON partnerships_focusareafigure (n) WHERE n = 0",
        "CREATE INDEX topic_figure_zero ON partnerships_focusareaactivityfigure (n) WHERE n = 0",
        "CREATE INDEX city_count_zero ON partnerships_citypartnershipcount (n) WHERE n = 0",
        # The most connected cities, from the index's top.
        "CREATE INDEX city_count_most_idx ON partnerships_citypartnershipcount (n DESC, city_id)",
    ]


def create(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in [*tables_sql(vendor), *figures.create_sql(vendor)]:
        schema_editor.execute(statement, params=None)
    figures.rebuild(schema_editor.connection.alias)


def drop(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for statement in figures.drop_sql(vendor):
        schema_editor.execute(statement, params=None)
    for table in figures.TABLES:
        schema_editor.execute(f"DROP TABLE IF EXISTS {table}", params=None)



class Migration(migrations.Migration):

    dependencies = [
        ('cities', '0011_population_index'),
        ('partnerships', '0027_founding_index'),
    ]

    operations = [
        migrations.CreateModel(
            name='ActivityYearFigure',
            fields=[
                ('year', models.IntegerField(primary_key=True, serialize=False)),
                ('n', models.IntegerField()),
            ],
            options={
                'db_table': 'partnerships_activityyearfigure',
                'managed': False,
            },
        ),
        migrations.CreateModel(
            name='CityPartnershipCount',
            fields=[
                ('city', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='published_count', serialize=False, to='cities.city')),
                ('n', models.IntegerField()),
            ],
            options={
                'db_table': 'partnerships_citypartnershipcount',
                'managed': False,
            },
        ),
        migrations.CreateModel(
            name='CountryFigure',
            fields=[
                ('pk', models.CompositePrimaryKey('country', 'vitality', blank=True, editable=False, primary_key=True, serialize=False)),
                ('country', models.CharField(max_length=2)),
                ('vitality', models.CharField(max_length=10)),
                ('n', models.IntegerField()),
                ('located', models.IntegerField()),
                ('latitude', models.DecimalField(decimal_places=5, max_digits=15)),
                ('east', models.FloatField()),
                ('north', models.FloatField()),
            ],
            options={
                'db_table': 'partnerships_countryfigure',
                'managed': False,
            },
        ),
        migrations.CreateModel(
            name='CountryPairFigure',
            fields=[
                ('pk', models.CompositePrimaryKey('country_a', 'country_b', 'vitality', blank=True, editable=False, primary_key=True, serialize=False)),
                ('country_a', models.CharField(max_length=2)),
                ('country_b', models.CharField(max_length=2)),
                ('vitality', models.CharField(max_length=10)),
                ('n', models.IntegerField()),
            ],
            options={
                'db_table': 'partnerships_countrypairfigure',
                'managed': False,
            },
        ),
        migrations.CreateModel(
            name='FoundingYearFigure',
            fields=[
                ('year', models.IntegerField(primary_key=True, serialize=False)),
                ('n', models.IntegerField()),
            ],
            options={
                'db_table': 'partnerships_foundingyearfigure',
                'managed': False,
            },
        ),
        migrations.CreateModel(
            name='FocusAreaFigure',
            fields=[
                ('focus_area', models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.DO_NOTHING, primary_key=True, related_name='published_count', serialize=False, to='partnerships.focusarea')),
                ('n', models.IntegerField()),
            ],
            options={
                'db_table': 'partnerships_focusareafigure',
                'managed': False,
            },
        ),
        migrations.RunPython(create, drop, elidable=False),
    ]
