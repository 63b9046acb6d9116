"""The site's URLs plus /bench/floor/: a bare Django view, the framework's floor."""

from django.http import HttpResponse
from django.urls import include, path


def floor(request):
    """The least a Django page can do: through the same server and middleware, no database."""
    return HttpResponse("ok\n", content_type="text/plain; charset=utf-8")


urlpatterns = [
    path("bench/floor/", floor, name="bench_floor"),
    path("", include("twinning.urls")),
]
