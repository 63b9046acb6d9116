from dataclasses import dataclass

import reversion
from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models, router, transaction
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Greatest, Least
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from cities.models import YEAR_VALIDATORS, City, KeyFigure
from twinning.choices import choice_label
from twinning.dates import (
    format_partial_date,
    full_years_between,
    last_day_expression,
    period_end,
    precision_field,
    truncate,
)
from twinning.indexes import NullsOrderedIndex
from twinning.translated import TranslationStamps

from . import search
from .anniversaries import next_jubilee


class FocusArea(TranslationStamps):
    name = models.CharField(max_length=100, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    description = models.TextField(blank=True, help_text=_("Markdown."))

    class Meta:
        # The original name's column: "name" would be rewritten to the active language's,
        # where untranslated names tie on NULL.
        ordering = ["name_en"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("topic_detail", kwargs={"slug": self.slug})


SLUG_BASE_LENGTH = 210  # leaves room for a "-2", "-3", … within the slug's 220 characters


def partnership_slug_base(name_a, name_b):
    return slugify(f"{name_a}-{name_b}")[:SLUG_BASE_LENGTH] or "partnership"


def unique_slug(base, taken):
    """`base`, or `base-2`, `base-3`, … — the first not in `taken` (which then holds it too)."""
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    taken.add(slug)
    return slug


class WorkflowError(ValueError):
    """A move the draft → in review → published workflow does not allow."""


class PartnershipQuerySet(models.QuerySet):
    def published(self):
        return self.filter(state=Partnership.State.PUBLISHED)

    def involving(self, city):
        return self.filter(Q(city_a=city) | Q(city_b=city))

    def with_cities(self):
        return self.select_related("city_a", "city_b").prefetch_related("focus_areas")

    def refresh_search_document(self):
        """Recompute these partnerships' full-text search documents (PostgreSQL; see search.py)."""
        return search.refresh_documents(self)

    def for_page(self):
        """Everything the partnership page shows but its activities, in a fixed number of
        queries. The activities come in bounded sections: ActivityQuerySet.sections()."""
        return self.select_related("city_a", "city_b").prefetch_related(
            "focus_areas",
            "milestones",
            "sources",
            "figures",
            "city_a__figures",
            "city_b__figures",
            models.Prefetch(
                "plans",
                queryset=Plan.objects.select_related("focus_area").prefetch_related("activities"),
            ),
        )


class Partnership(TranslationStamps):
    class Kind(models.TextChoices):
        TWINNING = "twinning", _("Twinning / sister cities")
        FRIENDSHIP = "friendship", _("Friendship")
        COOPERATION = "cooperation", _("Cooperation agreement")

    class Status(models.TextChoices):
        PROPOSED = "proposed", _("Proposed")
        ACTIVE = "active", _("Active")
        DORMANT = "dormant", _("Dormant")
        ENDED = "ended", _("Ended")

    class State(models.TextChoices):
        """Where the record is on its way to the public: draft → in review → published."""

        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        PUBLISHED = "published", _("Published")

    slug = models.SlugField(
        max_length=220,
        unique=True,
        blank=True,
        help_text=_("Used in the page address. Leave empty to make one from the city names."),
    )
    city_a = models.ForeignKey(
        City, on_delete=models.PROTECT, related_name="partnerships_as_a", verbose_name=_("city")
    )
    city_b = models.ForeignKey(
        City,
        on_delete=models.PROTECT,
        related_name="partnerships_as_b",
        verbose_name=_("partner city"),
    )
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.TWINNING)
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.ACTIVE)
    established = models.DateField(
        null=True, blank=True, help_text=_("When the partnership officially began.")
    )
    established_precision = precision_field()
    # Which milestone founded the partnership is the staff's call (the memorandum, or the
    # agreement?); its date then is the established date that anniversaries count from.
    founding_milestone = models.ForeignKey(
        "Milestone",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("founded by"),
        help_text=_(
            "The milestone that founded the partnership, e.g. the agreement. Its date becomes "
            "the established date, and anniversaries count from it. Leave empty to type the "
            "date yourself."
        ),
    )
    focus_areas = models.ManyToManyField(FocusArea, blank=True, related_name="partnerships")
    state = models.CharField(
        _("publication"),
        max_length=12,
        choices=State.choices,
        default=State.DRAFT,
        help_text=_("Only published partnerships are public. Use the actions to change this."),
    )
    submitted_at = models.DateTimeField(_("submitted for review at"), null=True, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted for review by"),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    is_featured = models.BooleanField(
        _("featured"), default=False, help_text=_("Shown on the home page.")
    )
    summary = models.TextField(blank=True, help_text=_("A short introduction, in Markdown."))
    character = models.TextField(
        _("character, start and duration"), blank=True, help_text=_("Markdown.")
    )
    funding = models.TextField(blank=True, help_text=_("Who pays for what. Markdown."))
    key_achievements = models.TextField(blank=True, help_text=_("Markdown."))
    future_expectations = models.TextField(blank=True, help_text=_("Markdown."))
    obstacles_and_needs = models.TextField(blank=True, help_text=_("Markdown."))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # PostgreSQL full-text search: city names, narrative sections and activities, weighted
    # (partnerships/search.py). Derived data: never edited, dumped or versioned; empty elsewhere.
    search_document = SearchVectorField(null=True, blank=True, editable=False, serialize=False)

    # The survey template's story sections, all Markdown.
    NARRATIVE_FIELDS = [
        "summary",
        "character",
        "funding",
        "key_achievements",
        "future_expectations",
        "obstacles_and_needs",
    ]
    # Only these have anniversaries: a proposed partnership has not begun, an ended one is over.
    CELEBRATED_STATUSES = (Status.ACTIVE, Status.DORMANT)
    # Saving any of these changes the search document.
    SEARCHED_FIELDS = frozenset({"city_a", "city_b", "city_a_id", "city_b_id", *NARRATIVE_FIELDS})

    objects = PartnershipQuerySet.as_manager()

    class Meta:
        # By the original names (see FocusArea); public lists order by the name read.
        ordering = ["city_a__name_en", "city_b__name_en", "pk"]
        permissions = [("publish_partnership", "Can publish and unpublish partnerships")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(city_a=F("city_b")),
                name="partnership_cities_differ",
                violation_error_message=_("A partnership needs two different cities."),
            ),
            models.UniqueConstraint(
                Least("city_a", "city_b"),
                Greatest("city_a", "city_b"),
                name="partnership_unique_pair",
                violation_error_message=_("These two cities already have a partnership."),
            ),
        ]
        indexes = [
            models.Index(fields=["state", "established"], name="partnership_state_est_idx"),
            search.SearchDocumentIndex(
                fields=["search_document"], name="partnership_search_idx", fastupdate=False
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.normalise_dates()
        if not self.slug:
            self.slug = self.make_slug()
        update_fields = kwargs.get("update_fields")
        using = kwargs.get("using") or router.db_for_write(Partnership, instance=self)
        with transaction.atomic(using=using):  # the row and its search document together
            super().save(*args, **kwargs)
            if update_fields is None or not self.SEARCHED_FIELDS.isdisjoint(update_fields):
                self.refresh_search_document()

    def get_absolute_url(self):
        return reverse("partnership_detail", kwargs={"slug": self.slug})

    def refresh_search_document(self):
        """Recompute the search document after a change to this partnership or its activities."""
        Partnership.objects.using(self._state.db).filter(pk=self.pk).refresh_search_document()

    @property
    def title(self):
        return f"{self.city_a.name} – {self.city_b.name}"

    @property
    def kind_label(self):
        return choice_label(self.Kind, self.kind)

    @property
    def status_label(self):
        return choice_label(self.Status, self.status)

    @property
    def cities(self):
        return (self.city_a, self.city_b)

    @property
    def established_display(self):
        return format_partial_date(self.established, self.established_precision)

    def age_in_years(self, today=None):
        if self.established is None:
            return None
        return full_years_between(self.established, today or timezone.localdate())

    def next_jubilee(self, today=None):
        """The next round anniversary (every fifth year) not yet over, or None: also for a
        partnership that ended or is only proposed, which has nothing to celebrate."""
        if self.status not in self.CELEBRATED_STATUSES:
            return None
        return next_jubilee(
            self.established, self.established_precision, today or timezone.localdate()
        )

    @property
    def is_published(self):
        return self.state == self.State.PUBLISHED

    def submit_for_review(self, user):
        self._move(
            self.State.DRAFT, self.State.IN_REVIEW, submitted_at=timezone.now(), submitted_by=user
        )

    def publish(self, user):
        self._move(
            (self.State.DRAFT, self.State.IN_REVIEW),
            self.State.PUBLISHED,
            published_at=timezone.now(),
            published_by=user,
        )

    def unpublish(self, user):
        """Back to draft: off the public site until it is published again."""
        self._move(self.State.PUBLISHED, self.State.DRAFT, **self._cleared_workflow_marks())

    def return_to_draft(self, user):
        """A reviewer sends a submitted partnership back to its editors."""
        self._move(self.State.IN_REVIEW, self.State.DRAFT, **self._cleared_workflow_marks())

    @staticmethod
    def _cleared_workflow_marks():
        return {
            "submitted_at": None,
            "submitted_by": None,
            "published_at": None,
            "published_by": None,
        }

    def _move(self, allowed_from, to, **marks):
        allowed = allowed_from if isinstance(allowed_from, tuple) else (allowed_from,)
        if self.state not in allowed:
            raise WorkflowError(
                _("“%(partnership)s” is %(state)s; it cannot become %(target)s.")
                % {
                    "partnership": self,
                    "state": self.get_state_display().lower(),
                    "target": self.State(to).label.lower(),
                }
            )
        self.state = to
        for name, value in marks.items():
            setattr(self, name, value)
        self.save(update_fields=["state", "updated_at", *marks])

    def normalise_dates(self):
        founding = self.founding_milestone if self.founding_milestone_id else None
        if founding is not None and founding.partnership_id == self.pk:
            self.established, self.established_precision = founding.date, founding.date_precision
        self.established = truncate(self.established, self.established_precision)

    def clean(self):
        founding = self.founding_milestone if self.founding_milestone_id else None
        if founding is not None and (self.pk is None or founding.partnership_id != self.pk):
            raise ValidationError(
                {
                    "founding_milestone": _(
                        "Choose one of this partnership's own milestones (“%(milestone)s” "
                        "belongs to another partnership)."
                    )
                    % {"milestone": founding}
                }
            )
        self.normalise_dates()
        if not self.city_a_id or not self.city_b_id:
            return
        if self.city_a_id == self.city_b_id:
            raise ValidationError(
                {"city_b": _("A city cannot be its own partner: choose two different cities.")}
            )
        existing = (
            Partnership.objects.filter(
                Q(city_a=self.city_a_id, city_b=self.city_b_id)
                | Q(city_a=self.city_b_id, city_b=self.city_a_id)
            )
            .exclude(pk=self.pk)
            .first()
        )
        if existing:
            raise ValidationError(
                {
                    "city_b": _("%(a)s and %(b)s already have a partnership: “%(existing)s”.")
                    % {"a": self.city_a, "b": self.city_b, "existing": existing}
                }
            )
        if not self.slug:
            self.slug = self.make_slug()

    def validate_constraints(self, exclude=None):
        # clean() reports the two pair rules next to the partner field, with the cities'
        # names; the database constraints stay as the backstop for any other writer.
        super().validate_constraints(exclude={*(exclude or ()), "city_a", "city_b"})

    def make_slug(self):
        """ "dresden-hangzhou", or "dresden-hangzhou-2" if that is taken (same-named cities)."""
        # From the original (English) names, whatever language the saving request speaks.
        base = partnership_slug_base(
            self.city_a.name_en or self.city_a.name, self.city_b.name_en or self.city_b.name
        )
        taken = set(
            Partnership.objects.filter(slug__startswith=base)
            .exclude(pk=self.pk)
            .values_list("slug", flat=True)
        )
        return unique_slug(base, taken)


class PartnershipRecordQuerySet(models.QuerySet):
    """Records that belong to a partnership (milestones, activities): public and per city as
    their partnership is."""

    def published(self):
        return self.filter(partnership__state=Partnership.State.PUBLISHED)

    def involving(self, city):
        """Records of partnerships with `city` on either side."""
        return self.filter(Q(partnership__city_a=city) | Q(partnership__city_b=city))


class Milestone(TranslationStamps):
    class Kind(models.TextChoices):
        MEMORANDUM = "memorandum", _("Memorandum")
        AGREEMENT = "agreement", _("Agreement")
        JOINT_DECLARATION = "joint_declaration", _("Joint declaration")
        DELEGATION_VISIT = "delegation_visit", _("Delegation visit")
        ANNIVERSARY = "anniversary", _("Anniversary")
        OTHER = "other", _("Other")

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="milestones"
    )
    date = models.DateField()
    date_precision = precision_field()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    title = models.CharField(max_length=250)
    description = models.TextField(blank=True, help_text=_("Markdown."))
    location = models.CharField(max_length=200, blank=True, help_text=_("Where it happened."))
    participants = models.TextField(blank=True, help_text=_("Who signed, travelled or took part."))

    objects = PartnershipRecordQuerySet.as_manager()

    class Meta:
        ordering = ["date", "id"]
        # The milestone feeds read the newest first.
        indexes = [models.Index(fields=["-date", "-id"], name="milestone_newest_idx")]

    def __str__(self):
        return f"{self.date_display}: {self.title}"

    def save(self, *args, **kwargs):
        self.normalise_dates()
        with transaction.atomic(using=kwargs.get("using") or router.db_for_write(Milestone)):
            super().save(*args, **kwargs)
            founded = Partnership.objects.using(self._state.db).filter(founding_milestone=self)
            # Moved to another partnership, it no longer founds the one it left.
            founded.exclude(pk=self.partnership_id).update(founding_milestone=None)
            # The partnership it founds keeps its established date in step.
            founded.exclude(
                established=self.date, established_precision=self.date_precision
            ).update(
                established=self.date,
                established_precision=self.date_precision,
                updated_at=timezone.now(),
            )

    @property
    def kind_label(self):
        return choice_label(self.Kind, self.kind)

    @property
    def date_display(self):
        return format_partial_date(self.date, self.date_precision)

    def normalise_dates(self):
        self.date = truncate(self.date, self.date_precision)

    def clean(self):
        self.normalise_dates()


def upcoming_q(today):
    """The activity's last known period (its end, else its start) has not ended by `today`."""
    return Q(upcoming_until__gte=today)


@dataclass(frozen=True)
class ActivitySection:
    """The first activities of a section of the partnership page, and how many there are."""

    activities: list
    total: int

    @property
    def more(self):
        return self.total - len(self.activities)


class ActivityQuerySet(PartnershipRecordQuerySet):
    def upcoming(self, today=None):
        """Activities that have not ended: the partnership's "News", soonest start first."""
        return self.filter(upcoming_q(today or timezone.localdate())).order_by(
            # The same order as by start_date (an upcoming activity always has one), but no
            # index matches it. Otherwise PostgreSQL walks the start-date index from the oldest
            # activity, expecting upcoming ones early on, and skips nearly every row to find
            # them at the end; the upcoming_until index finds them directly.
            Coalesce("start_date", "upcoming_until"),
            "id",
        )

    def past(self, today=None):
        """Dated activities that are over: the "Retrospective", newest first."""
        return (
            self.filter(start_date__isnull=False)
            .exclude(upcoming_q(today or timezone.localdate()))
            .order_by("-start_date", "-id")
        )

    def sections(self, today=None, size=20):
        """The partnership page's three activity sections, each at most `size` long, with
        their full lengths: upcoming (soonest first), past (newest first), undated.

        Four queries at most (plus one for the focus areas of each non-empty section),
        however many activities there are.
        """
        today = today or timezone.localdate()
        counts = self.aggregate(
            upcoming=Count("pk", filter=upcoming_q(today)),
            past=Count("pk", filter=Q(start_date__isnull=False) & ~upcoming_q(today)),
            undated=Count("pk", filter=Q(start_date__isnull=True)),
        )
        with_areas = self.prefetch_related("focus_areas")
        lists = {
            "upcoming": with_areas.upcoming(today),
            "past": with_areas.past(today),
            "undated": with_areas.filter(start_date__isnull=True).order_by("id"),
        }
        return {
            name: ActivitySection(list(lists[name][:size]) if counts[name] else [], counts[name])
            for name in lists
        }


class Activity(TranslationStamps):
    class Kind(models.TextChoices):
        EXCHANGE = "exchange", _("Exchange")
        SEMINAR = "seminar", _("Seminar")
        TRAINING = "training", _("Training programme")
        CONFERENCE = "conference", _("Conference")
        EXHIBITION = "exhibition", _("Exhibition")
        FESTIVAL = "festival", _("Festival")
        FILM = "film", _("Film screening")
        RESEARCH = "research", _("Research cooperation")
        SCHOOL_PARTNERSHIP = "school_partnership", _("School partnership")
        EXPERT_MISSION = "expert_mission", _("Expert mission")
        OTHER = "other", _("Other")

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="activities"
    )
    title = models.CharField(max_length=250)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    start_date = models.DateField(
        null=True, blank=True, help_text=_("Leave empty for ongoing cooperation without a date.")
    )
    start_precision = precision_field()
    end_date = models.DateField(null=True, blank=True)
    end_precision = precision_field()
    focus_areas = models.ManyToManyField(FocusArea, blank=True, related_name="activities")
    description = models.TextField(blank=True, help_text=_("Markdown."))
    location = models.CharField(max_length=200, blank=True, help_text=_("Where it took place."))
    participants = models.TextField(blank=True, help_text=_("Who took part."))
    # The last day the activity counts as upcoming, kept by the database on every write (also
    # bulk loads), so "upcoming" is an index range rather than a scan of every activity.
    upcoming_until = models.GeneratedField(
        expression=last_day_expression("start_date", "start_precision", "end_date"),
        output_field=models.DateField(),
        db_persist=True,
        verbose_name=_("upcoming until"),
    )

    objects = ActivityQuerySet.as_manager()

    class Meta:
        # Undated activities last, on every database.
        ordering = [F("start_date").asc(nulls_last=True), "id"]
        verbose_name_plural = "activities"
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True)
                | Q(start_date__isnull=False, end_date__gte=F("start_date")),
                name="activity_end_not_before_start",
                violation_error_message=_("An activity cannot end before it starts."),
            ),
        ]
        indexes = [
            models.Index(fields=["partnership", "start_date"], name="activity_partner_start_idx"),
            models.Index(fields=["start_date"], name="activity_start_idx"),
            # The activity list's order: the newest 20 are read from the index.
            NullsOrderedIndex(
                F("start_date").desc(nulls_last=True), F("id").desc(), name="activity_newest_idx"
            ),
            models.Index(fields=["upcoming_until"], name="activity_upcoming_idx"),
        ]

    def __str__(self):
        return self.title

    def save(self, *args, **kwargs):
        self.normalise_dates()
        using = kwargs.get("using") or router.db_for_write(Activity, instance=self)
        with transaction.atomic(using=using):  # the row and the search documents together
            super().save(*args, **kwargs)
            self._refresh_search_documents()
        self._stored_partnership_id = self.partnership_id

    def delete(self, *args, **kwargs):
        using = kwargs.get("using") or router.db_for_write(Activity, instance=self)
        with transaction.atomic(using=using):
            result = super().delete(*args, **kwargs)
            self._refresh_search_documents()
        return result

    @classmethod
    def from_db(cls, db, field_names, values):
        activity = super().from_db(db, field_names, values)
        # If the activity moves to another partnership, both search documents change.
        activity._stored_partnership_id = activity.__dict__.get("partnership_id")
        return activity

    def _refresh_search_documents(self):
        ids = {self.partnership_id, getattr(self, "_stored_partnership_id", None)} - {None}
        Partnership.objects.using(self._state.db).filter(pk__in=ids).refresh_search_document()

    @property
    def kind_label(self):
        return choice_label(self.Kind, self.kind)

    @property
    def start_display(self):
        return format_partial_date(self.start_date, self.start_precision)

    @property
    def end_display(self):
        return format_partial_date(self.end_date, self.end_precision)

    @property
    def when_display(self):
        """ "January 2010", "2002 – January 2011", or "" for undated ones."""
        if self.start_date is None:
            return ""
        if self.end_date is None or self.end_display == self.start_display:
            return self.start_display
        return f"{self.start_display} – {self.end_display}"

    def normalise_dates(self):
        self.start_date = truncate(self.start_date, self.start_precision)
        self.end_date = period_end(self.end_date, self.end_precision)

    def clean(self):
        self.normalise_dates()
        if self.end_date is None:
            return
        if self.start_date is None:
            raise ValidationError({"end_date": _("Give a start date before an end date.")})
        if self.end_date < self.start_date:
            raise ValidationError(
                {
                    "end_date": _("The end (%(end)s) is before the start (%(start)s).")
                    % {"end": self.end_display, "start": self.start_display}
                }
            )

    def validate_constraints(self, exclude=None):
        # clean() already reports the date order next to the end date.
        super().validate_constraints(exclude={*(exclude or ()), "end_date"})


