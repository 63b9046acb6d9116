"""What is recorded about a partnership: milestones, activities, plans, sources and figures."""

import datetime
import functools
from dataclasses import dataclass

from django.core.exceptions import EmptyResultSet, ValidationError
from django.db import connections, models, router, transaction
from django.db.models import (
    BooleanField,
    Count,
    Expression,
    F,
    Func,
    IntegerField,
    Q,
    Subquery,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries.fields import Country

from cities.models import YEAR_VALIDATORS, City, KeyFigure
from core.addresses import SLUG_MARKER, slug_address
from core.choices import choice_label
from core.compiled_rows import SLOT, SUBQUERY_SLOT, CompiledRows
from core.dates import (
    format_partial_date,
    last_day_expression,
    period_end,
    precision_field,
    truncate,
)
from core.indexes import NullsOrderedIndex
from core.translated import ORIGINAL, TranslationStamps, column, columns

from .figures import ActivityYearFigure
from .partnership import Partnership
from .topics import FocusArea


class PartnershipRecordQuerySet(models.QuerySet):
    """Records that belong to a partnership (milestones, activities): public and per city as
    their partnership is."""

    def published(self):
        return self.filter(partnership__state=Partnership.State.PUBLISHED)

    def not_unpublished(self):
        """The published records as "not of one of the few unpublished partnerships": the same
        rows as published(), for SQLite walking an index of the records (core/index_walk.py).
        Joined to the partnership's state, SQLite first builds a Bloom filter of every
        published partnership, reading their whole wide rows (15-20 ms at world scale), to
        test the 20-odd records the walk passes over; a short list of keys does it at once."""
        return self.exclude(of_unpublished(self.model, "partnership"))

    def count_published(self):
        """How many of these records (of partnerships in any state) are published."""
        return count_published(self)

    def involving(self, city):
        """Records of partnerships with `city` on either side."""
        return self.filter(Q(partnership__city_a=city) | Q(partnership__city_b=city))


def count_published(rows, partnership="partnership", plus=None):
    """How many of `rows` (reaching their partnership through `partnership`) belong to a
    published partnership, exactly, in one query: all the rows less those of the partnerships
    not published. Counting the published ones directly joins every row to its partnership (at
    world scale, 272,000 activities: 50 ms and more on PostgreSQL, about 30 on SQLite); this
    way the database counts the rows from a narrow index and finds the unpublished ones from
    the few unpublished partnerships outwards (of_unpublished). `plus`: an expression to add
    in the same query."""
    if rows.query.is_empty():  # none(): the expression below would have no value
        return 0
    in_unpublished = rows.filter(of_unpublished(rows.model, partnership)).order_by()
    count = Func(F("pk"), function="COUNT", output_field=IntegerField())
    n = Count("*") - Subquery(in_unpublished.annotate(n=count).values("n"))
    return rows.order_by().aggregate(n=n if plus is None else n + plus)["n"]


@functools.cache
def all_published_count():
    """The query of ActivityQuerySet.count_published() of all activities, a row of one value,
    built once: a pure function of the code (the kept figures, the unpublished states), held
    unevaluated. Building it for each request (an aggregate of two subqueries) cost 1.2 ms,
    ten times running it. The same count as count_published(), in the same SQL."""
    undated = Activity.objects.filter(start_date__isnull=True).order_by()
    dated = ActivityYearFigure.objects.order_by().annotate(
        n_sum=Func(F("n"), function="SUM", output_field=IntegerField())
    )
    # COUNT(*) as a plain function, not an aggregate: no GROUP BY, one row (as aggregate()).
    total = Func(template="COUNT(*)", output_field=IntegerField())
    return undated.annotate(
        n=total
        - Subquery(
            undated.filter(of_unpublished(Activity, "partnership"))
            .annotate(n=Func(F("pk"), function="COUNT", output_field=IntegerField()))
            .values("n")
        )
        + Coalesce(Subquery(dated.values("n_sum")), 0)
    ).values_list("n", flat=True)


def published_past_count(today, using="default"):
    """How many published activities are past on `today` (the activity list's ?when=past,
    ActivityQuerySet.past()): the dated ones, as the kept activities per start year count them,
    less the upcoming ones, counted from their index. The same count as count_published() of
    the past ones (a dated activity is upcoming or past: its upcoming_until is NULL only without
    a start date), which read all 256,000 past ones at world scale (PostgreSQL about 70 ms,
    SQLite over 100)."""
    return _past_count_statement(using, today).rows()[0][0]


@functools.lru_cache(maxsize=4)
def _past_count_statement(alias, today):
    """published_past_count()'s statement on `today`, compiled once per day and database (its
    SQL, never its row): the sum of the year figures less the upcoming activities, plus those of
    them in an unpublished partnership (as count_published() counts them)."""
    upcoming = Activity._base_manager.using(alias).filter(upcoming_q(today)).order_by()
    in_unpublished = upcoming.filter(of_unpublished(Activity, "partnership"))
    dated = ActivityYearFigure.objects.using(alias).order_by()
    dated = dated.annotate(n_sum=Func(F("n"), function="SUM", output_field=IntegerField()))
    # COUNT(*) as a plain function, not an aggregate: no GROUP BY, one row (as aggregate()).
    total = Func(template="COUNT(*)", output_field=IntegerField())
    count = Func(F("pk"), function="COUNT", output_field=IntegerField())
    past = (
        Coalesce(Subquery(dated.values("n_sum")), 0)
        - total
        + Subquery(in_unpublished.annotate(n=count).values("n"))
    )
    return CompiledRows(upcoming.annotate(n=past).values_list("n"))


def of_unpublished(model, path):
    """The rows of `model` whose partnership (through `path`, e.g. "activity__partnership") is
    not published, as nested `IN (…)`: the database starts from the unpublished partnerships
    (the state index) and follows the indexed keys outwards. Joined from the rows' side instead,
    SQLite reads every row of the focus area's links to look at its partnership."""
    name, _, rest = path.partition("__")
    if rest:
        related = model._meta.get_field(name).related_model
        targets = related._default_manager.filter(of_unpublished(related, rest))
    else:
        targets = unpublished_partnerships()
    return Q(**{f"{name}__in": targets.values("pk")})


def unpublished_partnerships():
    """The partnerships not published, a few against tens of thousands published: the other
    states by name, as `state <> 'published'` would read the whole state index."""
    unpublished = set(Partnership.State.values) - {Partnership.State.PUBLISHED}
    return Partnership.objects.filter(state__in=sorted(unpublished))


class RecordStamps(models.Model):
    """When a record was made and last changed: the dates its feed entries carry (published
    and updated), which must not move unless the record does.

    Plain defaults rather than auto_now(_add): raw saves (the demo fixtures, pending changes
    written back at publication: partnerships/pending.py) keep the values they bring, and
    every ordinary save stamps `updated_at`.
    """

    created_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("created")
    )
    updated_at = models.DateTimeField(
        default=timezone.now, editable=False, verbose_name=_("last changed")
    )

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        self.updated_at = timezone.now()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "updated_at"}
        super().save(*args, **kwargs)


