"""Whole-page caching for the public pages that is never stale.

Every cached page and every ETag carries a *content version* kept in the shared cache. Any
change to content (a save or delete of any content record, a change to its many-to-many links,
a publish or unpublish, an import) bumps the version, so all cached pages and ETags are out of
date at once: the next request renders afresh. The date is part of the key too, because pages
say what is "upcoming" today.

Caching is on when PAGE_CACHE_SECONDS > 0, which needs a cache every app server shares (Redis):
a per-process memory cache could not be invalidated by a change made in another process.
Without it, Django's ConditionalGetMiddleware still answers repeat requests with 304.

When the cache cannot be reached (core/resilient_cache.py), pages are rendered afresh and
carry no version ETag; when it answers again, the version is bumped, since edits made meanwhile
could not mark the stored pages out of date.

A page that is missing (or out of date) is rendered once, however many requests ask for it at
the same moment ("single flight"): the first takes a short render lock in the shared cache, the
others wait up to PAGE_CACHE_LOCK_WAIT seconds for its page and serve that. They never get a copy
of an older content version meanwhile, which could hide an edit; only yesterday's copy of the same
content version may be served while today's is rendered (docs/performance.md, "Single-flight
page cache").
"""

import contextlib
import hashlib
import math
import threading
import time
import weakref
from collections import OrderedDict
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.http import HttpResponse, HttpResponseNotModified
from django.http.response import ResponseHeaders
from django.middleware.gzip import GZipMiddleware, re_accepts_gzip
from django.utils import timezone, translation
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.http import parse_etags
from django.utils.text import compress_string

from core.chinese_script import page_variant, varies
from core.resilient_cache import cache_recovered
from core.text_hygiene import clean_response_text

VERSION_KEY = "twinning:content-version"


def content_version():
    """The current content version, or None when the cache cannot be reached. On a fresh start
    (or after the key was evicted) it is the clock in nanoseconds: a number no earlier version,
    and so no cached page, can have had. It never expires by itself."""
    version = cache.get(VERSION_KEY)
    if version is None:
        # Not Django's get_or_set(): with the cache unavailable it would return the new
        # number, and pages would carry an ETag no cache holds.
        cache.add(VERSION_KEY, time.time_ns(), timeout=None)
        version = cache.get(VERSION_KEY)
    return version


def bump_content_version(using=None, **kwargs):
    """Mark every cached page out of date. Takes signal arguments, so it can be a receiver.

    Inside a transaction, once more when it commits: a page rendered between the change and the
    commit read the data from before the change, yet is kept under the new version, and its
    render may serve every request waiting for it (single flight); after the commit's bump the
    next request renders the change. Once per transaction, however many records it saves."""
    _next_version()
    connection = transaction.get_connection(using)
    if connection.in_atomic_block and not _hook_pending(connection):
        hook = _BumpOnCommit()
        # Robust: a hook of other code before it that fails must not drop it (core/images.py).
        transaction.on_commit(hook, using=using, robust=True)
        setattr(connection, _HOOK, weakref.ref(hook))


def _hook_pending(connection):
    """Whether this transaction's hooks hold our hook already. Asked of the hooks themselves:
    a hook object still alive elsewhere (held by a test, say) after its transaction ended must
    not stop the next transaction from getting one."""
    reference = getattr(connection, _HOOK, None)
    hook = reference() if reference is not None else None
    return hook is not None and any(entry[1] is hook for entry in connection.run_on_commit)


class _BumpOnCommit:
    """The commit hook. The connection holds it weakly: it lives as long as Django keeps it
    among the transaction's hooks, until they are run or dropped (a commit, a rollback, a
    rolled-back savepoint it was registered in); the next change then registers a new one.
    Not by remembering the list of hooks it is in: that would keep a rolled-back transaction's
    other hooks alive, and with them core/images.py's removal of the files stored in it."""

    def __call__(self):
        _next_version()


_HOOK = "twinning_content_version_hook"


def _next_version():
    # No version yet (ValueError): the next read starts one, newer than any cached page's.
    with contextlib.suppress(ValueError):
        cache.incr(VERSION_KEY)


cache_recovered.connect(bump_content_version, dispatch_uid="page-cache-after-outage")

# The models whose records the public pages show, as each app registered them.
_content_models = []


def invalidate_on_change(*models, links=()):
    """Make every cached page stale on any save or delete of these models' records, and on
    any change to the many-to-many `links` ((model, field name) pairs). Each app registers its
    own in its AppConfig.ready(). Signals, because every writer must invalidate: the admin,
    inlines, reverts, fixtures, workflow moves and code; bulk writers (imports, generators)
    bump the version themselves."""
    for model in models:
        uid = f"page-cache-{model._meta.label}"
        post_save.connect(bump_content_version, sender=model, dispatch_uid=f"{uid}-save")
        post_delete.connect(bump_content_version, sender=model, dispatch_uid=f"{uid}-delete")
        if model not in _content_models:
            _content_models.append(model)
    for model, field in links:
        m2m_changed.connect(
            bump_content_version,
            sender=getattr(model, field).through,
            dispatch_uid=f"page-cache-{model._meta.label}-{field}",
        )


