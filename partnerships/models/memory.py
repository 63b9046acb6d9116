"""The partnership's memory: who was responsible for it, on each side, when.

Partnerships lose their memory when staff change ("no documentation as to why or how these
cities were chosen", Fort Collins; school links falter when the responsible teacher leaves).
A contact is a role held by an office, an association, a school, a university or a company —
and, where known, a person — from one date to another, so that the line of who was responsible
survives a change of staff.

Contacts are staff-only unless marked public: a private person's name, e-mail or telephone
never reaches a public page, feed, export or the API (`ContactQuerySet.public()` is the only
door the public side uses). They are parts of the partnership (PARTNERSHIP_PARTS): versioned,
and an editor's changes wait for review like the rest.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from cities.models import City
from core.dates import format_partial_date, precision_field, truncate

from .partnership import Partnership


class ContactQuerySet(models.QuerySet):
    def public(self):
        """What readers may see: contacts marked public, of published partnerships."""
        return self.filter(is_public=True, partnership__state=Partnership.State.PUBLISHED)

    def current(self, today):
        return self.filter(Q(until__isnull=True) | Q(until__gte=today))


class Contact(models.Model):
    class Role(models.TextChoices):
        OFFICE = "office", _("City partnership office")
        ASSOCIATION = "association", _("Partnership association")
        SCHOOL = "school", _("School")
        UNIVERSITY = "university", _("University")
        COMPANY = "company", _("Company")
        OTHER = "other", _("Other")

    partnership = models.ForeignKey(
        Partnership,
        on_delete=models.CASCADE,
        related_name="contacts",
        verbose_name=_("partnership"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    city = models.ForeignKey(
        City,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("side"),
        help_text=_("Which of the two cities this contact works for."),
    )
    organisation = models.CharField(
        _("organisation"),
        max_length=200,
        help_text=_("E.g. the city's Office for International Relations, or a school."),
    )
    person = models.CharField(
        _("person"), max_length=200, blank=True, help_text=_("Name of the person, if any.")
    )
    function = models.CharField(
        _("function"), max_length=200, blank=True, help_text=_("E.g. head of office, teacher.")
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("telephone"), max_length=50, blank=True)
    website = models.URLField(_("website"), blank=True)
    since = models.DateField(_("responsible from"), null=True, blank=True)
    since_precision = precision_field()
    until = models.DateField(
        _("responsible until"),
        null=True,
        blank=True,
        help_text=_("Leave empty while the contact is responsible."),
    )
    until_precision = precision_field()
    PARTIAL_DATES = {"since": "since_precision", "until": "until_precision"}
    is_public = models.BooleanField(
        _("public"),
        default=False,
        help_text=_(
            "Show this contact on the public page. Leave off for private persons' details: "
            "staff-only contacts appear only in the admin and the handover dossier."
        ),
    )
    notes = models.TextField(
        _("notes for staff"),
        blank=True,
        help_text=_("Never shown to the public: how the contact came about, what to know."),
    )

    objects = ContactQuerySet.as_manager()

    class Meta:
        ordering = [F("since").asc(nulls_first=True), "id"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        constraints = [
            models.CheckConstraint(
                condition=Q(until__isnull=True) | Q(since__isnull=True) | Q(until__gte=F("since")),
                name="contact_until_not_before_since",
                violation_error_message=_(
                    "A contact cannot stop being responsible before it started."
                ),
            ),
        ]

    def __str__(self):
        who = f"{self.person}, {self.organisation}" if self.person else self.organisation
        return f"{who} ({self.get_role_display()})"

    def save(self, *args, **kwargs):
        self.normalise_dates()
        super().save(*args, **kwargs)

    def clean(self):
        self.normalise_dates()
        partnership = self.partnership if self.partnership_id else None
        sides = (partnership.city_a_id, partnership.city_b_id) if partnership else ()
        if self.city_id and sides and self.city_id not in sides:
            raise ValidationError(
                {"city": _("Choose one of the partnership's two cities.")}, code="other_city"
            )

    @property
    def since_display(self):
        return format_partial_date(self.since, self.since_precision)

    @property
    def until_display(self):
        return format_partial_date(self.until, self.until_precision)

    def normalise_dates(self):
        self.since = truncate(self.since, self.since_precision)
        self.until = truncate(self.until, self.until_precision)
