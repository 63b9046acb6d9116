"""A plan against what was done: planned, under way, done, slipped or dropped, with the dates
of the activities that deliver it, on the partnership page and the desk."""

import datetime

import pytest
from django.urls import reverse

from partnerships.models import Plan

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2026, 12, 6)
Progress = Plan.Progress


@pytest.fixture
def partnership(make_partnership):
    return make_partnership()


def test_progress_at_its_boundaries(partnership, make_plan, make_activity):
    plan = make_plan(partnership, target_year=2026)
    assert plan.progress(TODAY).state == Progress.PLANNED
    # A target year that has passed, neither done nor dropped: slipped.
    assert plan.progress(datetime.date(2027, 1, 1)).state == Progress.SLIPPED
    plan.status = Plan.Status.IN_PROGRESS
    assert plan.progress(TODAY).state == Progress.UNDER_WAY
    plan.status = Plan.Status.PLANNED
    upcoming = make_activity(partnership, start_date=datetime.date(2027, 3, 1))
    plan.activities.add(upcoming)  # not yet happened: still planned
    assert plan.progress(TODAY).state == Progress.PLANNED
    held = make_activity(partnership, start_date=datetime.date(2026, 5, 1), start_precision="month")
    plan.activities.add(held)
    progress = plan.progress(TODAY)
    assert progress.state == Progress.UNDER_WAY
    assert progress.started == "May 2026"
    plan.status = Plan.Status.DONE
    assert plan.progress(datetime.date(2030, 1, 1)).state == Progress.DONE
    plan.status = Plan.Status.DROPPED
    assert plan.progress(datetime.date(2030, 1, 1)).state == Progress.DROPPED


def test_the_page_shows_progress_with_dates(client, partnership, make_plan, make_activity):
    first = make_activity(partnership, title="Kick-off", start_date=datetime.date(2021, 3, 1))
    last = make_activity(partnership, title="Closing", start_date=datetime.date(2023, 9, 1))
    done = make_plan(partnership, title="Youth exchange", status=Plan.Status.DONE)
    done.activities.set([first, last])
    make_plan(partnership, title="Joint museum", target_year=2020)
    page = client.get(partnership.get_absolute_url()).content.decode()
    assert '<span class="status status-done">Done</span>' in page
    assert "2021-03-01 to 2023-09-01" in page or "1 March 2021 to 1 September 2023" in page
    assert '<span class="status status-slipped">Slipped</span>' in page
    assert "Delivered through: Kick-off" in page


def test_plan_progress_adds_no_query(client, partnership, make_plan, make_activity):
    def queries():
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as context:
            assert client.get(partnership.get_absolute_url()).status_code == 200
        return len(context)

    make_plan(partnership).activities.add(
        make_activity(partnership, start_date=datetime.date(2018, 1, 1))
    )
    few = queries()
    for n in range(8):
        plan = make_plan(partnership, target_year=2020 + n)
        plan.activities.add(make_activity(partnership, start_date=datetime.date(2019, 1, 1)))
    assert queries() == few


def test_the_desk_flags_slipped_plans_of_their_cities(admin_client, partnership, make_plan):
    slipped = make_plan(partnership, title="Joint museum", target_year=2020)
    make_plan(partnership, title="Finished", target_year=2020, status=Plan.Status.DONE)
    response = admin_client.get(reverse("admin:index"))
    assert response.context["slipped_plans"] == [slipped]
    assert "due 2020, still “Planned”" in response.content.decode()
