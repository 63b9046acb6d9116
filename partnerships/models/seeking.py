"""Seeking a partner: what a city's staff publish about the partner city they look for."""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from cities.models import City
from cities.sizes import SizeBand, band_of

from .topics import FocusArea


class PartnerSearchQuerySet(models.QuerySet):
    def current(self, today=None):
        """Published, and not past their valid-until date."""
        today = today or timezone.localdate()
        return self.filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=today), is_published=True
        )


class PartnerSearch(models.Model):
    city = models.ForeignKey(
        City,
        on_delete=models.CASCADE,
        related_name="partner_searches",
        verbose_name=_("city"),
    )
    size_band = models.CharField(
        _("size of the partner city"),
        max_length=20,
        choices=SizeBand.choices,
        blank=True,
        help_text=_("Leave empty for any size."),
    )
    focus_areas = models.ManyToManyField(
        FocusArea,
        blank=True,
        related_name="partner_searches",
        verbose_name=_("themes"),
    )
    countries = CountryField(
        _("countries"),
        multiple=True,
        blank=True,
        help_text=_("Leave empty for any country."),
    )
    regions = models.CharField(
        _("regions"),
        max_length=300,
        blank=True,
        help_text=_("States, provinces or regions, separated by commas, e.g. Saxony, Bavaria."),
    )
    languages = models.CharField(
        _("languages"),
        max_length=200,
        blank=True,
        help_text=_("The languages the partnership could work in, e.g. English, German."),
    )
    contact_role = models.CharField(
        _("contact role"),
        max_length=200,
        help_text=_("Who answers, by role, e.g. City partnership office."),
        error_messages={"blank": _("Say who answers, by role, e.g. City partnership office.")},
    )
    description = models.TextField(
        _("description"), blank=True, help_text=_("What the city hopes for, in a few sentences.")
    )
    is_published = models.BooleanField(_("published"), default=False)
    valid_until = models.DateField(
        _("valid until"),
        null=True,
        blank=True,
        help_text=_("After this day the listing is no longer shown. Leave empty for no end."),
    )
    updated_at = models.DateTimeField(_("last changed"), auto_now=True)

    objects = PartnerSearchQuerySet.as_manager()

    class Meta:
        ordering = ["city__name_en", "pk"]
        verbose_name = _("partner search")
        verbose_name_plural = _("partner searches")
        indexes = [
            models.Index(fields=["is_published", "valid_until"], name="partnersearch_current_idx")
        ]

    def __str__(self):
        return _("%(city)s seeks a partner") % {"city": self.city.name}

    def get_absolute_url(self):
        return reverse("seeking_list") + f"#seeking-{self.pk}"

    def clean(self):
        typed = self.contact_role or ""
        self.contact_role = typed.strip()
        if typed and not self.contact_role:  # only spaces ("" is refused as blank already)
            raise ValidationError(
                {"contact_role": _("Say who answers, by role, e.g. City partnership office.")}
            )

    @property
    def region_list(self):
        return [r.strip() for r in self.regions.split(",") if r.strip()]

    @cached_property
    def _criteria(self):
        return (
            self.size_band,
            {c.code for c in self.countries},
            {r.casefold() for r in self.region_list},
        )

    def matches(self, city):
        """Whether `city` is the kind of partner this listing looks for (size, country,
        region; themes are a bonus, not a condition)."""
        return self.describes(city.population, city.country.code, city.region)

    def describes(self, population, country, region):
        """matches() for a city given by its population, country code and region (as shown
        in the active language): the finder reads its candidates as rows, not cities."""
        band, countries, regions = self._criteria
        if band and band_of(population) != band:
            return False
        if countries and country not in countries:
            return False
        return not regions or region.casefold() in regions
