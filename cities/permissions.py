"""Which cities a staff member works on: superusers all of them, anyone else those assigned
to them (`City.staff`) and, while nobody looks after it, a partner city of one of theirs.
partnerships/permissions.py builds the partnership rules on the assigned cities alone."""

from django.db.models import Exists, OuterRef, Q

from .models import City

# Set by the partnerships app (cities know nothing of partnerships): `rule(city_ids)` gives a Q
# on City matching the partner cities of the cities `city_ids` (a subquery of primary keys).
_partner_rule = None


def register_partner_rule(rule):
    global _partner_rule
    _partner_rule = rule


def is_unrestricted(user):
    return user.is_active and user.is_superuser


def own_city_ids(user):
    """The user's cities as a subquery, so scoping costs no extra query."""
    return City.objects.filter(staff=user).values("pk")


def unattended():
    """Cities nobody is assigned to."""
    return ~Exists(City.staff.through.objects.filter(city_id=OuterRef("pk")))


def cities_in_scope(user, queryset):
    """The user's own cities, and the partner cities of those that nobody looks after (a new
    partner city is filled in by the office that recorded the partnership, until the city has
    staff of its own)."""
    if is_unrestricted(user):
        return queryset
    own = own_city_ids(user)
    reachable = Q(pk__in=own)
    if _partner_rule is not None:
        reachable |= unattended() & _partner_rule(own)
    return queryset.filter(reachable)
