"""Size bands of cities by population, for the partner finder and "seeking a partner" listings.

A band is a half-open population range [low, high); cities without a population are in none.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SizeBand(models.TextChoices):
    SMALL = "small", _("Small town (under 20,000)")
    TOWN = "town", _("Town (20,000 to 100,000)")
    MEDIUM = "medium", _("Medium-sized city (100,000 to 500,000)")
    LARGE = "large", _("Large city (500,000 to 2 million)")
    METROPOLIS = "metropolis", _("Metropolis (2 million and more)")


# The bands in order, with their lower and upper bounds (None: open).
BOUNDS = {
    SizeBand.SMALL: (0, 20_000),
    SizeBand.TOWN: (20_000, 100_000),
    SizeBand.MEDIUM: (100_000, 500_000),
    SizeBand.LARGE: (500_000, 2_000_000),
    SizeBand.METROPOLIS: (2_000_000, None),
}
ORDER = list(BOUNDS)


def band_of(population):
    """The band a population falls in, or None when it is unknown."""
    if population is None:
        return None
    for band, (low, high) in BOUNDS.items():
        if population >= low and (high is None or population < high):
            return band
    return None


def population_q(band, prefix=""):
    """A condition on City (or on `prefix`City) matching the cities of `band`."""
    low, high = BOUNDS[SizeBand(band)]
    q = models.Q(**{f"{prefix}population__gte": low})
    if high is not None:
        q &= models.Q(**{f"{prefix}population__lt": high})
    return q


def distance(band_a, band_b):
    """How many bands apart two bands are (0: the same)."""
    return abs(ORDER.index(SizeBand(band_a)) - ORDER.index(SizeBand(band_b)))
