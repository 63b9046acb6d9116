import functools
import logging
import uuid

from django.core.cache import cache
from django.db import DatabaseError, connection
from django.http import JsonResponse
from django.utils import timezone, translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.generic import TemplateView

from core.compiled_rows import CompiledObjects
from core.translated import by_name
from partnerships.anniversaries import jubilee_of, jubilee_queryset
from partnerships.maps import LINKS_NEEDED, overview_map
from partnerships.models import Activity, Partnership
from partnerships.statistics import partnerships_by_country_pair

FEATURED_COUNT = 6
UPCOMING_COUNT = 5


@functools.lru_cache(maxsize=8)
def home_queries(language, today):
    """The home page's queries of featured partnerships (and the most recently changed, for
    when none is featured), of the soonest activities and of the coming jubilees, as built in
    `language` on `today`: a memo of a pure function of the two, holding queries, never rows
    (each request runs them), so an edit shows on the next request. Building them (the
    soonest activities' nested keys above all) took the ORM about 5 ms a page, compiling them
    2.5 ms more: they are kept compiled."""
    published = Partnership.objects.published().with_cities().card_columns().for_cards()
    by_names = (by_name("city_a__name"), by_name("city_b__name"), "pk")
    queries = {
        "featured": published.filter(is_featured=True).order_by(*by_names)[:FEATURED_COUNT],
        "changed": published.order_by("-updated_at")[:FEATURED_COUNT],
        "upcoming": Activity.objects.select_related("partnership__city_a", "partnership__city_b")
        .for_list()
        .soonest(UPCOMING_COUNT, today),
        "jubilees": jubilee_queryset(Partnership.objects.published().named(), today)[
            :UPCOMING_COUNT
        ],
    }
    return {name: CompiledObjects(query) for name, query in queries.items()}


class HomeView(TemplateView):
    template_name = "twinning/home.html"

    def get_context_data(self, **kwargs):
        queries = home_queries(translation.get_language(), timezone.localdate())
        featured = queries["featured"].objects() or queries["changed"].objects()
        # ?map=active: the world map of the active partnerships only; anything else, all.
        active_only = self.request.GET.get("map") == Partnership.Vitality.ACTIVE
        # The map's countries and links, and the counts by vitality (of all), in one statement.
        countries, links, by_vitality = partnerships_by_country_pair(
            vitality=Partnership.Vitality.ACTIVE if active_only else None,
            busiest=LINKS_NEEDED,
            by_vitality=True,
        )
        return super().get_context_data(
            featured=featured,
            partnership_count=sum(row["value"] for row in by_vitality),
            by_vitality=by_vitality,
            map_active_only=active_only,
            upcoming_activities=queries["upcoming"].objects(),
            jubilees=[jubilee_of(partnership) for partnership in queries["jubilees"].objects()],
            world_map=overview_map(countries, links),
            **kwargs,
        )


logger = logging.getLogger(__name__)

HEALTH_KEY = "twinning:healthz"


def cache_works():
    """Whether the cache keeps and returns a value. A cache that cannot be reached is skipped
    at once while it is known to be down (core/resilient_cache.py)."""
    token = uuid.uuid4().hex
    try:
        cache.set(HEALTH_KEY, token, timeout=10)
        return cache.get(HEALTH_KEY) == token
    except Exception:  # any cache backend's failure is "unavailable" here, never a 500
        logger.warning("Health check: the cache failed", exc_info=True)
        return False


@never_cache
@require_GET
def healthz(request):
    """For load balancers and monitors: 503 when the database does not answer (this server
    cannot serve), 200 otherwise; "degraded" when only the cache is unavailable (pages are then
    served uncached)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.warning("Health check: the database is unreachable (%s)", error)
        # A broken kept connection must not answer the next probe: open a fresh one then.
        connection.close()
        return JsonResponse(
            {"status": "unavailable", "database": "unreachable"},
            status=503,
            headers={"Retry-After": "5"},
        )
    if not cache_works():
        return JsonResponse({"status": "degraded", "database": "ok", "cache": "unavailable"})
    return JsonResponse({"status": "ok", "database": "ok", "cache": "ok"})
