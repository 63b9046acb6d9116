"""Review e-mails to staff, scoped by city (issue 19; docs/deploy.md, "E-mail").

- `review_requested()`: a partnership, or the pending changes to a published one, was submitted
  for review. The publishers of *its* cities hear of it: active staff members with the
  permission partnerships.publish_partnership who are assigned to city_a or city_b. A superuser
  too, but only when assigned to one of the two cities: a Dresden publisher never hears of a
  Berlin draft. Never the submitter.
- `decided()`: a publisher published or returned what an editor submitted. The editor (the
  author) hears of it, with the reviewer's comment, unless they decided it themselves.

Nobody hears of anything without an address, with review e-mails turned off
(`NotificationPreferences`, the page /admin/notifications/), or outside the partnership's
cities (an author who is a superuser excepted: they see every city). Each recipient gets a
message of their own, in their language (their preferences, else settings.LANGUAGE_CODE),
with an absolute link made from settings.SITE_URL. The messages go through
core.mail.send_staff_email: queued after the commit, retried by the task; a mail problem never
reaches the caller, so nothing here blocks or fails a save.
"""

import logging
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from cities.models import City
from core.mail import send_staff_email

from .models import NotificationPreferences
from .permissions import PUBLISH_PERMISSION, involves_own_city

logger = logging.getLogger(__name__)

# The permission is Django's own (groups and user permissions): asked of ModelBackend, in one
# query for all publishers, rather than of each user in turn.
PERMISSION_BACKEND = "django.contrib.auth.backends.ModelBackend"


class Decision(models.TextChoices):
    PUBLISHED = "published", _("published")
    RETURNED = "returned", _("returned")


def review_requested(partnership, by, message="", url=""):
    """E-mail the publishers of the partnership's cities that `by` submitted it for review.

    `message`: the submitter's note, quoted. `url`: where to review it (a path; default the
    partnership's admin page). Returns the addresses written to.
    """
    recipients = publishers_to_notify(partnership, by)
    context = {
        "partnership": partnership,
        "by_name": display_name(by),
        "message": quote(message),
        "link": absolute_url(url or admin_url(partnership)),
        "preferences_link": absolute_url(reverse("notification_preferences")),
    }
    return [
        address
        for user in recipients
        for address in _send(user, "review_requested", {**context, "recipient": user})
    ]


def decided(partnership, author, by, decision, comment="", url=""):
    """E-mail `author` (who submitted it) that `by` published or returned the partnership.

    `decision`: Decision.PUBLISHED or Decision.RETURNED (or their values). `comment`: the
    reviewer's, quoted. Nothing is sent to an author who decided it themselves, has no address,
    turned review e-mails off, or no longer works on either city (a superuser always does: they
    see every city). Returns the addresses.
    """
    decision = Decision(decision)  # an unknown decision is a mistake in the caller
    if author is None or (by is not None and author.pk == by.pk):
        return []
    if not wants_review_emails(author) or not involves_own_city(author, *partnership.cities):
        return []
    context = {
        "partnership": partnership,
        "recipient": author,
        "by_name": display_name(by),
        "published": decision == Decision.PUBLISHED,
        # Under the reader's language prefix (/de/…): made while their language is active.
        "public_link": lazy(lambda: absolute_url(partnership.get_absolute_url()), str)(),
        "comment": quote(comment),
        "link": absolute_url(url or admin_url(partnership)),
        "preferences_link": absolute_url(reverse("notification_preferences")),
    }
    return _send(author, "decided", context)


def publishers_to_notify(partnership, by=None):
    """The users `review_requested()` writes to, with their preferences, in one query."""
    users = get_user_model().objects.with_perm(PUBLISH_PERMISSION, backend=PERMISSION_BACKEND)
    assigned = City.staff.through.objects.filter(
        city_id__in=[partnership.city_a_id, partnership.city_b_id]
    ).values("user_id")
    users = (
        users.filter(is_staff=True, pk__in=assigned)
        .exclude(email="")
        .exclude(notification_preferences__review_emails=False)
        .select_related("notification_preferences")
        .order_by("pk")
    )
    if by is not None:
        users = users.exclude(pk=by.pk)
    return users


def wants_review_emails(user):
    return (
        user.is_active
        and user.is_staff
        and bool(user.email)
        and NotificationPreferences.objects.of(user).review_emails
    )


def display_name(user):
    if user is None:
        return _("A staff member")
    return user.get_full_name() or user.get_username()


def quote(text):
    """Plain-text quoting ("> " before each line); empty for a blank text."""
    text = (text or "").strip()
    if not text:
        return ""
    return "\n".join(f"> {line}".rstrip() for line in text.splitlines())


def admin_url(partnership):
    return reverse("admin:partnerships_partnership_change", args=[partnership.pk])


def absolute_url(path):
    """`path` on the site's address (settings.SITE_URL); an address with a scheme as it is."""
    if urlsplit(path).scheme:
        return path
    return f"{settings.SITE_URL.rstrip('/')}/{path.lstrip('/')}"


def render(template, context, language):
    """The subject (one line) and the body of templates/partnerships/email/<template>_*.txt."""
    with translation.override(language):
        subject = render_to_string(f"partnerships/email/{template}_subject.txt", context)
        body = render_to_string(f"partnerships/email/{template}_body.txt", context)
    body = "\n".join(line.rstrip() for line in body.strip().splitlines())
    # Template tags on lines of their own leave blank lines behind: one at most between parts.
    body = re.sub(r"\n{3,}", "\n\n", body) + "\n"
    return " ".join(subject.split()), body


def _send(user, template, context):
    language = NotificationPreferences.objects.of(user).email_language
    context = {**context, "recipient_name": display_name(user)}
    try:
        subject, body = render(template, context, language)
        return send_staff_email([user.email], subject, body)
    except Exception:  # nothing about an e-mail may fail the save that caused it
        logger.exception("Review e-mail %r to %s not queued", template, user.email)
        return []
