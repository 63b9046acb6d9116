"""The partnerships list and page, the topic pages and the activity list."""

import functools

from django.db.models import F
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone
from django.views.generic import DetailView
from django_filters.views import FilterView

from cities import geography, maps
from core.compiled_rows import TEXT_SLOT, CompiledRows
from core.index_walk import keys_in_index_order
from core.translated import by_name

from .. import reports, timeline, vitality
from ..filters import ActivityFilter, PartnershipFilter
from ..models import (
    Activity,
    FocusArea,
    Milestone,
    Partnership,
    listed_activities,
    partnership_keys_and_dates,
    prefetch_page,
    published_page,
)
from . import PAGE_SIZE, PartnershipPaginator, PublishedRecordPaginator

TOPIC_LIST_SIZE = 20
# The most activities each section of a partnership page shows; the rest are in the activity list.
ACTIVITY_SECTION_SIZE = 20


class PartnershipListView(FilterView):
    filterset_class = PartnershipFilter
    template_name = "partnerships/partnership_list.html"
    context_object_name = "partnerships"
    paginate_by = PAGE_SIZE
    paginator_class = PartnershipPaginator

    def get_queryset(self):
        return Partnership.objects.listed().card_columns().for_cards()

    def get_paginator(self, *args, **kwargs):
        paginator = super().get_paginator(*args, **kwargs)
        count = self.filterset.figure_count()
        if count is not None:
            paginator.count = count  # a country's list, counted by its figures
        if self.filterset.unfiltered():
            paginator.kept = "cards"  # its pages' statements kept compiled
        return paginator


class PartnershipDetailView(DetailView):
    template_name = "partnerships/partnership_detail.html"
    context_object_name = "partnership"
    # Staff preview, reached only through the admin (which checks login and scope):
    # unpublished partnerships too, under a "not published" banner.
    preview = False
    # In a preview of pending changes to a published page (partnerships/pending.py): which.
    pending_change = None

    def get_queryset(self):
        partnerships = (
            Partnership.objects.all() if self.preview else Partnership.objects.published()
        )
        return partnerships.select_related("city_a", "city_b")

    def get_object(self, queryset=None):
        if self.preview or queryset is not None:
            partnership = super().get_object(queryset)
        else:
            try:
                partnership = published_page(self.kwargs[self.slug_url_kwarg])
            except Partnership.DoesNotExist:
                # Not shown to visitors (the 404 page is): plain, as the city page's.
                raise Http404("No published partnership with this address.") from None
        # for_page() and with_public_contacts(), reading only the relations that have rows.
        return prefetch_page(partnership, public_contacts=True)

    def get_context_data(self, **kwargs):
        today = timezone.localdate()
        activities = self.object.activities.all()
        # Read once for the sections and the years with a record (None: too many to read).
        dates = partnership_keys_and_dates(self.object)
        sections = (
            activities.sections_from(dates, today, ACTIVITY_SECTION_SIZE, self.object)
            if dates is not None
            else activities.sections_by_queries(today, ACTIVITY_SECTION_SIZE)
        )
        return super().get_context_data(
            upcoming=sections["upcoming"],
            past=sections["past"],
            undated=sections["undated"],
            age_in_years=self.object.age_in_years(),
            plans=[plan.progress(today) for plan in self.object.plans.all()],
            public_contacts=self.object.public_contacts,  # with_public_contacts()
            # How alive it is, in words (partnerships/vitality.py); an ended one is over.
            vitality_reason=(
                vitality.reason(self.object)
                if self.object.status != Partnership.Status.ENDED
                else ""
            ),
            next_jubilee=self.object.next_jubilee(),
            geography=geography.between(self.object.city_a, self.object.city_b),
            # The two cities are loaded already: the map adds no query.
            map=maps.partnership_map(self.object),
            # From what is loaded already: the prefetched milestones, the sections' activities.
            timeline=timeline.charts(
                self.object.milestones.all(),
                sections["upcoming"].activities + sections["past"].activities,
            ),
            report_links=[] if self.preview else self.report_links(today, dates),
            preview=self.preview,
            pending_change=self.pending_change,
            **kwargs,
        )

    def report_links(self, today, dates=None):
        """The years with a record, newest first, each with its annual report's address: from
        the activities' `dates` (ActivityQuerySet.keys_and_dates()) and the milestones read
        already, else by one query."""
        if dates is not None:
            years = {start.year for _pk, start, _until in dates if start is not None}
            years.update(milestone.date.year for milestone in self.object.milestones.all())
        else:
            years = reports.record_years(
                Activity.objects.filter(partnership=self.object),
                Milestone.objects.filter(partnership=self.object),
            )
        years = reports.years_with_records(
            years, reports.beginning([self.object], years, today), today
        )
        return reports.year_links("partnership_report", self.object.slug, years)


