"""Annual reports: what one partnership, or all the published partnerships of one city, did in
one calendar year (`/partnerships/<slug>/report/<year>/`, `/cities/<slug>/report/<year>/`, each
also as PDF and CSV).

The rules, so that every figure can be counted by hand:

- An **activity belongs to the year its start date falls in** (as on the statistics page); an
  undated activity is in no year. One that spans the new year counts for the year it began.
- **Milestones** belong to the year of their date; **delegations** are the milestones of kind
  "delegation visit"; **who took part** lists the year's milestones and activities that name
  their participants or a location (their translated fields, in the page's language, else
  English).
- **Plans** (from `Plan.progress(today)`, whose delivering activities are those dated up to
  today):
  - *started* in the year: the first delivering activity started in that year. A plan marked
    "in progress" with no delivering activity has no known start and is started in no year;
  - *done* in the year: it is done now, and its last delivering activity started in that year
    (or, done with no delivering activity, its target year is that year);
  - *slipped* in the year: its target year is that year, and it is neither done nor dropped by
    today, with that year over (its progress is "slipped").
- **Anniversaries**: a round anniversary (every fifth year) of the founding falls in the year,
  for a partnership that is active or dormant (as `Partnership.next_jubilee`).
- **Contacts**: the public ones (never the others) responsible at some time in the year.
- **The years before**: activities per year for the ten years up to the report year, never
  before the first year there can be a report for.

A report exists for the years from the **beginning** to the current year: for a partnership,
the year it was established (without a founding date, its first year with a record; without
any record, the current year); for a city, the earliest beginning of its published
partnerships. Other years are refused with a reason (`refusal`).

The queries are fixed however many records there are: the records of the year (activities with
their focus areas, milestones), the plans with their activities, the public contacts, and one
query for the years with records (the chart and the links between years).
"""

import datetime
import functools
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, IntegerField, Q, Value
from django.urls import reverse
from django.utils.translation import gettext

from core.compiled_rows import SLOT, CompiledRows
from core.dates import DatePart, anniversary_in, iso_partial_date

from .anniversaries import JUBILEE_STEP, Jubilee
from .models import Activity, Contact, Milestone, Partnership, Plan

CHART_YEARS = 10  # the report year and the nine before it
ACTIVITY, MILESTONE = 1, 2  # which records a row of record_years() counts


@dataclass(frozen=True)
class Group:
    """Some of the year's activities under one heading: a focus area or a kind."""

    label: str
    activities: list

    @property
    def count(self):
        return len(self.activities)


@dataclass
class PartnershipYear:
    """One partnership's year: its records, plans and anniversary."""

    partnership: Partnership
    activities: list = field(default_factory=list)
    milestones: list = field(default_factory=list)
    plans_started: list = field(default_factory=list)  # PlanProgress
    plans_done: list = field(default_factory=list)
    plans_slipped: list = field(default_factory=list)
    jubilee: Jubilee | None = None
    contacts: list = field(default_factory=list)  # public ones only

    @property
    def delegations(self):
        return [m for m in self.milestones if m.kind == Milestone.Kind.DELEGATION_VISIT]

    @property
    def taking_part(self):
        """The year's records that say who took part or where, milestones first."""
        return [r for r in [*self.milestones, *self.activities] if r.participants or r.location]

    @property
    def by_focus_area(self):
        return by_focus_area(self.activities)

    @property
    def by_kind(self):
        return by_kind(self.activities)

    @property
    def has_plans(self):
        return bool(self.plans_started or self.plans_done or self.plans_slipped)

    @property
    def is_empty(self):
        return not (self.activities or self.milestones or self.has_plans or self.jubilee)


