"""Open data: the partnership list as JSON, CSV and GeoJSON, and a JSON document per
partnership and per city (fields documented in docs/open-data.md).

The list exports honour the list page's filters (the same PartnershipFilter) and stream: rows
come from one `values()` query read with `.iterator()`, each row carrying its focus-area ids
from a correlated subquery, and the focus areas themselves from one small query. So an export
makes the same few queries and holds only one chunk of rows in memory, however many
partnerships match (the world-scale list has about 25,000).

Dates are written in ISO 8601 to their precision ("2009", "2009-10", "2009-10-16") next to the
precision itself: a month-precise date never gets a day it does not have.

The partnership and city documents are cached whole (core.page_cache) where they are routed,
in export_urls.py, like the feeds and the pages; the list export streams and is never cached.
"""

import csv
import json
from collections import defaultdict
from decimal import Decimal
from functools import wraps

from django.db.models import Aggregate, F, OuterRef, Subquery, TextField
from django.http import Http404, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_safe
from django_countries import countries

from cities.maps import split_at_antimeridian
from core.addresses import SLUG_MARKER, slug_address
from core.compiled_rows import CompiledInstances, CompiledRows, compiled
from core.dates import iso_partial_date
from core.json_text import dumps_indented
from core.text_hygiene import (
    CONTROL_CHARACTERS,
    dumps_without_control_characters,
    encoded_without_control_characters,
    strip_control_characters,
)
from core.translated import ORIGINAL, column

from ..filters import PartnershipFilter
from ..models import FocusArea, Partnership, prefetch_page, public_cities, published_page
from ..models.records import when_display

FORMATS = ("json", "csv", "geojson")
CHUNK_SIZE = 2000  # rows fetched from the database at a time
FLUSH_SIZE = 64 * 1024  # characters gathered before a piece of the response is sent

LICENCE = (
    "Partnerships imported from the world list: the facts (which cities, their countries and "
    "coordinates) come from Wikipedia's lists of twin towns and sister cities (CC BY-SA 4.0), "
    "compiled and geocoded by Hekman/twincities (MIT licence); attribute both when you "
    "redistribute them. Narrative texts, milestones, activities, plans, figures and city profiles "
    "are written by the cities and remain theirs; see each partnership's sources."
)

# A spreadsheet reads a cell starting with one of these as a formula (or, for tab and carriage
# return, may shift it so that the next character starts one).
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


# --- Values ---------------------------------------------------------------------------------


def coordinate(value):
    return None if value is None else float(value)


def number(value):
    """A Decimal as a JSON number: an integer when it is one."""
    if value is None:
        return None
    value = Decimal(value).normalize()
    return int(value) if value == value.to_integral_value() else float(value)


def timestamp(value):
    return value.isoformat() if value is not None else None


def country_name(code):
    return str(countries.name(code)) if code else ""


def safe_cell(value):
    """A CSV cell a spreadsheet shows as text instead of running it as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


class JoinedIds(Aggregate):
    """Comma-separated ids in one text value (GROUP_CONCAT / STRING_AGG), in no fixed order."""

    function = "GROUP_CONCAT"
    output_field = TextField()

    def as_postgresql(self, compiler, connection, **extra_context):
        return self.as_sql(
            compiler,
            connection,
            function="STRING_AGG",
            template="%(function)s((%(expressions)s)::text, ',')",
            **extra_context,
        )


# --- The list exports -----------------------------------------------------------------------

# The original (English) name's own column: through a relation, values("city_a__name") would
# read the untranslated model column, which holds whatever language the city was last saved in.
CITY_NAME = column("name", ORIGINAL)
CITY_REGION = column("region", ORIGINAL)

LIST_FIELDS = (
    "slug",
    "kind",
    "status",
    "established",
    "established_precision",
    "summary",
    "updated_at",
    "area_ids",
    *(
        f"{side}__{name}"
        for side in ("city_a", "city_b")
        for name in ("slug", CITY_NAME, "country", CITY_REGION, "latitude", "longitude")
    ),
)


def filtered_partnerships(request):
    """The published partnerships the list page would show for these parameters, or the
    filter form with its errors."""
    filterset = PartnershipFilter(
        request.GET, queryset=Partnership.objects.published(), request=request
    )
    if not filterset.is_valid():
        return None, filterset.form
    return filterset.qs, None


def list_rows(queryset):
    """One plain dict per partnership, streamed: see the module's docstring."""
    through = Partnership.focus_areas.through
    area_ids = Subquery(
        through.objects.filter(partnership=OuterRef("pk"))
        .order_by()
        .values("partnership")
        .annotate(ids=JoinedIds("focusarea"))
        .values("ids"),
        output_field=TextField(),
    )
    areas = {area.pk: area for area in FocusArea.objects.only("pk", "slug", "name")}
    rows = queryset.annotate(area_ids=area_ids).values(*LIST_FIELDS)
    for row in rows.iterator(chunk_size=CHUNK_SIZE):
        ids = row.pop("area_ids")
        found = (areas.get(int(pk)) for pk in ids.split(",")) if ids else ()
        row["focus_areas"] = sorted((area for area in found if area), key=lambda a: a.name)
        yield row


