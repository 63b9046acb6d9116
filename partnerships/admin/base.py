"""What every partnership admin shares: help texts, the scoped admin, the related cities."""

from django.contrib import messages
from django.db import models
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from core import translated
from history.admin import NOT_FOUND, HistoryAdmin

from .. import pending, permissions, review
from ..models import (
    Partnership,
)

MARKDOWN_HELP = _(
    "These sections are written in Markdown: leave a blank line between paragraphs; "
    "*word* is italic, **word** is bold, a line starting with “- ” is a list item and "
    "[text](https://example.org) is a link. HTML and scripts are removed before visitors "
    "see the text."
)

# Web addresses typed without a scheme get https:// (Django 6's default; no warning on 5.2).
URL_FIELD_OVERRIDES = {models.URLField: {"assume_scheme": "https"}}
PARTNERSHIP_SELECT_RELATED = ["partnership__city_a", "partnership__city_b"]
# City names in every language: "Peking" and "北京" find Beijing's records.
PARTNERSHIP_SEARCH = [
    *translated.columns("partnership__city_a__name"),
    *translated.columns("partnership__city_b__name"),
]


def count_of(model, field):
    """A subquery counting `model` rows whose `field` points at the outer row."""
    return Coalesce(
        Subquery(
            model.objects.order_by()
            .filter(**{field: OuterRef("pk")})
            .values(field)
            .annotate(n=Count("pk"))
            .values("n"),
            output_field=IntegerField(),
        ),
        0,
    )


def partnership_change_url(partnership):
    return reverse("admin:partnerships_partnership_change", args=[partnership.pk])


def may_write(request, partnership):
    """Whether this request may change `partnership` and its parts: directly (see
    permissions.may_edit), or because it runs on the partnership's pending version."""
    return permissions.may_edit(request.user, partnership) or (
        partnership is not None and getattr(request, "drafting", None) == partnership.pk
    )


# --- Scope: every admin below shows a staff member only their cities' records ----------------


class ScopedAdmin(HistoryAdmin):
    """Limits lists, search, autocomplete and object URLs to the user's cities.

    An object outside the user's scope answers 404 on every view (change, delete, history,
    compare, revert, recover, preview), for GET and POST alike. See
    partnerships/permissions.py for the rules and history/admin.py for the history.
    """

    # The path from this model to its partnership: "" for Partnership itself.
    scope_prefix = "partnership__"

    def partnership_of(self, obj):
        return obj if self.scope_prefix == "" else obj.partnership

    def get_queryset(self, request):
        return permissions.in_scope(request.user, super().get_queryset(request), self.scope_prefix)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        if obj is None:
            raise Http404(NOT_FOUND)
        return obj

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and (
            obj is None or may_write(request, self.partnership_of(obj))
        )

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and (
            obj is None or may_write(request, self.partnership_of(obj))
        )

    # --- Pending changes (partnerships/pending.py) -------------------------------------------

    def keeps_pending(self, request, partnership):
        """Whether a save by this user to this partnership (or a part of it) is kept pending:
        on a published partnership, an editor's always; a publisher's while it has pending
        changes (they add to them, and go live when published)."""
        if partnership is None or not partnership.is_published:
            return False
        if not permissions.can_publish(request.user):
            return True
        return self.open_change(request, partnership) is not None

    def open_change(self, request, partnership):
        """The partnership's open pending changes, looked up once per request."""
        found = request.__dict__.setdefault("_open_changes", {})
        if partnership.pk not in found:
            found[partnership.pk] = review.open_change(partnership)
        return found[partnership.pk]

    def on_pending(self, request, partnership, view):
        """Answer with `view()` run on the partnership's pending version, rolled back; a save
        it makes becomes the pending changes, and the staff member is told so."""
        change = self.open_change(request, partnership)
        posting = request.method == "POST"
        request.drafting = partnership.pk

        def show():
            response = view()
            if hasattr(response, "render") and not response.is_rendered:
                response.render()
            return response

        try:
            response, content = pending.try_out(
                partnership,
                change.content if change is not None else None,
                show,
                quiet=not posting,
                keep_if=lambda response: posting and response.status_code == 302,
            )
        except pending.PendingContentError as error:
            # To the comparison, which does not write them back: there they can be discarded.
            messages.error(request, str(error))
            review_url = reverse("admin:partnerships_partnership_review", args=[partnership.pk])
            return HttpResponseRedirect(review_url)
        finally:
            del request.drafting
        if content is None:
            return response
        if change is None and pending.same_content(content, pending.capture(partnership)):
            # Saved without a change: no pending changes to review.
            messages.info(
                request,
                _("Nothing was changed: “%(partnership)s” has no pending changes.")
                % {"partnership": partnership},
            )
            return HttpResponseRedirect(partnership_change_url(partnership))
        review.keep_pending(partnership, request.user, content)
        messages.success(
            request,
            _(
                "Saved as pending changes to “%(partnership)s”: the public still sees the "
                "published page. Submit the changes for review when they are ready."
            )
            % {"partnership": partnership},
        )
        return HttpResponseRedirect(partnership_change_url(partnership))

    def message_user(self, request, *args, **kwargs):
        # Inside on_pending, the admin's own "was changed successfully" would be wrong.
        if getattr(request, "drafting", None) is None:
            super().message_user(request, *args, **kwargs)

    def versions_in_scope(self, request, versions):
        """Stored versions whose partnership, as stored, involves one of the user's cities.

        A part's partnership must still exist (a part cannot come back without it).
        """
        versions = list(versions)
        user = request.user
        if self.scope_prefix == "":
            if permissions.is_unrestricted(user):
                return versions
            own = set(permissions.own_city_ids(user).values_list("pk", flat=True))
            return [
                v
                for v in versions
                if own & {v.field_dict.get("city_a_id"), v.field_dict.get("city_b_id")}
            ]
        stored = {v.pk: v.field_dict.get("partnership_id") for v in versions}
        reachable = set(
            permissions.in_scope(
                user, Partnership.objects.filter(pk__in=set(stored.values()))
            ).values_list("pk", flat=True)
        )
        return [v for v in versions if stored[v.pk] in reachable]