@dataclass
class Report:
    """The report of one year: one part per partnership (one for a partnership's report), and
    the figures across them all."""

    year: int
    begins: int  # the first year there can be a report for
    this_year: int  # today's: the last year there can be a report for
    parts: list  # PartnershipYear, in the order of the partnerships given
    chart_rows: list  # {"year", "label", "value"}: activities per year up to `year`

    @property
    def activities(self):
        return [a for part in self.parts for a in part.activities]

    @property
    def milestones(self):
        return [m for part in self.parts for m in part.milestones]

    @property
    def by_focus_area(self):
        return by_focus_area(self.activities)

    @property
    def by_kind(self):
        return by_kind(self.activities)

    @property
    def active_parts(self):
        """The partnerships with something recorded in the year (a city's report shows each)."""
        return [part for part in self.parts if not part.is_empty]

    @property
    def quiet_parts(self):
        """The partnerships with nothing recorded in the year (a city's report names them)."""
        return [part for part in self.parts if part.is_empty]

    @property
    def delegation_count(self):
        return sum(len(part.delegations) for part in self.parts)

    @property
    def jubilees(self):
        return [part.jubilee for part in self.parts if part.jubilee]

    @property
    def previous_year(self):
        return self.year - 1 if self.year > self.begins else None

    @property
    def next_year(self):
        return self.year + 1 if self.year < self.this_year else None


def by_focus_area(activities):
    """The activities under each of their focus areas (one with two counts under both), the
    areas by name, then those without one."""
    groups, without = defaultdict(list), []
    names = {}
    for activity in activities:
        areas = activity.focus_areas.all()  # prefetched
        for area in areas:
            names[area.pk] = area.name
            groups[area.pk].append(activity)
        if not areas:
            without.append(activity)
    ordered = [Group(names[pk], groups[pk]) for pk in sorted(groups, key=lambda pk: names[pk])]
    if without:
        ordered.append(Group(gettext("No focus area"), without))
    return ordered


def by_kind(activities):
    """The activities by kind, the kinds in their order of the choices."""
    groups = defaultdict(list)
    for activity in activities:
        groups[activity.kind].append(activity)
    return [
        Group(label, groups[value]) for value, label in Activity.Kind.choices if value in groups
    ]


def jubilee_in(partnership, year):
    """The round anniversary of the founding that falls in `year`, or None."""
    established = partnership.established
    if (
        established is None
        or partnership.status not in Partnership.CELEBRATED_STATUSES
        or year <= established.year
        or (year - established.year) % JUBILEE_STEP
    ):
        return None
    return Jubilee(
        partnership,
        year - established.year,
        anniversary_in(year, established),
        partnership.established_precision,
    )


def plan_year(progress, year):
    """Which of "started", "done", "slipped" the plan is in `year` (several may hold), by the
    rules of the module's docstring."""
    plan, delivered = progress.plan, progress.delivered
    found = set()
    if delivered and delivered[0].start_date.year == year:
        found.add("started")
    if progress.state == Plan.Progress.DONE:
        last_year = delivered[-1].start_date.year if delivered else plan.target_year
        if last_year == year:
            found.add("done")
    if progress.state == Plan.Progress.SLIPPED and plan.target_year == year:
        found.add("slipped")
    return found


def record_years(activities, milestones):
    """One query: {year: (activities, milestones)} of these records, for every year with one."""
    return _years(_record_years_query(activities, milestones))


def city_record_years(city):
    """record_years() of the published partnerships of `city`, by a statement compiled once:
    building and compiling the two grouped queries cost more than running them."""
    compiled = _city_record_years(Activity.objects.db)
    order = [compiled.names.index(name) for name in ("year", "source", "n")]
    return _years([row[i] for i in order] for row in compiled.rows(city.pk))


@functools.lru_cache(maxsize=4)
def _city_record_years(alias):
    return CompiledRows(
        _record_years_query(
            Activity.objects.published().involving(SLOT),
            Milestone.objects.published().involving(SLOT),
        ).using(alias)
    )


def _record_years_query(activities, milestones):
    def per_year(records, date, kind):
        return (
            records.filter(**{f"{date}__isnull": False})
            .order_by()
            .annotate(year=DatePart(date, "year"), source=Value(kind, output_field=IntegerField()))
            .values("year", "source")
            .annotate(n=Count("pk"))
            .values_list("year", "source", "n")
        )

    return per_year(activities, "start_date", ACTIVITY).union(
        per_year(milestones, "date", MILESTONE), all=True
    )


def _years(rows):
    found = defaultdict(lambda: [0, 0])
    for year, source, n in rows:
        found[int(year)][source - 1] += n
    return {year: tuple(counts) for year, counts in found.items()}


