"""Atom and RSS feeds of what happens in published partnerships.

Each feed mixes activities and milestones, newest first, at most FEED_SIZE entries, in a fixed
number of queries. Dated records are ordered by their date; undated activities (ongoing
cooperation, listed on the partnership page under "Cooperation without a date") by the day
they were recorded.

Every entry's timestamps are stored facts, so they never move while the record does not:

- published: when the record was made public as far as it is known: the start of the period
  its date names ("May 2010" → 1 May 2010, 00:00; feed formats need a full timestamp), or when
  it was recorded (`created_at`) if that is earlier, as for an upcoming event announced ahead.
  An undated activity is published when it was recorded. So nothing is dated in the future,
  and an upcoming event keeps the date it was announced on instead of "today".
- updated: the record's last change (`updated_at`), never before published.

Anniversaries are no records: one is published when it first entered the anniversary feed
(its date less the feed's window of ANNIVERSARY_WINDOW_DAYS, not before the partnership was
published) and updated when the partnership last changed.

Titles and texts give dates only as precisely as they are known.

Entries' ids are tag URIs built from primary keys, so they survive renamed slugs and edited
titles.
"""

import datetime
import functools
import io
from dataclasses import dataclass

from django.contrib.sites.shortcuts import get_current_site
from django.contrib.syndication.views import Feed, add_domain
from django.core.exceptions import ObjectDoesNotExist
from django.http import Http404, HttpResponse
from django.http.request import split_domain_port
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import format_html
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from cities.models import City
from core.addresses import SLUG_MARKER, slug_address
from core.choices import choice_label
from core.compiled_rows import CompiledRows
from core.dates import format_partial_date
from core.markdown import render_markdown
from core.templatetags.twinning_tags import in_sentence
from core.text_hygiene import strip_control_characters
from core.translated import translated

from ..anniversaries import upcoming_jubilees
from ..finder import public_q
from ..models import Activity, FocusArea, Milestone, Partnership
from ..models.records import of_unpublished, when_display

FEED_SIZE = 50
ANNIVERSARY_WINDOW_DAYS = 365
# Part of every entry id: the year this id scheme was minted (RFC 4151). Never change it.
TAG_DATE = "2025"


def site_domain(request):
    """The host without its port: ids and calendar UIDs name the site, not the socket."""
    domain, _port = split_domain_port(request.get_host())
    return domain or "localhost"


def tag_uri(domain, specific):
    return f"tag:{domain},{TAG_DATE}:{specific}"


def public_city(slug):
    """The city of a feed or calendar: the same cities as the city pages, those with a
    published partnership, but asked of this one city (finder.public_q): public_cities()
    reads every published partnership to decide it (15–35 ms at world scale on PostgreSQL)."""
    return get_object_or_404(City.objects.filter(public_q()).only("slug", "name"), slug=slug)


def start_of(date):
    """A partial date's timestamp: the start of its period, in the site's time zone."""
    return timezone.make_aware(datetime.datetime.combine(date, datetime.time.min))


def published_at(date, recorded_at):
    """A dated record's publication: the start of its date's period, or when it was recorded
    if that came first (an event announced ahead). Both are stored, so it never moves, and
    neither is in the future."""
    return min(start_of(date), recorded_at)


def updated_at(published, changed_at):
    """The last change, never before the publication (an old event recorded later)."""
    return max(published, changed_at)


@dataclass(frozen=True)
class Scope:
    """What a feed covers, resolved from the request once (a Feed instance is shared by all
    requests, so nothing request-specific may be kept on it)."""

    title: str
    link: str
    description: str
    domain: str
    today: datetime.date
    obj: object = None


@dataclass(frozen=True)
class Entry:
    guid: str
    title: str
    link: str
    description: str
    published: datetime.datetime
    updated: datetime.datetime
    categories: tuple


@dataclass(frozen=True, slots=True)
class PartnershipRow:
    slug: str
    title: str


@dataclass(slots=True)
class RecordRow:
    """What an entry shows of a record (an activity or a milestone) and its partnership, read
    as a row: model instances of these wide translated rows took longer to make than the
    entries. The texts are in the active language, else the original (translated())."""

    pk: int
    kind: str
    created_at: datetime.datetime
    updated_at: datetime.datetime
    title: str
    description: str
    location: str
    partnership: PartnershipRow


