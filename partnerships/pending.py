"""Changes to a published partnership, kept back until a publisher approves them.

An editor's save of a published partnership (its form with the inlines, or a milestone or
activity on its own page) runs as usual — every validation, permission check and signal — but
inside a transaction that is rolled back: what the save left in the database (the partnership
and its parts, serialised as django-reversion stores them) becomes the partnership's
`PendingChange`, and the public keeps the published page. Showing the form again, the preview
or the publisher's comparison writes the pending content back inside a transaction that is
rolled back after the page is rendered; publishing writes it for good.

Only content travels this way: the publication state, who submitted and published, "featured",
the schedule and the review dates (`NOT_CONTENT`) always stay as the live record has them.
"""

import datetime
import json
from contextlib import nullcontext

from django.core import serializers
from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, models, transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete, pre_save
from django.utils import timezone
from django.utils.translation import gettext as _
from reversion.utils import mute_signals

from history import compare

from .models import PARTNERSHIP_PARTS, Partnership

# Fields of the partnership that are publishing decisions or bookkeeping, never content.
NOT_CONTENT = frozenset(
    {
        "state",
        "submitted_at",
        "submitted_by",
        "published_at",
        "published_by",
        "is_featured",
        "created_at",
        "updated_at",
        "search_document",
        "go_live_at",
        "take_down_at",
        "scheduled_by",
        "review_by",
        "last_reviewed_at",
        "last_reviewed_by",
    }
)


# The bookkeeping of a part (milestones and activities: RecordStamps), never content either.
PART_STAMPS = frozenset({"created_at", "updated_at"})
CAPTURE_PRECISION = datetime.timedelta(milliseconds=1)


class PendingContentError(ValueError):
    """Pending content that cannot be written back (something it refers to is gone)."""


def part_relations():
    """(part model, its key to the partnership) for each kind of part, in saving order: the
    activities before the plans that name them."""
    relations = []
    for name in PARTNERSHIP_PARTS:
        relation = Partnership._meta.get_field(name)
        relations.append((relation.related_model, relation.field))
    return relations


def content_fields():
    return [
        field
        for field in [*Partnership._meta.concrete_fields, *Partnership._meta.many_to_many]
        if not field.primary_key and field.name not in NOT_CONTENT
    ]


def capture(partnership):
    """The partnership and its parts as the database holds them now, JSON-ready."""
    objects = [Partnership._base_manager.get(pk=partnership.pk)]
    for model, key in part_relations():
        objects += model._base_manager.filter(**{key.name: partnership.pk}).order_by("pk")
    # Through JSON, so that dates, times and decimals are stored as the JSON field can hold them.
    return json.loads(serializers.serialize("json", objects))


def same_content(content, other):
    """Whether two captures hold the same content: the bookkeeping of the partnership
    (`NOT_CONTENT`: its timestamps among them) left out, line breaks in any form alike (a
    browser sends an untouched text box's as CRLF), an empty text the same as none (a form saves
    the translations left empty as "")."""

    def comparable(value):
        if value is None:
            return ""
        if isinstance(value, str):
            return compare.same_line_breaks(value)
        if isinstance(value, list):
            return [comparable(item) for item in value]
        return value

    def content_of(stored):
        return [
            (
                item["model"],
                item["pk"],
                {
                    name: comparable(value)
                    for name, value in item["fields"].items()
                    if name
                    not in (
                        NOT_CONTENT if item["model"] == "partnerships.partnership" else PART_STAMPS
                    )
                },
            )
            for item in stored
        ]

    return content_of(content) == content_of(other)


def field_dicts(content):
    """{model: {pk: (name, {attname: value, m2m name: [pks]})}} of stored content: the form the
    history's comparison reads (history/compare.py)."""
    result = {}
    for stored in serializers.deserialize("python", content):
        obj = stored.object
        values = {field.attname: getattr(obj, field.attname) for field in obj._meta.concrete_fields}
        values.update(stored.m2m_data or {})
        result.setdefault(type(obj), {})[obj.pk] = (_name(obj), values)
    return result


def _name(obj):
    """How a stored record is called, even when something its name is made of is gone."""
    try:
        return str(obj)
    except ObjectDoesNotExist:
        return f"{obj._meta.verbose_name} {obj.pk}"


