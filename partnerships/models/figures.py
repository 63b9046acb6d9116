"""World-wide figures of the published partnerships, kept exact by database triggers
(partnerships/figures.py) in the same transaction as every change of the rows they count: admin
saves, queryset updates, bulk loads, deletes. The home page and the statistics page read these
small tables instead of grouping every partnership and activity per request.

Unmanaged: derived data, like the search documents. `dumpdata` leaves them out (`loaddata`
builds them again through the triggers); the migration creates them, their indexes and the
triggers (0027_maintained_figures). A row exists only while its count is above zero.
"""

from django.db import models

from cities.models import City


class CountryPairFigure(models.Model):
    """The published partnerships between two countries (a partnership's city_a's country,
    its city_b's), of one vitality, with where their cities lie: per side, how many cities have
    coordinates, and the sums of their latitudes and of their longitudes' cosines and sines
    (partnerships.maps.CountryTotals)."""

    pk = models.CompositePrimaryKey("country_a", "country_b", "vitality")
    country_a = models.CharField(max_length=2)
    country_b = models.CharField(max_length=2)
    vitality = models.CharField(max_length=10)
    n = models.IntegerField()
    # Exact sums of the exact coordinates on PostgreSQL (numeric), as the query they replace.
    a_located = models.IntegerField()
    a_latitude = models.DecimalField(max_digits=15, decimal_places=5)
    a_east = models.FloatField()
    a_north = models.FloatField()
    b_located = models.IntegerField()
    b_latitude = models.DecimalField(max_digits=15, decimal_places=5)
    b_east = models.FloatField()
    b_north = models.FloatField()

    class Meta:
        managed = False
        db_table = "partnerships_countrypairfigure"

    def __str__(self):
        return f"{self.country_a}–{self.country_b} ({self.vitality}): {self.n}"


class ActivityYearFigure(models.Model):
    """How many activities of published partnerships start in a year."""

    year = models.IntegerField(primary_key=True)
    n = models.IntegerField()

    class Meta:
        managed = False
        db_table = "partnerships_activityyearfigure"

    def __str__(self):
        return f"{self.year}: {self.n}"


class CityPartnershipCount(models.Model):
    """How many published partnerships a city has: a row for each public city."""

    city = models.OneToOneField(
        City,
        on_delete=models.DO_NOTHING,
        primary_key=True,
        db_constraint=False,  # derived rows, written by triggers only
        related_name="published_count",
    )
    n = models.IntegerField()

    class Meta:
        managed = False
        db_table = "partnerships_citypartnershipcount"

    def __str__(self):
        return f"{self.city_id}: {self.n}"
