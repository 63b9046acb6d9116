"""The review desk's moves: keep changes to a published partnership pending, submit them (or a
new partnership) for review, publish or return them with a comment, discard them. Each move is
one transaction, leaves a note in the partnership's review conversation and tells the people
concerned by e-mail (partnerships/notifications.py), after the commit.

Two publishers acting on the same thing: each move first claims its starting state with one
conditional UPDATE, so exactly one wins and the other gets a WorkflowError naming what happened.
The admin checks who may do what (partnerships/permissions.py); these functions do not.
"""

import reversion
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import localize
from django.utils.translation import gettext as _

from history.admin import record_baseline, revision

from . import notifications, pending
from .models import Partnership, PendingChange, Picture, ReviewNote, WorkflowError


def open_change(partnership):
    """The partnership's pending changes not yet decided, or None."""
    return PendingChange.objects.open().filter(partnership=partnership).first()


def note(partnership, user, action, message="", change=None):
    return ReviewNote.objects.create(
        partnership=partnership, author=user, action=action, message=message, pending_change=change
    )


def keep_pending(partnership, user, content):
    """Store `content` as the partnership's pending changes (started now if there were none).
    Changes already in review stay in review: the publisher then sees the newest."""
    for _attempt in range(2):
        try:
            with transaction.atomic():
                change = (
                    PendingChange.objects.select_for_update()
                    .open()
                    .filter(partnership=partnership)
                    .first()
                )
                if change is None:
                    change = PendingChange.objects.create(
                        partnership=partnership, content=content, created_by=user, updated_by=user
                    )
                    note(partnership, user, ReviewNote.Action.SAVED, change=change)
                else:
                    change.content, change.updated_by = content, user
                    change.save(update_fields=["content", "updated_by", "updated_at"])
                return change
        except IntegrityError:  # started at the same moment by someone else: add to theirs
            continue
    raise WorkflowError(_("The pending changes could not be stored; please save again."))


def _claim(change, allowed, **values):
    """Move `change` on from one of the `allowed` states, or say who was first."""
    claimed = PendingChange.objects.filter(pk=change.pk, state__in=allowed).update(**values)
    if not claimed:
        change.refresh_from_db()
        raise WorkflowError(
            _("These changes are %(state)s already (by %(user)s): nothing was done.")
            % {
                "state": change.get_state_display().lower(),
                "user": change.decided_by or change.submitted_by or change.updated_by or "—",
            }
        )
    for name, value in values.items():
        setattr(change, name, value)


def submit(partnership, user, message=""):
    """Ask the publishers of the partnership's cities to review its pending changes or, for a
    draft, the partnership itself."""
    with transaction.atomic():
        change = open_change(partnership)
        if change is not None:
            _claim(
                change,
                [PendingChange.State.DRAFT],
                state=PendingChange.State.IN_REVIEW,
                submitted_by=user,
                submitted_at=timezone.now(),
            )
        else:
            partnership.submit_for_review(user)
        note(partnership, user, ReviewNote.Action.SUBMITTED, message, change)
    _tell(partnership, "review_requested", by=user, message=message)
    return change


def publish(partnership, user, comment="", change=None):
    """Publish the pending changes (the live page changes at once) or the partnership.
    `change`: the pending changes the publisher saw (by default, those open now)."""
    with transaction.atomic():
        change = change or open_change(partnership)
        author = change.author if change is not None else partnership.submitted_by
        if change is not None:
            _claim(
                change,
                PendingChange.OPEN_STATES,
                state=PendingChange.State.PUBLISHED,
                decided_by=user,
                decided_at=timezone.now(),
            )
            record_baseline(partnership)
            comment_of_revision = _("Published the changes of %(author)s.") % {
                "author": author or "—"
            }
            with revision(user, comment_of_revision):
                live = pending.write(partnership, change.content)
                Picture.objects.filter(partnership=live).ask_for_renditions()
                Partnership.objects.filter(pk=live.pk).update(
                    published_at=change.decided_at, published_by=user
                )
                live.refresh_from_db()
                reversion.add_to_revision(live)
            partnership.refresh_from_db()
        elif partnership.is_published:
            raise WorkflowError(
                _("“%(partnership)s” is published and has no pending changes: nothing to publish.")
                % {"partnership": partnership}
            )
        else:
            with revision(user, _("Published.")):
                partnership.publish(user)
        note(partnership, user, ReviewNote.Action.PUBLISHED, comment, change)
    _tell(partnership, "decided", author=author, by=user, decision="published", comment=comment)
    return change


def return_for_changes(partnership, user, comment):
    """Send the pending changes, or the partnership in review, back to its editors."""
    if not comment.strip():
        raise WorkflowError(_("Say what needs changing: the comment is sent to the editor."))
    with transaction.atomic():
        change = open_change(partnership)
        if change is not None:
            author = change.author
            _claim(
                change,
                [PendingChange.State.IN_REVIEW],
                state=PendingChange.State.DRAFT,
                decided_by=user,
                decided_at=timezone.now(),
            )
        else:
            author = partnership.submitted_by
            with revision(user, _("Returned to draft.")):
                partnership.return_to_draft(user)
        note(partnership, user, ReviewNote.Action.RETURNED, comment, change)
    _tell(partnership, "decided", author=author, by=user, decision="returned", comment=comment)
    return change


def discard(partnership, user):
    """Drop the pending changes: the published page stays as it is."""
    with transaction.atomic():
        change = open_change(partnership)
        if change is None:
            raise WorkflowError(
                _("“%(partnership)s” has no pending changes.") % {"partnership": partnership}
            )
        _claim(
            change,
            PendingChange.OPEN_STATES,
            state=PendingChange.State.DISCARDED,
            decided_by=user,
            decided_at=timezone.now(),
        )
        note(partnership, user, ReviewNote.Action.DISCARDED, change=change)
    return change


def schedule(partnership, user, at, message=""):
    """Have the scheduler publish the pending changes (or the draft) at `at`."""
    with transaction.atomic():
        change = open_change(partnership)
        if change is not None:
            _claim(change, PendingChange.OPEN_STATES, go_live_at=at, scheduled_by=user)
        elif partnership.is_published:
            raise WorkflowError(
                _("“%(partnership)s” is published and has no pending changes: nothing to publish.")
                % {"partnership": partnership}
            )
        else:
            partnership.go_live_at, partnership.scheduled_by = at, user
            partnership.save(update_fields=["go_live_at", "scheduled_by"])
        when = _("Goes live at %(time)s.") % {"time": localize(timezone.localtime(at))}
        note(partnership, user, ReviewNote.Action.SCHEDULED, f"{when}\n{message}".strip(), change)
    return change


def comment(partnership, user, message):
    if not message.strip():
        raise WorkflowError(_("Write a comment first."))
    return note(partnership, user, ReviewNote.Action.COMMENTED, message, open_change(partnership))


def _tell(partnership, event, **details):
    """E-mail the people concerned (sent after the commit; a mail problem never fails the move).
    The link goes to the partnership's admin page."""
    getattr(notifications, event)(partnership, **details)
