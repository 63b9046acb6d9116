from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "api"
    verbose_name = "API"

    def ready(self):
        from core.page_cache import answer_early

        from .http import answer_early as answer_from_this_process

        # A current copy of an API response is served before the site's inner middleware,
        # with the API's own rate limit and language (api/http.py).
        answer_early("/api/v1/", answer_from_this_process)
