# The home page's and the calendars' soonest activities (issue 23): those under way since an
# earlier year are the ones with an end on or after today, found through this small partial
# index instead of sorting every upcoming activity.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("partnerships", "0030_topic_activity_figure"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="activity",
            index=models.Index(
                fields=["end_date"],
                condition=models.Q(end_date__isnull=False),
                name="activity_end_idx",
            ),
        ),
    ]
