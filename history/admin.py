"""History, compare, revert and recover in the admin, on top of django-reversion's VersionAdmin.

`HistoryAdmin` keeps VersionAdmin's pages (history, revert a version, recover deleted records)
and changes what they must not do on their own here:

- Every page first finds the current record through the admin's own `get_object` (and so its
  scope), or checks the stored version with `versions_in_scope`; anything outside the user's
  scope answers 404, for GET and POST alike. A version id must belong to the record in the URL.
- Reverting restores the record and its parts (`history_parts`, e.g. a partnership's
  milestones) from that version, nothing else in the revision; `kept_on_revert` names values a
  revert never changes (a partnership's publication state). The form is then shown, or saved,
  through the ordinary change form with all its permission checks and validation.
- Each change, workflow move and deletion is its own revision, with the user and a comment;
  the first change to a record loaded without history (fixtures, imports) first stores how it
  was, so it can be compared and reverted to.
- A "Compare" page shows, field by field, what changed between two versions (see compare.py).
"""

from contextlib import contextmanager, nullcontext

import reversion
from django.contrib import messages
from django.contrib.admin.utils import quote, unquote
from django.contrib.admin.views.main import PAGE_VAR
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.http import Http404, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.formats import localize
from django.utils.text import capfirst
from django.utils.timezone import template_localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reversion.admin import VersionAdmin
from reversion.errors import RevertError
from reversion.models import Version
from reversion.utils import mute_signals

from core.text_hygiene import strip_control_characters, text_fields

from . import compare

BASELINE_COMMENT = gettext_lazy("As it was before the first change recorded here.")
DELETED_COMMENT = gettext_lazy("Deleted.")
NOT_FOUND = gettext_lazy("There is no such record among the ones you look after.")


class _ShowWithoutSaving(Exception):
    """Carries a rendered page out of the transaction, which is then rolled back."""

    def __init__(self, response):
        super().__init__()
        self.response = response


def revert_version(version):
    """version.revert(), its text without control characters: a version recorded before they
    were refused may hold some, and saving refuses them (text_hygiene)."""
    obj = version._object_version.object
    # Straight into the instance: modeltranslation's descriptor on "title" would write the
    # active language's column instead.
    for field in text_fields(type(obj)):
        if field.attname in obj.__dict__:
            obj.__dict__[field.attname] = strip_control_characters(obj.__dict__[field.attname])
    version.revert()


def revert_versions(versions):
    """Write the stored versions back, retrying those that need another one restored first."""
    pending = list(versions)
    while pending:
        failed = []
        for version in pending:
            try:
                with transaction.atomic(using=version.db):
                    revert_version(version)
            except (IntegrityError, ObjectDoesNotExist):
                failed.append(version)
        if len(failed) == len(pending):
            raise RevertError(
                _("“%(name)s” could not be restored: something it depends on is missing.")
                % {"name": failed[0].object_repr}
            )
        pending = failed


def record_baseline(obj):
    """Store `obj` as it is if it has no history yet (loaded from fixtures, imported…)."""
    if not Version.objects.get_for_object(obj).exists():
        with reversion.create_revision():
            reversion.set_comment(str(BASELINE_COMMENT))
            reversion.add_to_revision(obj)


@contextmanager
def revision(user, comment, using=None):
    """A revision of its own for what is saved inside, by `user` (None: nobody signed in, e.g.
    the scheduler's cancellations), with `comment`."""
    with reversion.create_revision(using=using):
        if user is not None:
            reversion.set_user(user)
        reversion.set_comment(str(comment))
        yield


