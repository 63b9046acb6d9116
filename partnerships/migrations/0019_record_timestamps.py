"""When each milestone and activity was made and last changed (their feed entries' dates).

Existing rows are backfilled with the best stored evidence: the first revision of the record in
its history (django-reversion), else its partnership's creation. Both stamps get that value:
later edits of old rows are not known, and an estimate must not move a feed entry forward.
"""

import django.utils.timezone
from django.db import migrations, models
from django.db.models import CharField, OuterRef, Subquery
from django.db.models.functions import Cast, Coalesce

RECORDS = ("milestone", "activity")


def backfill(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Version = apps.get_model("reversion", "Version")
    Partnership = apps.get_model("partnerships", "Partnership")
    for name in RECORDS:
        model = apps.get_model("partnerships", name)
        partnership_created = Subquery(
            Partnership.objects.filter(pk=OuterRef("partnership_id")).values("created_at")[:1]
        )
        content_type = ContentType.objects.filter(app_label="partnerships", model=name).first()
        if content_type is None:  # a new database: no history yet
            first_seen = partnership_created
        else:
            first_revision = Subquery(
                Version.objects.filter(
                    content_type=content_type, object_id=Cast(OuterRef("pk"), CharField())
                )
                .order_by("revision__date_created")
                .values("revision__date_created")[:1]
            )
            first_seen = Coalesce(first_revision, partnership_created)
        model.objects.update(created_at=first_seen)
        model.objects.update(updated_at=models.F("created_at"))


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("reversion", "0002_add_index_on_version_for_content_type_and_db"),
        ("partnerships", "0018_review_index_for_dated_rows"),
    ]

    operations = [
        migrations.AddField(
            model_name="activity",
            name="created_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now, editable=False, verbose_name="created"
            ),
        ),
        migrations.AddField(
            model_name="activity",
            name="updated_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now, editable=False, verbose_name="last changed"
            ),
        ),
        migrations.AddField(
            model_name="milestone",
            name="created_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now, editable=False, verbose_name="created"
            ),
        ),
        migrations.AddField(
            model_name="milestone",
            name="updated_at",
            field=models.DateTimeField(
                default=django.utils.timezone.now, editable=False, verbose_name="last changed"
            ),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        migrations.AddIndex(
            model_name="activity",
            index=models.Index(
                condition=models.Q(("start_date__isnull", True)),
                fields=["-created_at", "-id"],
                name="activity_undated_newest_idx",
            ),
        ),
    ]
