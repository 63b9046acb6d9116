import functools
from decimal import Decimal

import reversion
from django.conf import settings
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, router, transaction
from django.db.models import Q
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from core import images
from core.addresses import address_for
from core.tasks import enqueue
from core.translated import ORIGINAL, TranslationStamps, column, translated_text

from . import figure_terms
from .figure_terms import shown_term

YEAR_VALIDATORS = [MinValueValidator(1000), MaxValueValidator(2200)]


def city_image_name(city, filename):
    """A random name: the uploader's file name never reaches the media folder."""
    return images.generated_name("cities", filename)


# What makes a city public is decided by the app that publishes content about cities, which
# registers it here (partnerships: a published partnership involves the city). Cities name no
# such app: they only ask.
_public_rule = None


def register_public_rule(rule):
    """`rule(queryset)` narrows a City queryset to the cities the public may see."""
    global _public_rule
    _public_rule = rule


class CityQuerySet(models.QuerySet):
    def public(self):
        """The cities the public may see; none until an app has registered its rule."""
        return _public_rule(self) if _public_rule is not None else self.none()


class City(TranslationStamps):
    name = models.CharField(max_length=200, verbose_name=_("name"))
    slug = models.SlugField(
        max_length=220,
        unique=True,
        help_text=_("Used in the page address."),
        verbose_name=_("address name"),
    )
    country = CountryField(help_text=_("The country (ISO 3166-1)."), verbose_name=_("country"))
    region = models.CharField(
        max_length=200,
        blank=True,
        help_text=_("State, province or region, e.g. Saxony."),
        verbose_name=_("region"),
    )
    latitude = models.DecimalField(
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(-90)), MaxValueValidator(Decimal(90))],
        help_text=_("Degrees north (negative for south), between -90 and 90."),
        verbose_name=_("latitude"),
    )
    longitude = models.DecimalField(
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(-180)), MaxValueValidator(Decimal(180))],
        help_text=_("Degrees east (negative for west), between -180 and 180."),
        verbose_name=_("longitude"),
    )
    population = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("population"))
    population_year = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=YEAR_VALIDATORS,
        help_text=_("The year the population figure refers to."),
        verbose_name=_("population year"),
    )
    summary = models.CharField(
        max_length=300,
        blank=True,
        help_text=_("One or two sentences for lists and previews."),
        verbose_name=_("summary"),
    )
    description = models.TextField(
        blank=True, help_text=_("The city's profile, in Markdown."), verbose_name=_("description")
    )
    image = images.PictureField(
        upload_to=city_image_name,
        blank=True,
        help_text=_("A JPEG, PNG or WebP picture of the city."),
        verbose_name=_("picture"),
    )
    # Set when a picture is stored (core/images.py): its size in pixels; then, by the
    # renditions task (cities/tasks.py), the widths of the renditions stored next to it, so
    # pages build `srcset` without looking at files.
    image_width = models.PositiveIntegerField(
        null=True, blank=True, editable=False, verbose_name=_("picture width")
    )
    image_height = models.PositiveIntegerField(
        null=True, blank=True, editable=False, verbose_name=_("picture height")
    )
    image_renditions = models.JSONField(
        default=list, blank=True, editable=False, verbose_name=_("picture renditions")
    )
    image_renditions_state = models.CharField(
        _("renditions"),
        max_length=10,
        choices=images.RenditionsState.choices,
        blank=True,  # no picture
        default="",
        editable=False,
    )
    image_alt = models.CharField(
        max_length=250,
        blank=True,
        help_text=_("What the picture shows, for visitors who cannot see it."),
        verbose_name=_("picture description"),
    )
    image_credit = models.CharField(
        max_length=250,
        blank=True,
        help_text=_("Photographer or rights holder."),
        verbose_name=_("picture credit"),
    )
    website = models.URLField(blank=True, verbose_name=_("website"))
    staff = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="assigned_cities",
        help_text=_(
            "Staff members who look after this city: they may edit it and the partnerships "
            "that involve it."
        ),
        verbose_name=_("staff"),
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("last changed"))

    objects = CityQuerySet.as_manager()

    class Meta:
        # The original name's column: "name" would be rewritten to the active language's,
        # where untranslated names tie on NULL. Public lists order by the name read.
        ordering = ["name_en", "country", "pk"]
        verbose_name = _("city")
        verbose_name_plural = _("cities")
        constraints = [
            models.CheckConstraint(
                condition=Q(latitude__isnull=True) | Q(latitude__gte=-90, latitude__lte=90),
                name="city_latitude_in_range",
                violation_error_message=_("Latitude must be between -90 and 90."),
            ),
            models.CheckConstraint(
                condition=Q(longitude__isnull=True) | Q(longitude__gte=-180, longitude__lte=180),
                name="city_longitude_in_range",
                violation_error_message=_("Longitude must be between -180 and 180."),
            ),
            models.CheckConstraint(
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                name="city_coordinates_both_or_neither",
                violation_error_message=_("Give both latitude and longitude, or neither."),
            ),
            models.CheckConstraint(
                condition=Q(population__isnull=True) | Q(population__gte=0),
                name="city_population_not_negative",
                violation_error_message=_("The population cannot be negative."),
            ),
        ]
        indexes = [
            models.Index(fields=["country", "name"], name="city_country_name_idx"),
            # The directory's order, and the partnership list's "by name": the database reads
            # cities in name order and stops after a page, instead of sorting every partnership.
            models.Index(fields=["name", "country"], name="city_name_country_idx"),
            # The partner finder's "similar size": a range of populations, read in order both
            # ways (SQLite cannot index DESC NULLS LAST, so the index is plain).
            models.Index(fields=["population"], name="city_population_idx"),
        ]

    def __str__(self):
        # The country tells same-named cities apart in the admin's choosers.
        return f"{self.name} ({self.country.code})" if self.country else self.name

    def save(self, *args, **kwargs):
        using = kwargs.get("using") or router.db_for_write(City, instance=self)
        update_fields = kwargs.get("update_fields")
        writes_image = update_fields is None or "image" in update_fields
        stored = upload = None
        if self.image and not self.image._committed:
            upload = self.image.file
            try:
                stored = images.store(self.image)
            except images.StoreUnavailable:  # not a name whose files are gone: the upload
                self.image = upload
                raise
            self.image_width, self.image_height = stored.width, stored.height
            self.image_renditions = []
            self.image_renditions_state = stored.renditions_state
        elif not self.image:
            self.image_width = self.image_height = None
            self.image_renditions = []
            self.image_renditions_state = ""
        if update_fields is not None and "image" in update_fields:
            kwargs["update_fields"] = {
                *update_fields,
                "image_width",
                "image_height",
                "image_renditions",
                "image_renditions_state",
            }
        try:
            # The picture the row holds now, locked, not the one read with this instance: when
            # two editors replace it at once, each removes what it replaced, and no set is left.
            with transaction.atomic(using=using):
                replaced = self._image_in_database(using) if writes_image else None
                super().save(*args, **kwargs)
        except BaseException:
            if stored is not None:  # the row was not written: neither is the file
                images.delete_quietly(self.image.storage, self.image.name)
                self.image = upload
            raise
        if replaced and replaced[0] == self.image.name:
            replaced = None
        remove_replaced = replaced and functools.partial(self._delete_image_files, *replaced)
        if stored is not None:
            images.remove_unless_committed(
                self.image.storage, self.image.name, (), using=using, on_commit=remove_replaced
            )
            if self.image_renditions_state == images.RenditionsState.PENDING:
                from .tasks import make_renditions  # the task module imports this one

                # After the commit, so the worker finds the row; off the request path.
                enqueue(make_renditions, self.pk, self.image.name)
        elif remove_replaced:
            transaction.on_commit(remove_replaced, using=using, robust=True)

    def get_absolute_url(self):
        return address_for("city_detail", self.slug)

    def _image_in_database(self, using):
        """The stored picture's name and rendition widths, locked until the commit; or None."""
        if self._state.adding or self.pk is None:
            return None
        row = (
            City._base_manager.using(using)
            .select_for_update()
            .filter(pk=self.pk)
            .values_list("image", "image_renditions")
            .first()
        )
        return (row[0], list(row[1] or [])) if row and row[0] else None

    def _delete_image_files(self, name, renditions):
        """Remove a replaced picture's files, unless another city still shows the same file."""
        if not City._base_manager.filter(image=name).exists():
            images.delete_stored(self.image.storage, name, renditions)

    @property
    def picture(self):
        """The <img> attributes for the picture (src, srcset, width, height), or None."""
        return images.picture(
            self.image, self.image_width, self.image_height, self.image_renditions
        )

    def clean(self):
        errors = {}
        if (self.latitude is None) != (self.longitude is None):
            missing = "longitude" if self.longitude is None else "latitude"
            errors[missing] = _("Give both latitude and longitude, or neither.")
        if self.population_year is not None and self.population is None:
            errors["population"] = _("A population year was given without a population.")
        # The original (English) description: the translations fall back to it.
        alt = column("image_alt", ORIGINAL)
        if self.image and not (getattr(self, alt, None) or "").strip():
            errors[alt] = _("Describe the picture for visitors who cannot see it.")
        if errors:
            raise ValidationError(errors)

    @property
    def has_coordinates(self):
        return self.latitude is not None and self.longitude is not None


