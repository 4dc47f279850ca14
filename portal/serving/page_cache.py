"""Whole-page caching for citizen pages, correct on every app server at the next request.

Public pages are the same for every visitor (no session, no cookie, no CSRF token), so each
is rendered once and served from the cache until the content changes. The key is

    release | Taipei date | scheme://host | path | normalised query | content version

- the content version is read from the database on every request (one tiny query) and is
  bumped by the database with every write (plan.content): an edit saved on any app server
  changes the key everywhere at once, whatever the servers' clocks or the cache backend;
- the release (portal.serving.caching.release) keeps a deploy from serving pages of the old code;
- the date in Asia/Taipei: expected progress moves with the calendar, not with writes;
- the origin: with PORTAL_BASE_URL set every public request has that origin (see
  CanonicalOriginMiddleware), otherwise absolute URLs follow the request's host, so it is
  part of the key;
- the query: a page declares the parameters it reads (`page_query`); any other parameter is
  dropped from the key, so `?utm_source=…` or `?x=1` is served the canonical page's entry.

Responses carry an ETag and `Cache-Control: public, max-age=0, must-revalidate,
s-maxage=…`: browsers ask again every time (cheaply: 304 on a matching ETag), so an editor
who saves and follows a link sees the edit; shared caches (nginx's micro-cache, a CDN) may
keep a page for PAGE_SHARED_MAX_AGE seconds.
"""

import hashlib
from urllib.parse import urlencode, urlsplit

from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.urls import Resolver404, resolve
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_cache_control, set_response_etag

from plan import content

from .caching import process_store, release
from .middleware import unavailable_response

CACHED_STATUS = 200
# Pages each process keeps in its own memory in front of the shared cache (about 10 MB at
# the plan's page sizes).
LOCAL_ENTRIES = 500
# Search results: endless possible queries, so they live a shorter time.
SEARCH_SECONDS = 600


def page_query(*names, normalise=None):
    """Declare the query parameters a page reads. `normalise(QueryDict)` may return the
    canonical form of their values (e.g. search's cleaned words); by default the named
    parameters' last values, in the order named."""

    def declare(view):
        view.page_query = normalise or (
            lambda params: {name: params[name] for name in names if params.get(name)}
        )
        return view

    return declare


def public_path(request):
    return request.method in ("GET", "HEAD") and not request.path.startswith(
        (
            f"/{settings.ADMIN_URL}",
            settings.STATIC_URL
            if settings.STATIC_URL.startswith("/")
            else f"/{settings.STATIC_URL}",
        )
    )