class Milestone(RecordStamps, TranslationStamps):
    class Kind(models.TextChoices):
        MEMORANDUM = "memorandum", _("Memorandum")
        AGREEMENT = "agreement", _("Agreement")
        JOINT_DECLARATION = "joint_declaration", _("Joint declaration")
        DELEGATION_VISIT = "delegation_visit", _("Delegation visit")
        ANNIVERSARY = "anniversary", _("Anniversary")
        OTHER = "other", _("Other")

    partnership = models.ForeignKey(
        Partnership,
        on_delete=models.CASCADE,
        related_name="milestones",
        verbose_name=_("partnership"),
    )
    date = models.DateField(verbose_name=_("date"))
    date_precision = precision_field()
    # The forms show each date and its precision as one field (core/partial_dates.py).
    PARTIAL_DATES = {"date": "date_precision"}
    kind = models.CharField(max_length=20, choices=Kind.choices, verbose_name=_("kind"))
    title = models.CharField(max_length=250, verbose_name=_("title"))
    description = models.TextField(
        blank=True, help_text=_("Markdown."), verbose_name=_("description")
    )
    location = models.CharField(
        max_length=200, blank=True, help_text=_("Where it happened."), verbose_name=_("location")
    )
    participants = models.TextField(
        blank=True,
        help_text=_("Who signed, travelled or took part."),
        verbose_name=_("participants"),
    )

    objects = PartnershipRecordQuerySet.as_manager()

    class Meta:
        ordering = ["date", "id"]
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
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


def when_display(start_date, start_precision, end_date, end_precision, language=None):
    """An activity's dates as shown (Activity.when_display), from its stored values: for pages
    that read rows rather than model instances (calendars, feeds, exports); `language` as
    format_partial_date()'s."""
    if start_date is None:
        return ""
    # Each date formatted once (it was up to three times): pages show hundreds.
    start = format_partial_date(start_date, start_precision, language)
    if end_date is None:
        return start
    end = format_partial_date(end_date, end_precision, language)
    return start if end == start else f"{start} – {end}"


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