class Plan(TranslationStamps):
    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        DROPPED = "dropped", _("Dropped")

    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="plans")
    title = models.CharField(max_length=250)
    description = models.TextField(blank=True, help_text=_("Markdown."))
    focus_area = models.ForeignKey(
        FocusArea, on_delete=models.SET_NULL, null=True, blank=True, related_name="plans"
    )
    target_year = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=YEAR_VALIDATORS
    )
    status = models.CharField(max_length=20, choices=Status.choices, default=Status.PLANNED)
    activities = models.ManyToManyField(
        Activity,
        blank=True,
        related_name="plans",
        help_text=_("The activities that delivered this plan."),
    )

    class Meta:
        ordering = [F("target_year").asc(nulls_last=True), "id"]

    def __str__(self):
        return self.title


class Source(models.Model):
    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="sources")
    title = models.CharField(max_length=300)
    publisher = models.CharField(max_length=300, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True, validators=YEAR_VALIDATORS)
    url = models.URLField(_("URL"), blank=True)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self):
        return self.title


class PartnershipFigure(KeyFigure):
    partnership = models.ForeignKey(Partnership, on_delete=models.CASCADE, related_name="figures")

    class Meta(KeyFigure.Meta):
        verbose_name = "key figure"
        constraints = [
            models.UniqueConstraint(
                fields=["partnership", "label", "year"],
                name="partnershipfigure_unique_label_year",
                violation_error_message=_(
                    "This partnership already has this figure for that year."
                ),
            )
        ]


