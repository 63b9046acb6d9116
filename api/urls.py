"""/api/v1/: the endpoints, the OpenAPI description (openapi.json) and its browsable
documentation (docs), each through api/http.py's api_view (CORS, rate limit, language, cache)."""

from django.urls import URLPattern, path

from .http import api_view
from .views import api

_patterns, _app, _namespace = api.urls


def wrapped(pattern):
    return URLPattern(
        pattern.pattern, api_view(pattern.callback), pattern.default_args, pattern.name
    )


urlpatterns = [path("api/v1/", ([wrapped(pattern) for pattern in _patterns], _app, _namespace))]
