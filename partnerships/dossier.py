"""The handover dossier: what a new member of staff needs to carry a partnership on.

Printable, staff-only (the admin, within the staff member's cities): how it began and why this
partner, the agreements with their documents, the chronology of milestones, who was
responsible on each side over time (private contacts included, with the staff notes), the open
commitments (plans not done, slipped ones first) and how alive it is. A fixed number of
queries, whatever the partnership holds.
"""

from dataclasses import dataclass

from django.db.models import Prefetch
from django.utils import timezone

from . import vitality
from .models import Activity, Contact, Document, Milestone, Partnership, Plan

AGREEMENT_KINDS = (
    Milestone.Kind.MEMORANDUM,
    Milestone.Kind.AGREEMENT,
    Milestone.Kind.JOINT_DECLARATION,
)
RECENT_ACTIVITIES = 10


@dataclass(frozen=True)
class Dossier:
    partnership: Partnership
    today: object
    agreements: list
    milestones: list
    contacts: list  # every contact, oldest responsibility first
    current_contacts: list
    open_plans: list  # PlanProgress, slipped first
    finished_plans: list
    recent_activities: list
    vitality_reason: str


def dossier(partnership_id, today=None):
    today = today or timezone.localdate()
    partnership = (
        Partnership.objects.select_related("city_a", "city_b", "founding_milestone")
        .prefetch_related(
            Prefetch(
                "milestones",
                queryset=Milestone.objects.prefetch_related(
                    Prefetch("documents", queryset=Document.objects.order_by("pk"))
                ),
            ),
            Prefetch("contacts", queryset=Contact.objects.select_related("city")),
            Prefetch(
                "plans",
                queryset=Plan.objects.select_related("focus_area").prefetch_related("activities"),
            ),
            "sources",
        )
        .get(pk=partnership_id)
    )
    milestones = list(partnership.milestones.all())
    contacts = list(partnership.contacts.all())
    progress = [plan.progress(today) for plan in partnership.plans.all()]
    finished = (Plan.Progress.DONE, Plan.Progress.DROPPED)
    open_plans = sorted(
        (p for p in progress if p.state not in finished),
        key=lambda p: (p.state != Plan.Progress.SLIPPED, p.plan.target_year or 9999),
    )
    recent = list(
        Activity.objects.filter(partnership=partnership, start_date__lte=today).order_by(
            "-start_date", "-pk"
        )[:RECENT_ACTIVITIES]
    )
    return Dossier(
        partnership=partnership,
        today=today,
        agreements=[m for m in milestones if m.kind in AGREEMENT_KINDS],
        milestones=milestones,
        contacts=contacts,
        current_contacts=[c for c in contacts if c.until is None or c.until >= today],
        open_plans=open_plans,
        finished_plans=[p for p in progress if p.state in finished],
        recent_activities=recent,
        vitality_reason=vitality.reason(partnership, today),
    )
