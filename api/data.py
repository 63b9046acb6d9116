"""The API's objects as dicts, in the active language (names, texts, labels and page links).

The fields are those of the open-data documents (partnerships/opendata/exports.py), plus ids,
labels and links: nothing staff-only (publication state, review and scheduling marks, pending
changes, featured flags, translation stamps, search documents) and no record of an
unpublished partnership ever reaches them, since every queryset starts from `published()`.
"""

from django.urls import reverse
from django.utils.http import urlencode

from core.addresses import Addresses
from core.choices import choice_text, country_code, country_name
from core.dates import iso_partial_date
from partnerships import vitality
from partnerships.opendata.exports import number, timestamp


def link(request, path):
    return request.build_absolute_uri(path)


def page_link(request, name, slug):
    """link(request, reverse(name, kwargs={"slug": slug})), reversed once per request."""
    return Addresses.of(request)(name, slug)


def api_link(request, name, **params):
    address = reverse(f"api-1:{name}")
    return link(request, f"{address}?{urlencode(params)}" if params else address)


def coordinate(value):
    return None if value is None else float(value)


def focus_area_ref(request, area):
    if area is None:
        return None
    return area_ref(request, area.pk, area.slug, area.name)


def area_ref(request, pk, slug, name):
    return {"id": pk, "slug": slug, "name": name, "url": page_link(request, "topic_detail", slug)}


def focus_area(request, area):
    return {
        **focus_area_ref(request, area),
        "description": area.description,
        "partnerships": api_link(request, "partnerships", focus_area=area.slug),
        "activities": api_link(request, "activities", focus_area=area.slug),
    }


def city_ref(request, city):
    country = country_code(city)
    return {
        "id": city.pk,
        "slug": city.slug,
        "name": city.name,
        "country": country,
        "country_name": country_name(country),
        "region": city.region,
        "latitude": coordinate(city.latitude),
        "longitude": coordinate(city.longitude),
        "url": page_link(request, "city_detail", city.slug),
    }


def figure(item):
    return {
        "id": item.pk,
        "label": item.label,
        "qualifier": item.qualifier,
        "value": number(item.value),
        "unit": item.unit,
        "year": item.year,
        "note": item.note,
        "display": item.value_display,
    }


def city_with_figures(request, city):
    return {
        **city_ref(request, city),
        "population": city.population,
        "population_year": city.population_year,
        "summary": city.summary,
        "website": city.website,
        "figures": [figure(item) for item in city.figures.all()],
    }


def city_item(request, city):
    return {**city_ref(request, city), "partnership_count": city.partnership_count}


def partnership_ref(request, partnership):
    return {
        "id": partnership.pk,
        "slug": partnership.slug,
        "title": partnership.title,
        "url": page_link(request, "partnership_detail", partnership.slug),
    }


def partnership_head(request, partnership):
    return {
        **partnership_ref(request, partnership),
        "kind": partnership.kind,
        "kind_label": choice_text(partnership.Kind, partnership.kind),
        "status": partnership.status,
        "status_label": choice_text(partnership.Status, partnership.status),
        "established": iso_partial_date(partnership.established, partnership.established_precision),
        "established_precision": (
            partnership.established_precision if partnership.established else None
        ),
        "established_display": partnership.established_display,
        "vitality": partnership.vitality,
        # As get_vitality_display() gives it, translating one label rather than every one.
        "vitality_label": choice_text(partnership.Vitality, partnership.vitality),
    }


def areas(request, record):
    # A partnership of for_api_list() comes with its areas' rows (WithFocusAreaRefs).
    rows = getattr(record, "focus_area_rows", None)
    if rows is not None:
        return [area_ref(request, *row) for row in rows]
    return [focus_area_ref(request, area) for area in record.focus_areas.all()]


def partnership_item(request, partnership):
    return {
        **partnership_head(request, partnership),
        "city_a": city_ref(request, partnership.city_a),
        "city_b": city_ref(request, partnership.city_b),
        "focus_areas": areas(request, partnership),
        "summary": partnership.summary,
        "updated_at": timestamp(partnership.updated_at),
    }


def activity(request, item):
    return {
        "id": item.pk,
        "title": item.title,
        "kind": item.kind,
        "kind_label": str(item.kind_label),
        "start_date": iso_partial_date(item.start_date, item.start_precision),
        "start_precision": item.start_precision if item.start_date else None,
        "end_date": iso_partial_date(item.end_date, item.end_precision),
        "end_precision": item.end_precision if item.end_date else None,
        "when_display": item.when_display,
        "focus_areas": areas(request, item),
        "description": item.description,
        "location": item.location,
        "participants": item.participants,
    }


def activity_item(request, item):
    partnership = partnership_ref(request, item.partnership)
    return {**activity(request, item), "partnership": partnership, "url": partnership["url"]}


def plan_data(request, progress):
    """A plan with its progress against what was done (Plan.progress(), computed once)."""
    plan = progress.plan
    return {
        "id": plan.pk,
        "title": plan.title,
        "description": plan.description,
        "focus_area": focus_area_ref(request, plan.focus_area),
        "target_year": plan.target_year,
        "status": plan.status,
        "status_label": str(plan.get_status_display()),
        "progress": progress.state,
        "progress_label": str(progress.label),
        "activities": [item.pk for item in plan.activities.all()],
    }


def partnership_detail(request, partnership, narrative_fields):
    return {
        **partnership_head(request, partnership),
        "cities": [city_with_figures(request, city) for city in partnership.cities],
        "focus_areas": areas(request, partnership),
        **{name: getattr(partnership, name) for name in narrative_fields},
        "vitality_reason": vitality.reason(partnership),
        "milestones": [
            {
                "id": milestone.pk,
                "date": iso_partial_date(milestone.date, milestone.date_precision),
                "date_precision": milestone.date_precision,
                "date_display": milestone.date_display,
                "kind": milestone.kind,
                "kind_label": str(milestone.kind_label),
                "title": milestone.title,
                "description": milestone.description,
                "location": milestone.location,
                "participants": milestone.participants,
            }
            for milestone in partnership.milestones.all()
        ],
        "activities": [activity(request, item) for item in partnership.activities.all()],
        "plans": [plan_data(request, item.progress()) for item in partnership.plans.all()],
        "sources": [
            {
                "id": source.pk,
                "title": source.title,
                "publisher": source.publisher,
                "year": source.year,
                "url": source.url,
                "note": source.note,
            }
            for source in partnership.sources.all()
        ],
        "figures": [figure(item) for item in partnership.figures.all()],
        "updated_at": timestamp(partnership.updated_at),
    }


def city_detail(request, city, partnerships):
    return {
        **city_with_figures(request, city),
        "description": city.description,
        "image_credit": city.image_credit,
        "partnership_count": city.partnership_count,
        "partnerships": [
            {
                **partnership_head(request, partnership),
                "partner": city_ref(
                    request,
                    partnership.city_b if partnership.city_a_id == city.pk else partnership.city_a,
                ),
                "focus_areas": areas(request, partnership),
            }
            for partnership in partnerships
        ],
    }
