import http
import logging

from csp.constants import HEADER, HEADER_REPORT_ONLY
from csp.middleware import CheckableLazyObject, CSPMiddleware
from csp.utils import build_policy
from django.conf import settings
from django.core.exceptions import DisallowedHost
from django.core.signals import setting_changed
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


class ContentSecurityPolicyMiddleware(CSPMiddleware):
    """django-csp's middleware, the header's text built once per process from the settings.

    django-csp builds it twice for every response (the policy and the report-only one), about
    a sixth of an empty page's time and as much of every cached page's. With no nonce used and
    no policy of the response's own (csp_update and the like, which this site does not use),
    the text is a pure function of the settings: kept, and forgotten when they change. Anything
    else goes to django-csp as before.
    """

    def process_response(self, request, response):
        if getattr(request, "_csp_nonce", None) is not None or any(
            getattr(response, name, None) is not None for name in _RESPONSE_POLICY_PARTS
        ):
            return super().process_response(request, response)
        if settings.DEBUG and response.status_code in _DEBUG_PAGES:
            return response
        for header, exempt, (policy, excluded) in (
            (HEADER, "_csp_exempt", _policy(report_only=False)),
            (HEADER_REPORT_ONLY, "_csp_exempt_ro", _policy(report_only=True)),
        ):
            if (
                policy
                and header not in response
                and getattr(response, exempt, False) is False
                and not request.path_info.startswith(excluded)
            ):
                response[header] = policy
        # As django-csp: a nonce asked for after the header is written is an error.
        request.csp_nonce = CheckableLazyObject(self._csp_nonce_post_response)
        return response


_RESPONSE_POLICY_PARTS = (
    "_csp_config",
    "_csp_update",
    "_csp_replace",
    "_csp_config_ro",
    "_csp_update_ro",
    "_csp_replace_ro",
)
_DEBUG_PAGES = (http.HTTPStatus.INTERNAL_SERVER_ERROR, http.HTTPStatus.NOT_FOUND)
_policies = {}  # report_only -> (header text, path prefixes it is not sent for)


def _policy(report_only):
    if report_only not in _policies:
        name = "CONTENT_SECURITY_POLICY_REPORT_ONLY" if report_only else "CONTENT_SECURITY_POLICY"
        excluded = (getattr(settings, name, None) or {}).get("EXCLUDE_URL_PREFIXES") or ()
        _policies[report_only] = (build_policy(report_only=report_only), tuple(excluded))
    return _policies[report_only]


def _forget_policies(setting, **kwargs):
    if setting.startswith("CONTENT_SECURITY_POLICY"):
        _policies.clear()


setting_changed.connect(_forget_policies, dispatch_uid="twinning-csp-policies")
