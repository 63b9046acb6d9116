"""The partnership: two cities, their story, its workflow from draft to published; and which
cities the public sees."""

import functools

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import connections, models, router, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Greatest, Least
from django.db.models.query import MAX_GET_RESULTS
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from cities.models import City
from core.addresses import address_for
from core.choices import choice_label
from core.compiled_rows import CompiledInstances, compiled
from core.dates import (
    format_partial_date,
    full_years_between,
    months_after,
    precision_field,
    truncate,
)
from core.translated import TranslationStamps, by_name

from .. import search
from ..anniversaries import next_jubilee
from .topics import FocusArea

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


class WithFocusAreaRows(models.query.ModelIterable):
    """The partnerships, each with `focus_area_rows`: a tuple of `fields` of each of its focus
    areas (a name in the active language, or the original's), in the areas' order, read for
    all of them in one query of rows: a prefetch of the areas made a manager, a queryset and
    instances for each partnership (20 cards: 1.6 → 0.4 ms)."""

    fields = ()

    def __iter__(self):
        partnerships = list(super().__iter__())
        if partnerships:
            rows = {partnership.pk: [] for partnership in partnerships}
            for pk, *values in (
                FocusArea.objects.using(self.queryset.db)
                .filter(partnerships__in=list(rows))
                .values_list("partnerships", *self.fields)
            ):
                rows[pk].append(tuple(values))
            for partnership in partnerships:
                partnership.focus_area_rows = rows[partnership.pk]
        yield from partnerships


class WithFocusAreaNames(WithFocusAreaRows):
    fields = ("name",)


class WithFocusAreaRefs(WithFocusAreaRows):
    fields = ("id", "slug", "name")


class PartnershipQuerySet(models.QuerySet):
    def published(self):
        return self.filter(state=Partnership.State.PUBLISHED)

    def involving(self, city):
        return self.filter(Q(city_a=city) | Q(city_b=city))

    def with_cities(self):
        return self.select_related("city_a", "city_b").prefetch_related("focus_areas")

    def card_columns(self):
        """Only the columns a card shows (list_tags.partnership_cards): the partnership's and
        cities' rows hold every narrative text in every language. A list filtered by country
        reads whole rows again on PostgreSQL (whole_rows_on_postgresql())."""
        return self.only(
            "slug",
            "kind",
            "established",
            "established_precision",
            "status",
            *(f"{side}__{name}" for side in ("city_a", "city_b") for name in ("name", "country")),
        )

    def named(self):
        """With only what a line naming a partnership shows: its link, its title (the
        cities' names) and its founding date. The rows hold every narrative text in every
        language, which would otherwise be read and compiled into every such query."""
        return self.select_related("city_a", "city_b").only(
            "slug", "established", "established_precision", "city_a__name", "city_b__name"
        )

    def listed(self):
        """The partnership list: published, with their cities and focus areas, by name as the
        visitor reads it (Meta.ordering would use the translation's column alone). The list
        page and the API use it; a sort or a search chosen in the filters replaces the order."""
        return (
            self.published()
            .with_cities()
            .order_by(by_name("city_a__name"), by_name("city_b__name"), "pk")
        )

    def for_cards(self):
        """The focus areas' names alone, as `focus_area_rows` (WithFocusAreaNames):
        list_tags.partnership_cards shows no more of them."""
        return self._with_focus_area_rows(WithFocusAreaNames)

    def _with_focus_area_rows(self, iterable_class):
        # prefetch_related(None): with_cities()' focus areas, replaced by their rows.
        clone = self.prefetch_related(None)
        clone._iterable_class = iterable_class
        return clone

    def for_api_list(self):
        """Only the columns the API's list of partnerships gives (api/data.py partnership_item),
        for the reason card_columns() gives (and with its exception: whole_rows_on_postgresql());
        the focus areas' keys, slugs and names as `focus_area_rows` (WithFocusAreaRefs)."""
        cities = [
            f"{side}__{name}"
            for side in ("city_a", "city_b")
            for name in ("slug", "name", "country", "region", "latitude", "longitude")
        ]
        shown = ("slug", "kind", "status", "established", "established_precision", "vitality")
        return self.only(*shown, "summary", "updated_at", *cities)._with_focus_area_rows(
            WithFocusAreaRefs
        )

    def whole_rows_on_postgresql(self):
        """Every column again on PostgreSQL (after card_columns() or for_api_list()), for a list
        filtered by country. PostgreSQL puts a country's share at three quarters of every
        partnership (each of country_q()'s two hashed subplans at one half); with narrow rows a
        scan and sort of every partnership then looks cheaper than the walk of the cities' name
        index that finds the page (Germany: 1.5 → 109 ms measured), with whole rows it does not.
        A UNION of the two sides, estimated right, is planned worse still (55-97 ms)."""
        if connections[self.db].vendor == "postgresql":
            return self.defer(None)
        return self

    def refresh_search_document(self):
        """Recompute these partnerships' search documents (PostgreSQL) or index rows (SQLite's
        FTS5 table); see search.py."""
        return search.refresh_documents(self)

    def for_page(self):
        """Everything the partnership page shows but its activities, in a fixed number of
        queries. The activities come in bounded sections: ActivityQuerySet.sections(). For
        one partnership, prefetch_page() brings the same in fewer."""
        return self.select_related("city_a", "city_b").prefetch_related(
            *page_lookups().values(), "city_a__figures", "city_b__figures"
        )

    def with_public_contacts(self):
        """The contacts marked public, and only those (models/memory.py), as
        `public_contacts`: the one door by which contacts reach a public page."""
        return self.prefetch_related(public_contacts_lookup())