class CanonicalOriginMiddleware:
    """With PORTAL_BASE_URL set, every public page and download is built for that origin
    (canonical and hreflang links, sitemap, feeds, CSV URLs), whichever host name or scheme
    the request came by, so one cached copy is right for all of them. The admin keeps the
    request's own host (its CSRF checks compare the origin)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        base = settings.PORTAL_BASE_URL
        if base and public_path(request):
            origin = urlsplit(base)
            request.META["HTTP_HOST"] = origin.netloc
            request.META.pop("HTTP_X_FORWARDED_HOST", None)
            request.META["wsgi.url_scheme"] = origin.scheme
            if settings.SECURE_PROXY_SSL_HEADER:
                header, secure = settings.SECURE_PROXY_SSL_HEADER
                request.META[header] = secure if origin.scheme == "https" else "http"
        return self.get_response(request)


# Query strings seen lately → their canonical form: resolving the route and cleaning the
# words costs more than serving a cached page, and the same searches come again and again.
_normalised = process_store(2000)


def normalised_query(request):
    """The part of the query string the page reads, in canonical form ("" for none)."""
    raw = request.META.get("QUERY_STRING")
    if not raw:
        return ""
    key = (request.path_info, raw)
    known = _normalised.get(key)
    if known is None:
        known = _normalise(request)
        _normalised.set(key, known)
    return known


def _normalise(request):
    # Resolve in the path's own language: the page cache runs before LocaleMiddleware, and
    # i18n_patterns resolve only the active language's prefix.
    language = translation.get_language_from_path(request.path_info) or settings.LANGUAGE_CODE
    try:
        with translation.override(language):
            match = resolve(request.path_info)
    except Resolver404:
        return ""
    normalise = getattr(match.func, "page_query", None)
    if normalise is None:
        return ""
    try:
        return urlencode(normalise(request.GET))
    except UnicodeError:
        return ""  # unreadable bytes: the view answers 400 (never cached)


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.local = process_store(LOCAL_ENTRIES)
        # Base key (everything but the version) → full key of the newest copy this process
        # served, for when the database is down: the same page and query, never another's.
        self.latest = process_store(LOCAL_ENTRIES)

    def __call__(self, request):
        if not public_path(request):
            return self.get_response(request)
        query = normalised_query(request)
        # The city's date: pages show progress expected by today, which moves at midnight in
        # Taipei whatever the servers' clocks or time zones.
        today = timezone.localdate().isoformat()
        base = f"{release()}|{today}|{request.scheme}://{request.get_host()}|{request.path}?{query}"
        try:
            version = content.read_content_version()
        except (OperationalError, InterfaceError):
            # The database is down: keep serving the last copy of exactly this page that this
            # process served, if there is one; otherwise a plain 503, never a stack trace.
            full_key = self.latest.get(base)
            entry = self.local.get(full_key) if full_key else None
            return unavailable_response(request) if entry is None else self.respond(request, entry)
        key = "page:" + hashlib.sha256(f"{base}|{version}".encode()).hexdigest()
        seconds = settings.PAGE_CACHE_SECONDS
        entry = self.lookup(key) if seconds else None
        if entry is None:
            token = content.current.set(version)
            try:
                response = self.get_response(request)
            finally:
                content.current.reset(token)
            if not self.storable(response):
                return response
            self.describe(response)
            entry = (response.status_code, response.content, dict(response.items()))
            self.store(key, entry, min(SEARCH_SECONDS, seconds) if query else seconds)
        self.latest.set(base, key)
        return self.respond(request, entry)

    def respond(self, request, entry):
        status, body, headers = entry
        response = HttpResponse(body, status=status, headers=headers)
        meta = request.META
        if "HTTP_IF_NONE_MATCH" not in meta and "HTTP_IF_MODIFIED_SINCE" not in meta:
            return response  # the common case: nothing to compare
        return get_conditional_response(request, etag=response["ETag"], response=response)

    def lookup(self, key):
        # This process's own copies first: no pickling, no network. They cannot go stale,
        # because the key carries the content version read from the database just now.
        entry = self.local.get(key)
        if entry is None:
            entry = cache.get(key)
            if entry is not None:
                self.local.set(key, entry)
        return entry

    def store(self, key, entry, seconds):
        # Always kept locally (the outage fallback reads it); shared only when caching is on.
        if seconds:
            cache.set(key, entry, seconds)
        self.local.set(key, entry)

    def storable(self, response):
        vary = response.get("Vary", "")
        return (
            response.status_code == CACHED_STATUS
            and not response.streaming
            and not response.cookies
            and "Cookie" not in vary
            and "private" not in response.get("Cache-Control", "")
            and "no-cache" not in response.get("Cache-Control", "")
        )

    def describe(self, response):
        if not response.has_header("ETag"):
            set_response_etag(response)
        # No Last-Modified: it would come from app-server clocks, and a client comparing
        # dates could be told "not modified" about a page an edit changed. The ETag says it.
        if response.has_header("Last-Modified"):
            del response["Last-Modified"]
        if response.has_header("Cache-Control"):
            return self.drop_language_vary(response)  # the view chose (robots.txt, favicon)
        patch_cache_control(
            response,
            public=True,
            max_age=0,
            must_revalidate=True,
            s_maxage=settings.PAGE_SHARED_MAX_AGE,
        )
        self.drop_language_vary(response)

    def drop_language_vary(self, response):
        # The language comes from the URL alone (Chinese pages have no prefix and ignore the
        # browser's preference), so Accept-Language does not change the page: drop it from
        # Vary, or shared caches would keep one copy per browser language.
        vary = [v.strip() for v in response.get("Vary", "").split(",") if v.strip()]
        remaining = [v for v in vary if v.lower() != "accept-language"]
        if remaining:
            response["Vary"] = ", ".join(remaining)
        elif response.has_header("Vary"):
            del response["Vary"]
