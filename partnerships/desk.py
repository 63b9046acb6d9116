"""The staff member's desk on the admin home: what waits for them, within their cities.

Publishers see what awaits their review; everyone sees their drafts, what was returned to
them with the reviewer's comment, what is scheduled and what is due for review (the coming
jubilees are beside it, templatetags/staff_anniversaries.py) and which partnerships are going
quiet, with what to do about it (partnerships/vitality.py). A fixed number of queries, each
list cut at DESK_LIMIT, whatever the number of partnerships.
"""

from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from . import scheduling, vitality
from .models import Partnership, PendingChange, Plan, ReviewNote
from .permissions import can_publish, in_scope

DESK_LIMIT = 15
CITIES = ["partnership__city_a", "partnership__city_b"]


@dataclass(frozen=True)
class DeskItem:
    partnership: Partnership
    what: str  # "pending changes" or "new partnership"
    who: object = None  # the user who acted last
    when: object = None
    message: str = ""
    date: object = None  # a day, not a moment (a review date)


@dataclass(frozen=True)
class QuietItem:
    partnership: Partnership
    reason: str  # why it is quiet, in words (partnerships/vitality.py)
    next_steps: list


def _newest_first(items):
    return sorted(items, key=lambda item: item.when or 0, reverse=True)[:DESK_LIMIT]


def desk(user):
    partnerships = in_scope(user, Partnership.objects.all())
    changes = (
        PendingChange.objects.open()
        .filter(partnership__in=partnerships)
        .select_related(*CITIES, "updated_by", "submitted_by")
    )
    first_publication = partnerships.select_related("city_a", "city_b", "submitted_by")
    pending_label, new_label = (
        PendingChange._meta.verbose_name_plural,
        Partnership._meta.verbose_name,
    )
    awaiting = []
    if can_publish(user):
        awaiting = [
            DeskItem(c.partnership, pending_label, c.submitted_by, c.submitted_at)
            for c in changes.filter(state=PendingChange.State.IN_REVIEW).order_by("-submitted_at")[
                :DESK_LIMIT
            ]
        ] + [
            DeskItem(p, new_label, p.submitted_by, p.submitted_at)
            for p in first_publication.filter(state=Partnership.State.IN_REVIEW).order_by(
                "-submitted_at"
            )[:DESK_LIMIT]
        ]
    drafts = [
        DeskItem(c.partnership, pending_label, c.updated_by, c.updated_at)
        for c in changes.filter(state=PendingChange.State.DRAFT)
        .filter(Q(updated_by=user) | Q(created_by=user))
        .order_by("-updated_at")[:DESK_LIMIT]
    ] + [
        DeskItem(p, new_label, None, p.updated_at)
        for p in first_publication.filter(state=Partnership.State.DRAFT).order_by("-updated_at")[
            :DESK_LIMIT
        ]
    ]
    submitted_by_me = ReviewNote.objects.filter(
        partnership=OuterRef("partnership"), action=ReviewNote.Action.SUBMITTED, author=user
    )
    returns = (
        ReviewNote.objects.filter(action=ReviewNote.Action.RETURNED, partnership__in=partnerships)
        .filter(
            Q(pending_change__state=PendingChange.State.DRAFT, pending_change__submitted_by=user)
            | Q(
                Exists(submitted_by_me),
                pending_change__isnull=True,
                partnership__state=Partnership.State.DRAFT,
            )
        )
        .select_related(*CITIES, "author")
        .order_by("-created_at")[: DESK_LIMIT * 2]
    )
    returned, seen = [], set()
    for note in returns:  # the newest return of each partnership
        if note.partnership_id not in seen:
            seen.add(note.partnership_id)
            what = pending_label if note.pending_change_id else new_label
            returned.append(
                DeskItem(note.partnership, what, note.author, note.created_at, note.message)
            )
    with_cities = partnerships.select_related("city_a", "city_b", "scheduled_by")
    scheduled = [
        DeskItem(p, _schedule_label(p), p.scheduled_by, p.next_scheduled_at)
        for p in scheduling.scheduled(with_cities)[:DESK_LIMIT]
    ] + [
        DeskItem(c.partnership, pending_label, c.scheduled_by, c.go_live_at)
        for c in changes.filter(go_live_at__isnull=False)
        .select_related("scheduled_by")
        .order_by("go_live_at")[:DESK_LIMIT]
    ]
    due = [
        DeskItem(p, Partnership._meta.verbose_name, p.last_reviewed_by, date=p.review_by)
        for p in scheduling.due_for_review(
            partnerships.select_related("city_a", "city_b", "last_reviewed_by")
        )[:DESK_LIMIT]
    ]
    going_quiet = [
        QuietItem(p, vitality.reason(p), vitality.next_steps(p))
        for p in vitality.going_quiet(partnerships.select_related("city_a", "city_b"))[:DESK_LIMIT]
    ]
    slipped_plans = (
        Plan.objects.filter(
            partnership__in=partnerships,
            status__in=vitality.OPEN_PLAN_STATUSES,
            target_year__lt=timezone.localdate().year,
        )
        .select_related(*CITIES)
        .order_by("target_year", "pk")[:DESK_LIMIT]
    )
    return {
        "going_quiet": going_quiet,
        "slipped_plans": list(slipped_plans),
        "scheduled": sorted(scheduled, key=lambda item: item.when)[:DESK_LIMIT],
        "due_for_review": due,
        "awaiting_review": _newest_first(awaiting),
        "drafts": _newest_first(drafts),
        "returned": returned[:DESK_LIMIT],
        "may_publish": can_publish(user),
    }


def _schedule_label(partnership):
    if (
        partnership.go_live_at is not None
        and partnership.go_live_at == partnership.next_scheduled_at
    ):
        return _("goes live")
    return _("comes down")