@dataclass(slots=True)
class ActivityRow(RecordRow):
    start_date: datetime.date
    start_precision: str
    end_date: datetime.date
    end_precision: str
    upcoming_until: datetime.date
    focus_areas: tuple = ()  # their names (with_focus_areas)

    @property
    def kind_label(self):
        return choice_label(Activity.Kind, self.kind)

    @property
    def when_display(self):
        return when_display(
            self.start_date, self.start_precision, self.end_date, self.end_precision
        )


@dataclass(slots=True)
class MilestoneRow(RecordRow):
    date: datetime.date
    date_precision: str

    @property
    def kind_label(self):
        return choice_label(Milestone.Kind, self.kind)

    @property
    def date_display(self):
        return format_partial_date(self.date, self.date_precision)


def partnership_pages():
    """A partnership's page from its slug: one reverse() per feed rather than one per entry."""
    address = slug_address("partnership_detail")
    return lambda partnership: address.replace(SLUG_MARKER, partnership.slug, 1)


# An entry's place in a feed, newest first: (date, activities after milestones of the same
# day, pk). Records are sorted by it before their entries are made, so only the entries shown
# are made.
def activity_order(activity):
    if activity.start_date is None:
        return (timezone.localdate(activity.created_at), 1, activity.pk)
    return (activity.start_date, 1, activity.pk)


def milestone_order(milestone):
    return (milestone.date, 0, milestone.pk)


def activity_entry(activity, domain, today, page):
    partnership = activity.partnership
    kind = str(activity.kind_label)  # a lazy label: join() and feeds need text
    if activity.start_date is None:
        title = f"{activity.title} · {partnership.title}"
        facts = [_("Cooperation without a date"), kind]
        section = "undated-heading"
        published = activity.created_at
    else:
        when = activity.when_display
        title = f"{activity.title} ({when}) · {partnership.title}"
        facts = [when, kind]
        # The partnership page lists it under "News" until it is over, then in the
        # retrospective.
        upcoming = activity.upcoming_until >= today
        section = "news-heading" if upcoming else "retrospective-heading"
        published = published_at(activity.start_date, activity.created_at)
    if activity.location:
        facts.append(activity.location)
    return Entry(
        guid=tag_uri(domain, f"activity-{activity.pk}"),
        title=title,
        link=f"{page(partnership)}#{section}",
        description=format_html("<p>{}</p>", " · ".join(facts))
        + render_markdown(activity.description),
        published=published,
        updated=updated_at(published, activity.updated_at),
        categories=(
            kind,
            *activity.focus_areas,
        ),
    )


def milestone_entry(milestone, domain, today, page):
    partnership = milestone.partnership
    kind = str(milestone.kind_label)
    facts = [milestone.date_display, kind]
    if milestone.location:
        facts.append(milestone.location)
    published = published_at(milestone.date, milestone.created_at)
    return Entry(
        guid=tag_uri(domain, f"milestone-{milestone.pk}"),
        title=f"{milestone.title} ({milestone.date_display}) · {partnership.title}",
        link=f"{page(partnership)}#timeline-heading",
        description=format_html("<p>{}</p>", " · ".join(facts))
        + render_markdown(milestone.description),
        published=published,
        updated=updated_at(published, milestone.updated_at),
        categories=(kind,),
    )


# What an entry shows of a record and its partnership, in RecordRow's order.
RECORD_FIELDS = ("pk", "kind", "created_at", "updated_at")
RECORD_TEXTS = ("title", "description", "location")
PARTNERSHIP_FIELDS = ("partnership__slug",)
PARTNERSHIP_TEXTS = ("partnership__city_a__name", "partnership__city_b__name")
ACTIVITY_FIELDS = ("start_date", "start_precision", "end_date", "end_precision", "upcoming_until")
MILESTONE_FIELDS = ("date", "date_precision")


def row_values(records, fields):
    """The query of what an entry shows of `records`, the record's own `fields` last: only
    the shown columns, read as plain tuples (rewrite(False): modeltranslation's rows go through
    a dictionary each, for texts chosen here already by translated())."""
    return records.rewrite(False).values_list(
        *RECORD_FIELDS,
        *(translated(text) for text in RECORD_TEXTS),
        *PARTNERSHIP_FIELDS,
        *(translated(text) for text in PARTNERSHIP_TEXTS),
        *fields,
    )