class OfPublishedPartnership(Expression):
    """True for a record whose partnership (the key `field`) is not among the few unpublished
    ones, as `NOT (key + 0 IN (SELECT … WHERE state IN …))`: the same rows as published(),
    chosen as soonest() wants them (see there). Written directly rather than as
    `.alias(owner=F(field) + 0).exclude(owner__in=unpublished_partnerships().values("pk"))`,
    which the ORM took about 1 ms a query to build and copy into each level of soonest()'s
    nested keys (twice at each: home, calendars). Plus 0: the same number, but no longer the
    column, so that a database cannot look the keys up through an index on it."""

    conditional = True
    output_field = BooleanField()

    def __init__(self, field="partnership"):
        super().__init__()
        self.key = F(field)

    def get_source_expressions(self):
        return [self.key]

    def set_source_expressions(self, exprs):
        (self.key,) = exprs

    def as_sql(self, compiler, connection):
        key, params = compiler.compile(self.key)
        quote = connection.ops.quote_name
        states = sorted(set(Partnership.State.values) - {Partnership.State.PUBLISHED})
        table, key_column = quote(Partnership._meta.db_table), quote(Partnership._meta.pk.column)
        alias = quote("unpublished")
        # As unpublished_partnerships() asks for them; the names are the model's, the states
        # parameters.
        sql = f"NOT (({key} + 0) IN (SELECT {alias}.{key_column} FROM {table} {alias} WHERE "  # noqa: S608
        sql += f"{alias}.{quote('state')} IN ({', '.join(['%s'] * len(states))})))"
        return sql, (*params, *states)


# What a list and the partnership page show of an activity (activity_items, the JSON-LD's
# events): its translated texts, and its kind and dates.
ACTIVITY_TEXTS = ("title", "description", "location", "participants")
ACTIVITY_FACTS = ("kind", "start_date", "start_precision", "end_date", "end_precision")
ACTIVITY_SHOWN = (*ACTIVITY_FACTS, *ACTIVITY_TEXTS)
ACTIVITY_COLUMNS = ("pk", *ACTIVITY_FACTS)  # listed_activities()' own, before the texts