def beginning(partnerships, years, today):
    """The first year there can be a report for (see the module's docstring)."""
    established = [p.established.year for p in partnerships if p.established]
    if established:
        return min(established)
    return min(years, default=today.year)


def years_with_records(years, begins, today):
    """The years a report has something to say about, newest first (for the links)."""
    return sorted((y for y in years if begins <= y <= today.year), reverse=True)


def year_links(url_name, slug, years):
    """(year, address of its report) for each of `years`, from one reverse(): a page links a
    report per year of its record, dozens for a city with a long one."""
    address = reverse(url_name, kwargs={"slug": slug, "year": 0})
    return [(year, address.replace("/report/0000/", f"/report/{year:04d}/", 1)) for year in years]


def refusal(year, begins, today, city=False):
    """Why there is no report for `year`, or "" when there is one."""
    if year > today.year:
        return gettext("No report for %(year)s: the year has not come yet.") % {"year": year}
    if year < begins:
        message = (
            gettext("No report for %(year)s: the city’s first partnership began in %(begins)s.")
            if city
            else gettext("No report for %(year)s: the partnership began in %(begins)s.")
        )
        return message % {"year": year, "begins": begins}
    return ""


def build(partnerships, year, today, years, begins):
    """The report of `year` for `partnerships` (published, with their cities loaded), from
    the years with records (`record_years`). Six queries for any number of partnerships."""
    ids = [p.pk for p in partnerships]
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    activities = (
        Activity.objects.filter(partnership__in=ids, start_date__range=(first, last))
        .prefetch_related("focus_areas")
        .order_by("start_date", "id")
    )
    milestones = Milestone.objects.filter(partnership__in=ids, date__range=(first, last))
    plans = (
        Plan.objects.filter(partnership__in=ids)
        .prefetch_related("activities")
        .order_by("target_year", "id")
    )
    # Only the contacts marked public ever reach a report (models/memory.py); those responsible
    # at some time in the year.
    contacts = (
        Contact.objects.filter(partnership__in=ids, is_public=True)
        .filter(
            Q(since__isnull=True) | Q(since__lte=last), Q(until__isnull=True) | Q(until__gte=first)
        )
        .select_related("city")
        .order_by("organisation", "id")
    )
    parts = {p.pk: PartnershipYear(p, jubilee=jubilee_in(p, year)) for p in partnerships}
    # Each record gets its partnership from those given: naming it costs no query.
    for activity in activities:
        activity.partnership = parts[activity.partnership_id].partnership
        parts[activity.partnership_id].activities.append(activity)
    for milestone in milestones.order_by("date", "id"):
        milestone.partnership = parts[milestone.partnership_id].partnership
        parts[milestone.partnership_id].milestones.append(milestone)
    for plan in plans:
        progress = plan.progress(today)
        for name in plan_year(progress, year):
            getattr(parts[plan.partnership_id], f"plans_{name}").append(progress)
    for contact in contacts:
        parts[contact.partnership_id].contacts.append(contact)
    start = max(begins, year - CHART_YEARS + 1)
    chart_rows = [
        {"year": y, "label": str(y), "value": years.get(y, (0, 0))[0]}
        for y in range(start, year + 1)
    ]
    return Report(year, begins, today.year, list(parts.values()), chart_rows)


# --- CSV -------------------------------------------------------------------------------------

CSV_COLUMNS = (
    "partnership",
    "record",
    "date",
    "end_date",
    "kind",
    "kind_label",
    "title",
    "focus_areas",
    "location",
    "participants",
)


def csv_rows(report):
    """One row per activity and milestone of the report, by partnership then date."""
    for part in report.parts:
        slug = part.partnership.slug
        for milestone in part.milestones:
            yield [
                slug,
                "milestone",
                iso_partial_date(milestone.date, milestone.date_precision),
                "",
                milestone.kind,
                str(milestone.kind_label),
                milestone.title,
                "",
                milestone.location,
                milestone.participants,
            ]
        for activity in part.activities:
            yield [
                slug,
                "activity",
                iso_partial_date(activity.start_date, activity.start_precision),
                iso_partial_date(activity.end_date, activity.end_precision) or "",
                activity.kind,
                str(activity.kind_label),
                activity.title,
                "; ".join(area.name for area in activity.focus_areas.all()),
                activity.location,
                activity.participants,
            ]