def page_lookups():
    """The partnership page's relations (for_page()): their names and what prefetches each."""
    from .records import Plan  # the records refer to Partnership: imported when called

    return {
        "focus_areas": "focus_areas",
        "milestones": "milestones",
        "sources": "sources",
        "figures": "figures",
        "pictures": "pictures",
        "documents": "documents",
        "plans": models.Prefetch(
            "plans",
            queryset=Plan.objects.select_related("focus_area").prefetch_related("activities"),
        ),
    }


@functools.cache
def _page_relations():
    """The names of page_lookups(), in its order (each lookup built once, not per page)."""
    return tuple(page_lookups())


def public_contacts_lookup():
    from .memory import Contact

    return models.Prefetch(
        "contacts",
        queryset=Contact.objects.filter(is_public=True).select_related("city"),
        to_attr="public_contacts",
    )


def _page_rows_sql(quote_name):
    """One SELECT of an EXISTS per relation of page_lookups() (each with the partnership's id
    as its parameter), then the public contacts' (id, True) and the two cities' figures' (two
    ids). Written from the models' tables, once per kind of database (_PAGE_ROWS_SQL)."""
    from cities.models import CityFigure

    from .memory import Contact

    def exists(table, column, condition="= %s"):
        table, column = quote_name(table), quote_name(column)  # the models' own names
        return f"EXISTS (SELECT 1 FROM {table} WHERE {column} {condition})"  # noqa: S608

    parts = []
    for name in page_lookups():
        field = Partnership._meta.get_field(name)
        if field.many_to_many:
            parts.append(exists(field.m2m_db_table(), field.m2m_column_name()))
        else:
            parts.append(exists(field.related_model._meta.db_table, field.field.column))
    contact = Contact._meta
    is_public = quote_name(contact.get_field("is_public").column)
    parts.append(
        exists(
            contact.db_table, contact.get_field("partnership").column, f"= %s AND {is_public} = %s"
        )
    )
    figure = CityFigure._meta
    parts.append(exists(figure.db_table, figure.get_field("city").column, "IN (%s, %s)"))
    return "SELECT " + ", ".join(parts)


_PAGE_ROWS_SQL = {}  # by connection.vendor


def _prefetched(instance, name, queryset, rows):
    """Leave `rows` (read by `queryset`) where a prefetch of `instance.<name>` leaves them, for
    `instance.<name>.all()` to give without a query; a filter on it still asks the database."""
    queryset._result_cache = rows
    queryset._prefetch_done = True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    # The cache's name is the relation's: a reverse foreign key's accessor, an m2m's name.
    instance._prefetched_objects_cache[name] = queryset


