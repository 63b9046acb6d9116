"""World-wide figures of the published partnerships, kept exact by database triggers
(partnerships/figures.py) in the same transaction as every change of the rows they count: admin
saves, queryset updates, bulk loads, deletes. The home page and the statistics page read these
small tables instead of grouping every partnership and activity per request.

Unmanaged: derived data, like the search documents. The migration creates them, their indexes
and the triggers (0028_maintained_figures); a database router (partnerships/routers.py) keeps
them out of `dumpdata`, since `loaddata` builds them again through the triggers. A row exists
only while its count is above zero.
"""

from django.db import connections, models, router

from cities.models import City

from .topics import FocusArea


class CountryPairFigure(models.Model):
    """How many published partnerships of one vitality join two countries (its two cities'
    countries, the lesser code first; both the same for a partnership within one country):
    the world map's lines."""

    pk = models.CompositePrimaryKey("country_a", "country_b", "vitality")
    country_a = models.CharField(max_length=2)
    country_b = models.CharField(max_length=2)
    vitality = models.CharField(max_length=10)
    n = models.IntegerField()

    class Meta:
        managed = False
        db_table = "partnerships_countrypairfigure"

    def __str__(self):
        return f"{self.country_a}–{self.country_b} ({self.vitality}): {self.n}"


class CountryFigure(models.Model):
    """A country's published partnerships of one vitality (once each, also with both cities
    there) and where their cities in it lie: how many have coordinates, and the sums of their
    latitudes and of their longitudes' cosines and sines (partnerships.maps.CountryTotals)."""

    pk = models.CompositePrimaryKey("country", "vitality")
    country = models.CharField(max_length=2)
    vitality = models.CharField(max_length=10)
    n = models.IntegerField()
    located = models.IntegerField()
    # Exact sums of the exact coordinates on PostgreSQL (numeric), as the query they replace.
    latitude = models.DecimalField(max_digits=15, decimal_places=5)
    east = models.FloatField()
    north = models.FloatField()

    class Meta:
        managed = False
        db_table = "partnerships_countryfigure"

    def __str__(self):
        return f"{self.country} ({self.vitality}): {self.n}"


def published_in_country(code, vitality=None):
    """How many published partnerships have a city in the country `code` (of one vitality, if
    given): the count of the list filtered by that country, from its few figures rather than
    through every partnership of the country."""
    if vitality:
        return _sum_of_n(CountryFigure, country=code, vitality=vitality)
    return _sum_of_n(CountryFigure, country=code)


def published_count(vitality=None):
    """How many published partnerships there are (of one vitality, if given): the count of the
    unfiltered list, from the few thousand pairs' figures (each partnership is in one) rather
    than through every partnership (SQLite 0.57 → 0.16 ms at world scale)."""
    if vitality:
        return _sum_of_n(CountryPairFigure, vitality=vitality)
    return _sum_of_n(CountryPairFigure)


def _sum_of_n(model, **equal):
    """The sum of `n` over `model`'s rows whose columns have these values, the statement
    written out: building and compiling aggregate() for a list page's count cost three times
    running it (0.3 → 0.1 ms)."""
    connection = connections[router.db_for_read(model)]
    quote = connection.ops.quote_name
    sql = f"SELECT SUM({quote('n')}) FROM {quote(model._meta.db_table)}"  # noqa: S608 (names)
    if equal:
        sql += " WHERE " + " AND ".join(f"{quote(column)} = %s" for column in equal)
    with connection.cursor() as cursor:
        cursor.execute(sql, list(equal.values()))
        return cursor.fetchone()[0] or 0


def public_city_count():
    """How many public cities there are (the city list's count without filters): the
    maintained counts hold a row for each (a row that reaches zero is removed), and a row's city
    exists (a published partnership refers to it), so the rows alone are counted, without the
    join to every city that counting public_cities() makes (PostgreSQL: a hash join of 17,000
    rows on each side at world scale)."""
    return CityPartnershipCount.objects.count()


class YearFigure(models.Model):
    """A count per year."""

    year = models.IntegerField(primary_key=True)
    n = models.IntegerField()

    class Meta:
        abstract = True

    def __str__(self):
        return f"{self.year}: {self.n}"


class ActivityYearFigure(YearFigure):
    """How many activities of published partnerships start in a year."""

    class Meta:
        managed = False
        db_table = "partnerships_activityyearfigure"


class FoundingYearFigure(YearFigure):
    """How many published partnerships were founded in a year (their established date)."""

    class Meta:
        managed = False
        db_table = "partnerships_foundingyearfigure"


class FocusAreaFigure(models.Model):
    """How many published partnerships work on a focus area."""

    focus_area = models.OneToOneField(
        FocusArea,
        on_delete=models.DO_NOTHING,
        primary_key=True,
        db_constraint=False,  # derived rows, written by triggers only
        related_name="published_count",
    )
    n = models.IntegerField()

    class Meta:
        managed = False
        db_table = "partnerships_focusareafigure"

    def __str__(self):
        return f"{self.focus_area_id}: {self.n}"


class FocusAreaActivityFigure(models.Model):
    """How many activities of published partnerships work on a focus area (the topic page's
    count of its activities)."""

    focus_area = models.OneToOneField(
        FocusArea,
        on_delete=models.DO_NOTHING,
        primary_key=True,
        db_constraint=False,  # derived rows, written by triggers only
        related_name="published_activity_count",
    )
    n = models.IntegerField()

    class Meta:
        managed = False
        db_table = "partnerships_focusareaactivityfigure"

    def __str__(self):
        return f"{self.focus_area_id}: {self.n}"


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
