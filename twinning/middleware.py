import logging

from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.http import HttpResponseBadRequest

from core.text_hygiene import has_control_bytes, is_text_response, strip_control_bytes

security_logger = logging.getLogger("django.security.DisallowedHost")
HEALTH_PATH = "/healthz"


class HealthCheckMiddleware:
    """Answer /healthz before anything reads the Host header: load balancers probe with the
    node's address, which is rightly not in ALLOWED_HOSTS, and the probe says nothing about it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == HEALTH_PATH:
            from twinning.views import healthz  # the views import the apps' models

            return healthz(request)
        return self.get_response(request)


class DisallowedHostMiddleware:
    """A request for a host not in ALLOWED_HOSTS (scanners, forged Host headers) gets a 400
    and one WARNING line naming the host. Left to Django it is an ERROR with a stack trace and
    a second line, which floods the log."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.path_info == HEALTH_PATH:
            return self.get_response(request)  # answered whatever the host: see below
        try:
            request.get_host()
        except DisallowedHost as error:
            security_logger.warning("%s", error, extra={"status_code": 400})
            response = HttpResponseBadRequest(
                "Bad Request: this site does not answer for that host name.",
                content_type="text/plain; charset=utf-8",
            )
            response._has_been_logged = True  # Django's own flag: no second "Bad Request" line
            return response
        return self.get_response(request)


class AdminNoIndexMiddleware:
    """Ask search engines not to index anything under the admin (``X-Robots-Tag: noindex``).

    It goes by the path, so the sign-in page, the lockout page and the admin's own 404s are
    covered as well as the pages behind the sign-in.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path_info.startswith(f"/{settings.ADMIN_URL}"):
            response.headers["X-Robots-Tag"] = "noindex, nofollow"
        return response


class StripControlCharactersMiddleware:
    """Remove control characters from every rendered text response (pages, the admin).

    The last net behind the validation at every door: a title stored before the checks existed
    (or written by hand) would otherwise reach every page that shows it, and HTML forbids them.
    Feeds, calendars and exports clean their own text where they are written; streamed
    responses (the list exports) are not held in memory to be searched here.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(response, "control_characters_removed", False):
            return response  # a cached copy, cleaned when it was kept (core/page_cache.py)
        if (
            not response.streaming
            and is_text_response(response)
            and has_control_bytes(response.content)
        ):
            response.content = strip_control_bytes(response.content)
            if response.has_header("Content-Length"):
                response["Content-Length"] = str(len(response.content))
        return response