# History (django-reversion): a partnership's version holds its parts, so reverting or
# recovering it brings back its milestones, activities, plans, sources and figures as they were.
# Registered in PartnershipsConfig.ready(), once modeltranslation has added the translation
# fields: django-reversion fixes a model's field list when it is registered.
PARTNERSHIP_PARTS = ("milestones", "activities", "plans", "sources", "figures")


def register_history():
    for model, options in [
        (Partnership, {"follow": PARTNERSHIP_PARTS}),
        (Milestone, {}),
        (Activity, {}),
        (Plan, {}),
        (Source, {}),
        (PartnershipFigure, {}),
        (FocusArea, {}),
    ]:
        if reversion.is_registered(model):  # VersionAdmin registers its model on its own
            reversion.unregister(model)
        reversion.register(model, **options)


def public_cities():
    """Cities with at least one published partnership, with how many they have.

    A city whose partnerships are all unpublished is still being prepared by staff, so the
    public neither lists it nor shows its page.
    """
    published = Partnership.objects.published().order_by()

    def count_on(side):
        return Subquery(
            published.filter(**{side: OuterRef("pk")})
            .values(side)
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=models.IntegerField(),
        )

    return City.objects.public().annotate(
        partnership_count=Coalesce(count_on("city_a"), 0) + Coalesce(count_on("city_b"), 0)
    )


def with_a_published_partnership(cities):
    """The rule that makes a city public (registered with cities in PartnershipsConfig)."""
    published = Partnership.objects.published().order_by()
    return cities.filter(
        Exists(published.filter(city_a=OuterRef("pk")))
        | Exists(published.filter(city_b=OuterRef("pk")))
    )