def write(partnership, content):
    """Make the database hold `content` for `partnership`: its content fields, its parts (those
    not in `content` are deleted) and their links. Call inside a transaction."""
    stored = list(serializers.deserialize("python", content))
    if not stored or not isinstance(stored[0].object, Partnership):
        raise PendingContentError(_("The pending content belongs to another partnership."))
    root, parts = stored[0], stored[1:]
    if root.object.pk != partnership.pk:
        raise PendingContentError(_("The pending content belongs to another partnership."))
    _drop_what_is_gone([item.object for item in stored])
    live = Partnership._base_manager.select_for_update().get(pk=partnership.pk)
    relations = part_relations()
    by_model = {model: [] for model, _key in relations}
    for part in parts:
        by_model[type(part.object)].append(part)
    # Parts no longer in the content go; a key another partnership holds meanwhile (SQLite
    # hands out the keys of rolled-back rows again) gets a new one.
    renumbered = {}
    now = timezone.now()
    for model, key in relations:
        wanted = [part.object.pk for part in by_model[model]]
        model._base_manager.filter(**{key.attname: partnership.pk}).exclude(pk__in=wanted).delete()
        taken = set(
            model._base_manager.filter(pk__in=wanted)
            .exclude(**{key.attname: partnership.pk})
            .values_list("pk", flat=True)
        )
        live_stamps = stamps_of(model, key, partnership)
        for part in by_model[model]:
            obj = part.object
            stored_pk = obj.pk
            if stored_pk in taken:
                obj.pk = None
                obj._state.adding = True
            if live_stamps is not None:
                stamp_part(obj, live_stamps.get(obj.pk), now)
            try:
                with transaction.atomic():
                    models.Model.save_base(obj, raw=True)
            except IntegrityError as error:
                raise PendingContentError(
                    _("“%(name)s” could not be written back: something it refers to is gone.")
                    % {"name": obj}
                ) from error
            if obj.pk != stored_pk:
                renumbered[(model, stored_pk)] = obj.pk
            for name, pks in (part.m2m_data or {}).items():
                related = model._meta.get_field(name).related_model
                pks = [renumbered.get((related, pk), pk) for pk in pks]
                existing = related._base_manager.filter(pk__in=pks).values_list("pk", flat=True)
                getattr(obj, name).set(list(existing))
    source = root.object
    for field in content_fields():
        if field.many_to_many:
            continue
        value = getattr(source, field.attname)
        if field.is_relation:
            value = renumbered.get((field.related_model, value), value)
        # Straight into the instance: modeltranslation's descriptor on "summary" would write
        # the active language's column instead.
        live.__dict__[field.attname] = value
    live.save()
    for name, pks in (root.m2m_data or {}).items():
        related = Partnership._meta.get_field(name).related_model
        existing = related._base_manager.filter(pk__in=pks).values_list("pk", flat=True)
        getattr(live, name).set(list(existing))
    live.refresh_search_document()
    return live


def stamps_of(model, key, partnership):
    """{pk: (created_at, updated_at)} of the partnership's live parts of `model`, or None for
    parts that keep no stamps."""
    if not all(hasattr(model, name) for name in PART_STAMPS):
        return None
    return {
        pk: (created, updated)
        for pk, created, updated in model._base_manager.filter(
            **{key.attname: partnership.pk}
        ).values_list("pk", "created_at", "updated_at")
    }


def stamp_part(obj, live, now):
    """A part written back at publication is made public now: a new one is created now, one
    the editor changed (saved in the try-out, so its captured stamp is not the live one) is
    updated now; an untouched one keeps its stamps. The feeds date their entries by them."""
    if live is None:
        obj.created_at = obj.updated_at = now
        return
    obj.created_at = live[0]
    # The capture keeps times to the millisecond (Django's JSON encoder).
    untouched = obj.updated_at is not None and abs(obj.updated_at - live[1]) < CAPTURE_PRECISION
    obj.updated_at = live[1] if untouched else now


def _drop_what_is_gone(objects):
    """Links to records deleted since the changes were saved (a focus area, a city): emptied
    where the field may be empty, else the content cannot be written back. Checked here, as
    the database checks its foreign keys only when the transaction commits. One query per
    kind of record linked to."""
    links = []  # (object, field)
    wanted = {}
    own = {Partnership, *(model for model, _key in part_relations())}  # written here
    for obj in objects:
        for field in obj._meta.concrete_fields:
            if not field.is_relation or field.related_model in own:
                continue
            value = getattr(obj, field.attname)
            if value is not None:
                links.append((obj, field))
                wanted.setdefault(field.related_model, set()).add(value)
    existing = {
        model: set(model._base_manager.filter(pk__in=pks).values_list("pk", flat=True))
        for model, pks in wanted.items()
    }
    for obj, field in links:
        if getattr(obj, field.attname) in existing[field.related_model]:
            continue
        if not field.null:
            raise PendingContentError(
                _("“%(name)s” could not be written back: its %(field)s no longer exists.")
                % {"name": _name(obj), "field": field.verbose_name}
            )
        setattr(obj, field.attname, None)


class _RollBack(Exception):
    pass


def try_out(partnership, content, work, *, quiet=True, keep_if=None):
    """Run `work()` with the database holding `content` (None: the live record) for
    `partnership`; then roll everything back. Returns (what `work` returned, the partnership's
    content as `work` left it — when `keep_if(result)` is true, else None).

    `quiet` mutes the model signals while `content` is written (the page cache, the history):
    for showing a page, which changes nothing.
    """
    outcome = {}
    try:
        with transaction.atomic():
            muted = (
                mute_signals(pre_save, post_save, pre_delete, post_delete, m2m_changed)
                if quiet
                else nullcontext()
            )
            with muted:
                if content is not None:
                    write(partnership, content)
            result = outcome["result"] = work()
            if keep_if is not None and keep_if(result):
                outcome["content"] = capture(partnership)
            raise _RollBack
    except _RollBack:
        pass
    return outcome["result"], outcome.get("content")
