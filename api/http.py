"""What every address of the API does around its view: cross-origin access, the rate limit, the
language, and the page cache (core/page_cache.py), in that order from the outside in.

- CORS: any site's scripts may read the API (`Access-Control-Allow-Origin: *`; no cookies are
  ever needed or read), and a preflight OPTIONS is answered here, before the rate limit.
  A dozen lines, not django-cors-headers: that is middleware for the whole site, configured
  by settings, where the API needs one fixed answer on its own addresses.
- Rate limit: API_RATE_LIMIT requests per API_RATE_PERIOD seconds per client address
  (core/client_ip.py), counted in the shared cache in fixed windows (a counter that starts
  with the window and an atomic increment per request, in one round trip). Past it: 429 with
  Retry-After. When the cache cannot be reached, requests are not counted and are served
  (core/resilient_cache.py): the limit degrades, the API does not.
- Language: `?lang=` (en, de, zh), else Accept-Language, else English; the response says
  `Content-Language` and varies on Accept-Language. An unknown `lang` is a 400.
- Cache: cached_page, one copy per address and language; conditional GET answers 304.
"""

import hashlib
import math
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, JsonResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation.trans_real import parse_accept_lang_header

from core.client_ip import client_ip
from core.page_cache import VERSION_KEY, cached_page, keep, page_address, serve_kept
from core.resilient_cache import count_up, count_up_and_get

# The codes `lang` takes, and the language each stands for.
LANGUAGES = {"en": "en", "de": "de", "zh": "zh-hans", "zh-hans": "zh-hans"}
PUBLIC_LANGUAGES = ("en", "de", "zh")
ALLOWED_METHODS = "GET, OPTIONS"
RATE_KEY = "twinning:api-rate"


def error(status, message, errors=None, **headers):
    """The API's error body: {"error": "…", "errors": {"parameter": ["…"]}}."""
    body = {"error": message}
    if errors:
        body["errors"] = errors
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": False})
    for name, value in headers.items():
        response[name.replace("_", "-")] = value
    return response


# --- Cross-origin access --------------------------------------------------------------------


def open_to_all(response):
    response["Access-Control-Allow-Origin"] = "*"
    # What a script on another site may read besides the simple headers.
    response["Access-Control-Expose-Headers"] = (
        "ETag, Content-Language, Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining"
    )
    return response


def preflight():
    response = HttpResponse(status=204)
    response["Access-Control-Allow-Methods"] = ALLOWED_METHODS
    response["Access-Control-Allow-Headers"] = "Accept, Accept-Language, If-None-Match"
    response["Access-Control-Max-Age"] = "86400"
    response["Allow"] = ALLOWED_METHODS
    return open_to_all(response)


# --- Rate limit -----------------------------------------------------------------------------


def rate_window(request):
    """The key that counts this client's requests in the current window, the seconds its count
    lives, and the seconds until the window ends."""
    period = settings.API_RATE_PERIOD
    now = time.time()
    window = int(now // period)
    address = hashlib.sha256(client_ip(request).encode()).hexdigest()[:24]
    return (
        f"{RATE_KEY}:{window}:{address}",
        period + 1,
        max(1, math.ceil((window + 1) * period - now)),
    )


def count_request(request):
    """This client's requests in the current window, this one included, and the seconds until
    the window ends; None for the count when the cache cannot count."""
    key, timeout, reset = rate_window(request)
    # The window's count starts (with its expiry) at its first request; counting is atomic in
    # Redis, so concurrent requests are each counted once.
    return count_up(cache, key, timeout=timeout), reset


def limited(request):
    """A 429 response when this client is over the limit, else None; the headers to add. The
    request is counted once: answer_early() may have counted it already."""
    limit = settings.API_RATE_LIMIT
    count, reset = getattr(request, "api_rate", None) or count_request(request)
    if count is None:
        return None, {}
    headers = {"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(max(0, limit - count))}
    if count > limit:
        return error(
            429,
            f"Too many requests: at most {limit} per {settings.API_RATE_PERIOD} seconds from one "
            f"address. Try again in {reset} seconds.",
            Retry_After=str(reset),
        ), headers
    return None, headers


# --- Language -------------------------------------------------------------------------------


def language_of(request):
    """The language asked for, or None for an unknown `lang`."""
    asked = request.GET.get("lang")
    if asked is not None:
        return LANGUAGES.get(asked.strip().lower())
    for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
        if code == "*":
            break
        try:
            return translation.get_supported_language_variant(code)
        except LookupError:
            continue
    return settings.LANGUAGE_CODE


# --- All together ---------------------------------------------------------------------------


def api_view(view):
    """An API address: see the module's docstring."""
    cached = cached_page(view, per_language=True)

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if request.method == "OPTIONS":
            return preflight()
        # HEAD as GET without the body (link checkers and monitors ask HEAD); ninja routes GET.
        head = request.method == "HEAD"
        if head:
            request.method = "GET"
        response, rate_headers = limited(request)
        if response is None:
            language = language_of(request)
            if language is None:
                response = error(
                    400,
                    f"Unknown language “{request.GET['lang'][:20]}”. "
                    f"Languages: {', '.join(PUBLIC_LANGUAGES)}.",
                    {"lang": [f"Choose one of {', '.join(PUBLIC_LANGUAGES)}."]},
                )
            else:
                with translation.override(language):
                    response = cached(request, *args, **kwargs)
                response["Content-Language"] = language
                # For answer_early(): without this request's own headers (its rate count).
                keep(page_address(request, language, per_language=True), response)
        return finished(response, rate_headers, head)

    return wrapped


def finished(response, rate_headers, head):
    """What every API response gets on its way out: its rate count, Vary, no body for HEAD
    (its length then 0, as the common middleware says it), and CORS."""
    for name, value in rate_headers.items():
        response[name] = value
    patch_vary_headers(response, ("Accept-Language",))
    if head and not response.streaming:
        response.content = b""
        if response.has_header("Content-Length"):
            response["Content-Length"] = "0"
    return open_to_all(response)


def answer_early(request):
    """A GET or HEAD from this process's copy, before the site's inner middleware run
    (core/page_cache.py's PageCacheMiddleware), when the copy is current: counted against the
    rate limit, with the same headers as api_view's answer. None otherwise, and api_view
    answers, counting the request unless it was counted here. One round trip to the cache: the
    count and the content version that says whether the copy is current, together."""
    language = language_of(request)
    if language is None:
        return None

    def counted_version():
        key, timeout, reset = rate_window(request)
        count, version = count_up_and_get(cache, key, timeout, VERSION_KEY)
        request.api_rate = count, reset
        return version

    response = serve_kept(
        request, page_address(request, language, per_language=True), version=counted_version
    )
    if response is None:
        return None
    refused, rate_headers = limited(request)  # counted by counted_version(), as a copy was kept
    if refused is not None:
        return None
    response["Content-Language"] = language
    return finished(response, rate_headers, request.method == "HEAD")