def content_models():
    """Every model registered with invalidate_on_change, as "app_label.Model" labels."""
    return [model._meta.label for model in _content_models]


def cached_page(view=None, *, per_language=False):
    """Serve a public page from the cache, or 304 when the visitor's copy is current.

    A hit costs one round trip to the cache: the content version and the page are fetched
    together, and the stored page says which version it was rendered from. Each address keeps
    one entry, replaced when it is out of date, so old versions do not pile up in the cache.
    A page this process served lately is answered before the view, by PageCacheMiddleware.

    `per_language`: one copy per address and active language, for responses whose language is
    not in their address (the JSON API reads Accept-Language); their ETags differ too.
    """
    if view is None:
        return lambda view: cached_page(view, per_language=per_language)

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = _cached_response(view, request, per_language, *args, **kwargs)
        if varies(request):
            # A Chinese page depends on Accept-Language (core/chinese_script.py): so do copies
            # that shared caches on the way keep.
            patch_vary_headers(response, ["Accept-Language"])
        return response

    return wrapped


def _cached_response(view, request, per_language, *args, **kwargs):
    seconds = settings.PAGE_CACHE_SECONDS
    if seconds <= 0 or request.method not in ("GET", "HEAD"):
        return view(request, *args, **kwargs)
    address = page_address(request, translation.get_language(), per_language)
    key = f"twinning:page:{address}"  # (etag, body, headers)
    found = cache.get_many([VERSION_KEY, key])
    version = found.get(VERSION_KEY)
    if version is None:
        version = content_version()
    if version is None:
        return view(request, *args, **kwargs)  # the cache is unavailable: serve uncached
    today = timezone.localdate().isoformat()
    etag = _etag(version, today, address)
    if _known_to_client(request, etag):
        return _not_modified(etag)
    stored = found.get(key)
    if stored is not None and stored[0] == etag:
        return _from_cache(stored)
    wait = settings.PAGE_CACHE_LOCK_WAIT
    if wait <= 0:
        return _render(view, request, args, kwargs, key, etag, seconds)
    # A miss: one request renders the page (the lock's holder), the others wait for it. The lock
    # is per address and ETag, so a render of an older version never holds up a newer one.
    lock = f"twinning:page-lock:{address}:{version}-{today}"
    lock_seconds = math.ceil(wait)  # also how long a holder that died can hold the page up
    if cache.add(lock, RENDERING, timeout=lock_seconds):
        done = False
        try:
            response = _render(view, request, args, kwargs, key, etag, seconds)
            done = _kept(response)
            return response
        finally:
            if done:
                # Not deleted: a request that missed just before the page was stored finds it
                # through the lock's "done", instead of taking the lock and rendering again. That
                # takes a round trip or two: kept briefly.
                cache.set(lock, DONE, timeout=1)
            else:
                # Raised, not found, an error or a stream: nothing to wait for. Whoever waits
                # renders for themselves at once.
                cache.delete(lock)
    # Yesterday's copy of today's content: no edit is hidden by serving it a moment longer.
    same_content = stored is not None and stored[0].startswith(f'"{version}-')
    page = _rendered_by_another(key, lock, etag, wait, stale=stored if same_content else None)
    if page is not None:
        return _from_cache(page)
    # The render failed, its holder died or took too long, or the cache went away: render.
    return _render(view, request, args, kwargs, key, etag, seconds)


# The render lock's values: a request is rendering the page, or has stored it.
RENDERING, DONE = "rendering", "done"
# How often a waiting request looks for the page: soon, then less often (seconds).
FIRST_PAUSE, LONGEST_PAUSE = 0.005, 0.025


def _rendered_by_another(key, lock, etag, wait, stale=None):
    """The page another request is rendering, once it is stored; `stale` at once instead while
    it is being rendered, when given; None when the render ends without a page, or takes more
    than `wait` seconds."""
    deadline = time.monotonic() + wait
    pause = FIRST_PAUSE
    while cache.get(lock) == RENDERING:
        if stale is not None:
            return stale
        if time.monotonic() + pause > deadline:
            return None
        time.sleep(pause)
        pause = min(2 * pause, LONGEST_PAUSE)
    # Done, given up (deleted), expired with its holder, or the cache is unavailable.
    page = cache.get(key)
    return page if page is not None and page[0] == etag else None


