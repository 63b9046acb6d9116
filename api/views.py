"""The API's endpoints (django-ninja): thin, each a published queryset from the models, the
public pages' filters (partnerships/filters.py), a page of it and the dicts of data.py."""

import json

from django.core.paginator import Paginator
from django.db.models import F, Prefetch
from django.http import Http404
from ninja import NinjaAPI, Query
from ninja.errors import HttpError, ValidationError
from ninja.renderers import BaseRenderer

from core.translated import by_name
from partnerships.filters import ActivityFilter, CityFilter, PartnershipFilter
from partnerships.models import Activity, FocusArea, Partnership, listed_cities, public_cities
from partnerships.opendata.exports import LICENCE
from partnerships.views import PartnershipPaginator, PublishedRecordPaginator

from . import data
from .http import PUBLIC_LANGUAGES, error
from .schemas import (
    MAX_PAGE_SIZE,
    PAGE_SIZE,
    ActivityFilters,
    ActivityPage,
    CityDetail,
    CityFilters,
    CityPage,
    Error,
    FocusAreaOut,
    FocusAreaPage,
    Paging,
    PartnershipDetail,
    PartnershipFilters,
    PartnershipPage,
)

DESCRIPTION = f"""
The published partnerships, their cities, topics and activities, read-only.

- **Language**: `?lang=` ({", ".join(PUBLIC_LANGUAGES)}), else `Accept-Language`, else English;
  the answer says `Content-Language`. Texts without a translation are in English.
- **Paging**: `page` (from 1) and `limit` (default {PAGE_SIZE}, at most {MAX_PAGE_SIZE});
  each page gives `count`, `pages` and the `next` and `previous` pages' addresses.
- **Caching**: every answer has an `ETag`; send it back as `If-None-Match` for a `304`.
- **Rate limit**: a number of requests per minute from one address (`X-RateLimit-Limit`);
  past it `429` with `Retry-After`.
- **Errors**: `{{"error": "…", "errors": {{"parameter": ["…"]}}}}` with 400, 404 or 429.
- **Licence**: {LICENCE}
"""


class JSONRenderer(BaseRenderer):
    """UTF-8 as it is ("北京", not "\\u5317\\u4eac")."""

    media_type = "application/json"

    def render(self, request, data, *, response_status):
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))