class ActivityQuerySet(PartnershipRecordQuerySet):
    def count_published(self):
        """How many of these activities are published. Of all activities (the activity list
        without filters): the kept activities per start year (models/figures.py) and the
        undated ones, counted from their partial index, in one query; counting the published
        ones among all 272,000 read as many index entries (about 20 ms on PostgreSQL)."""
        query = self.query
        if query.where or query.is_sliced or query.distinct or query.combinator:
            return super().count_published()
        # A copy of the query built once: never the memo itself, which would keep its row.
        return all_published_count().using(self.db).get()

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

    def soonest(self, limit, today=None):
        """The first `limit` upcoming activities of published partnerships, soonest first, with
        this queryset's joins and filters (not to be filtered further: it may be sliced). The
        caller need not (and for speed should not) ask for published() itself: the activities
        are chosen by their partnership's key not being among the few unpublished ones, so that
        SQLite does not start from the published partnerships (190 ms at world scale, reading
        each one's activities). Chosen by their keys, then only those rows read in full, in
        one query.

        Of all activities (the home page's and the site calendar's), the upcoming ones are
        chosen in two parts, neither sorting every upcoming one (16,600 at world scale: on
        PostgreSQL 2–8 ms for the home page's five, on SQLite more, as no index covers a query
        of the generated upcoming_until and each was read from the table). An activity
        without an end lasts at most until the end of its start's year (the widest precision),
        so those that started before this year and are still upcoming have an end on or after
        today: all of them, few, from activity_end_idx (unordered, so that SQLite does not walk
        the start dates instead). The others started this year or later: the first `limit` of
        those in the start-date index's order, the database stopping there (0.2 ms for five on
        PostgreSQL)."""
        today = today or timezone.localdate()
        upcoming = self.upcoming(today)

        if self.query.where:
            # A partnership's or a city's: few, found through their own filter and sorted.
            return upcoming.filter(
                pk__in=upcoming.filter(OfPublishedPartnership()).values("pk")[:limit]
            )
        new_year = datetime.date(today.year, 1, 1)
        # Nothing of the caller's to keep in the keys' query: the plain manager, quicker to build.
        keys = self.model._base_manager.using(self.db)
        chosen = keys.order_by().filter(OfPublishedPartnership()).values("pk")
        this_year = (
            # Upcoming, but not as the column: PostgreSQL, taking the two ranges for
            # independent, expects 600 of this year's activities upcoming rather than 16,600,
            # and would read them all from the upcoming index and sort them.
            chosen.alias(until=Coalesce("upcoming_until", "start_date"))
            .filter(start_date__gte=new_year, until__gte=today)
            # activity_newest_idx read backwards (PostgreSQL wants its order of nulls too).
            .order_by(F("start_date").asc(nulls_first=True), "id")[:limit]
        )
        earlier = chosen.filter(upcoming_q(today), start_date__lt=new_year, end_date__gte=today)
        if not connections[self.db].features.supports_slicing_ordering_in_compound:
            # SQLite allows no LIMIT in the parts of a UNION: the first part wrapped.
            this_year = keys.filter(pk__in=this_year).order_by().values("pk")
        # The keys of both as one UNION: with an OR of two IN lists PostgreSQL read every
        # upcoming row to test it against both.
        return upcoming.filter(pk__in=this_year.union(earlier, all=True))[:limit]

    def past(self, today=None):
        """Dated activities that are over: the "Retrospective", newest first. Each started
        before `today` (its upcoming_until, never before its start, is): said as well, so that
        a database walking the start dates newest first begins at today, not among the
        upcoming ones (SQLite passed over 16,000 of them at world scale, 160 ms, for a page)."""
        today = today or timezone.localdate()
        return (
            self.filter(start_date__lt=today)
            .exclude(upcoming_q(today))
            .order_by("-start_date", "-id")
        )

    def listing(self):
        """The activity list, before publication: with their partnership's cities and their
        focus areas, newest first, undated last. The list page and the API filter these, then
        page the published ones and count them with count_published() (partnerships/views:
        PublishedRecordPaginator)."""
        return (
            self.select_related("partnership__city_a", "partnership__city_b")
            .prefetch_related("focus_areas")
            .order_by(F("start_date").desc(nulls_last=True), "-id")
        )

    def for_list(self):
        """Only the columns a list of activities shows (includes/activity_item.html with its
        partnership, and the list's JSON-LD with the cities as places): the partnership's and
        cities' rows hold every narrative text in every language, which 20 rows would otherwise
        read and turn into objects."""
        cities = [
            f"partnership__{side}__{name}"
            for side in ("city_a", "city_b")
            for name in ("name", "slug", "country", "region", "latitude", "longitude")
        ]
        return self.only(*ACTIVITY_SHOWN, "partnership__slug", *cities)

    def keys_and_dates(self):
        """(key, start_date, upcoming_until) of each of these activities, in no order, or None
        when there are more than SECTION_DATES_READ: what sections_from() sorts, and what tells
        the years with activities."""
        dates = list(self.keys_and_dates_query())
        return dates if len(dates) <= SECTION_DATES_READ else None

    def keys_and_dates_query(self):
        """What keys_and_dates() reads: one more row than it takes."""
        return self.order_by().values_list("pk", "start_date", "upcoming_until")[
            : SECTION_DATES_READ + 1
        ]

    def sections(self, today=None, size=20):
        """The partnership page's three activity sections, each at most `size` long, with
        their full lengths: upcoming (soonest first), past (newest first), undated.

        Three queries at most (the activities' keys and dates, the ones shown, their focus
        areas): which activity goes where, and how many there are, sorted from the dates, each
        query costing more to build than a partnership's few hundred rows of three values take
        to sort. Beyond SECTION_DATES_READ of them, six (sections_by_queries()).
        """
        today = today or timezone.localdate()
        dates = self.keys_and_dates()
        if dates is None:
            return self.sections_by_queries(today, size)
        return self.sections_from(dates, today, size)

    def sections_from(self, dates, today, size=20, partnership=None):
        """sections() from these activities' keys_and_dates() (not None): two queries at most.
        `partnership`: theirs, when they all are one's (the partnership page's), which each
        then refers to rather than its own reading of it (listed_activities())."""
        # As upcoming(), past() and the undated section order and tell them apart.
        lists = {
            "upcoming": sorted(
                (row for row in dates if row[2] is not None and row[2] >= today),
                key=lambda row: (row[1] if row[1] is not None else row[2], row[0]),
            ),
            "past": sorted(
                (
                    row
                    for row in dates
                    if row[1] is not None and not (row[2] is not None and row[2] >= today)
                ),
                key=lambda row: (row[1], row[0]),
                reverse=True,
            ),
            "undated": sorted(row for row in dates if row[1] is None),
        }
        shown = [row[0] for rows in lists.values() for row in rows[:size]]
        # As rows, with their focus areas (one query each), as an activity list reads them:
        # 60 model instances of translated rows, and their query built on every request, took
        # longer than writing their items.
        found = (
            {
                activity.pk: activity
                for activity in listed_activities(shown, (), True, partnership=partnership)
            }
            if shown
            else {}
        )
        return {
            name: ActivitySection([found[row[0]] for row in rows[:size]], len(rows))
            for name, rows in lists.items()
        }

    def sections_by_queries(self, today=None, size=20):
        """sections() in five queries at most (the counts, each non-empty section, the focus
        areas of them all), however many activities there are."""
        today = today or timezone.localdate()
        counts = self.aggregate(
            upcoming=Count("pk", filter=upcoming_q(today)),
            past=Count("pk", filter=Q(start_date__isnull=False) & ~upcoming_q(today)),
            undated=Count("pk", filter=Q(start_date__isnull=True)),
        )
        lists = {
            "upcoming": self.upcoming(today),
            "past": self.past(today),
            "undated": self.filter(start_date__isnull=True).order_by("id"),
        }
        sections = {
            name: ActivitySection(list(lists[name][:size]) if counts[name] else [], counts[name])
            for name in lists
        }
        # The three sections' focus areas in one query.
        with_focus_areas(
            [activity for section in sections.values() for activity in section.activities]
        )
        return sections


