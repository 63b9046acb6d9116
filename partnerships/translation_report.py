"""Which translations of a partnership's content are missing or older than the original.

For the partnership, its two cities, its milestones, activities and plans, the focus areas it
(or one of its activities or plans) is about, the key figures of the partnership and of its
cities, and its pictures and documents: every translated field with English text, in every
other language, that has no translation (missing) or whose English changed since it was
translated or confirmed (outdated; core/translated.py). Ten queries at most, whatever the
number of records: the partnership with its cities (the caller's), then one `.values()` query
each for milestones, activities, plans, focus areas, partnership figures, city figures,
pictures and documents.
"""

from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils.text import capfirst

from cities.models import City, CityFigure
from core import translated

from .models import (
    Activity,
    Document,
    FocusArea,
    Milestone,
    Partnership,
    PartnershipFigure,
    Picture,
    Plan,
)

REPORTED_MODELS = (
    Partnership,
    City,
    Milestone,
    Activity,
    Plan,
    FocusArea,
    PartnershipFigure,
    CityFigure,
    Picture,
    Document,
)
# Key figures are edited on their partnership's or city's form: the report links there.
EDITED_WITH = {PartnershipFigure: (Partnership, "partnership"), CityFigure: (City, "city")}


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
    parent = [EDITED_WITH[model][1]] if model in EDITED_WITH else []
    return list(
        queryset.order_by("pk").values(
            "pk", *parent, translated.STAMPS, *translated.value_columns(model)
        )
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
        PartnershipFigure: PartnershipFigure.objects.filter(partnership=partnership),
        CityFigure: CityFigure.objects.filter(
            city__in=[partnership.city_a_id, partnership.city_b_id]
        ),
        Picture: Picture.objects.filter(partnership=partnership),
        Document: Document.objects.filter(partnership=partnership),
    }


def report(partnership):
    """The records with missing or outdated translations, each with its entries, in page order.

    `partnership` comes with its cities (select_related).
    """
    records = []

    def add(model, pk, name, record, url=None):
        entries = _record_entries(model, record, pk)
        if entries:
            kind = capfirst(model._meta.verbose_name)
            records.append(Record(kind, name, url or _admin_url(model, pk), entries))

    add(Partnership, partnership.pk, partnership_name(partnership), partnership)
    for city in (partnership.city_a, partnership.city_b):
        add(City, city.pk, city.name_en, city)
    name_field = {
        Milestone: "title",
        Activity: "title",
        Plan: "title",
        FocusArea: "name",
        PartnershipFigure: "label",
        CityFigure: "label",
        Picture: "alt",
        Document: "title",
    }
    for model, queryset in parts_of(partnership).items():
        for row in _values(queryset, model):
            name = row[translated.column(name_field[model], translated.ORIGINAL)]
            url = None
            if model in EDITED_WITH:
                parent, field = EDITED_WITH[model]
                url = _admin_url(parent, row[field])
            add(model, row["pk"], name, row, url)
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