def rows(values, row_class):
    """The rows of `values` (row_values(), or site_queries()' compiled ones) as `row_class`
    instances: one query, read now (never rows kept from an earlier request)."""
    found = []
    partnerships = {}  # slug: PartnershipRow, shared by its records
    read = values.rows() if isinstance(values, CompiledRows) else values.all()
    for pk, kind, created, updated, title, description, location, slug, a, b, *rest in read:
        partnership = partnerships.get(slug)
        if partnership is None:
            partnership = partnerships[slug] = PartnershipRow(slug, f"{a} – {b}")
        found.append(
            row_class(pk, kind, created, updated, title, description, location, partnership, *rest)
        )
    return found


def published(model):
    """The published records of `model` for a feed of all partnerships: those not of an
    unpublished partnership (the same rows, every partnership being in one of the states).
    Asked as "of a published partnership", the join made SQLite start from every published
    partnership and sort all their records (80 ms each for activities and milestones at world
    scale); this way it walks the newest-first index and stops after a feed's worth."""
    return model.objects.exclude(of_unpublished(model, "partnership"))


def activity_queries(activities):
    """The newest dated activities by their dates, and the undated ones recorded last: a
    query each (row_values()), both served by an index, at most FEED_SIZE of each. Their
    focus areas are not fetched here: only those of the entries shown are (with_focus_areas)."""
    dated = activities.filter(start_date__isnull=False).order_by("-start_date", "-id")
    undated = activities.filter(start_date__isnull=True).order_by("-created_at", "-id")
    return (
        row_values(dated[:FEED_SIZE], ACTIVITY_FIELDS),
        row_values(undated[:FEED_SIZE], ACTIVITY_FIELDS),
    )


def milestone_query(milestones):
    return row_values(milestones.order_by("-date", "-id")[:FEED_SIZE], MILESTONE_FIELDS)


@functools.lru_cache(maxsize=8)
def site_queries(language):
    """The site feed's queries of activities and of milestones, as built in `language` (whose
    columns their texts are read from), compiled: a memo of a pure function of the language,
    holding their SQL, never rows (rows() runs each of them every time), so an edit shows on
    the next request. Building them, the ORM resolving 15 columns through three joins each,
    took longer than running them (about 1.8 of the 2.9 ms per query on SQLite), and compiling
    them still about 0.4 ms each."""
    activities = activity_queries(published(Activity))
    milestones = milestone_query(published(Milestone))
    return tuple(CompiledRows(values) for values in activities), CompiledRows(milestones)


def newest_activities(queries):
    """The rows of activity_queries()."""
    return [row for values in queries for row in rows(values, ActivityRow)]


def with_focus_areas(activities):
    """`activities` (ActivityRow) with their focus areas' names, in the focus areas' order
    (by English name): one query for all."""
    if activities:
        names = {activity.pk: [] for activity in activities}
        links = (
            Activity.focus_areas.through.objects.filter(activity_id__in=names)
            .order_by("focusarea__name_en")
            .values_list("activity_id", translated("focusarea__name"))
        )
        for activity_id, name in links:
            names[activity_id].append(name)
        for activity in activities:
            activity.focus_areas = tuple(names[activity.pk])
    return activities


