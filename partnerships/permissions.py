"""Who may see and change what in the admin: one place for the editorial rules.

- Superusers see and change everything.
- Any other staff member sees only the cities assigned to them (`City.staff`) and the
  partnerships that involve one of those cities, with everything that belongs to them.
- Editors change drafts and submit them for review; publishers (permission
  `partnerships.publish_partnership`) also publish, unpublish and delete. A published
  partnership is changed by publishers only, so nothing reaches the public unapproved: an
  editor asks a publisher to unpublish it (back to draft) first.
"""

from django.db.models import Q

from cities.models import City
from cities.permissions import is_unrestricted, own_city_ids

PUBLISH_PERMISSION = "partnerships.publish_partnership"


def can_publish(user):
    return user.is_active and user.has_perm(PUBLISH_PERMISSION)


def partnerships_q(user, prefix=""):
    """Rows whose partnership (reached through `prefix`) involves one of the user's cities."""
    ids = own_city_ids(user)
    return Q(**{f"{prefix}city_a__in": ids}) | Q(**{f"{prefix}city_b__in": ids})


def in_scope(user, queryset, prefix=""):
    if is_unrestricted(user):
        return queryset
    return queryset.filter(partnerships_q(user, prefix))


def involves_own_city(user, *cities):
    if is_unrestricted(user):
        return True
    ids = {city.pk for city in cities if city is not None}
    return City.objects.filter(staff=user, pk__in=ids).exists()


def may_edit(user, partnership):
    """Whether `user` may change `partnership` and what belongs to it (scope already checked)."""
    if partnership is None or not partnership.is_published:
        return True
    return can_publish(user)