# The most activities whose dates sections() reads to sort them itself (a partnership has up to
# a few hundred); with more, the sections come from the database, sorted, counted and cut there.
SECTION_DATES_READ = 2000


def partnership_keys_and_dates(partnership):
    """keys_and_dates() of `partnership`'s activities (the partnership page's), from a statement
    compiled once: building the query each time cost more than running it."""
    connection = connections[Activity.objects.db]
    compiled = _partnership_dates(connection.alias, connection.vendor, SECTION_DATES_READ)
    dates = compiled.rows(partnership.pk)
    return dates if len(dates) <= SECTION_DATES_READ else None


@functools.lru_cache(maxsize=8)
def _partnership_dates(alias, vendor, limit):
    """keys_and_dates()' query of one partnership's activities, compiled for the database
    `alias` (of `vendor`) with a stand-in key (SLOT), its one parameter."""
    del vendor, limit  # in the key only: the SQL is the database's own, the limit written in it
    activities = Activity.objects.using(alias).rewrite(False).filter(partnership=SLOT)
    compiled = CompiledRows(activities.keys_and_dates_query())
    if list(compiled.params) != [SLOT]:
        raise AssertionError(compiled.params)
    return compiled


def with_focus_areas(activities):
    """Give each of `activities` (a list) its focus areas as a plain list (`shown_focus_areas`,
    which focus_area_list() and the tags read), in one query: a prefetch builds a related
    manager and a queryset for each activity. Only what the lists show of a focus area is read
    (its slug and name), as rows, and each area is made one instance however many of the
    activities share it (a link and an area instance for each pair cost more than the rest).
    Returns the list."""
    areas = {activity.pk: [] for activity in activities}
    if activities:
        # The columns read, in the model's order (from_db() takes them so): the key, the name
        # in every language (and its original column, which the name's descriptor may read)
        # and the slug.
        shown_columns = [
            field.attname
            for field in FocusArea._meta.concrete_fields
            if field.attname in {"id", "slug", "name", *columns("name")}
        ]
        links = (
            Activity.focus_areas.through.objects.filter(activity__in=list(areas))
            .order_by(*(f"focusarea__{name}" for name in FocusArea._meta.ordering))
            .values_list("activity_id", *(f"focusarea__{name}" for name in shown_columns))
        )
        shown, db = {}, links.db
        for activity_id, *values in links:
            area = shown.get(values[0])
            if area is None:  # only these columns loaded: another would be read on access
                area = shown[values[0]] = FocusArea.from_db(db, shown_columns, values)
            areas[activity_id].append(area)
    for activity in activities:
        activity.shown_focus_areas = areas[activity.pk]
    return activities