class HistoryAdmin(VersionAdmin):
    object_history_template = "admin/twinning/object_history.html"
    compare_template = "admin/twinning/compare.html"
    recover_list_template = "admin/twinning/recover_list.html"
    history_latest_first = True
    history_per_page = 100
    # Reverse relations whose records belong to this one (they are versioned with it).
    history_parts = ()

    # --- Hooks ----------------------------------------------------------------------------

    def versions_in_scope(self, request, versions):
        """Those of `versions` (of this model, as stored) the user may see and restore."""
        return list(versions)

    def kept_on_revert(self, request, current):
        """Field values a revert sets on the restored record (`current`: None when recovering)."""
        return {}

    # --- Recording --------------------------------------------------------------------------

    def record(self, request, comment):
        """A revision of its own for what is saved inside, with the user and `comment`."""
        return revision(request.user, comment)

    def record_baseline(self, obj):
        record_baseline(obj)

    def add_view(self, request, form_url="", extra_context=None):
        if request.method != "POST":  # nothing is saved: no revision (and no extra queries)
            return super(VersionAdmin, self).add_view(request, form_url, extra_context)
        return super().add_view(request, form_url, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        if request.method != "POST":
            return super(VersionAdmin, self).change_view(
                request, object_id, form_url, extra_context
            )
        obj = self.get_object(request, unquote(object_id))
        if obj is not None and self.has_change_permission(request, obj):
            self.record_baseline(obj)
        return super().change_view(request, object_id, form_url, extra_context)

    def changelist_view(self, request, extra_context=None):
        # Not one revision around the whole list (as VersionAdmin does): actions record each
        # record on its own, so that reverting one never reverts the others.
        context = {"has_change_permission": self.has_change_permission(request)}
        context.update(extra_context or {})
        return super(VersionAdmin, self).changelist_view(request, context)

    def delete_model(self, request, obj):
        with self.record(request, DELETED_COMMENT):
            reversion.add_to_revision(obj)
        super().delete_model(request, obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            with self.record(request, DELETED_COMMENT):
                reversion.add_to_revision(obj)
        super().delete_queryset(request, queryset)

    # --- URLs -------------------------------------------------------------------------------

    def get_urls(self):
        opts = self.model._meta
        compare = path(
            "<path:object_id>/history/compare/",
            self.admin_site.admin_view(self.compare_view),
            name=f"{opts.app_label}_{opts.model_name}_compare",
        )
        return [compare, *super().get_urls()]

    def _url(self, name, *args):
        opts = self.model._meta
        return reverse(
            f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_{name}", args=args
        )

    # --- Finding things within the user's scope --------------------------------------------

    def _visible_object(self, request, object_id):
        """The current record, through the admin's scope; 404 outside it."""
        obj = self.get_object(request, unquote(object_id))
        if obj is None:
            raise Http404(NOT_FOUND)
        if not self.has_view_or_change_permission(request, obj):
            raise PermissionDenied
        return obj

    def _versions_of(self, obj):
        return Version.objects.get_for_object(obj).select_related("revision", "revision__user")

    def _version_of(self, obj, version_id):
        try:
            return self._versions_of(obj).get(pk=int(version_id))
        except (TypeError, ValueError, Version.DoesNotExist):
            raise Http404(NOT_FOUND) from None

    def _part_relations(self):
        """(part model, its key to this model, its content type) for each of `history_parts`."""
        relations = []
        for name in self.history_parts:
            relation = self.model._meta.get_field(name)
            part_model = relation.related_model
            content_type = ContentType.objects.get_for_model(part_model)
            relations.append((part_model, relation.field, content_type))
        return relations

    def _part_versions(self, versions, root_pk):
        """Versions in the given revisions of parts that belonged to the record `root_pk`."""
        relations = {ct.pk: (model, key) for model, key, ct in self._part_relations()}
        if not relations:
            return []
        candidates = Version.objects.filter(
            revision__in=[version.revision_id for version in versions],
            content_type__in=list(relations),
        )
        return [
            version
            for version in candidates
            if str(version.field_dict.get(relations[version.content_type_id][1].attname))
            == str(root_pk)
        ]

    # --- History ----------------------------------------------------------------------------

    def history_view(self, request, object_id, extra_context=None):
        obj = self._visible_object(request, object_id)
        versions = self._versions_of(obj).order_by("pk")
        if not self.history_parts:
            # A part is stored again each time its parent is saved: list only real changes.
            versions = list(versions.get_unique())
            if self.history_latest_first:
                versions.reverse()
        else:
            versions = versions.defer("serialized_data")
            if self.history_latest_first:
                versions = versions.order_by("-pk")
        page = Paginator(versions, self.history_per_page).get_page(request.GET.get(PAGE_VAR))
        rows = [
            {
                "version": version,
                "revision": version.revision,
                "url": self._url("revision", quote(version.object_id), version.pk),
            }
            for version in page
        ]
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "title": _("Change history: %s") % obj,
            "subtitle": None,
            "object": obj,
            "opts": opts,
            "module_name": str(capfirst(opts.verbose_name_plural)),
            "action_list": rows,
            "page_obj": page,
            "page_var": PAGE_VAR,
            "compare_url": self._url("compare", quote(obj.pk)),
            "preserved_filters": self.get_preserved_filters(request),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.object_history_template, context)

    # --- Compare ----------------------------------------------------------------------------

    def compare_view(self, request, object_id):
        obj = self._visible_object(request, object_id)
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        old = self._version_of(obj, request.GET.get("old"))
        new = self._version_of(obj, request.GET.get("new"))
        if old.pk > new.pk:
            old, new = new, old
        # As for reverting: a version from before the record was in the user's scope stays out.
        if len(self.versions_in_scope(request, [old, new])) < 2:
            raise Http404(NOT_FOUND)
        model = self.model
        parts = self._part_versions([old, new], obj.pk)
        relations = self._part_relations()
        stored = [old.field_dict, new.field_dict]
        wanted = compare.related_keys(model, *stored)
        part_data = {}  # (content type, revision) -> {pk: (name, values)}
        for version in parts:
            by_pk = part_data.setdefault((version.content_type_id, version.revision_id), {})
            by_pk[version.object_id] = (version.object_repr, version.field_dict)
        for part_model, key, content_type in relations:
            for revision in (old.revision_id, new.revision_id):
                values = [v for _, v in part_data.get((content_type.pk, revision), {}).values()]
                for related, pks in compare.related_keys(
                    part_model, *values, exclude=[key.name]
                ).items():
                    wanted.setdefault(related, set()).update(pks)
        names = {}
        for related, pks in wanted.items():
            for pk, record in related._base_manager.in_bulk(pks).items():
                names[(related, pk)] = str(record)
        part_changes = []
        for part_model, key, content_type in relations:
            changes = compare.part_changes(
                part_model,
                part_data.get((content_type.pk, old.revision_id), {}),
                part_data.get((content_type.pk, new.revision_id), {}),
                names,
                exclude=[key.name],
            )
            if changes:
                part_changes.append(changes)
        opts = model._meta
        context = {
            **self.admin_site.each_context(request),
            "title": _("What changed: %s") % obj,
            "subtitle": None,
            "object": obj,
            "opts": opts,
            "module_name": str(capfirst(opts.verbose_name_plural)),
            "old": old,
            "new": new,
            "changes": compare.field_changes(model, *stored, names),
            "part_changes": part_changes,
            "history_url": self._url("history", quote(obj.pk)),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.compare_template, context)

    # --- Revert and recover -----------------------------------------------------------------

    def revision_view(self, request, object_id, version_id, extra_context=None):
        obj = self._visible_object(request, object_id)
        version = self._version_of(obj, version_id)
        if not self.versions_in_scope(request, [version]):
            raise Http404(NOT_FOUND)
        if request.method == "POST" and not self.has_change_permission(request, obj):
            raise PermissionDenied
        context = {"title": _("Revert %(name)s") % {"name": version.object_repr}, "revert": True}
        context.update(extra_context or {})
        comment = _("Reverted to the version of %(datetime)s.") % {
            "datetime": localize(template_localtime(version.revision.date_created))
        }
        return self._restore_view(
            request,
            version,
            self.kept_on_revert(request, obj),
            self.revision_form_template or self._reversion_get_template_list("revision_form.html"),
            context,
            comment,
        )

    def _deleted_versions(self):
        return Version.objects.get_deleted(self.model).select_related("revision", "revision__user")

    def recoverlist_view(self, request, extra_context=None):
        if not self.has_change_permission(request) or not self.has_add_permission(request):
            raise PermissionDenied
        deleted = self._deleted_versions().order_by("-revision__date_created", "-pk")
        opts = self.model._meta
        context = {
            **self.admin_site.each_context(request),
            "opts": opts,
            "app_label": opts.app_label,
            "module_name": capfirst(opts.verbose_name),
            "title": _("Recover deleted %(name)s") % {"name": opts.verbose_name_plural},
            "deleted": self.versions_in_scope(request, deleted),
            **(extra_context or {}),
        }
        request.current_app = self.admin_site.name
        return TemplateResponse(request, self.recover_list_template, context)

    def recover_view(self, request, version_id, extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        version = self._deleted_versions().filter(pk=version_id).first()
        if version is None or not self.versions_in_scope(request, [version]):
            raise Http404(NOT_FOUND)
        context = {"title": _("Recover %(name)s") % {"name": version.object_repr}, "recover": True}
        context.update(extra_context or {})
        comment = _("Recovered after deletion, as it was on %(datetime)s.") % {
            "datetime": localize(template_localtime(version.revision.date_created))
        }
        return self._restore_view(
            request,
            version,
            self.kept_on_revert(request, None),
            self.recover_form_template or self._reversion_get_template_list("recover_form.html"),
            context,
            comment,
        )

    def _restore(self, version, kept):
        """Write `version` and its parts back; parts added since are removed."""
        root_pk = version.object_id
        parts = self._part_versions([version], root_pk)
        relations = self._part_relations()
        # A part that has since moved to another record stays where it is.
        for part_model, key, content_type in relations:
            ids = [v.object_id for v in parts if v.content_type_id == content_type.pk]
            moved = {
                str(pk)
                for pk in part_model._base_manager.filter(pk__in=ids)
                .exclude(**{key.attname: root_pk})
                .values_list("pk", flat=True)
            }
            parts = [
                v for v in parts if v.content_type_id != content_type.pk or v.object_id not in moved
            ]
        restored = {(v.content_type_id, v.object_id) for v in parts}
        for part_model, key, content_type in relations:
            added_since = [
                pk
                for pk in part_model._base_manager.filter(**{key.attname: root_pk}).values_list(
                    "pk", flat=True
                )
                if (content_type.pk, str(pk)) not in restored
            ]
            part_model._base_manager.filter(pk__in=added_since).delete()
        revert_versions([version, *parts])
        if kept:
            self.model._base_manager.filter(pk=root_pk).update(**kept)

    def _restore_view(self, request, version, kept, template, context, comment):
        """Restore `version`, then show (GET: rolled back) or save (POST) the change form."""
        if request.method == "GET":  # showing a version changes nothing: no signals, no saves
            quiet = mute_signals(pre_save, post_save, pre_delete, post_delete, m2m_changed)
        else:
            quiet = nullcontext()
        try:
            with transaction.atomic(using=version.db), quiet:
                self._restore(version, kept)
                with self.record(request, comment):
                    response = self.changeform_view(
                        request, quote(version.object_id), request.path, context
                    )
                    if response.status_code == 200:
                        response.template_name = template
                        response.render()
                        raise _ShowWithoutSaving(response)
                    if request.method != "POST" or response.status_code != 302:
                        raise RevertError(
                            _("“%(name)s” could not be restored.") % {"name": version.object_repr}
                        )
                    reversion.set_comment(str(comment))  # instead of the form's "No changes"
        except (RevertError, ProtectedError) as error:
            messages.error(request, str(error))
            return redirect(self._url("changelist"))
        except _ShowWithoutSaving as shown:
            return shown.response
        return response