# By model: an unevaluated none() queryset, content-independent, copied for each empty relation
# (building one through modeltranslation's manager costs eight times the copy).
_EMPTY = {}


def _prefetched_none(instance, name):
    """What a prefetch that found no rows leaves for `instance.<name>.all()`, without a
    query: an empty queryset (none(), so that a filter on it stays empty) marked as read."""
    model = type(instance)._meta.get_field(name).related_model
    empty = _EMPTY.get(model)
    if empty is None:
        empty = _EMPTY[model] = model._default_manager.none()
    _prefetched(instance, name, empty.all(), [])


# By model and language: an unevaluated queryset of the model's default manager, copied for each
# relation read (modeltranslation's manager builds one at three times the cost of the copy; its
# ordering is the language's). Kept empty of hints: each copy gets its own. The plans' is the
# one their lookup in page_lookups() reads, with their focus areas (without its prefetch: their
# activities are read by _read_plan_activities()).
_DEFAULT = {}


def _default_queryset(model):
    from .records import Plan

    key = (model, get_language())
    default = _DEFAULT.get(key)
    if default is None:
        default = model._default_manager.get_queryset()
        if model is Plan:
            default = default.select_related("focus_area")
        _DEFAULT[key] = default
    return default


def _related_queryset(instance, name):
    """What `instance.<name>.get_queryset()` builds before anything is prefetched there (for
    the plans, what their lookup's prefetch leaves): the related model's default queryset
    filtered for `instance`, from a kept copy."""
    manager = getattr(instance, name)
    return manager._apply_rel_filters(_default_queryset(manager.model)._chain())


def _read_relation(partnership, name):
    """What prefetching `name`'s lookup (of page_lookups()) gives `partnership.<name>`, read by
    the queryset the prefetch leaves there: the same rows in the same order, each knowing its
    partnership, without prefetch_related_objects()' machinery (its lookups resolved and its
    query built for any number of instances cost as much as reading the page's small
    relations). Plans bring their activities by one more query."""
    queryset = _related_queryset(partnership, name)
    # Its SQL compiled once (building it cost more than reading the page's small relations).
    read = compiled(
        CompiledInstances, ("page", name, queryset.db), lambda: queryset, [partnership.pk]
    )
    rows = read.instances([partnership.pk], queryset)
    if name == "plans":
        _read_plan_activities(rows)
    _prefetched(partnership, name, queryset, rows)


def _read_plan_activities(plans):
    """Each of `plans`' activities (`plan.activities.all()`), in the activities' order, by one
    query of the links with their activities (a plan without any left empty without one)."""
    from .records import Plan

    if not plans:
        return

    def links():
        # Ordered as Activity's Meta.ordering, which the prefetch used: undated ones last.
        return (
            Plan.activities.through.objects.filter(plan__in=plans)
            .select_related("activity")
            .order_by(models.F("activity__start_date").asc(nulls_last=True), "activity_id")
        )

    by_plan = {plan.pk: [] for plan in plans}
    db = plans[0]._state.db
    key = ("page plans' activities", len(plans), db)
    for link in compiled(CompiledInstances, key, links, list(by_plan)).instances(list(by_plan)):
        by_plan[link.plan_id].append(link.activity)
    for plan in plans:
        if by_plan[plan.pk]:
            _prefetched(plan, "activities", _related_queryset(plan, "activities"), by_plan[plan.pk])
        else:
            _prefetched_none(plan, "activities")


def published_page(slug):
    """Partnership.objects.published().select_related("city_a", "city_b").get(slug=slug), the
    partnership page's and its data.json's, by the same SQL compiled once per language (building
    and compiling it cost several times reading the row). Raises Partnership.DoesNotExist."""

    def query():
        found = Partnership.objects.published().select_related("city_a", "city_b")
        return found.filter(slug=slug).order_by()[:MAX_GET_RESULTS]  # as get() asks

    key = ("published page", router.db_for_read(Partnership))
    found = compiled(CompiledInstances, key, query, [slug]).instances([slug])
    if not found:
        raise Partnership.DoesNotExist("Partnership matching query does not exist.")
    if len(found) > 1:
        raise Partnership.MultipleObjectsReturned(f"get() returned {len(found)} partnerships")
    return found[0]


