from django.db import migrations, models


def pictures_stored_so_far_are_ready(apps, schema_editor):
    # Until now an upload's renditions were made while it was stored.
    City = apps.get_model("cities", "City")
    City._base_manager.using(schema_editor.connection.alias).exclude(image="").update(
        image_renditions_state="ready"
    )


class Migration(migrations.Migration):

    dependencies = [
        ("cities", "0006_order_by_original_names"),
    ]

    operations = [
        migrations.AddField(
            model_name="city",
            name="image_renditions_state",
            field=models.CharField(
                blank=True,
                choices=[
                    ("pending", "renditions pending"),
                    ("ready", "renditions ready"),
                    ("failed", "renditions failed"),
                ],
                default="",
                editable=False,
                max_length=10,
                verbose_name="renditions",
            ),
        ),
        migrations.RunPython(pictures_stored_so_far_are_ready, migrations.RunPython.noop),
    ]