_TOPIC_FIELDS = [field.attname for field in FocusArea._meta.concrete_fields]


@functools.lru_cache(maxsize=4)
def _topic_statement(alias):
    """TopicDetailView.get_object()'s statement: by slug, the focus area's fields
    (_TOPIC_FIELDS), then its counts."""
    return CompiledRows(
        FocusArea.objects.using(alias)
        .rewrite(False)
        .filter(slug=TEXT_SLOT)
        .order_by()
        .values_list(
            *_TOPIC_FIELDS,
            Coalesce("published_count__n", 0),
            Coalesce("published_activity_count__n", 0),
        )
    )


class TopicDetailView(DetailView):
    model = FocusArea
    template_name = "partnerships/topic_detail.html"
    context_object_name = "topic"

    def get_object(self, queryset=None):
        """The focus area by its slug with its published partnerships and their activities as
        the kept figures count them (models/figures.py), by a statement compiled once: building
        it cost more than running it."""
        statement = _topic_statement(FocusArea.objects.db)
        found = statement.rows(self.kwargs[self.slug_url_kwarg])
        if not found:
            raise Http404("No topic with this address.")
        *values, partnership_count, activity_count = found[0]
        topic = FocusArea.from_db(statement.db, _TOPIC_FIELDS, values)
        topic.partnership_count, topic.activity_count = partnership_count, activity_count
        return topic

    def get_context_data(self, **kwargs):
        partnerships = (
            Partnership.objects.published()
            .filter(focus_areas=self.object)
            .with_cities()
            .card_columns()
            .for_cards()
            .order_by(by_name("city_a__name"), by_name("city_b__name"), "pk")
        )
        activities = (
            Activity.objects.not_unpublished()
            .filter(focus_areas=self.object)
            .order_by(F("start_date").desc(nulls_last=True), "-id")
        )
        activity_count = self.object.activity_count
        # SQLite: the newest, found by walking the activities' date index (as the list's).
        keys = keys_in_index_order(
            activities, 0, TOPIC_LIST_SIZE, activity_count, PublishedRecordPaginator.order_by
        )
        if keys is None:
            keys = activities.values("pk")[:TOPIC_LIST_SIZE]
        return super().get_context_data(
            partnerships=partnerships[:TOPIC_LIST_SIZE],
            partnership_count=self.object.partnership_count,
            activities=listed_activities(keys, activities.query.order_by),
            activity_count=activity_count,
            **kwargs,
        )


class ActivityRowsPaginator(PublishedRecordPaginator):
    """The activity list's pages as ListedActivity rows with their focus areas
    (listed_activities()): the page's keys chosen by the list's query, the rows read by them."""

    def page_objects(self, bottom, top, keys):
        if keys is None:
            keys = self.object_list.values("pk")[bottom:top]
        return listed_activities(keys, self.object_list.query.order_by, focus_areas=True)


class ActivityListView(FilterView):
    filterset_class = ActivityFilter
    template_name = "partnerships/activity_list.html"
    context_object_name = "activities"
    paginate_by = PAGE_SIZE
    paginator_class = ActivityRowsPaginator

    def get_queryset(self):
        return Activity.objects.listing().prefetch_related(None)

    def get_paginator(self, *args, **kwargs):
        paginator = super().get_paginator(*args, **kwargs)
        count = self.filterset.figure_count()
        if count is not None:
            paginator.count = count  # a focus area's: counted by the maintained counts
        return paginator