class ListContext:
    """What every row needs, worked out once per export: a reverse(), a country name or a
    translated label per row would cost more than the rest of the row."""

    def __init__(self, request):
        def address(name):
            return request.build_absolute_uri(slug_address(name))

        self.partnership_address = address("partnership_detail")
        self.city_address = address("city_detail")
        self.country_names = {code: str(name) for code, name in countries}
        # The rows are values() dicts, not Partnership objects, so kind_label and status_label
        # are not at hand: the labels are translated once here instead.
        self.kind_labels = {value: str(label) for value, label in Partnership.Kind.choices}
        self.status_labels = {value: str(label) for value, label in Partnership.Status.choices}

    def partnership_url(self, slug):
        return self.partnership_address.replace(SLUG_MARKER, slug, 1)

    def city_url(self, slug):
        return self.city_address.replace(SLUG_MARKER, slug, 1)


def city_of(row, side, context):
    code = row[f"{side}__country"]
    return {
        "slug": row[f"{side}__slug"],
        "name": row[f"{side}__{CITY_NAME}"],
        "country": code,
        "country_name": context.country_names.get(code, ""),
        "region": row[f"{side}__{CITY_REGION}"] or "",
        "latitude": coordinate(row[f"{side}__latitude"]),
        "longitude": coordinate(row[f"{side}__longitude"]),
        "url": context.city_url(row[f"{side}__slug"]),
    }


def list_item(row, context):
    """A partnership of the list, as in the JSON export."""
    a, b = city_of(row, "city_a", context), city_of(row, "city_b", context)
    return {
        "slug": row["slug"],
        "url": context.partnership_url(row["slug"]),
        "title": f"{a['name']} – {b['name']}",
        "kind": row["kind"],
        "kind_label": context.kind_labels.get(row["kind"], row["kind"]),
        "status": row["status"],
        "status_label": context.status_labels.get(row["status"], row["status"]),
        "established": iso_partial_date(row["established"], row["established_precision"]),
        "established_precision": row["established_precision"] if row["established"] else None,
        "city_a": a,
        "city_b": b,
        "focus_areas": [{"slug": area.slug, "name": area.name} for area in row["focus_areas"]],
        "summary": row["summary"],
        "updated_at": timestamp(row["updated_at"]),
    }


def geometry(item):
    """A line from one city to the other, [longitude, latitude] (RFC 7946); None without
    both cities' coordinates.

    The line takes the shorter way round. When that crosses the antimeridian (the cities are
    more than 180 degrees of longitude apart) it is cut there into a MultiLineString of two
    parts meeting at +180 and -180 (RFC 7946, section 3.1.9), so that no map draws it across
    the whole world.

    Two cities at one position (the source list gives Athens, Greece and Athens, Georgia the
    same coordinates, and a few more pairs) make no line: a LineString needs two distinct
    positions, and GIS tools (GEOS/shapely, PostGIS) refuse a zero-length one as invalid.
    Such a pair is a Point. A part of a cut line that shrinks to one position after rounding
    (a city within 10 cm of the antimeridian) is dropped the same way.
    """
    positions = []
    for side in ("city_a", "city_b"):
        city = item[side]
        if city["latitude"] is None or city["longitude"] is None:
            return None
        positions.append((city["longitude"], city["latitude"]))
    # Six decimal places (about 10 cm), as RFC 7946 advises: the cut is interpolated.
    parts = [
        distinct([[round(lon, 6), round(lat, 6)] for lon, lat in part])
        for part in split_at_antimeridian(positions)
    ]
    lines = [part for part in parts if len(part) >= 2]
    if not lines:
        return {"type": "Point", "coordinates": parts[0][0]}
    if len(lines) == 1:
        return {"type": "LineString", "coordinates": lines[0]}
    return {"type": "MultiLineString", "coordinates": lines}