class KeyFigure(TranslationStamps):
    """A number with its reference year: "about 780,000 inhabitants (2008)".

    Its label, unit and note are kept per language (translation.py of each app).
    """

    class Qualifier(models.TextChoices):
        EXACT = "exact", _("exactly")
        ABOUT = "about", _("about")
        MORE_THAN = "more_than", _("more than")
        UP_TO = "up_to", _("up to")

    label = models.CharField(
        max_length=200, help_text=_("What is counted, e.g. Agglomeration."), verbose_name=_("label")
    )
    qualifier = models.CharField(
        max_length=10,
        choices=Qualifier.choices,
        default=Qualifier.EXACT,
        verbose_name=_("qualifier"),
    )
    value = models.DecimalField(max_digits=16, decimal_places=2, verbose_name=_("value"))
    unit = models.CharField(
        max_length=50,
        blank=True,
        help_text=_("e.g. inhabitants, %, schools."),
        verbose_name=_("unit"),
    )
    year = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=YEAR_VALIDATORS,
        help_text=_("The reference year."),
        verbose_name=_("year"),
    )
    note = models.CharField(max_length=300, blank=True, verbose_name=_("note"))
    position = models.PositiveSmallIntegerField(
        default=0, help_text=_("Order on the page."), verbose_name=_("position")
    )

    class Meta:
        abstract = True
        ordering = ["position", "id"]

    def __str__(self):
        return f"{self.label}: {self.value_display}"

    def _number_parts(self):
        value = self.value.normalize() if self.value is not None else Decimal(0)
        number = intcomma(int(value) if value == value.to_integral_value() else value)
        parts = (
            [] if self.qualifier == self.Qualifier.EXACT else [str(self.get_qualifier_display())]
        )
        parts.append(number)
        return parts

    @property
    def value_display(self):
        """ "about 780,000 inhabitants", "up to 15 %": as written (exports, the admin)."""
        parts = self._number_parts()
        if self.unit:
            parts.append(self.unit)
        return " ".join(parts)

    # --- As a public page shows it, in the visitor's language (cities/figure_terms.py) ---

    @property
    def shown_label(self):
        return shown_term(self, "label", figure_terms.LABELS)

    @property
    def shown_unit(self):
        return shown_term(self, "unit", figure_terms.UNITS)

    @property
    def shown_note(self):
        return translated_text(self, "note")

    @property
    def shown_value(self):
        """Safe HTML: "etwa 780.000 Einwohner", "约780,000人" (Chinese sets no spaces). A unit
        that says what the label says is left out (label "Einwohner", not "513.000
        Einwohner"); a unit shown in English is marked so (core/translated.py)."""
        separator = "" if (get_language() or "").startswith("zh") else " "
        parts = [conditional_escape(part) for part in self._number_parts()]
        unit = self.shown_unit
        if unit and figure_terms.key(unit) != figure_terms.key(self.shown_label):
            parts.append(unit.marked)
        return mark_safe(separator.join(parts))  # noqa: S308 - each part is escaped above


