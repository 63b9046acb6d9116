from django import template

from cities.permissions import is_unrestricted
from partnerships.permissions import can_publish

register = template.Library()


@register.simple_tag
def may_invite_staff(user):
    """Whether the "Invite staff" links are shown to `user`: superusers and publishers (the
    form itself also wants a city of their own: accounts/invitations.py). No query of its own:
    the permissions are the ones the admin page has looked up already."""
    return is_unrestricted(user) or (user.is_active and user.is_staff and can_publish(user))
