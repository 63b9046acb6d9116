"""Which translations of a partnership's content are missing or older than the original.

For the partnership, its two cities, its milestones, activities and plans and the focus areas
it (or one of its activities or plans) is about: every translated field with English text,
in every other language, that has no translation (missing) or whose English changed since it
was translated or confirmed (outdated; core/translated.py). Six queries at most, whatever
the number of records: the partnership with its cities (the caller's), then one `.values()`
query each for milestones, activities, plans and focus areas.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils.text import capfirst

from cities.models import City
from core import translated

from .models import Activity, FocusArea, Milestone, Partnership, Plan

REPORTED_MODELS = (Partnership, City, Milestone, Activity, Plan, FocusArea)


@dataclass(frozen=True)
class Entry:
    key: str  # "partnerships.milestone:12:title:de", what the confirm form posts
    field_label: str
    language: str
    language_name: str
    state: str  # translated.MISSING or translated.OUTDATED

    @property
    def is_missing(self):
        return self.state == translated.MISSING


@dataclass(frozen=True)
class Record:
    kind: str  # "Milestone"
    name: str
    url: str
    entries: list


def entry_key(model, pk, field, language):
    return f"{model._meta.label_lower}:{pk}:{field}:{language}"


def _record_entries(model, record, pk):
    names = dict(settings.LANGUAGES)
    entries = []
    for field in translated.translated_fields(model):
        label = capfirst(model._meta.get_field(field).verbose_name)
        for language in translated.translation_languages():
            state = translated.state(record, field, language)
            if state in (translated.MISSING, translated.OUTDATED):
                entries.append(
                    Entry(
                        entry_key(model, pk, field, language),
                        label,
                        language,
                        str(names.get(language, language)),
                        state,
                    )
                )
    return entries


def _admin_url(model, pk):
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[pk])


def _values(queryset, model):
    return list(
        queryset.order_by("pk").values("pk", translated.STAMPS, *translated.value_columns(model))
    )


def parts_of(partnership):
    """The querysets of the records the report covers besides the partnership and its cities."""
    return {
        Milestone: Milestone.objects.filter(partnership=partnership),
        Activity: Activity.objects.filter(partnership=partnership),
        Plan: Plan.objects.filter(partnership=partnership),
        FocusArea: FocusArea.objects.filter(
            Q(
                pk__in=Partnership.focus_areas.through.objects.filter(
                    partnership=partnership
                ).values("focusarea")
            )
            | Q(
                pk__in=Activity.focus_areas.through.objects.filter(
                    activity__partnership=partnership
                ).values("focusarea")
            )
            | Q(pk__in=Plan.objects.filter(partnership=partnership).values("focus_area"))
        ),
    }


def report(partnership):
    """The records with missing or outdated translations, each with its entries, in page order.

    `partnership` comes with its cities (select_related).
    """
    records = []

    def add(model, pk, name, record):
        entries = _record_entries(model, record, pk)
        if entries:
            kind = capfirst(model._meta.verbose_name)
            records.append(Record(kind, name, _admin_url(model, pk), entries))

    add(Partnership, partnership.pk, partnership_name(partnership), partnership)
    for city in (partnership.city_a, partnership.city_b):
        add(City, city.pk, city.name_en, city)
    name_field = {Milestone: "title", Activity: "title", Plan: "title", FocusArea: "name"}
    for model, queryset in parts_of(partnership).items():
        for row in _values(queryset, model):
            name = row[translated.column(name_field[model], translated.ORIGINAL)]
            add(model, row["pk"], name, row)
    return records


def partnership_name(partnership):
    return f"{partnership.city_a.name_en} – {partnership.city_b.name_en}"


def parse_key(key):
    """(model, pk, field, language) from an entry key, or None if it names nothing reportable."""
    try:
        label, pk, field, language = key.split(":")
        pk = int(pk)
    except ValueError:
        return None
    models = {m._meta.label_lower: m for m in REPORTED_MODELS}
    model = models.get(label)
    if model is None or field not in translated.translated_fields(model):
        return None
    if language not in translated.translation_languages():
        return None
    return model, pk, field, language
