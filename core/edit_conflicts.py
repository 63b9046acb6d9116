"""No silent lost update: a change form saved after someone else changed the same record.

Every admin change form (the record's own form and each inline row) carries a hidden, signed
token: which record it shows, a fingerprint of each field's stored value and when the page was
opened. When the form comes back with changes, the record is read again, locked until the save
ends, and compared field by field; if anything differs, the form is refused with an error that
says who changed what since then (from django-reversion's revisions), and the typed values stay
in the form. Inline rows deleted meanwhile are refused the same way.

Why not django-concurrency (2.8, supports Django 5.2): it needs a version column, and so a
migration, on every model, reports only "Record Modified" without who or what, replaces every
save of those models (imports, workflow moves, reverts) with a checked one, and leaves inline
rows deleted meanwhile to Django's unexplained "Select a valid choice".

A form posted without a token (a script, not a browser) is not checked.
"""

import datetime
from dataclasses import dataclass, field

from django import forms
from django.contrib.admin.utils import quote
from django.contrib.contenttypes.models import ContentType
from django.core import signing
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import router, transaction
from django.db.models import Model, Q
from django.db.models.fields.files import FieldFile
from django.forms.models import InlineForeignKeyField
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format, time_format
from django.utils.html import format_html
from django.utils.text import capfirst, get_text_list
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from reversion.models import Revision, Version

from .partial_dates import PartialDatesForm
from .translated import fingerprint

FIELD = "edit_token"
SALT = "core.edit_conflicts"
CODE = "edit_conflict"


class TokenInput(forms.HiddenInput):
    """The admin's fieldset prints a label for every field of a fieldset, this hidden one too
    (in a hidden row): a label pointing at a hidden input is invalid HTML, so it points at
    nothing."""

    def id_for_label(self, id_):
        return ""


class TokenField(forms.CharField):
    widget = TokenInput

    def has_changed(self, initial, data):
        # The token is not content: it never makes a form (or an unchanged inline row) "changed".
        return False


class GuardedModelForm(PartialDatesForm):
    """The base of every admin form: refuses a save over someone else's change."""

    edit_token = TokenField(required=False, label=gettext_lazy("Version you opened"))

    # Set by clean when refused: what changed, for the admin's summary.
    edit_conflict = None

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound and self.instance.pk is not None:
            self.initial[FIELD] = _token(self)

    def clean(self):
        cleaned_data = super().clean()
        conflict = _conflict(self)
        if conflict is not None:
            self.edit_conflict = conflict
            self.add_error(None, ValidationError(conflict.message(), code=CODE))
        return cleaned_data


class GuardedAdmin:
    """For a ModelAdmin or an inline. First in the bases: modeltranslation's get_fieldsets
    does not call super()."""

    form = GuardedModelForm

    def get_fieldsets(self, request, obj=None):
        fieldsets = list(super().get_fieldsets(request, obj))
        # Only on change forms (an inline's `obj` is its parent) the user may save.
        if obj is None or not fieldsets or not self.has_change_permission(request, obj):
            return fieldsets
        (name, options), *rest = fieldsets
        # A hidden field: rendered inside the first fieldset without a visible row.
        return [(name, {**options, "fields": [*options["fields"], FIELD]}), *rest]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        form = context["adminform"].form
        if change and form.is_bound:
            formsets = [inline.formset for inline in context.get("inline_admin_formsets", [])]
            summarise(form, formsets, self.reload_url(obj))
        return super().render_change_form(request, context, add, change, form_url, obj)

    def reload_url(self, obj):
        opts = self.model._meta
        name = f"{self.admin_site.name}:{opts.app_label}_{opts.model_name}_change"
        return reverse(name, args=[quote(obj.pk)])


# --- The token --------------------------------------------------------------------------


def _canonical(value):
    if isinstance(value, list | tuple | set):
        return sorted(_canonical(item) for item in value)
    if isinstance(value, Model):
        return str(value.pk)
    if isinstance(value, FieldFile):
        return value.name or ""
    return "" if value is None else str(value)


def _checked_names(form):
    """The form's fields that hold a stored value of the record (not its key, not the parent)."""
    pk_name = form._meta.model._meta.pk.name
    return [
        name
        for name, form_field in form.fields.items()
        if name != FIELD
        and name != pk_name
        and not isinstance(form_field, InlineForeignKeyField)
        and name in form.initial
    ]


def _fingerprints(values, names):
    return {name: fingerprint(repr(_canonical(values.get(name)))) for name in names}


def _token(form):
    return signing.dumps(
        {
            "model": form._meta.model._meta.label_lower,
            "pk": str(form.instance.pk),
            "opened": timezone.now().isoformat(),
            "fields": _fingerprints(form.initial, _checked_names(form)),
        },
        salt=SALT,
        compress=True,
    )


# --- The check --------------------------------------------------------------------------


@dataclass
class Conflict:
    model: type
    pk: str | None
    opened: datetime.datetime | None
    labels: list = field(default_factory=list)  # the changed fields' labels
    deleted: bool = False
    parent: Model | None = None  # an inline row's record, whose revisions also store the row

    def objects(self):
        found = [(self.model, self.pk)]
        if self.parent is not None:
            found.append((type(self.parent), self.parent.pk))
        return found

    def message(self):
        if self.opened is None:
            return _("This page could not be checked against the stored record.")
        who, when = authors(self.objects(), self.opened)
        values = {"who": who, "record": self.model._meta.verbose_name, "time": when}
        if self.deleted and when:
            return (
                _("%(who)s deleted this %(record)s since you opened this page, at %(time)s.")
                % values
            )
        if self.deleted:
            return _("%(who)s deleted this %(record)s since you opened this page.") % values
        return _changed(who, when, self.labels)


