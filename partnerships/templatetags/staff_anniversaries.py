"""The admin home page: coming anniversaries of the partnerships a staff member looks after."""

from django import template
from django.utils import timezone

from partnerships.anniversaries import upcoming_jubilees
from partnerships.models import Partnership
from partnerships.permissions import in_scope

register = template.Library()

STAFF_JUBILEE_COUNT = 10


@register.inclusion_tag("admin/twinning/includes/staff_anniversaries.html", takes_context=True)
def staff_anniversaries(context):
    user = context["request"].user
    # Every state: staff prepare a jubilee before the partnership page is published.
    partnerships = in_scope(user, Partnership.objects.select_related("city_a", "city_b"))
    return {
        "jubilees": upcoming_jubilees(
            partnerships, timezone.localdate(), limit=STAFF_JUBILEE_COUNT
        ),
    }
