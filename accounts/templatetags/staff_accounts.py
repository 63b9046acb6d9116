from django import template

from ..invitations import may_invite

register = template.Library()


@register.simple_tag
def may_invite_staff(user):
    """Whether the "Invite staff" links are shown to `user` (accounts/invitations.py)."""
    return may_invite(user)