def _changed(who, when, labels):
    values = {"who": who, "what": _list(labels), "time": when}
    if when:
        return _("%(who)s changed %(what)s since you opened this page, at %(time)s.") % values
    return _("%(who)s changed %(what)s since you opened this page.") % values


def _list(items):
    return get_text_list([str(item) for item in items], _("and"))


def _parent(form):
    for form_field in form.fields.values():
        if isinstance(form_field, InlineForeignKeyField):
            return form_field.parent_instance
    return None


def _conflict(form):
    raw = form.data.get(form.add_prefix(FIELD))
    if not raw:
        return None
    model = form._meta.model
    instance = form.instance
    try:
        token = signing.loads(raw, salt=SALT)
        opened = datetime.datetime.fromisoformat(token["opened"])
        stored_pk, stored = token["pk"], token["fields"]
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return Conflict(model, None, None)
    if token.get("model") != model._meta.label_lower or (
        instance.pk is not None and str(instance.pk) != stored_pk
    ):
        return Conflict(model, None, None)
    conflict = Conflict(model, stored_pk, opened, parent=_parent(form))
    if instance.pk is None:  # an inline row deleted (or moved elsewhere) meanwhile
        conflict.deleted = True
        return conflict
    if not form.has_changed():  # saving would write nothing: nobody's change is lost
        return None
    current = _stored_values(form, instance, list(stored))
    if current is None:
        conflict.deleted = True
        return conflict
    now = _fingerprints(current, current.keys())
    changed = [name for name in stored if name in now and now[name] != stored[name]]
    if not changed:
        return None
    conflict.labels = [form.fields[name].label or name for name in changed if name in form.fields]
    return conflict


def _stored_values(form, instance, names):
    """The record as stored now, locked until the save's transaction ends; None if deleted."""
    model = type(instance)
    rows = model._base_manager.filter(pk=instance.pk)
    if transaction.get_connection(router.db_for_write(model)).in_atomic_block:
        rows = rows.select_for_update()
    fresh = rows.first()
    if fresh is None:
        return None
    return form.stored_values(fresh, [name for name in names if name in form.fields])


# --- Who and when -----------------------------------------------------------------------


def authors(objects, since):
    """Who stored any of `objects` ((model, pk) pairs) after `since`, and when last.

    Only revisions with a user count: the others store a record as it was before its first
    change in the admin (history/admin.py), or come from imports and scripts. Without
    one: ("Someone", "").
    """
    matches = Q()
    for model, pk in objects:
        matches |= Q(content_type=ContentType.objects.get_for_model(model), object_id=str(pk))
    revisions = list(
        Revision.objects.filter(
            pk__in=Version.objects.filter(matches).values("revision_id"),
            date_created__gt=since,
            user__isnull=False,
        )
        .select_related("user")
        .order_by("date_created")
    )
    names = []
    for revision in revisions:
        name = revision.user.get_full_name() or revision.user.get_username()
        if name not in names:
            names.append(name)
    who = capfirst(_list(names)) if names else capfirst(_("someone"))
    if not revisions:
        return who, ""
    last = timezone.localtime(revisions[-1].date_created)
    if last.date() == timezone.localdate():
        return who, time_format(last)
    return who, date_format(last, "DATETIME_FORMAT")


def _deleted_name(conflict):
    kind = capfirst(conflict.model._meta.verbose_name)
    last = Version.objects.get_for_object_reference(conflict.model, conflict.pk).first()
    if last is None:
        return kind
    return _("%(record)s “%(name)s”") % {"record": kind, "name": last.object_repr}


def summarise(form, formsets, reload_url):
    """One error at the top of the page: who changed what since it was opened, and a link to
    reload it. The fields are the record's own and, for inline rows, their kind."""
    conflicts = [form.edit_conflict] if form.edit_conflict else []
    labels = list(form.edit_conflict.labels) if form.edit_conflict else []
    for formset in formsets:
        found = [f.edit_conflict for f in formset.forms if f.edit_conflict is not None]
        if found:
            conflicts += found
            labels.append(capfirst(formset.model._meta.verbose_name_plural))
    if not conflicts:
        return
    known = [c for c in conflicts if c.opened is not None]
    if known:
        objects = [obj for c in known for obj in c.objects()]
        text = _changed(*authors(objects, min(c.opened for c in known)), labels)
    else:
        text = _("This page could not be checked against the stored record.")
    deleted = [c for c in known if c.deleted]
    if deleted:
        # Django shows no row for them any more: name them here.
        text += " " + _("Deleted meanwhile, and so no longer shown below: %(records)s.") % {
            "records": _list(map(_deleted_name, deleted))
        }
    reload = _(
        'Nothing was saved. <a href="{url}">Reload the page</a> to see the current version; '
        "what you typed is still in the form below, so you can copy it."
    )
    summary = format_html("{} " + reload, text, url=reload_url)
    errors = form.errors.get(NON_FIELD_ERRORS)
    kept = [e for e in (errors.as_data() if errors else []) if e.code != CODE]
    form.errors[NON_FIELD_ERRORS] = form.error_class(
        [ValidationError(summary, code=CODE), *kept], error_class="nonfield"
    )
