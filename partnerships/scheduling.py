"""Scheduled publishing and review dates (issue 19).

**Scheduled publishing.** A publisher sets "go live at" and/or "take down at" on a partnership
(the admin form: partnerships/admin/schedule.py). `publish_due()` publishes each draft or
partnership in review whose go-live has come, as the publisher who scheduled it, and unpublishes
each published one whose take-down has come. It runs every minute as the task
`partnerships.tasks.publish_scheduled` (settings.CELERY_BEAT_SCHEDULE) and as
`manage.py publish_scheduled` for cron users. A time carried out is cleared, so a second run
finds nothing to do; each partnership is done in a transaction of its own, its row locked and
checked again, so two runs at once never publish one twice. A schedule whose publisher may no
longer publish the partnership (the permission withdrawn, the city no longer theirs, the account
closed or deleted) is cancelled instead. Each act is a revision in the partnership's history
("Published as scheduled by …").

**Review dates.** A published partnership carries `review_by`: set on publication and by
"Reviewed, still correct" (`mark_reviewed`) to REVIEW_INTERVAL_MONTHS ahead, and changed by
staff on the form.

The query helpers take and return querysets, so that callers (the admin's desk, the calendar,
the report) scope, count and page them.
"""

import datetime
import logging
from contextlib import contextmanager
from dataclasses import dataclass

from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import Q
from django.db.models.functions import Coalesce, Least
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.dates import months_after
from history.admin import record_baseline, revision

from . import permissions, review
from .models import Partnership, PendingChange, ReviewNote, WorkflowError
from .pending import PendingContentError

logger = logging.getLogger(__name__)

REVIEWED_COMMENT = gettext_lazy("Reviewed, still correct.")

GO_LIVE = "go_live"
TAKE_DOWN = "take_down"


# --- Queries ---------------------------------------------------------------------------------


def scheduled(queryset):
    """Partnerships with a go-live or a take-down still to be carried out, soonest first,
    annotated with `next_scheduled_at` (the earlier of the two)."""
    return (
        queryset.filter(Q(go_live_at__isnull=False) | Q(take_down_at__isnull=False))
        .annotate(
            next_scheduled_at=Least(
                Coalesce("go_live_at", "take_down_at"), Coalesce("take_down_at", "go_live_at")
            )
        )
        .order_by("next_scheduled_at", "pk")
    )


def scheduled_between(queryset, start, end):
    """Partnerships with a go-live or a take-down from `start` up to (not including) `end`."""
    return queryset.filter(
        Q(go_live_at__gte=start, go_live_at__lt=end)
        | Q(take_down_at__gte=start, take_down_at__lt=end)
    )


def due_go_lives(queryset, now):
    """Drafts and partnerships in review whose go-live has come."""
    return queryset.filter(go_live_at__lte=now).exclude(state=Partnership.State.PUBLISHED)


def due_take_downs(queryset, now):
    """Partnerships whose take-down has come (published or not: one that is not is cleared)."""
    return queryset.filter(take_down_at__lte=now)


def due_for_review(queryset, today=None):
    """Published partnerships whose review date has passed, the longest overdue first."""
    today = today or timezone.localdate()
    return queryset.filter(state=Partnership.State.PUBLISHED, review_by__lt=today).order_by(
        "review_by", "pk"
    )


def next_review_date(today=None):
    """When a partnership published or reviewed `today` is due for review again."""
    return months_after(today or timezone.localdate(), settings.REVIEW_INTERVAL_MONTHS)


def backfill_review_dates(using=DEFAULT_DB_ALIAS):
    """Give each published partnership without a review date the one publish() would have
    given it (REVIEW_INTERVAL_MONTHS after its publication, or after today where that is not
    known): for rows written past the model, e.g. by loaddata. Returns how many."""
    rows = Partnership.objects.using(using)
    missing = rows.filter(state=Partnership.State.PUBLISHED, review_by__isnull=True)
    today = timezone.localdate()
    changed = []
    for partnership in missing.only("pk", "published_at").iterator(chunk_size=1000):
        published = partnership.published_at
        partnership.review_by = next_review_date(
            timezone.localdate(published) if published else today
        )
        changed.append(partnership)
    rows.bulk_update(changed, ["review_by"], batch_size=1000)
    return len(changed)


