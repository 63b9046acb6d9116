"""Which cities a staff member works on: superusers all of them, anyone else those assigned
to them (`City.staff`). partnerships/permissions.py builds the partnership rules on this."""

from .models import City


def is_unrestricted(user):
    return user.is_active and user.is_superuser


def own_city_ids(user):
    """The user's cities as a subquery, so scoping costs no extra query."""
    return City.objects.filter(staff=user).values("pk")


def cities_in_scope(user, queryset):
    if is_unrestricted(user):
        return queryset
    return queryset.filter(pk__in=own_city_ids(user))