class Activity(RecordStamps, TranslationStamps):
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
        Partnership,
        on_delete=models.CASCADE,
        related_name="activities",
        verbose_name=_("partnership"),
    )
    title = models.CharField(max_length=250, verbose_name=_("title"))
    kind = models.CharField(max_length=20, choices=Kind.choices, verbose_name=_("kind"))
    start_date = models.DateField(
        null=True,
        blank=True,
        help_text=_("Leave empty for ongoing cooperation without a date."),
        verbose_name=_("start date"),
    )
    start_precision = precision_field()
    end_date = models.DateField(null=True, blank=True, verbose_name=_("end date"))
    end_precision = precision_field()
    PARTIAL_DATES = {"start_date": "start_precision", "end_date": "end_precision"}
    focus_areas = models.ManyToManyField(
        FocusArea, blank=True, related_name="activities", verbose_name=_("focus areas")
    )
    description = models.TextField(
        blank=True, help_text=_("Markdown."), verbose_name=_("description")
    )
    location = models.CharField(
        max_length=200, blank=True, help_text=_("Where it took place."), verbose_name=_("location")
    )
    participants = models.TextField(
        blank=True, help_text=_("Who took part."), verbose_name=_("participants")
    )
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
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
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
            # Covers "upcoming, soonest first" (ActivityQuerySet.upcoming): the filter, the order
            # and the join to the partnership are read from the index (on PostgreSQL alone).
            models.Index(
                fields=["upcoming_until", "start_date", "partnership", "id"],
                name="activity_upcoming_cover_idx",
            ),
            # The feeds' undated activities, the last recorded first.
            models.Index(
                fields=["-created_at", "-id"],
                condition=Q(start_date__isnull=True),
                name="activity_undated_newest_idx",
            ),
            # The few activities with an end (soonest(): those under way since an earlier year).
            models.Index(
                fields=["end_date"], condition=Q(end_date__isnull=False), name="activity_end_idx"
            ),
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

    # Its focus areas as ActivityQuerySet.sections_by_queries() read them (with_focus_areas()).
    shown_focus_areas = None

    def focus_area_list(self):
        """Its focus areas: those sections() read, else through the relation (prefetched where
        a list shows them)."""
        if self.shown_focus_areas is None:
            return self.focus_areas.all()
        return self.shown_focus_areas

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
        return when_display(
            self.start_date, self.start_precision, self.end_date, self.end_precision
        )

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

    class Progress(models.TextChoices):
        """Where a plan stands against what was done (`progress()`), for readers and the desk."""

        PLANNED = "planned", _("Planned")
        UNDER_WAY = "under_way", _("Under way")
        DONE = "done", _("Done")
        SLIPPED = "slipped", _("Slipped")
        DROPPED = "dropped", _("Dropped")

    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="plans", verbose_name=_("partnership")
    )
    title = models.CharField(max_length=250, verbose_name=_("title"))
    description = models.TextField(
        blank=True, help_text=_("Markdown."), verbose_name=_("description")
    )
    focus_area = models.ForeignKey(
        FocusArea,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="plans",
        verbose_name=_("focus area"),
    )
    target_year = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=YEAR_VALIDATORS, verbose_name=_("target year")
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.PLANNED, verbose_name=_("status")
    )
    activities = models.ManyToManyField(
        Activity,
        blank=True,
        related_name="plans",
        help_text=_("The activities that delivered this plan."),
        verbose_name=_("activities"),
    )

    class Meta:
        ordering = [F("target_year").asc(nulls_last=True), "id"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")

    def __str__(self):
        return self.title

    def progress(self, today=None):
        """Where the plan stands, from its status, its target year and the activities that
        deliver it (prefetched: no query where they are). Slipped: its target year has passed
        and it is neither done nor dropped."""
        today = today or timezone.localdate()
        delivered = sorted(
            (a for a in self.activities.all() if a.start_date and a.start_date <= today),
            key=lambda a: a.start_date,
        )
        if self.status == self.Status.DROPPED:
            state = self.Progress.DROPPED
        elif self.status == self.Status.DONE:
            state = self.Progress.DONE
        elif self.target_year and self.target_year < today.year:
            state = self.Progress.SLIPPED
        elif self.status == self.Status.IN_PROGRESS or delivered:
            state = self.Progress.UNDER_WAY
        else:
            state = self.Progress.PLANNED
        return PlanProgress(self, state, delivered)


@dataclass(frozen=True)
class PlanProgress:
    plan: "Plan"
    state: str  # Plan.Progress
    delivered: list  # the activities that delivered it so far, oldest first

    @property
    def label(self):
        return choice_label(Plan.Progress, self.state)

    @property
    def started(self):
        """The first delivering activity's date, as precise as it is known."""
        return self.delivered[0].start_display if self.delivered else ""

    @property
    def latest(self):
        return self.delivered[-1].start_display if self.delivered else ""


class Source(models.Model):
    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="sources", verbose_name=_("partnership")
    )
    title = models.CharField(max_length=300, verbose_name=_("title"))
    publisher = models.CharField(max_length=300, blank=True, verbose_name=_("publisher"))
    year = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=YEAR_VALIDATORS, verbose_name=_("year")
    )
    url = models.URLField(_("URL"), blank=True)
    note = models.CharField(max_length=300, blank=True, verbose_name=_("note"))

    class Meta:
        ordering = ["id"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self):
        return self.title


