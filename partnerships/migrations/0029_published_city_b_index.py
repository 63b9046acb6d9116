# The partner finder counts the partners of cities on either side of their partnerships (issue
# 23): partnership_state_city_b_idx widened by the other city and the id, so the city_b side is
# read from the index alone, as partnership_published_idx serves the city_a side. The new index
# is built before the old one goes.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("partnerships", "0028_maintained_figures"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="partnership",
            index=models.Index(
                fields=["state", "city_b", "city_a", "id"], name="partnership_published_b_idx"
            ),
        ),
        migrations.RemoveIndex(
            model_name="partnership",
            name="partnership_state_city_b_idx",
        ),
    ]