def distinct(positions):
    """The positions without repeats of the one before."""
    return [p for i, p in enumerate(positions) if i == 0 or p != positions[i - 1]]


def geojson_feature(item):
    properties = {
        key: value for key, value in item.items() if key not in ("city_a", "city_b", "focus_areas")
    }
    for side in ("city_a", "city_b"):
        for key in ("slug", "name", "country", "url"):
            properties[f"{side}_{key}"] = item[side][key]
    properties["focus_areas"] = [area["slug"] for area in item["focus_areas"]]
    return {
        "type": "Feature",
        "id": item["slug"],
        "geometry": geometry(item),
        "properties": properties,
    }


CSV_COLUMNS = (
    "slug",
    "url",
    "title",
    "kind",
    "status",
    "established",
    "established_precision",
    *(
        f"{side}_{key}"
        for side in ("city_a", "city_b")
        for key in ("slug", "name", "country", "country_name", "region", "latitude", "longitude")
    ),
    "focus_areas",
    "focus_area_names",
    "summary",
    "updated_at",
)


def csv_record(item):
    flat = {key: value for key, value in item.items() if key not in ("city_a", "city_b")}
    for side in ("city_a", "city_b"):
        for key, value in item[side].items():
            flat[f"{side}_{key}"] = value
    flat["focus_areas"] = "; ".join(area["slug"] for area in item["focus_areas"])
    flat["focus_area_names"] = "; ".join(area["name"] for area in item["focus_areas"])
    return [safe_cell("" if flat[name] is None else flat[name]) for name in CSV_COLUMNS]


def compact_json(value):
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def dumps(value):
    # Control characters stored in a text are left out of the data, as from every output.
    return dumps_without_control_characters(compact_json, value)


def json_pieces(items, generated_at):
    head = {"generated_at": generated_at, "licence": LICENCE}
    yield dumps(head)[:-1] + ',"partnerships":['
    for n, item in enumerate(items):
        yield ("," if n else "") + dumps(item)
    yield "]}"


def geojson_pieces(items, generated_at):
    # "generated_at" and "licence" are foreign members, which RFC 7946 (section 6.1) allows.
    head = {"type": "FeatureCollection", "generated_at": generated_at, "licence": LICENCE}
    yield dumps(head)[:-1] + ',"features":['
    for n, item in enumerate(items):
        yield ("," if n else "") + dumps(geojson_feature(item))
    yield "]}"


class _Line:
    """Where csv.writer writes: hands back the line instead of keeping it."""

    def write(self, line):
        return line


# A byte-order mark first: without it Excel reads a CSV file in the system's legacy encoding and
# garbles "–" and every name that is not plain ASCII.
BYTE_ORDER_MARK = "\ufeff"


def csv_pieces(items, generated_at):
    writer = csv.writer(_Line())
    yield BYTE_ORDER_MARK + writer.writerow(CSV_COLUMNS)
    for item in items:
        line = writer.writerow(csv_record(item))
        if CONTROL_CHARACTERS.search(line):
            # Removed from the cells before safe_cell() looks at how each starts: a cell
            # "\x0b=…" must not become a formula.
            line = writer.writerow(csv_record(strip_control_characters(item)))
        yield line


def csv_document(columns, rows):
    """A whole small CSV file written as the list export writes one: the byte-order mark, the
    header, and cells without control characters that a spreadsheet shows as text (the annual
    reports' CSV, partnerships/views/reports.py)."""
    writer = csv.writer(_Line())
    lines = [BYTE_ORDER_MARK + writer.writerow(columns)]
    for row in rows:
        cells = ["" if value is None else strip_control_characters(value) for value in row]
        lines.append(writer.writerow([safe_cell(cell) for cell in cells]))
    return "".join(lines)


def gathered(pieces):
    """Pieces joined into parts of about FLUSH_SIZE characters: fewer, larger writes."""
    buffer, size = [], 0
    for piece in pieces:
        buffer.append(piece)
        size += len(piece)
        if size >= FLUSH_SIZE:
            yield "".join(buffer)
            buffer, size = [], 0
    if buffer:
        yield "".join(buffer)


WRITERS = {
    "json": (json_pieces, "application/json"),
    "csv": (csv_pieces, "text/csv; charset=utf-8"),
    "geojson": (geojson_pieces, "application/geo+json"),
}