class WithoutControlCharacters:
    """A feed generator that drops control characters from every text of the feed and its
    entries. XML 1.0 cannot hold them: Django's writer refuses one with an error (a 500 for the
    whole feed), and one stored in any title would otherwise break every feed that shows it."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.feed = strip_control_characters(self.feed)

    def add_item(self, *args, **kwargs):
        super().add_item(*args, **kwargs)
        self.items[-1] = strip_control_characters(self.items[-1])


class RssFeed(WithoutControlCharacters, Rss201rev2Feed):
    pass


class AtomFeed(WithoutControlCharacters, Atom1Feed):
    pass


class EntryFeed(Feed):
    """RSS 2.0; the Atom twin of each feed sets feed_type = AtomFeed."""

    feed_type = RssFeed
    author_name = "Twinning"
    item_guid_is_permalink = False

    def __call__(self, request, *args, **kwargs):
        """Feed.__call__ without its Last-Modified, the XML written to text first.

        The syndication framework sends the newest entry's date as Last-Modified. Here that
        is an event date (or today's start), which does not move when an older entry is
        added or edited, so If-Modified-Since would answer 304 for a changed feed. ETags
        (page cache, ConditionalGetMiddleware) decide instead.

        Feed.__call__ has the XML writer write into the response: through a text wrapper,
        each of a feed's 1,700 tags and texts is encoded and added by HttpResponse.write on
        its own. Written to a buffer, then encoded once, as that wrapper encodes (UTF-8,
        anything it cannot encode as a character reference): the same bytes."""
        try:
            scope = self.get_object(request, *args, **kwargs)
        except ObjectDoesNotExist:
            raise Http404("Feed object does not exist.") from None
        generator = self.get_feed(scope, request)
        text = io.StringIO()
        generator.write(text, "utf-8")
        return HttpResponse(
            text.getvalue().encode("utf-8", "xmlcharrefreplace"),
            content_type=generator.content_type,
        )

    def title(self, scope):
        return scope.title

    def link(self, scope):
        return scope.link

    def description(self, scope):
        return scope.description

    def subtitle(self, scope):
        return scope.description

    def items(self, scope):
        return ()  # get_feed() adds the entries

    def get_feed(self, scope, request):
        """Feed.get_feed for the feed itself, its entries then added here: each Entry holds
        every value worked out, so looking up eleven item_*() hooks per entry through
        Feed._get_dynamic_attr (unwrapping and inspecting each) cost more than making it.
        add_item() is given what Feed.get_feed would give it; the dates are aware already."""
        feed = super().get_feed(scope, request)
        domain, secure = get_current_site(request).domain, request.is_secure()
        for entry in self.entries(scope):
            feed.add_item(
                title=entry.title,
                link=add_domain(domain, entry.link, secure),
                description=entry.description,
                unique_id=entry.guid,
                unique_id_is_permalink=self.item_guid_is_permalink,
                enclosures=[],
                pubdate=entry.published,
                updateddate=entry.updated,  # the feed's <updated>: the latest of these
                categories=entry.categories,
            )
        return feed


def merged(scope, activities, milestones):
    """The newest FEED_SIZE entries of the queries `activities` (activity_queries()) and
    `milestones` (milestone_query())."""
    records = [(activity_order(a), a) for a in newest_activities(activities)]
    records += [(milestone_order(m), m) for m in rows(milestones, MilestoneRow)]
    records.sort(key=lambda pair: pair[0], reverse=True)
    shown = [record for _order, record in records[:FEED_SIZE]]
    with_focus_areas([record for record in shown if isinstance(record, ActivityRow)])
    page = partnership_pages()
    return [
        (activity_entry if isinstance(record, ActivityRow) else milestone_entry)(
            record, scope.domain, scope.today, page
        )
        for record in shown
    ]


class SiteFeed(EntryFeed):
    def get_object(self, request):
        return Scope(
            title=_("Twinning: activities and milestones"),
            link=reverse("home"),
            description=_("The latest activities and milestones of all city partnerships."),
            domain=site_domain(request),
            today=timezone.localdate(),
        )

    def entries(self, scope):
        return merged(scope, *site_queries(get_language()))


class SiteAtomFeed(SiteFeed):
    feed_type = AtomFeed


class PartnershipFeed(EntryFeed):
    def get_object(self, request, slug):
        partnership = get_object_or_404(
            Partnership.objects.published().select_related("city_a", "city_b"), slug=slug
        )
        return Scope(
            title=_("%(title)s: activities and milestones") % {"title": partnership.title},
            link=partnership.get_absolute_url(),
            description=_("The latest activities and milestones of %(title)s.")
            % {"title": partnership.title},
            domain=site_domain(request),
            today=timezone.localdate(),
            obj=partnership,
        )

    def entries(self, scope):
        return merged(
            scope,
            activity_queries(Activity.objects.filter(partnership=scope.obj)),
            milestone_query(Milestone.objects.filter(partnership=scope.obj)),
        )


class PartnershipAtomFeed(PartnershipFeed):
    feed_type = AtomFeed


class CityFeed(EntryFeed):
    def get_object(self, request, slug):
        city = public_city(slug)
        return Scope(
            title=_("%(city)s: activities and milestones of its partnerships")
            % {"city": city.name},
            link=city.get_absolute_url(),
            description=_("The latest activities and milestones of %(city)s's partnerships.")
            % {"city": city.name},
            domain=site_domain(request),
            today=timezone.localdate(),
            obj=city,
        )

    def entries(self, scope):
        return merged(
            scope,
            activity_queries(Activity.objects.published().involving(scope.obj)),
            milestone_query(Milestone.objects.published().involving(scope.obj)),
        )


class CityAtomFeed(CityFeed):
    feed_type = AtomFeed


class TopicFeed(EntryFeed):
    """Activities on one focus area. Milestones carry no focus area (an agreement or a visit
    concerns the whole partnership), so they are not part of a topic's feed."""

    def get_object(self, request, slug):
        topic = get_object_or_404(FocusArea, slug=slug)
        return Scope(
            title=_("%(topic)s: activities in city partnerships") % {"topic": topic.name},
            link=topic.get_absolute_url(),
            description=_("The latest activities on %(topic)s in city partnerships.")
            % {"topic": in_sentence(topic.name)},
            domain=site_domain(request),
            today=timezone.localdate(),
            obj=topic,
        )

    def entries(self, scope):
        activities = Activity.objects.published().filter(focus_areas=scope.obj)
        found = sorted(
            newest_activities(activity_queries(activities)), key=activity_order, reverse=True
        )
        page = partnership_pages()
        return [
            activity_entry(activity, scope.domain, scope.today, page)
            for activity in with_focus_areas(found[:FEED_SIZE])
        ]


class TopicAtomFeed(TopicFeed):
    feed_type = AtomFeed


def jubilee_entry(jubilee, domain, today):
    partnership = jubilee.partnership
    # First in this feed on the day the anniversary came within its window, but not before the
    # partnership was public; stored dates only, so the entry keeps them every day after.
    entered = start_of(jubilee.date - datetime.timedelta(days=ANNIVERSARY_WINDOW_DAYS))
    published = max(entered, partnership.published_at or partnership.created_at)
    # Never in the future, whatever is stored (a clock set wrong when it was published).
    published = min(published, timezone.now())
    return Entry(
        guid=tag_uri(domain, f"jubilee-{partnership.pk}-{jubilee.years}"),
        title=_("%(ordinal)s anniversary, %(date)s")
        % {"ordinal": jubilee.ordinal, "date": jubilee.date_display}
        + f" · {partnership.title}",
        link=partnership.get_absolute_url(),
        description=format_html(
            "<p>{}</p>",
            _("%(kind)s since %(founded)s. Anniversary: %(years)s years, %(date)s.")
            % {
                "kind": partnership.kind_label,
                "founded": partnership.established_display,
                "years": jubilee.years,
                "date": jubilee.date_display,
            },
        )
        + render_markdown(partnership.summary),
        published=published,
        updated=min(updated_at(published, partnership.updated_at), timezone.now()),
        categories=(pgettext("feed category", "Anniversary"),),
    )


class AnniversaryFeed(EntryFeed):
    """Round anniversaries of published partnerships in the coming twelve months, soonest
    first, each as precise as the founding date."""

    def get_object(self, request):
        return Scope(
            title=_("Twinning: partnership anniversaries in the coming year"),
            link=reverse("anniversary_list"),
            description=_(
                "Round anniversaries (5, 10, 15 … years) of city partnerships in the "
                "coming twelve months."
            ),
            domain=site_domain(request),
            today=timezone.localdate(),
        )

    def entries(self, scope):
        jubilees = upcoming_jubilees(
            Partnership.objects.published().select_related("city_a", "city_b"),
            scope.today,
            within_days=ANNIVERSARY_WINDOW_DAYS,
            limit=FEED_SIZE,
        )
        return [jubilee_entry(jubilee, scope.domain, scope.today) for jubilee in jubilees]


class AnniversaryAtomFeed(AnniversaryFeed):
    feed_type = AtomFeed