def page_address(request, language, per_language=False):
    """What tells one cached page from another. Pages carry absolute URLs (canonical, feeds,
    structured data): one copy per origin. A Chinese page has a second copy with the notice for
    readers of Traditional Chinese. `per_language`: the language too, for responses whose
    language is not in their address."""
    origin = f"{request.scheme}://{request.get_host()}"
    variant = page_variant(request, language)
    return hashlib.sha256(
        f"{origin}{request.get_full_path()}{' ' + variant if variant else ''}"
        f"{'|' + language if per_language else ''}".encode()
    ).hexdigest()[:32]


def _etag(version, today, address):
    return f'"{version}-{today}-{address[:12]}"'


def _known_to_client(request, etag):
    # The browser may send the ETag back weak (W/"…"): compression made it so. Read from META,
    # not request.headers: building that mapping of every header cost a hit more than this.
    sent = request.META.get("HTTP_IF_NONE_MATCH")
    if not sent:
        return False
    known = parse_etags(sent)
    return etag in known or f"W/{etag}" in known


def _not_modified(etag):
    not_modified = HttpResponseNotModified()
    not_modified["ETag"] = etag
    return not_modified


def _from_cache(stored):
    response = HttpResponse(stored[1], headers=stored[2])
    response.page_cache_etag = stored[0]
    return response


def _kept(response):
    # Errors are not kept; streamed exports are never held in memory.
    return response.status_code == 200 and not response.streaming


def _render(view, request, args, kwargs, key, etag, seconds):
    """The view's response, kept in the cache under `etag` when it is a whole page."""
    response = view(request, *args, **kwargs)
    if not _kept(response):
        return response
    if callable(getattr(response, "render", None)):
        response = response.render()
    response["ETag"] = etag
    # Browsers may keep the page but must ask again; the ETag makes that cheap.
    patch_cache_control(response, no_cache=True)
    # Only the body and the headers that describe it (its ETag and revalidation rule
    # included) are kept: rebuilding a response is cheaper than unpickling one.
    headers = {name: response[name] for name in KEPT_HEADERS if response.has_header(name)}
    cache.set(key, (etag, response.content, headers), seconds)
    response.page_cache_etag = etag
    return response


class PageCacheMiddleware:
    """Answers a request for a page this process served lately from memory, before the
    session, language, authentication and messages middleware and the URL resolver run, when
    the shared cache's content version says the copy is current. A hit then costs a read of the
    version alone, and less than an empty page through the whole stack (issue 23: cached pages
    at 70 % of the framework's floor). The copy is the response as it left the view's stack:
    its headers (Content-Language, Vary, Content-Length) as the inner middleware made them, its
    text cleaned of control characters; the outer middleware (security headers, compression,
    ETags) still run on it. Everything else, first requests, misses and outdated copies
    included, goes through the stack to cached_page as before.

    Placed after the health check and before the session middleware. What it skips cannot
    change a cached page: cached_page serves one copy to every visitor, staff included."""

    def __init__(self, get_response):
        self.get_response = get_response
        # Copies compressed here only where GZipMiddleware would compress them (serve_kept()).
        self.compresses = "django.middleware.gzip.GZipMiddleware" in settings.MIDDLEWARE

    def __call__(self, request):
        if (
            settings.PAGE_CACHE_SECONDS <= 0
            or settings.PAGE_CACHE_LOCAL_BYTES <= 0
            or request.method not in ("GET", "HEAD")
        ):
            return self.get_response(request)
        for prefix, answer in _early_answers:
            if request.path_info.startswith(prefix):
                return answer(request) or self.get_response(request)
        # The language LocaleMiddleware is about to choose (i18n_patterns, every language
        # prefixed): the address's prefix, else the cookie or Accept-Language. Should the two
        # ever differ, the addresses differ and the copy is simply never served from here.
        language = translation.get_language_from_request(request, check_path=True)
        address = page_address(request, language)
        response = serve_kept(
            request, address, compressed=self.compresses and request.method == "GET"
        )
        if response is not None:
            return response
        response = self.get_response(request)
        keep(address, response)
        return response


# (path prefix, answer(request) -> response or None): see answer_early().
_early_answers = []


def answer_early(prefix, answer):
    """Let `answer(request)` take GET and HEAD requests under `prefix` in PageCacheMiddleware,
    before the inner middleware run, instead of the page rule; None lets a request through. For
    an app whose views do per-request work of their own around cached_page (the API: its rate
    limit and its language), with serve_kept() and keep() for its copies."""
    _early_answers.append((prefix, answer))


