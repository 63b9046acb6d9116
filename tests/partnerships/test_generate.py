"""generate_activities: world-scale test data that is deterministic and never doubles up."""

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from partnerships.models import Activity, Milestone

pytestmark = pytest.mark.django_db


def generate(*args):
    call_command("generate_activities", *args, verbosity=0)


def snapshot():
    return list(
        Activity.objects.order_by("partnership_id", "start_date", "title").values_list(
            "partnership_id", "title", "kind", "start_date", "start_precision"
        )
    )


def test_tops_every_partnership_up_and_a_second_run_adds_nothing(
    make_partnership, make_activity, make_focus_area
):
    make_focus_area()
    full, empty = make_partnership(), make_partnership()
    make_activity(full)
    generate("--per-partnership", "3", "--milestones", "2")
    assert full.activities.count() == 3 and empty.activities.count() == 3
    assert Milestone.objects.filter(partnership=empty).count() == 2
    before = snapshot()
    generate("--per-partnership", "3", "--milestones", "2")
    assert snapshot() == before


def test_same_seed_same_data_other_seed_other_data(make_partnership):
    partnership = make_partnership()
    generate("--per-partnership", "5", "--seed", "7")
    first = snapshot()
    partnership.activities.all().delete()
    generate("--per-partnership", "5", "--seed", "7")
    assert [row[1:] for row in snapshot()] == [row[1:] for row in first]
    partnership.activities.all().delete()
    generate("--per-partnership", "5", "--seed", "8")
    assert [row[1:] for row in snapshot()] != [row[1:] for row in first]


def test_generated_dates_follow_their_precision(make_partnership):
    make_partnership()
    generate("--per-partnership", "40")
    for activity in Activity.objects.all():
        if activity.start_precision == "month":
            assert activity.start_date.day == 1
        if activity.start_precision == "year":
            assert (activity.start_date.month, activity.start_date.day) == (1, 1)


def test_rows_are_inserted_in_bulk_not_one_by_one(make_partnership, make_focus_area):
    make_focus_area()
    for _ in range(30):
        make_partnership()
    with CaptureQueriesContext(connection) as queries:
        generate("--per-partnership", "20", "--milestones", "5")
    rows = Activity.objects.count() + Milestone.objects.count()
    assert rows == 750
    # Bulk inserts are split only by the database's limit on parameters per statement (each
    # row has more of them since records keep created_at and updated_at); then the vitality
    # of all, in two UPDATEs in a transaction (partnerships/vitality.py).
    assert len(queries) <= rows // 35 + 10


def test_negative_numbers_are_refused(db):
    with pytest.raises(CommandError, match="must not be negative"):
        generate("--per-partnership", "-1")