def bad_request(message, errors=None):
    body = {"error": message}
    if errors:
        body["errors"] = errors
    return JsonResponse(body, status=400, json_dumps_params={"ensure_ascii": False})


def open_access(view):
    """Public data other sites may fetch from a browser (no cookies are ever sent)."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response["Access-Control-Allow-Origin"] = "*"
        return response

    return wrapped


@open_access
@require_safe
def partnership_export(request):
    """/export/partnerships/?format=json|csv|geojson&<the list page's filters>"""
    # An empty format= (a form left blank) means the default, like no format at all.
    fmt = request.GET.get("format", "").strip().lower() or "json"
    if fmt not in WRITERS:
        return bad_request(
            f"Unknown format “{request.GET['format'][:50]}”. Allowed formats: {', '.join(FORMATS)}."
        )
    queryset, form = filtered_partnerships(request)
    if form is not None:
        errors = {
            field: [str(message) for message in messages] for field, messages in form.errors.items()
        }
        return bad_request("The filters are not valid.", errors)
    context = ListContext(request)
    items = (list_item(row, context) for row in list_rows(queryset))
    now = timezone.now()
    pieces, content_type = WRITERS[fmt]
    response = StreamingHttpResponse(
        gathered(pieces(items, timestamp(now.replace(microsecond=0)))), content_type=content_type
    )
    filename = f"partnerships-{timezone.localdate(now).isoformat()}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


# --- One partnership, one city --------------------------------------------------------------


def figure_data(figure):
    return {
        "label": figure.label,
        "qualifier": figure.qualifier,
        "value": number(figure.value),
        "unit": figure.unit,
        "year": figure.year,
        "note": figure.note,
        "display": figure.value_display,
    }


def city_fields(request, city, figures=True):
    data = {
        "slug": city.slug,
        "url": request.build_absolute_uri(city.get_absolute_url()),
        "name": city.name,
        "country": city.country.code,
        "country_name": country_name(city.country.code),
        "region": city.region,
        "latitude": coordinate(city.latitude),
        "longitude": coordinate(city.longitude),
    }
    if figures:
        data.update(
            population=city.population,
            population_year=city.population_year,
            summary=city.summary,
            website=city.website,
            figures=[figure_data(figure) for figure in city.figures.all()],
        )
    return data


def area_data(area):
    return {"slug": area.slug, "name": area.name} if area else None


def partnership_head(request, partnership):
    """What a partnership is, as in the list export."""
    return {
        "slug": partnership.slug,
        "url": request.build_absolute_uri(partnership.get_absolute_url()),
        "title": partnership.title,
        "kind": partnership.kind,
        "kind_label": str(partnership.kind_label),
        "status": partnership.status,
        "status_label": str(partnership.status_label),
        "established": iso_partial_date(partnership.established, partnership.established_precision),
        "established_precision": (
            partnership.established_precision if partnership.established else None
        ),
        "established_display": partnership.established_display,
    }


def areas_by_activity(partnership):
    """The focus areas of each of the partnership's activities as data (area_data()), by
    activity id, in their order, from one query of each area once with the ids of its
    activities: prefetching them would build a related manager, a filtered queryset and an area
    object for each of the (hundreds of) activities. Each area's data is written once and shared
    by its activities (it is read once per activity otherwise, its name through the translation
    field each time)."""
    found = defaultdict(list)

    def areas():
        return (
            FocusArea.objects.filter(activities__partnership=partnership)
            .annotate(activity_ids=JoinedIds("activities__id"))
            .order_by(*FocusArea._meta.ordering)  # an aggregate leaves the default order out
        )

    key = ("data.json areas", partnership._state.db)
    for area in compiled(CompiledInstances, key, areas, [partnership.pk]).instances(
        [partnership.pk]
    ):
        data = area_data(area)
        for pk in area.activity_ids.split(","):
            found[int(pk)].append(data)
    return found


ACTIVITY_FIELDS = ("id", "kind", "start_date", "start_precision", "end_date", "end_precision")
ACTIVITY_TEXTS = ("title", "description", "location", "participants")