def serve_kept(request, address, version=None, compressed=False):
    """This process's copy of the page at `address` (page_address()), or 304 for the visitor's
    own copy, while the shared content version says it is current; else None. One small read
    of the shared cache when there is a copy, none when there is not; none either when the
    caller read the `version` already (a callable giving it: only called for a copy).

    `compressed`: for a client that accepts gzip, the copy compressed as GZipMiddleware would
    compress it (which then leaves it alone), once per copy instead of once per request: 1 ms
    for the 60 KB statistics page against a quarter of that for the rest of a hit. One
    compression serves every visitor, as the page does; its random padding against BREACH is
    then the same for all, which gives nothing away: a cached page holds no secret (no token,
    nothing of a session), being one copy for everyone."""
    kept = nearby.get(address)
    if kept is None:
        return None
    version = version() if version is not None else cache.get(VERSION_KEY)
    if version is None:
        return None
    etag = _etag(version, timezone.localdate().isoformat(), address)
    if kept.etag != etag:
        return None
    if _known_to_client(request, etag):
        return _not_modified(etag)
    content, headers = kept.content, kept.header_store()
    if compressed and re_accepts_gzip.search(request.META.get("HTTP_ACCEPT_ENCODING", "")):
        content, headers = kept.compressed() or (content, headers)
    # The body as it is kept (bytes: never copied), the headers as checked and converted once
    # per copy: Django's ResponseHeaders validates and encodes each of them again when a
    # response is built from a dict (a tenth of a hit's own work).
    response = HttpResponse(content)
    response.headers._store = headers.copy()
    response.control_characters_removed = True
    return response


def keep(address, response):
    """Keep a response of cached_page's in this process for serve_kept(), as it is now (its
    headers included), its text cleaned of control characters once. Only when cached_page
    computed the same address (its ETag ends with it) and nothing on the way changed the page."""
    etag = getattr(response, "page_cache_etag", None)
    if etag and etag.endswith(f'-{address[:12]}"') and response.get("ETag") == etag:
        content = clean_response_text(response)
        headers = dict(response.headers)
        headers["Content-Length"] = str(len(content))
        nearby.put(address, KeptPage(etag, content, headers))


class KeptPage:
    """A page kept by keep(): its ETag, body and headers, and the same compressed, made when a
    client first asks for it."""

    __slots__ = ("etag", "content", "headers", "_store", "_compressed")

    def __init__(self, etag, content, headers):
        self.etag, self.content, self.headers = etag, content, headers
        self._store = self._compressed = None

    def header_store(self):
        """The headers as a response keeps them (ResponseHeaders' store), built once."""
        if self._store is None:
            self._store = _header_store(self.headers)
        return self._store

    def compressed(self):
        """(body, header store) as GZipMiddleware makes them for a client that accepts gzip,
        or None when it would leave the page as it is (short, or no shorter compressed)."""
        if self._compressed is None:
            body, headers = self._compress() or (None, None)
            self._compressed = (body, _header_store(headers)) if body is not None else False
        return self._compressed or None

    def _compress(self):
        response = HttpResponse(self.content, headers=self.headers)
        if len(self.content) < 200 or response.has_header("Content-Encoding"):
            return None
        body = compress_string(self.content, max_random_bytes=GZipMiddleware.max_random_bytes)
        if len(body) >= len(self.content):
            return None
        patch_vary_headers(response, ("Accept-Encoding",))
        response.headers["Content-Length"] = str(len(body))
        etag = response.get("ETag")
        if etag and etag.startswith('"'):
            response.headers["ETag"] = "W/" + etag
        response.headers["Content-Encoding"] = "gzip"
        return body, dict(response.headers)


def _header_store(headers):
    return ResponseHeaders(headers)._store


class NearbyCopies:
    """The pages this process served lately (PageCacheMiddleware), up to
    PAGE_CACHE_LOCAL_BYTES of bodies, least recently used dropped first. Only ever served when
    the shared cache's current content version says they are current (their ETag holds it), so
    they are never staler than the shared copies. The compressed bodies (KeptPage) are not
    counted: about a fifth of the others."""

    def __init__(self):
        self.pages = OrderedDict()
        self.size = 0
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            page = self.pages.get(key)
            if page is not None:
                self.pages.move_to_end(key)
            return page

    def put(self, key, page):
        limit = settings.PAGE_CACHE_LOCAL_BYTES
        with self.lock:
            old = self.pages.pop(key, None)
            if old is not None:
                self.size -= len(old.content)
            if len(page.content) > limit:
                return
            self.pages[key] = page
            self.size += len(page.content)
            while self.size > limit:
                _, dropped = self.pages.popitem(last=False)
                self.size -= len(dropped.content)

    def clear(self):
        with self.lock:
            self.pages.clear()
            self.size = 0


nearby = NearbyCopies()


# What a view says about its content, and the page cache's own validator; the middleware adds
# the rest on the way out again.
KEPT_HEADERS = (
    "Content-Type",
    "Content-Disposition",
    "Content-Language",
    "ETag",
    "Cache-Control",
)