class TwinningAPI(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        """Ninja's document, plus what api/http.py does around every operation: the language
        parameters and the 400 and 429 answers."""
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema["paths"].values():
            for operation in operations.values():
                operation.setdefault("parameters", []).extend(LANGUAGE_PARAMETERS)
                responses = operation.setdefault("responses", {})
                responses.setdefault(400, error_response("A parameter is not valid."))
                responses[429] = error_response("Too many requests: see Retry-After.")
        return schema


LANGUAGE_PARAMETERS = [
    {
        "in": "query",
        "name": "lang",
        "required": False,
        "description": "The language of names, texts, labels and links.",
        "schema": {"type": "string", "enum": list(PUBLIC_LANGUAGES)},
    },
    {
        "in": "header",
        "name": "Accept-Language",
        "required": False,
        "description": "Used when `lang` is not given.",
        "schema": {"type": "string"},
    },
]


def error_response(description):
    return {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }


api = TwinningAPI(
    title="Twinning API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api-1",
    renderer=JSONRenderer(),
)


@api.exception_handler(ValidationError)
def invalid_parameters(request, exc):
    errors = {}
    for item in exc.errors:
        name = str(item.get("loc", ["", "?"])[-1])
        errors.setdefault(name, []).append(item.get("msg", "Not valid."))
    return error(400, "The parameters are not valid.", errors)


@api.exception_handler(HttpError)
def http_error(request, exc):
    return error(exc.status_code, str(exc))


@api.exception_handler(Http404)
def not_found(request, exc):
    return error(404, str(exc) or "Not found.")


class FilterError(Exception):
    """The public page's FilterSet refused a parameter: a 400 with its messages."""

    def __init__(self, errors):
        self.errors = errors


def filtered(filterset_class, request, queryset):
    """The public page's FilterSet of the queryset, valid (its `qs` the queryset narrowed), or
    a 400 naming the parameters."""
    filterset = filterset_class(request.GET, queryset=queryset, request=request)
    if not filterset.is_valid():
        errors = {name: [str(m) for m in messages] for name, messages in filterset.errors.items()}
        raise FilterError(errors)
    return filterset


@api.exception_handler(FilterError)
def bad_filters(request, exc):
    return error(400, "The filters are not valid.", exc.errors)


def one(queryset, slug, what):
    """The object with this slug, or a 404 that names what was not found."""
    found = queryset.filter(slug=slug).first() if slug else None
    if found is None:
        raise HttpError(404, f"There is no {what} “{slug[:100]}”.")
    return found


def page_of(request, queryset, paging, item, paginator_class=Paginator, count=None, kept=None):
    """One page of `queryset`, each object through `item`; 404 past the last page. `count`:
    how many objects `queryset` holds, where the caller knows (a FilterSet's figure_count());
    `kept`: the name under which a PartnershipPaginator keeps its pages' statements compiled
    (an unfiltered list)."""
    paginator = paginator_class(queryset, paging.limit)
    if count is not None:
        paginator.count = count
    if kept is not None:
        paginator.kept = kept
    pages = paginator.num_pages  # one query: the count, unless given
    if paging.page > pages:
        raise HttpError(
            404,
            f"Page {paging.page} does not exist: the last page is {pages}.",
        )
    objects = paginator.page(paging.page).object_list

    def address(page):
        params = request.GET.copy()
        params["page"] = page
        return request.build_absolute_uri(f"{request.path}?{params.urlencode()}")

    return {
        "count": paginator.count,
        "page": paging.page,
        "pages": pages,
        "limit": paging.limit,
        "next": address(paging.page + 1) if paging.page < pages else None,
        "previous": address(paging.page - 1) if paging.page > 1 else None,
        "results": [item(request, obj) for obj in objects],
    }


NOT_FOUND = {404: Error}
PAGED = {400: Error, 404: Error}


# --- Partnerships ---------------------------------------------------------------------------


@api.get(
    "/partnerships/",
    response={200: PartnershipPage, **PAGED},
    url_name="partnerships",
    tags=["partnerships"],
)
def partnerships(request, filters: Query[PartnershipFilters], paging: Query[Paging]):
    """The published partnerships, with the partnership list page's filters and sorting."""
    filterset = filtered(PartnershipFilter, request, Partnership.objects.listed().for_api_list())
    return page_of(
        request,
        filterset.qs,
        paging,
        data.partnership_item,
        PartnershipPaginator,
        count=filterset.figure_count(),
        kept="api" if filterset.unfiltered() else None,
    )


@api.get(
    "/partnerships/{slug}/",
    response={200: PartnershipDetail, **NOT_FOUND},
    url_name="partnership",
    tags=["partnerships"],
)
def partnership(request, slug: str):
    """A published partnership with its cities, milestones, activities, plans, sources and
    key figures."""
    queryset = (
        Partnership.objects.published()
        .for_page()
        .prefetch_related(
            Prefetch("activities", queryset=Activity.objects.prefetch_related("focus_areas"))
        )
    )
    found = one(queryset, slug, "published partnership")
    return data.partnership_detail(request, found, Partnership.NARRATIVE_FIELDS)


# --- Cities ---------------------------------------------------------------------------------


@api.get("/cities/", response={200: CityPage, **PAGED}, url_name="cities", tags=["cities"])
def cities(request, filters: Query[CityFilters], paging: Query[Paging]):
    """The cities with at least one published partnership, by name, with the city directory's
    filters."""
    filterset = filtered(CityFilter, request, listed_cities())
    return page_of(request, filterset.qs, paging, data.city_item, count=filterset.figure_count())


@api.get(
    "/cities/{slug}/", response={200: CityDetail, **NOT_FOUND}, url_name="city", tags=["cities"]
)
def city(request, slug: str):
    """A city with a published partnership: its profile, key figures and its published
    partnerships, oldest first."""
    found = one(
        public_cities().prefetch_related("figures"), slug, "city with a published partnership"
    )
    partnerships = (
        Partnership.objects.published()
        .involving(found)
        .with_cities()
        .order_by(F("established").asc(nulls_last=True), "id")
    )
    return data.city_detail(request, found, partnerships)


# --- Topics ---------------------------------------------------------------------------------


@api.get("/topics/", response={200: FocusAreaPage, **PAGED}, url_name="topics", tags=["topics"])
def topics(request, paging: Query[Paging]):
    """The focus areas, by name."""
    queryset = FocusArea.objects.order_by(by_name("name"), "pk")
    return page_of(request, queryset, paging, data.focus_area)


@api.get(
    "/topics/{slug}/", response={200: FocusAreaOut, **NOT_FOUND}, url_name="topic", tags=["topics"]
)
def topic(request, slug: str):
    """A focus area, with the addresses of its partnerships and activities in the API."""
    return data.focus_area(request, one(FocusArea.objects.all(), slug, "focus area"))


# --- Activities -----------------------------------------------------------------------------


@api.get(
    "/activities/",
    response={200: ActivityPage, **PAGED},
    url_name="activities",
    tags=["activities"],
)
def activities(request, filters: Query[ActivityFilters], paging: Query[Paging]):
    """The activities of published partnerships, newest first, with the activity list page's
    filters."""
    queryset = filtered(ActivityFilter, request, Activity.objects.listing()).qs
    return page_of(request, queryset, paging, data.activity_item, PublishedRecordPaginator)