class PartnershipFigure(KeyFigure):
    partnership = models.ForeignKey(
        Partnership, on_delete=models.CASCADE, related_name="figures", verbose_name=_("partnership")
    )

    class Meta(KeyFigure.Meta):
        verbose_name = _("key figure")
        verbose_name_plural = _("key figures")
        constraints = [
            # On the original (English) label (partnerships/translation.py adds the column).
            models.UniqueConstraint(
                fields=["partnership", "label_en", "year"],
                name="partnershipfigure_unique_label_year",
                violation_error_message=_(
                    "This partnership already has this figure for that year."
                ),
            )
        ]


CITY_COLUMNS = ("slug", "country", "latitude", "longitude")


def listed_activities(keys, order_by, focus_areas=False, partnership=None):
    """The activities with `keys` (a subquery of their keys: a page of a list) in `order_by`
    (the list's), as ListedActivity objects from one query of plain rows: what activity_items
    and the list's JSON-LD read of each, its partnership and its cities, with its focus areas
    (in one more query) if `focus_areas`. Model instances of these translated rows (about 80 a
    page with the partnerships and cities) took longer to make than the page's items to
    write, and the rows' query, the same for every page, is built once per language.
    `partnership`: the one all of them are of (a partnership page's), which each refers to:
    its and its cities' columns are then not read."""
    language = get_language()
    if partnership is not None:
        rows, shown, activity_columns, _languages, _fields = _listed_rows_query(language, True)
        activities = [
            ListedActivity(dict(zip(activity_columns, row, strict=True)), shown, partnership)
            for row in _listed_rows(rows, language, keys, tuple(order_by), True)
        ]
        if focus_areas:
            _with_listed_focus_areas(activities, language)
        return activities
    rows, shown, activity_columns, languages, _fields = _listed_rows_query(language)
    partnership_page = slug_address("partnership_detail")
    start = len(activity_columns) + 1  # the partnership's slug, then each city's columns
    width = len(CITY_COLUMNS) + 2 * languages
    cities, countries = {}, {}  # each once, however many of the page's rows name it
    activities = []
    for row in _listed_rows(rows, language, keys, tuple(order_by)):
        sides = []
        for at in (start, start + width):
            city = cities.get(row[at])
            if city is None:
                city = cities[row[at]] = ListedCity(row[at : at + width], languages, countries)
            sides.append(city)
        slug = row[start - 1]
        partnership = ListedPartnership(
            slug, partnership_page.replace(SLUG_MARKER, slug, 1), *sides
        )
        activities.append(
            ListedActivity(dict(zip(activity_columns, row, strict=False)), shown, partnership)
        )
    if focus_areas:
        _with_listed_focus_areas(activities, language)
    return activities


def _listed_rows(rows, language, keys, order_by, own=False):
    """The rows of `rows` with `keys` (a subquery: RawSQL or a queryset; or a list) in
    `order_by`, by a statement compiled once per language and order, the keys' SQL put in its
    place: building and compiling the query of rows took most of a topic's list (0.8 of
    1.4 ms)."""
    if isinstance(keys, list):  # "IN (%s, …)": the list's own placeholders in the slot's
        if not keys:
            return []
        subquery = ", ".join(["%s"] * len(keys)), keys
    elif isinstance(keys, RawSQL):
        subquery = keys.sql, keys.params
    elif isinstance(keys, models.QuerySet) and keys.db == rows.db:
        try:
            subquery = keys.query.get_compiler(keys.db).as_sql()
        except EmptyResultSet:  # none(): an invalid filter's
            return []
    else:
        return rows.filter(pk__in=keys).order_by(*order_by)
    return _listed_statement(language, rows.db, order_by, own).rows(subquery=subquery)


@functools.lru_cache(maxsize=16)
def _listed_statement(language, alias, order_by, own=False):
    # Without modeltranslation's rewriting, whose values_list() puts the columns in another
    # order (its iteration restores theirs): the texts' columns are named already.
    fields = _listed_rows_query(language, own)[-1]
    return CompiledRows(
        Activity.objects.using(alias)
        .rewrite(False)
        .values_list(*fields)
        .filter(pk__in=RawSQL("%s", [SUBQUERY_SLOT]))
        .order_by(*order_by)
    )


