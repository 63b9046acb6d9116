"""Add generated activities and milestones, for testing pages at world scale.

Each partnership is topped up to `--per-partnership` activities and `--milestones` milestones:
a second run with the same numbers adds nothing. The content is drawn from a random generator
seeded with `--seed` and the partnership's id, so the same database and seed give the same data.
"""

import datetime
import random

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone, translation

from core.dates import DatePrecision, truncate
from core.page_cache import bump_content_version
from core.translated import ORIGINAL
from partnerships import vitality
from partnerships.models import Activity, FocusArea, Milestone, Partnership

BATCH = 5_000
PRECISIONS = [DatePrecision.DAY, DatePrecision.MONTH, DatePrecision.YEAR]
ACTIVITY_TITLES = {
    Activity.Kind.EXCHANGE: "Exchange of {topic} experts",
    Activity.Kind.SEMINAR: "Seminar on {topic}",
    Activity.Kind.TRAINING: "Training programme in {topic}",
    Activity.Kind.CONFERENCE: "Conference on {topic}",
    Activity.Kind.EXHIBITION: "Exhibition: {topic} in both cities",
    Activity.Kind.FESTIVAL: "Festival of {topic}",
    Activity.Kind.FILM: "Film week on {topic}",
    Activity.Kind.RESEARCH: "Joint research on {topic}",
    Activity.Kind.SCHOOL_PARTNERSHIP: "School exchange on {topic}",
}
TOPICS = ["culture", "education", "water", "energy", "health", "tourism", "heritage", "sport"]


class Command(BaseCommand):
    help = (
        "Top every partnership up to N generated activities (and M milestones), "
        "deterministically from a seed. For world-scale testing and benchmarks."
    )

    def add_arguments(self, parser):
        parser.add_argument("--per-partnership", type=int, default=10, metavar="N")
        parser.add_argument("--milestones", type=int, default=0, metavar="M")
        parser.add_argument("--seed", type=int, default=2026)

    # Under the original language: names and titles are written to and read from the English
    # columns (name_en, …), never to whichever language is active (core/translated.py).
    @translation.override(ORIGINAL)
    def handle(self, *args, per_partnership, milestones, seed, verbosity=1, **options):
        if per_partnership < 0 or milestones < 0:
            raise CommandError("--per-partnership and --milestones must not be negative.")
        focus_ids = list(FocusArea.objects.order_by("pk").values_list("pk", flat=True))
        partnerships = (
            Partnership.objects.order_by("pk")
            .annotate(n_activities=Count("activities", distinct=True))
            .annotate(n_milestones=Count("milestones", distinct=True))
            .values_list("pk", "n_activities", "n_milestones")
        )
        activities, milestone_rows = [], []
        added_activities = added_milestones = 0
        for pk, n_activities, n_milestones in partnerships.iterator(chunk_size=BATCH):
            rng = random.Random(f"{seed}-{pk}")  # noqa: S311 - test data, reproducible on purpose
            for _ in range(max(per_partnership - n_activities, 0)):
                activities.append((self.activity(rng, pk), self.topics(rng, focus_ids)))
            for _ in range(max(milestones - n_milestones, 0)):
                milestone_rows.append(self.milestone(rng, pk))
            if len(activities) >= BATCH:
                added_activities += self.save_activities(activities)
                activities = []
            if len(milestone_rows) >= BATCH:
                added_milestones += len(Milestone.objects.bulk_create(milestone_rows))
                milestone_rows = []
        added_activities += self.save_activities(activities)
        added_milestones += len(Milestone.objects.bulk_create(milestone_rows))
        vitality.refresh()  # bulk inserts send no signals
        bump_content_version()
        if verbosity:
            self.stdout.write(
                f"Added {added_activities} activities and {added_milestones} milestones."
            )

    @staticmethod
    @transaction.atomic
    def save_activities(rows):
        if not rows:
            return 0
        created = Activity.objects.bulk_create([activity for activity, _ in rows])
        Activity.focus_areas.through.objects.bulk_create(
            Activity.focus_areas.through(activity_id=activity.pk, focusarea_id=topic)
            for activity, (_, topics) in zip(created, rows, strict=True)
            for topic in topics
        )
        # bulk_create skips Activity.save(): refresh these partnerships' search documents.
        touched = {activity.partnership_id for activity in created}
        Partnership.objects.filter(pk__in=touched).refresh_search_document()
        return len(created)

    @staticmethod
    def topics(rng, focus_ids):
        return rng.sample(focus_ids, k=min(len(focus_ids), rng.randint(0, 2)))

    @staticmethod
    def random_date(rng):
        # From 1990 to three years ahead, so there is news as well as a retrospective.
        start = datetime.date(1990, 1, 1)
        span = (timezone.localdate().replace(month=1, day=1) - start).days + 3 * 365
        precision = rng.choice(PRECISIONS)
        return truncate(start + datetime.timedelta(days=rng.randrange(span)), precision), precision

    def activity(self, rng, partnership_id):
        kind = rng.choice(list(ACTIVITY_TITLES))
        topic = rng.choice(TOPICS)
        start, precision = self.random_date(rng)
        return Activity(
            partnership_id=partnership_id,
            kind=kind,
            title=ACTIVITY_TITLES[kind].format(topic=topic),
            start_date=start,
            start_precision=precision,
            description=f"A generated {kind.label.lower()} about {topic}, for testing.",
        )

    def milestone(self, rng, partnership_id):
        date, precision = self.random_date(rng)
        kind = rng.choice(
            [Milestone.Kind.DELEGATION_VISIT, Milestone.Kind.MEMORANDUM, Milestone.Kind.AGREEMENT]
        )
        return Milestone(
            partnership_id=partnership_id,
            date=date,
            date_precision=precision,
            kind=kind,
            title=f"{kind.label} (generated)",
        )
