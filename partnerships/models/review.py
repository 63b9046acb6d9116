"""Review of a partnership's content: changes kept back from a published page until a publisher
approves them (`PendingChange`), and the conversation about them (`ReviewNote`)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .partnership import Partnership


class PendingChangeQuerySet(models.QuerySet):
    def open(self):
        """Changes not yet decided: being written, or waiting for a publisher."""
        return self.filter(state__in=PendingChange.OPEN_STATES)


class PendingChange(models.Model):
    """What an editor changed on a published partnership, kept apart from the live page.

    `content` holds the partnership and its parts (milestones, activities, plans, sources,
    figures) as the edits left them, in Django's serialisation format; partnerships/pending.py
    writes it back into the database inside a transaction to show the form or the preview (and
    rolls back), or for good when a publisher publishes it.
    """

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        PUBLISHED = "published", _("Published")
        DISCARDED = "discarded", _("Discarded")

    OPEN_STATES = (State.DRAFT, State.IN_REVIEW)

    partnership = models.ForeignKey(
        Partnership,
        on_delete=models.CASCADE,
        related_name="pending_changes",
        verbose_name=_("partnership"),
    )
    state = models.CharField(
        max_length=12, choices=State.choices, default=State.DRAFT, verbose_name=_("state")
    )
    content = models.JSONField(editable=False, verbose_name=_("content"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    created_at = models.DateTimeField(_("started at"), auto_now_add=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("last changed by"),
    )
    updated_at = models.DateTimeField(_("last changed at"), auto_now=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted for review by"),
    )
    submitted_at = models.DateTimeField(_("submitted for review at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # A publisher's schedule: the scheduler publishes the changes then (partnerships/scheduling.py).
    go_live_at = models.DateTimeField(_("go live at"), null=True, blank=True)
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("scheduled by"),
    )

    objects = PendingChangeQuerySet.as_manager()

    class Meta:
        verbose_name = _("pending change")
        verbose_name_plural = _("pending changes")
        constraints = [
            models.UniqueConstraint(
                fields=["partnership"],
                condition=Q(state__in=["draft", "in_review"]),
                name="pending_change_one_open_per_partnership",
                violation_error_message=_("This partnership already has pending changes."),
            )
        ]
        indexes = [models.Index(fields=["state", "updated_at"], name="pending_change_state_idx")]

    def __str__(self):
        return _("Pending changes to %(partnership)s") % {"partnership": self.partnership}

    @property
    def is_open(self):
        return self.state in self.OPEN_STATES

    @property
    def author(self):
        """Who is told of the decision: who submitted the changes, else who started them."""
        return self.submitted_by or self.created_by


class ReviewNoteQuerySet(models.QuerySet):
    def with_people(self):
        return self.select_related("author")


class ReviewNote(models.Model):
    """One step of a partnership's review conversation: who did or said what, and when."""

    class Action(models.TextChoices):
        SAVED = "saved", _("saved changes for review")
        SUBMITTED = "submitted", _("submitted for review")
        RETURNED = "returned", _("returned with a comment")
        PUBLISHED = "published", _("published")
        DISCARDED = "discarded", _("discarded the pending changes")
        COMMENTED = "commented", _("commented")
        REVIEWED = "reviewed", _("reviewed: still correct")
        SCHEDULED = "scheduled", _("scheduled")

    partnership = models.ForeignKey(
        Partnership,
        on_delete=models.CASCADE,
        related_name="review_notes",
        verbose_name=_("partnership"),
    )
    pending_change = models.ForeignKey(
        PendingChange,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notes",
        verbose_name=_("pending change"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("author"),
    )
    action = models.CharField(max_length=12, choices=Action.choices, verbose_name=_("action"))
    message = models.TextField(_("message"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("written"))

    objects = ReviewNoteQuerySet.as_manager()

    class Meta:
        verbose_name = _("review note")
        verbose_name_plural = _("review notes")
        ordering = ["created_at", "pk"]
        indexes = [
            models.Index(fields=["partnership", "created_at"], name="review_note_partnership_idx")
        ]

    def __str__(self):
        return f"{self.author}: {self.get_action_display()}"