class CityFigure(KeyFigure):
    city = models.ForeignKey(
        City, on_delete=models.CASCADE, related_name="figures", verbose_name=_("city")
    )

    class Meta(KeyFigure.Meta):
        verbose_name = _("key figure")
        verbose_name_plural = _("key figures")
        constraints = [
            # On the original (English) label, the column cities/translation.py adds: the
            # plain "label" column holds whichever language was saved last.
            models.UniqueConstraint(
                fields=["city", "label_en", "year"],
                name="cityfigure_unique_label_year",
                violation_error_message=_("This city already has this figure for that year."),
            )
        ]


# History (django-reversion): a city's version holds its key figures, so reverting or recovering
# the city brings them back too. Staff assignments are permissions, not content: they are never
# stored in a version, so no revert can hand a city back to someone it was taken from.
# Registered in CitiesConfig.ready(), once modeltranslation has added the translation fields:
# django-reversion fixes a model's field list when it is registered.
CITY_PARTS = ("figures",)


def register_history():
    for model, options in [
        (City, {"exclude": ("staff",), "follow": CITY_PARTS}),
        (CityFigure, {}),
    ]:
        if reversion.is_registered(model):  # VersionAdmin registers its model on its own
            reversion.unregister(model)
        reversion.register(model, **options)
