# The upcoming activities soonest first from the index alone (issue 23); the new index is built
# before the old one goes, so "upcoming" is never without one.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("partnerships", "0025_performance_indexes"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="activity",
            index=models.Index(
                fields=["upcoming_until", "start_date", "partnership", "id"],
                name="activity_upcoming_cover_idx",
            ),
        ),
        migrations.RemoveIndex(
            model_name="activity",
            name="activity_upcoming_idx",
        ),
    ]