@functools.lru_cache(maxsize=8)
def _listed_rows_query(language, own=False):
    """listed_activities()' query of rows in `language` (held unevaluated: each page filters a
    copy), how its texts are shown, its activity columns, how many languages it reads and
    the fields of its rows; `own`: the activity's columns alone (of one partnership's)."""
    # Each text in the active language, else the original (as modeltranslation reads it).
    texts = list(dict.fromkeys((language, ORIGINAL)))
    shown = [(name, [column(name, lang) for lang in texts]) for name in ACTIVITY_TEXTS]
    activity_columns = [*ACTIVITY_COLUMNS, *(name for _field, names in shown for name in names)]
    city_columns = [
        *CITY_COLUMNS,
        *(column(name, lang) for name in ("name", "region") for lang in texts),
    ]
    fields = (
        *activity_columns,
        "partnership__slug",
        *(f"partnership__{side}__{name}" for side in ("city_a", "city_b") for name in city_columns),
    )
    if own:
        fields = tuple(activity_columns)
    return Activity.objects.values_list(*fields), shown, activity_columns, len(texts), fields


def _first_text(texts):
    """The first non-empty of `texts`, else "": a translated field as modeltranslation reads
    it from its columns in the active language and the original."""
    return next(filter(None, texts), "")


class ListedCity:
    """What an activity list reads of a city: its name and place (the JSON-LD's locations)."""

    __slots__ = ("slug", "name", "region", "country", "latitude", "longitude")

    has_coordinates = City.has_coordinates
    get_absolute_url = City.get_absolute_url

    def __init__(self, row, languages, countries):
        """From `row`: its CITY_COLUMNS, then its name and region in each of the `languages`
        (listed_activities())."""
        self.slug, country, self.latitude, self.longitude = row[:4]
        self.name = _first_text(row[4 : 4 + languages])
        self.region = _first_text(row[4 + languages : 4 + 2 * languages])
        self.country = countries.get(country)
        if self.country is None:
            self.country = countries[country] = Country(code=country)


class ListedPartnership:
    """What an activity list reads of an activity's partnership: its page and its cities."""

    __slots__ = ("slug", "url", "city_a", "city_b", "title")

    def __init__(self, slug, url, city_a, city_b):
        self.slug, self.url, self.city_a, self.city_b = slug, url, city_a, city_b
        self.title = f"{city_a.name} – {city_b.name}"  # Partnership.title

    def get_absolute_url(self):
        return self.url


class ListedFocusArea:
    __slots__ = ("slug", "name")

    def __init__(self, slug, name):
        self.slug, self.name = slug, name


class ListedActivity:
    """An activity of a list as listed_activities() reads it: the attributes of an
    Activity that activity_items and the JSON-LD read, each translated text as both the
    model's descriptor (`title`: the active language, else the original) and its columns
    (`title_en`, `title_de`: what translated_text() reads)."""

    Kind = Activity.Kind
    kind_label = Activity.kind_label
    when_display = Activity.when_display
    shown_focus_areas = None

    def __init__(self, values, shown, partnership):
        """`values`: its columns by name; `shown`: (field, its columns in the order read)."""
        self.__dict__.update(values)
        for field, names in shown:
            setattr(self, field, _first_text(values[name] for name in names))
        self.id = values["pk"]
        self.partnership = partnership

    def focus_area_list(self):
        return self.shown_focus_areas


def _with_listed_focus_areas(activities, language):
    """Give each of `activities` (ListedActivity) its focus areas, in one query, in the order
    with_focus_areas() gives them."""
    areas = {activity.pk: [] for activity in activities}
    if activities:
        keys = list(areas)
        links = _listed_areas_statement(language, _listed_areas_query(language).db)
        for activity_id, slug, *texts in links.rows(subquery=(", ".join(["%s"] * len(keys)), keys)):
            areas[activity_id].append(ListedFocusArea(slug, _first_text(texts)))
    for activity in activities:
        activity.shown_focus_areas = areas[activity.pk]


@functools.lru_cache(maxsize=8)
def _listed_areas_query(language):
    """_with_listed_focus_areas()' query in `language`, held unevaluated (each use filters a
    copy): the links' activity, the focus area's slug and its name's columns."""
    names = dict.fromkeys((column("name", language), column("name", ORIGINAL)))
    return Activity.focus_areas.through.objects.order_by(
        *(f"focusarea__{name}" for name in FocusArea._meta.ordering)
    ).values_list("activity_id", "focusarea__slug", *(f"focusarea__{name}" for name in names))


@functools.lru_cache(maxsize=16)
def _listed_areas_statement(language, alias):
    # Compiled once: building and compiling the filter on the page's keys cost more than
    # reading the links.
    return CompiledRows(
        _listed_areas_query(language)
        .using(alias)
        .filter(activity__in=RawSQL("%s", [SUBQUERY_SLOT]))
    )


# History (django-reversion): a partnership's version holds its parts, so reverting or
# recovering it brings back its milestones, activities, plans, sources and figures as they were.
# Registered in PartnershipsConfig.ready(), once modeltranslation has added the translation
# fields: django-reversion fixes a model's field list when it is registered.
