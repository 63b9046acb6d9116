# The jubilee query decides from an index alone (issue 23): partnership_state_est_idx widened by
# the founding date's precision and the status. The new index is built before the old one goes.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("partnerships", "0026_upcoming_cover_index"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="partnership",
            index=models.Index(
                fields=["state", "established", "established_precision", "status"],
                name="partnership_founding_idx",
            ),
        ),
        migrations.RemoveIndex(
            model_name="partnership",
            name="partnership_state_est_idx",
        ),
    ]
