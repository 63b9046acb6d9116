"""Staff choose which milestone founded a partnership; anniversaries count from its date."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from partnerships.models import Milestone, Partnership

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def berlin_beijing(make_partnership, make_milestone):
    partnership = make_partnership(established=D(1990, 1, 1), established_precision="year")
    memorandum = make_milestone(
        partnership,
        title="Memorandum",
        kind=Milestone.Kind.MEMORANDUM,
        date=D(1993, 11, 1),
        date_precision="month",
    )
    agreement = make_milestone(
        partnership,
        title="Agreement",
        kind=Milestone.Kind.AGREEMENT,
        date=D(1994, 4, 5),
        date_precision="month",
    )
    return partnership, memorandum, agreement


def test_the_founding_milestone_sets_the_established_date(berlin_beijing):
    partnership, _, agreement = berlin_beijing
    partnership.founding_milestone = agreement
    partnership.full_clean()
    partnership.save()
    partnership.refresh_from_db()
    assert (partnership.established, partnership.established_display) == (
        D(1994, 4, 1),
        "April 1994",
    )
    assert partnership.next_jubilee(today=D(2019, 1, 1)).date_display == "April 2019"


def test_moving_the_milestone_moves_the_anniversaries(berlin_beijing):
    partnership, memorandum, _ = berlin_beijing
    partnership.founding_milestone = memorandum
    partnership.save()
    memorandum.date, memorandum.date_precision = D(1993, 12, 1), "day"
    memorandum.save()
    partnership.refresh_from_db()
    assert (partnership.established, partnership.established_precision) == (
        D(1993, 12, 1),
        "day",
    )


def test_another_partnerships_milestone_is_refused_by_name(berlin_beijing, make_partnership):
    _, _, agreement = berlin_beijing
    other = make_partnership()
    other.founding_milestone = agreement
    with pytest.raises(ValidationError) as excinfo:
        other.full_clean()
    (message,) = excinfo.value.message_dict["founding_milestone"]
    assert "Choose one of this partnership's own milestones" in message
    assert "Agreement" in message


def test_deleting_the_milestone_keeps_the_date(berlin_beijing):
    partnership, _, agreement = berlin_beijing
    partnership.founding_milestone = agreement
    partnership.save()
    agreement.delete()
    partnership.refresh_from_db()
    assert partnership.founding_milestone is None
    assert partnership.established == D(1994, 4, 1)


def test_the_admin_offers_only_this_partnerships_milestones(
    admin_client, berlin_beijing, make_partnership, make_milestone
):
    partnership, _, _ = berlin_beijing
    make_milestone(make_partnership(), title="Somebody else's treaty", date=D(2000, 1, 1))
    response = admin_client.get(
        reverse("admin:partnerships_partnership_change", args=[partnership.pk])
    )
    choices = [
        str(m) for m in response.context["adminform"].form.fields["founding_milestone"].queryset
    ]
    assert choices == ["November 1993: Memorandum", "April 1994: Agreement"]
    assert Partnership.objects.get(pk=partnership.pk).founding_milestone is None


def test_a_milestone_moved_to_another_partnership_stops_founding_the_first(
    berlin_beijing, make_partnership
):
    partnership, _, agreement = berlin_beijing
    partnership.founding_milestone = agreement
    partnership.save()
    agreement.partnership = make_partnership()
    agreement.date = D(2001, 1, 1)
    agreement.save()
    partnership.refresh_from_db()
    assert partnership.founding_milestone is None
    assert partnership.established == D(1994, 4, 1)  # kept, not moved along


def test_the_admin_shows_the_founded_date_read_only_once_a_milestone_founds_it(
    admin_client, berlin_beijing
):
    partnership, _, agreement = berlin_beijing
    partnership.founding_milestone = agreement
    partnership.save()
    url = reverse("admin:partnerships_partnership_change", args=[partnership.pk])
    form = admin_client.get(url).context["adminform"].form
    # Nothing typed there could be silently replaced by the milestone's date.
    assert "established" not in form.fields
    assert "founding_milestone" in form.fields
