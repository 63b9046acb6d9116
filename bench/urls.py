"""The site's URLs plus /bench/floor/: a bare Django view, the framework's floor.

The site's patterns are copied, not included: they hold i18n_patterns, which Django allows only
in the root URLconf."""

from django.http import HttpResponse
from django.urls import path

from twinning.urls import urlpatterns as site_urlpatterns


def floor(request):
    """The least a Django page can do: through the same server and middleware, no database."""
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")


urlpatterns = [path("bench/floor/", floor, name="bench_floor"), *site_urlpatterns]
