"""Whole-page caching for the public pages that is never stale.

Every cached page and every ETag carries a *content version* kept in the shared cache. Any
change to content (a save or delete of any content record, a change to its many-to-many links,
a publish or unpublish, an import) bumps the version, so all cached pages and ETags are out of
date at once: the next request renders afresh. The date is part of the key too, because pages
say what is "upcoming" today.

Caching is on when PAGE_CACHE_SECONDS > 0, which needs a cache every app server shares (Redis):
a per-process memory cache could not be invalidated by a change made in another process.
Without it, Django's ConditionalGetMiddleware still answers repeat requests with 304.
"""

import hashlib
import time
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponseNotModified
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.http import parse_etags

VERSION_KEY = "twinning:content-version"


def content_version():
    version = cache.get(VERSION_KEY)
    if version is None:
        # A fresh start (or an evicted key): a number no earlier version can have had.
        cache.add(VERSION_KEY, time.time_ns(), timeout=None)
        version = cache.get(VERSION_KEY)
    return version


def bump_content_version(**kwargs):
    """Mark every cached page out of date. Takes signal arguments, so it can be a receiver."""
    try:
        cache.incr(VERSION_KEY)
    except ValueError:  # not set yet
        cache.set(VERSION_KEY, time.time_ns(), timeout=None)


def cached_page(view):
    """Serve a public page from the cache, or 304 when the visitor's copy is current."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        seconds = settings.PAGE_CACHE_SECONDS
        if seconds <= 0 or request.method not in ("GET", "HEAD"):
            return view(request, *args, **kwargs)
        version = content_version()
        today = timezone.localdate().isoformat()
        address = hashlib.sha256(request.get_full_path().encode()).hexdigest()[:32]
        etag = f'"{version}-{today}-{address[:12]}"'
        if etag in parse_etags(request.headers.get("If-None-Match", "")):
            not_modified = HttpResponseNotModified()
            not_modified["ETag"] = etag
            return not_modified
        key = f"twinning:page:{version}:{today}:{address}"
        response = cache.get(key)
        if response is None:
            response = view(request, *args, **kwargs)
            if response.status_code != 200:
                return response
            if callable(getattr(response, "render", None)):
                response = response.render()
            response["ETag"] = etag
            # Browsers may keep the page but must ask again; the ETag makes that cheap.
            patch_cache_control(response, no_cache=True)
            cache.set(key, response, seconds)
        return response

    return wrapped