@dataclass(frozen=True)
class ScheduledEvent:
    """One go-live or take-down, for the calendar."""

    at: datetime.datetime
    kind: str  # GO_LIVE or TAKE_DOWN
    partnership: Partnership
    pending_changes: bool = False  # the go-live of pending changes to a published page

    @property
    def is_go_live(self):
        return self.kind == GO_LIVE


def events_between(queryset, start, end):
    """The go-lives and take-downs from `start` up to `end`, in time order (one query)."""
    events = []
    for partnership in scheduled_between(queryset, start, end):
        for kind, at in ((GO_LIVE, partnership.go_live_at), (TAKE_DOWN, partnership.take_down_at)):
            if at is not None and start <= at < end:
                events.append(ScheduledEvent(at, kind, partnership))
    changes = PendingChange.objects.open().filter(
        partnership__in=queryset, go_live_at__gte=start, go_live_at__lt=end
    )
    for change in changes.select_related("partnership__city_a", "partnership__city_b"):
        events.append(ScheduledEvent(change.go_live_at, GO_LIVE, change.partnership, True))
    events.sort(key=lambda event: (event.at, event.kind, event.partnership.pk))
    return events


# --- Carrying out the schedule -----------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What the scheduler did with one partnership."""

    PUBLISHED = "published"
    UNPUBLISHED = "unpublished"
    CANCELLED = "cancelled"  # the publisher may no longer do it
    CLEARED = "cleared"  # nothing left to do (already published, or not published)

    partnership: Partnership
    action: str
    message: str

    def __str__(self):
        return self.message


def user_name(user):
    return (
        (user.get_full_name() or user.get_username()) if user is not None else _("a deleted user")
    )


def may_carry_out(user, partnership):
    """Whether the publisher who scheduled it may still publish and unpublish `partnership`."""
    return (
        user is not None
        and user.is_active
        and user.is_staff
        and permissions.can_publish(user)
        and permissions.involves_own_city(user, partnership.city_a, partnership.city_b)
    )


def publish_due(now=None, using=DEFAULT_DB_ALIAS):
    """Carry out every go-live and take-down due at `now`; returns the Outcomes, go-lives first
    (a partnership that missed both its times goes live, then comes down)."""
    now = now or timezone.now()
    rows = Partnership.objects.using(using)
    outcomes = []
    for pk in due_go_lives(rows, now).order_by("go_live_at", "pk").values_list("pk", flat=True):
        outcomes += _carry_out(rows, pk, GO_LIVE, now)
    for pk in due_take_downs(rows, now).order_by("take_down_at", "pk").values_list("pk", flat=True):
        outcomes += _carry_out(rows, pk, TAKE_DOWN, now)
    changes = PendingChange.objects.using(using).open().filter(go_live_at__lte=now)
    for change in changes.select_related(
        "partnership__city_a", "partnership__city_b", "scheduled_by"
    ):
        outcomes.append(_publish_change(change))
    return outcomes


def _publish_change(change):
    """Publish pending changes whose go-live has come, as the publisher who scheduled them."""
    partnership, user = change.partnership, change.scheduled_by
    names = {"partnership": partnership, "user": user_name(user)}
    if not may_carry_out(user, partnership):
        PendingChange.objects.filter(pk=change.pk).update(go_live_at=None, scheduled_by=None)
        comment = _("Not published as scheduled: %(user)s may no longer publish it.") % names
        review.note(partnership, None, ReviewNote.Action.SCHEDULED, comment, change)
        logger.warning("%s: %s", partnership, comment)
        return Outcome(partnership, Outcome.CANCELLED, f"{partnership}: {comment}")
    comment = _("Published as scheduled by %(user)s.") % names
    try:
        review.publish(partnership, user, comment, change=change)
    except (WorkflowError, PendingContentError) as error:  # decided meanwhile, or unwritable
        PendingChange.objects.filter(pk=change.pk).update(go_live_at=None)
        logger.warning("%s: %s", partnership, error)
        return Outcome(partnership, Outcome.CLEARED, f"{partnership}: {error}")
    logger.info("%s: %s", partnership, comment)
    return Outcome(partnership, Outcome.PUBLISHED, f"{partnership}: {comment}")


