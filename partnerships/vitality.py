"""How alive a partnership is, from its dated records: active, quiet, dormant or unknown.

About one partnership in five has gone quiet (Bertelsmann/dfi survey of 1,322 German–French
partnerships) and city rules end affiliations after a "length of no contact"; no directory says
which. The records tell: the dated activities and milestones up to today (the founding one
too: a partnership founded last year is alive, one founded in 1990 with nothing since is not).

- **unknown**: no dated record at all (most of the imported world: a pair and a year).
- **dormant**: the last record is older than `VITALITY_DORMANT_AFTER_MONTHS` (36).
- **quiet**: the last record is older than `VITALITY_QUIET_AFTER_MONTHS` (12); or the last 12
  months hold fewer than `VITALITY_DROP_SHARE` (half) of its usual records a year — the mean of
  the `VITALITY_PAST_YEARS` (3) years before — where it usually has at least
  `VITALITY_DROP_MIN_PER_YEAR` (2) a year.
- **active**: otherwise.

Plans whose target year has passed while planned or in progress are counted and named in the
reason and the next steps; they do not change the state on their own.

The state and the figures behind it are stored on the partnership (`refresh`: two UPDATE
statements whatever the number of partnerships), refreshed when a record changes and each
night (the day moves on), so lists, counts and the map filter on an indexed column; the reason
is put in words when a page is shown, in the reader's language.
"""

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models import (
    Case,
    Count,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce, Greatest, Least
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from core.dates import months_after

from .models import Activity, Milestone, Partnership, Plan

Vitality = Partnership.Vitality
OPEN_PLAN_STATUSES = (Plan.Status.PLANNED, Plan.Status.IN_PROGRESS)


def rules():
    return {
        "quiet_after_months": settings.VITALITY_QUIET_AFTER_MONTHS,
        "dormant_after_months": settings.VITALITY_DORMANT_AFTER_MONTHS,
        "past_years": settings.VITALITY_PAST_YEARS,
        "drop_share": settings.VITALITY_DROP_SHARE,
        "drop_min_per_year": settings.VITALITY_DROP_MIN_PER_YEAR,
    }


def months_between(earlier, later):
    """Whole months from `earlier` to `later` (14 for 2025-10-01 → 2026-12-06)."""
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return max(months - (later.day < earlier.day), 0)


def _count(records):
    return Coalesce(
        Subquery(records.order_by().values("partnership").annotate(n=Count("pk")).values("n")[:1]),
        0,
    )


def _newest(records, day):
    return Subquery(records.order_by(F(day).desc()).values(day)[:1])


def refresh(partnerships=None, today=None, using=DEFAULT_DB_ALIAS):
    """Compute and store the vitality of `partnerships` (default: all) as of `today`.
    Returns how many changed state."""
    today = today or timezone.localdate()
    rule = rules()
    year_ago = months_after(today, -12)
    years_before_start = months_after(today, -12 * (1 + rule["past_years"]))
    partnerships = (partnerships if partnerships is not None else Partnership.objects.all()).using(
        using
    )
    activities = Activity.objects.using(using).filter(
        partnership=OuterRef("pk"), start_date__lte=today
    )
    milestones = Milestone.objects.using(using).filter(partnership=OuterRef("pk"), date__lte=today)
    # An activity that runs on (a programme over years) happened as late as it ran, up to today.
    last_activity = Subquery(
        activities.annotate(happened=Least(Coalesce("end_date", "start_date"), Value(today)))
        .order_by(F("happened").desc())
        .values("happened")[:1]
    )
    last_milestone = _newest(milestones, "date")

    def in_window(start, end):
        return _count(activities.filter(start_date__gt=start, start_date__lte=end)) + _count(
            milestones.filter(date__gt=start, date__lte=end)
        )

    with transaction.atomic(using=using):
        partnerships.update(
            # GREATEST ignores NULL on PostgreSQL but not on SQLite: each side falls back on
            # the other.
            last_record_on=Greatest(
                Coalesce(last_activity, last_milestone), Coalesce(last_milestone, last_activity)
            ),
            records_last_year=in_window(year_ago, today),
            records_years_before=in_window(years_before_start, year_ago),
            overdue_plans=_count(
                Plan.objects.using(using).filter(
                    partnership=OuterRef("pk"),
                    status__in=OPEN_PLAN_STATUSES,
                    target_year__lt=today.year,
                )
            ),
            vitality_as_of=today,
        )
        usual_share = ExpressionWrapper(
            F("records_years_before") * rule["drop_share"] / rule["past_years"],
            output_field=FloatField(),
        )
        state = Case(
            When(last_record_on__isnull=True, then=Value(Vitality.UNKNOWN)),
            When(
                last_record_on__lt=months_after(today, -rule["dormant_after_months"]),
                then=Value(Vitality.DORMANT),
            ),
            When(
                last_record_on__lt=months_after(today, -rule["quiet_after_months"]),
                then=Value(Vitality.QUIET),
            ),
            When(
                Q(
                    records_years_before__gte=rule["drop_min_per_year"] * rule["past_years"],
                    records_last_year__lt=usual_share,
                ),
                then=Value(Vitality.QUIET),
            ),
            default=Value(Vitality.ACTIVE),
        )
        return (
            partnerships.annotate(new_vitality=state)
            .exclude(vitality=F("new_vitality"))
            .update(vitality=state)
        )


def refresh_partnership(partnership_id, using=DEFAULT_DB_ALIAS):
    """After a record of this partnership changed (signals, apps.py)."""
    if partnership_id is not None:
        refresh(Partnership.objects.filter(pk=partnership_id), using=using)


def usual_per_year(partnership):
    return partnership.records_years_before / settings.VITALITY_PAST_YEARS


def _number(value):
    return number_format(round(value, 1), decimal_pos=0 if value == int(value) else 1)


def reasons(partnership, today=None):
    """Why the partnership has its state, in words of the active language."""
    today = today or timezone.localdate()
    if partnership.last_record_on is None:
        return [_("no dated activities or milestones recorded")]
    months = months_between(partnership.last_record_on, today)
    if not months:
        said = [_("last dated record this month")]
    elif months < 24:
        said = [
            ngettext(
                "last dated record %(count)d month ago",
                "last dated record %(count)d months ago",
                months,
            )
            % {"count": months}
        ]
    else:  # "203 months" reads as a riddle
        said = [
            ngettext(
                "last dated record %(count)d year ago",
                "last dated record %(count)d years ago",
                months // 12,
            )
            % {"count": months // 12}
        ]
    if partnership.records_last_year or partnership.records_years_before:
        said.append(
            _("%(recent)s in the last 12 months against %(usual)s a year before")
            % {
                "recent": _number(partnership.records_last_year),
                "usual": _number(usual_per_year(partnership)),
            }
        )
    if partnership.overdue_plans:
        said.append(
            ngettext("%(count)d plan overdue", "%(count)d plans overdue", partnership.overdue_plans)
            % {"count": partnership.overdue_plans}
        )
    return said


def reason(partnership, today=None):
    return _("; ").join(reasons(partnership, today))


def next_steps(partnership):
    """What staff can do about a partnership going quiet, for the desk."""
    steps = []
    if partnership.vitality == Vitality.UNKNOWN:
        steps.append(_("Record its milestones and activities with their dates."))
    elif partnership.vitality in (Vitality.QUIET, Vitality.DORMANT):
        steps.append(
            _(
                "Plan a meeting, a visit or an exchange with the partner city: nothing is "
                "recorded since %(date)s."
            )
            % {"date": date_format(partnership.last_record_on, "DATE_FORMAT")}
        )
    if partnership.vitality == Vitality.DORMANT:
        steps.append(
            _(
                "Ask the partner city whether the partnership goes on; if it has ended, set its "
                "status to “Ended”."
            )
        )
    if partnership.overdue_plans:
        steps.append(
            ngettext(
                "Update the overdue plan: done, dropped, or a new target year.",
                "Update the %(count)d overdue plans: done, dropped, or a new target year.",
                partnership.overdue_plans,
            )
            % {"count": partnership.overdue_plans}
        )
    return steps


def going_quiet(partnerships):
    """The partnerships of a staff member's scope that need attention, the longest silent
    first: quiet or dormant, and those about to turn quiet (within 2 months of the rule)."""
    today = timezone.localdate()
    soon = months_after(today, 2 - settings.VITALITY_QUIET_AFTER_MONTHS)
    return (
        partnerships.exclude(status=Partnership.Status.ENDED)
        .filter(
            Q(vitality__in=(Vitality.QUIET, Vitality.DORMANT))
            | Q(vitality=Vitality.ACTIVE, last_record_on__lt=soon)
        )
        .order_by(F("last_record_on").asc(nulls_last=True), "pk")
    )