def activity_values(partnership):
    """The partnership's activities in their order as the document writes them, from plain
    values, the texts in the original language (as an Activity reads them there: "" when
    empty): hundreds of model instances, each with every text in every language, cost more
    than the rest of the document. Their focus areas come first (areas_by_activity())."""
    areas = areas_by_activity(partnership)

    def activities():
        texts = (column(name, ORIGINAL) for name in ACTIVITY_TEXTS)
        return partnership.activities.rewrite(False).values_list(*ACTIVITY_FIELDS, *texts)

    # The query compiled once (CompiledRows): building it cost as much as reading its rows.
    key = ("data.json activities", partnership._state.db)
    rows = compiled(CompiledRows, key, activities, [partnership.pk]).rows(values=[partnership.pk])
    language = get_language()  # once, not for each of hundreds of dates
    for pk, kind, start, start_precision, end, end_precision, *texts in rows:
        title, description, location, participants = (text or "" for text in texts)
        yield {
            "id": pk,
            "title": title,
            "kind": kind,
            "start_date": iso_partial_date(start, start_precision),
            "start_precision": start_precision if start else None,
            "end_date": iso_partial_date(end, end_precision),
            "end_precision": end_precision if end else None,
            "when_display": when_display(start, start_precision, end, end_precision, language),
            "focus_areas": areas[pk],
            "description": description,
            "location": location,
            "participants": participants,
        }


def partnership_document(request, partnership):
    return {
        **partnership_head(request, partnership),
        "cities": [city_fields(request, city) for city in partnership.cities],
        "focus_areas": [area_data(area) for area in partnership.focus_areas.all()],
        **{name: getattr(partnership, name) for name in Partnership.NARRATIVE_FIELDS},
        "milestones": [
            {
                "date": iso_partial_date(milestone.date, milestone.date_precision),
                "date_precision": milestone.date_precision,
                "date_display": milestone.date_display,
                "kind": milestone.kind,
                "title": milestone.title,
                "description": milestone.description,
                "location": milestone.location,
                "participants": milestone.participants,
            }
            for milestone in partnership.milestones.all()
        ],
        "activities": list(activity_values(partnership)),
        "plans": [
            {
                "title": plan.title,
                "description": plan.description,
                "focus_area": area_data(plan.focus_area),
                "target_year": plan.target_year,
                "status": plan.status,
                "activities": [activity.pk for activity in plan.activities.all()],
            }
            for plan in partnership.plans.all()
        ],
        "sources": [
            {
                "title": source.title,
                "publisher": source.publisher,
                "year": source.year,
                "url": source.url,
                "note": source.note,
            }
            for source in partnership.sources.all()
        ],
        "figures": [figure_data(figure) for figure in partnership.figures.all()],
        "updated_at": timestamp(partnership.updated_at),
        "licence": LICENCE,
    }


def _document_json(data):
    return dumps_indented(data)  # json.dumps(…, DjangoJSONEncoder, ensure_ascii=False, indent=1)


def document_response(data, slug):
    # What JsonResponse writes, cleaned of control characters only if the text shows one.
    response = HttpResponse(
        encoded_without_control_characters(_document_json, data), content_type="application/json"
    )
    response["Content-Disposition"] = f'inline; filename="{slug}.json"'
    return response


@require_safe
def partnership_json(request, slug):
    """/partnerships/<slug>/data.json: everything the partnership page shows, as data.

    Routed with cached_page() and open_access() in export_urls.py."""
    # The page itself shows its activities in bounded sections; the data has all of them
    # (activity_values()).
    try:
        partnership = published_page(slug)
    except Partnership.DoesNotExist:
        raise Http404("No Partnership matches the given query.") from None
    # for_page()'s relations, only those that have rows read.
    partnership = prefetch_page(partnership)
    return document_response(partnership_document(request, partnership), partnership.slug)


@require_safe
def city_json(request, slug):
    """/cities/<slug>/data.json: the city, its key figures and its published partnerships.

    Routed with cached_page() and open_access() in export_urls.py."""
    city = get_object_or_404(public_cities().prefetch_related("figures"), slug=slug)
    partnerships = (
        Partnership.objects.published()
        .involving(city)
        .with_cities()
        .order_by(F("established").asc(nulls_last=True), "id")
    )
    data = {
        **city_fields(request, city),
        "description": city.description,
        "image_credit": city.image_credit,
        "partnership_count": city.partnership_count,
        "partnerships": [
            {
                **partnership_head(request, partnership),
                "partner": city_fields(
                    request,
                    partnership.city_b if partnership.city_a_id == city.pk else partnership.city_a,
                    figures=False,
                ),
                "focus_areas": [area_data(area) for area in partnership.focus_areas.all()],
            }
            for partnership in partnerships
        ],
        "licence": LICENCE,
    }
    return document_response(data, city.slug)
