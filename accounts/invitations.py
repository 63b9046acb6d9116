"""Inviting staff in one step: an account (or the one the address already has), its role, its
cities, and an e-mail with a link to set a password (accounts/tokens.py).

Who may invite: superusers, for any city; publishers, for their own cities only (and only as
long as that changes nothing of the person's work elsewhere: see forms.InvitationForm).
"""

import re

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext_lazy as _

from cities.models import City
from cities.permissions import is_unrestricted
from core.mail import send_staff_email
from core.roles import EDITOR, PUBLISHER, ROLE_NAMES, ensure_roles
from partnerships.notifications import absolute_url, display_name
from partnerships.permissions import can_publish

from .tokens import invitation_token

ROLE_CHOICES = [(EDITOR, _("Editor")), (PUBLISHER, _("Publisher"))]


def may_invite(user):
    """Superusers, and publishers with at least one city of their own."""
    if is_unrestricted(user):
        return True
    return (
        user.is_active
        and user.is_staff
        and can_publish(user)
        and City.objects.filter(staff=user).exists()
    )


def existing_account(email):
    return get_user_model().objects.filter(email__iexact=email).order_by("pk").first()


def role_of(user):
    names = set(user.groups.filter(name__in=ROLE_NAMES).values_list("name", flat=True))
    if PUBLISHER in names:
        return PUBLISHER
    if EDITOR in names:
        return EDITOR
    return None


def unique_username(email):
    user_model = get_user_model()
    base = re.sub(r"[^\w.@+-]", "", email.lower())[:140] or "staff"
    name, n = base, 1
    while user_model.objects.filter(username__iexact=name).exists():
        n += 1
        name = f"{base}-{n}"
    return name


def role_group(role):
    group = Group.objects.filter(name=role).first()
    if group is None:  # roles never set up on this site: do it now
        ensure_roles()
        group = Group.objects.get(name=role)
    return group


@transaction.atomic
def invite(inviter, email, role, cities, first_name="", last_name=""):
    """Create or update the staff account for `email`; e-mail them once this commits.

    Returns (user, created). A new account has no usable password: the e-mail's link sets one.
    """
    if role not in ROLE_NAMES:
        raise ValueError(f"Unknown role {role!r}")
    user = existing_account(email)
    created = user is None
    if created:
        user = get_user_model()(username=unique_username(email), email=email)
        user.set_unusable_password()
    user.first_name = user.first_name or first_name
    user.last_name = user.last_name or last_name
    user.is_staff = True
    user.is_active = True
    user.save()
    other_roles = Group.objects.filter(name__in=ROLE_NAMES).exclude(name=role)
    user.groups.remove(*other_roles)
    user.groups.add(role_group(role))
    user.assigned_cities.add(*cities)
    send_invitation(user, inviter, role, cities)
    return user, created


def invitation_link(user):
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = invitation_token.make_token(user)
    return absolute_url(reverse("staff_welcome", args=[uid, token]))


def send_invitation(user, inviter, role, cities):
    """The e-mail: a link to set a password, or, for someone who has one, to sign in."""
    context = {
        "recipient_name": user.get_full_name() or user.email,
        "by_name": display_name(inviter),
        "role": dict(ROLE_CHOICES)[role],
        "cities": ", ".join(sorted(city.name for city in cities)),
        "has_password": user.has_usable_password(),
        "username": user.get_username(),
        "days": settings.INVITATION_TIMEOUT_DAYS,
        "link": (
            absolute_url(reverse("admin:index"))
            if user.has_usable_password()
            else invitation_link(user)
        ),
    }
    subject = render_to_string("accounts/email/invitation_subject.txt", context)
    body = render_to_string("accounts/email/invitation_body.txt", context)
    body = re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in body.strip().splitlines()))
    return send_staff_email([user.email], subject, body + "\n")
