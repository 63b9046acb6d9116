"""Fixtures for these tests live in tests/conftest.py; add folder-specific ones here."""

import datetime

import pytest
from django.utils import timezone


@pytest.fixture
def published_world(
    make_city,
    make_focus_area,
    make_partnership,
    make_milestone,
    make_activity,
    make_plan,
    make_source,
    make_city_figure,
    make_partnership_figure,
):
    """One published partnership with one of every staff-written record, all on public pages.

    The activity lies in the future, so it is shown on the home page as well as on the
    activity list, the topic page and the partnership page. The city has an image credit
    (and so its image description is shown) but no image.
    """
    city = make_city(image_alt="The old town", image_credit="A photographer")
    focus_area = make_focus_area()
    partnership = make_partnership(city_a=city, focus_areas=[focus_area])
    soon = timezone.localdate() + datetime.timedelta(days=30)
    return {
        "city": city,
        "city_figure": make_city_figure(city),
        "focus_area": focus_area,
        "partnership": partnership,
        "milestone": make_milestone(partnership),
        "activity": make_activity(partnership, focus_areas=[focus_area], start_date=soon),
        "plan": make_plan(partnership),
        "source": make_source(partnership),
        "partnership_figure": make_partnership_figure(partnership),
    }