def _carry_out(rows, pk, kind, now):
    field = f"{kind}_at"
    with transaction.atomic(using=rows.db):
        # Locked and looked at again: another run may have done it meanwhile.
        partnership = (
            rows.select_for_update(of=("self",))
            .select_related("city_a", "city_b", "scheduled_by")
            .filter(pk=pk, **{f"{field}__lte": now})
            .first()
        )
        if partnership is None:
            return []
        user = partnership.scheduled_by
        wanted = partnership.is_published != (kind == GO_LIVE)
        names = {"partnership": partnership, "user": user_name(user)}
        if not wanted:
            _clear(partnership, field)
            return [
                Outcome(
                    partnership,
                    Outcome.CLEARED,
                    (
                        _("%(partnership)s: already published; the scheduled go-live is cleared.")
                        if kind == GO_LIVE
                        else _(
                            "%(partnership)s: not published; the scheduled take-down is cleared."
                        )
                    )
                    % names,
                )
            ]
        if not may_carry_out(user, partnership):
            comment = (
                _("Not published as scheduled: %(user)s may no longer publish it.")
                if kind == GO_LIVE
                else _("Not unpublished as scheduled: %(user)s may no longer unpublish it.")
            ) % names
            with _revision(partnership, user, comment):
                _clear(partnership, field)
            logger.warning("%s: %s", partnership, comment)
            return [Outcome(partnership, Outcome.CANCELLED, f"{partnership}: {comment}")]
        if kind == GO_LIVE:
            comment = _("Published as scheduled by %(user)s.") % names
            with _revision(partnership, user, comment):
                partnership.publish(user)  # clears the go-live
            action = Outcome.PUBLISHED
        else:
            comment = _("Unpublished as scheduled by %(user)s.") % names
            with _revision(partnership, user, comment):
                partnership.unpublish(user)  # clears the schedule
            action = Outcome.UNPUBLISHED
        logger.info("%s: %s", partnership, comment)
        return [Outcome(partnership, action, f"{partnership}: {comment}")]


def _clear(partnership, field):
    setattr(partnership, field, None)
    fields = [field]
    if partnership.go_live_at is None and partnership.take_down_at is None:
        partnership.scheduled_by = None
        fields.append("scheduled_by")
    partnership.save(update_fields=fields)


@contextmanager
def _revision(partnership, user, comment):
    """A revision of its own for what is saved inside, with the user and the comment, and an
    admin log entry; the partnership as it was first, if it has no history yet."""
    record_baseline(partnership)
    with revision(user, comment, using=partnership._state.db):
        yield
    if user is not None:
        LogEntry.objects.log_actions(
            user_id=user.pk, queryset=[partnership], action_flag=CHANGE, change_message=str(comment)
        )


# --- Reviews ---------------------------------------------------------------------------------


def mark_reviewed(partnership, user, now=None):
    """ "Reviewed, still correct": who and when, and the next review date
    REVIEW_INTERVAL_MONTHS ahead; a revision in the partnership's history."""
    now = now or timezone.now()
    with _revision(partnership, user, REVIEWED_COMMENT):
        partnership.last_reviewed_at = now
        partnership.last_reviewed_by = user
        partnership.review_by = next_review_date(timezone.localdate(now))
        partnership.save(update_fields=["last_reviewed_at", "last_reviewed_by", "review_by"])