def prefetch_page(partnership, public_contacts=False):
    """What for_page() (and, with `public_contacts`, with_public_contacts()) prefetch, for
    one partnership loaded with its two cities, in fewer queries: one says which relations
    have rows, only those are read (the two cities' figures in one query); the others are
    left empty without a query. Most partnerships have no pictures, documents, contacts,
    plans or figures of their own, and each prefetch costs a round trip and the ORM's work
    of building and compiling its query. Returns the partnership."""
    connection = connections[partnership._state.db or router.db_for_read(Partnership)]
    names = _page_relations()
    pk, cities = partnership.pk, (partnership.city_a, partnership.city_b)
    params = [pk] * len(names) + [pk, True] + [city.pk for city in cities]
    with connection.cursor() as cursor:
        sql = _PAGE_ROWS_SQL.get(connection.vendor)
        if sql is None:
            sql = _PAGE_ROWS_SQL[connection.vendor] = _page_rows_sql(connection.ops.quote_name)
        cursor.execute(sql, params)
        *has_rows, has_contacts, has_city_figures = cursor.fetchone()
    for name, rows in zip(names, has_rows, strict=True):
        if rows:
            _read_relation(partnership, name)
        else:
            _prefetched_none(partnership, name)
    if public_contacts:
        if has_contacts:
            models.prefetch_related_objects([partnership], public_contacts_lookup())
        else:
            partnership.public_contacts = []
    if has_city_figures:
        models.prefetch_related_objects(list(cities), "figures")
    else:
        for city in cities:
            _prefetched_none(city, "figures")
    return partnership


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

    class Vitality(models.TextChoices):
        """How alive the partnership is by its dated records (partnerships/vitality.py)."""

        ACTIVE = "active", _("Active")
        QUIET = "quiet", _("Quiet")
        DORMANT = "dormant", _("Dormant")
        UNKNOWN = "unknown", _("Unknown")

    slug = models.SlugField(
        max_length=220,
        unique=True,
        blank=True,
        help_text=_("Used in the page address. Leave empty to make one from the city names."),
        verbose_name=_("address name"),
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
    kind = models.CharField(
        max_length=20, choices=Kind.choices, default=Kind.TWINNING, verbose_name=_("kind")
    )
    status = models.CharField(
        max_length=20, choices=Status.choices, default=Status.ACTIVE, verbose_name=_("status")
    )
    established = models.DateField(
        null=True,
        blank=True,
        help_text=_("When the partnership officially began."),
        verbose_name=_("established"),
    )
    established_precision = precision_field()
    # The forms show the date and its precision as one field (core/partial_dates.py).
    PARTIAL_DATES = {"established": "established_precision"}
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
    focus_areas = models.ManyToManyField(
        FocusArea, blank=True, related_name="partnerships", verbose_name=_("focus areas")
    )
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
    # Scheduled publishing (partnerships/scheduling.py): set by a publisher, carried out by the
    # scheduler as that publisher, then cleared.
    go_live_at = models.DateTimeField(
        _("go live at"),
        null=True,
        blank=True,
        help_text=_("Publish at this time (a draft or a partnership in review)."),
    )
    take_down_at = models.DateTimeField(
        _("take down at"),
        null=True,
        blank=True,
        help_text=_("Unpublish at this time (back to draft)."),
    )
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("scheduled by"),
    )
    # Review dates: a published partnership is checked again by this date.
    review_by = models.DateField(
        _("review by"),
        null=True,
        blank=True,
        help_text=_(
            "When staff should check again that the page is still correct. Set on publication "
            "and on each review (“Reviewed, still correct”); change it if needed."
        ),
    )
    last_reviewed_at = models.DateTimeField(_("last reviewed at"), null=True, blank=True)
    last_reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("last reviewed by"),
    )
    is_featured = models.BooleanField(
        _("featured"), default=False, help_text=_("Shown on the home page.")
    )
    summary = models.TextField(
        blank=True, help_text=_("A short introduction, in Markdown."), verbose_name=_("summary")
    )
    character = models.TextField(
        _("character, start and duration"), blank=True, help_text=_("Markdown.")
    )
    why_this_partner = models.TextField(
        _("why this partner"),
        blank=True,
        help_text=_(
            "Why and how the two cities chose each other: who proposed it, what they had in "
            "common, what was decided. Markdown."
        ),
    )
    funding = models.TextField(
        blank=True, help_text=_("Who pays for what. Markdown."), verbose_name=_("funding")
    )
    key_achievements = models.TextField(
        blank=True, help_text=_("Markdown."), verbose_name=_("key achievements")
    )
    future_expectations = models.TextField(
        blank=True, help_text=_("Markdown."), verbose_name=_("future expectations")
    )
    obstacles_and_needs = models.TextField(
        blank=True, help_text=_("Markdown."), verbose_name=_("obstacles and needs")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("last changed"))
    # PostgreSQL full-text search: city names, narrative sections and activities, weighted
    # (partnerships/search.py). Derived data: never edited, dumped or versioned; empty elsewhere.
    search_document = SearchVectorField(
        null=True, blank=True, editable=False, serialize=False, verbose_name=_("search document")
    )

    # Vitality (partnerships/vitality.py): derived from the dated records on each change of
    # one and nightly; like the search document, never edited, dumped or versioned.
    vitality = models.CharField(
        _("vitality"),
        max_length=10,
        choices=Vitality.choices,
        default=Vitality.UNKNOWN,
        editable=False,
        serialize=False,
    )
    last_record_on = models.DateField(
        _("last dated record"), null=True, editable=False, serialize=False
    )
    records_last_year = models.PositiveIntegerField(
        _("records in the last 12 months"), default=0, editable=False, serialize=False
    )
    records_years_before = models.PositiveIntegerField(
        _("records in the years before"), default=0, editable=False, serialize=False
    )
    overdue_plans = models.PositiveSmallIntegerField(
        _("overdue plans"), default=0, editable=False, serialize=False
    )
    vitality_as_of = models.DateField(
        _("vitality computed on"), null=True, editable=False, serialize=False
    )

    # The survey template's story sections, all Markdown.
    NARRATIVE_FIELDS = [
        "summary",
        "character",
        "why_this_partner",
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
        verbose_name = _("partnership")
        verbose_name_plural = _("partnerships")
        permissions = [("publish_partnership", "Can publish and unpublish partnerships")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(city_a=F("city_b")),
                name="partnership_cities_differ",
                violation_error_message=_("A partnership needs two different cities."),
            ),
            models.CheckConstraint(
                condition=Q(go_live_at__isnull=True)
                | Q(take_down_at__isnull=True)
                | Q(take_down_at__gt=F("go_live_at")),
                name="partnership_take_down_after_go_live",
                violation_error_message=_("The take-down must come after the go-live."),
            ),
            models.UniqueConstraint(
                Least("city_a", "city_b"),
                Greatest("city_a", "city_b"),
                name="partnership_unique_pair",
                violation_error_message=_("These two cities already have a partnership."),
            ),
        ]
        indexes = [
            # Published partnerships by founding date; with the precision and status in it, the
            # jubilee query (partnerships/anniversaries.py) decides which have a jubilee from
            # the index alone and reads only those rows of the wide table.
            models.Index(
                fields=["state", "established", "established_precision", "status"],
                name="partnership_founding_idx",
            ),
            # Lists, counts and the map filter by vitality among the published.
            models.Index(fields=["state", "vitality"], name="partnership_vitality_idx"),
            # The published partnerships' ids and cities (which cities are public, how many
            # partnerships each has, the country pairs, the joins from activities): read from
            # these narrow indexes alone, not from the wide table (docs/performance.md); the
            # second for either city's partners from the city_b side (the partner finder).
            models.Index(
                fields=["state", "city_a", "city_b", "id"], name="partnership_published_idx"
            ),
            models.Index(
                fields=["state", "city_b", "city_a", "id"], name="partnership_published_b_idx"
            ),
            # The home page's featured partnerships: a handful among tens of thousands.
            models.Index(
                fields=["state"],
                condition=models.Q(is_featured=True),
                name="partnership_featured_idx",
            ),
            # The scheduler looks for due go-lives and take-downs every minute; few rows have one.
            models.Index(
                fields=["go_live_at"],
                condition=Q(go_live_at__isnull=False),
                name="partnership_go_live_idx",
            ),
            models.Index(
                fields=["take_down_at"],
                condition=Q(take_down_at__isnull=False),
                name="partnership_take_down_idx",
            ),
            # Only rows with a review date: a condition of `state` alone would match every
            # public query ("state = 'published'"), and PostgreSQL, before it has statistics
            # (a bulk load, a test), took this small index for the whole table and chose
            # nested loops that ran for minutes.
            models.Index(
                fields=["review_by"],
                condition=Q(state="published", review_by__isnull=False),
                name="partnership_review_due_idx",
            ),
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
        return address_for("partnership_detail", self.slug)

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
        now = timezone.now()
        self._move(
            (self.State.DRAFT, self.State.IN_REVIEW),
            self.State.PUBLISHED,
            published_at=now,
            published_by=user,
            go_live_at=None,  # done (or overtaken by this publication)
            review_by=self.review_by_after_publication(timezone.localdate(now)),
            # Who scheduled it stays while a take-down is still to come.
            **({"scheduled_by": None} if self.take_down_at is None else {}),
        )

    def review_by_after_publication(self, today):
        """REVIEW_INTERVAL_MONTHS from `today`, unless staff already chose a later date."""
        default = months_after(today, settings.REVIEW_INTERVAL_MONTHS)
        return max(default, self.review_by) if self.review_by else default

    def unpublish(self, user):
        """Back to draft: off the public site until it is published again."""
        self._move(self.State.PUBLISHED, self.State.DRAFT, **self._cleared_workflow_marks())

    def return_to_draft(self, user):
        """A reviewer sends a submitted partnership back to its editors."""
        self._move(self.State.IN_REVIEW, self.State.DRAFT, **self._cleared_workflow_marks())

    @staticmethod
    def _cleared_workflow_marks():
        """Back to draft: no publication, and no schedule (a publisher's decision for the
        partnership as it was)."""
        return {
            "submitted_at": None,
            "submitted_by": None,
            "published_at": None,
            "published_by": None,
            "go_live_at": None,
            "take_down_at": None,
            "scheduled_by": None,
        }

    def _move(self, allowed_from, to, **marks):
        allowed = allowed_from if isinstance(allowed_from, tuple) else (allowed_from,)
        # Claimed with one conditional UPDATE: of two publishers acting at once, one wins and
        # the other is told (the state in memory may be stale).
        claimed = self.state in allowed and Partnership._base_manager.filter(
            pk=self.pk, state__in=allowed
        ).update(state=to)
        if not claimed:
            if self.pk is not None:
                self.refresh_from_db(fields=["state"])
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


def public_cities():
    """Cities with at least one published partnership, with how many they have.

    A city whose partnerships are all unpublished is still being prepared by staff, so the
    public neither lists it nor shows its page. The counts are kept by the database
    (models/figures.py)."""
    return City.objects.public().annotate(partnership_count=F("published_count__n"))


def listed_cities():
    """The city directory: the public cities by name as the visitor reads it (the city list
    page and the API)."""
    return public_cities().order_by(by_name("name"), "country", "pk")


def with_a_published_partnership(cities):
    """The rule that makes a city public (registered with cities in PartnershipsConfig): it has
    a row among the maintained counts of published partnerships (models/figures.py), one join
    on its key rather than a look through the partnerships' city columns."""
    return cities.filter(published_count__isnull=False)


def partners_of(city_ids):
    """The rule for "partner cities" (registered with cities in PartnershipsConfig): a condition
    on City matching the cities that have a partnership, in any state, with one of `city_ids`."""
    partnerships = Partnership.objects.order_by()
    return Exists(partnerships.filter(city_a=OuterRef("pk"), city_b__in=city_ids)) | Exists(
        partnerships.filter(city_b=OuterRef("pk"), city_a__in=city_ids)
    )
