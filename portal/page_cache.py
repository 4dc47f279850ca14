"""Whole-page caching for citizen pages, correct on every app server at the next request.

Public pages are the same for every visitor (no session, no cookie, no CSRF token), so each
is rendered once and served from the cache until the plan changes. The cache key carries the
plan's *content stamp*: the newest `Plan.updated_at` (every node save or delete touches its
plan) and the number of plans. The stamp is read from the database on every request (one
small indexed query), so an edit saved on any app server changes the key everywhere at once,
whatever the cache backend (local memory per process, or Redis shared by all servers); old
entries are never read again and expire on their own.

Each cached page also carries ETag and Last-Modified, answers conditional requests with 304,
and says `Cache-Control: public, max-age=…` so a reverse proxy or CDN can help.
"""

import functools
import hashlib
import threading
from collections import OrderedDict
from datetime import UTC

from django.conf import settings
from django.core.cache import cache
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.dateparse import parse_datetime
from django.utils.http import http_date, parse_http_date_safe

from plan.models import read_content_stamp as content_stamp
from plan.models import request_stamp

from .middleware import unavailable_response

CACHED_STATUS = 200
# Pages each process keeps in its own memory in front of the shared cache (about 10 MB at
# the plan's page sizes).
LOCAL_ENTRIES = 500
SEARCH_SECONDS = 600


def timestamp(changed):
    """Seconds since the epoch of a raw MAX(updated_at): a datetime from PostgreSQL, a string
    in UTC from SQLite (USE_TZ stores UTC)."""
    if changed is None:
        return 0
    if isinstance(changed, str):
        changed = parse_datetime(changed)
    if timezone.is_naive(changed):
        changed = changed.replace(tzinfo=UTC)
    return int(changed.timestamp())


class PageCacheMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.seconds = settings.PAGE_CACHE_SECONDS
        self.max_age = settings.PAGE_MAX_AGE
        self.local = OrderedDict()  # key → entry, least recently used first
        self.lock = threading.Lock()
        self.latest = {}  # path → key of the newest copy, for when the database is down
        self.skip_prefixes = (
            f"/{settings.ADMIN_URL}",
            settings.STATIC_URL
            if settings.STATIC_URL.startswith("/")
            else f"/{settings.STATIC_URL}",
        )

    def applies(self, request):
        if request.method not in ("GET", "HEAD") or request.path.startswith(self.skip_prefixes):
            return False
        # Query strings are part of a page only on the search pages; elsewhere a query string
        # (a tracking tag, a typo) would just multiply copies, so those requests are rendered.
        return not request.META.get("QUERY_STRING") or request.path in self.search_paths()

    @functools.cache  # noqa: B019 - one middleware instance per process, kept for its life
    def search_paths(self):
        paths = set()
        for language, _ in settings.LANGUAGES:
            with translation.override(language):
                paths.add(reverse("portal:search"))
        return paths

    def __call__(self, request):
        if not self.applies(request):
            return self.get_response(request)
        try:
            stamp, changed = content_stamp()
        except (OperationalError, InterfaceError):
            # The database is down: keep serving the last copy of this page this process
            # served, if there is one; otherwise a plain 503, never a stack trace.
            entry = self.local.get(self.latest.get(request.path, ""))
            return unavailable_response(request) if entry is None else self.respond(request, entry)
        query = request.META.get("QUERY_STRING", "")
        key = "page:" + hashlib.sha256(f"{stamp}|{request.path}?{query}".encode()).hexdigest()
        entry = self.lookup(key) if self.seconds else None
        if entry is None:
            token = request_stamp.set((stamp, changed))
            try:
                response = self.get_response(request)
            finally:
                request_stamp.reset(token)
            if not self.storable(response):
                return response
            self.describe(response, timestamp(changed))
            entry = (response.status_code, response.content, dict(response.items()))
            if self.seconds:
                # Search results: many possible queries, so they live a shorter time.
                self.store(key, entry, SEARCH_SECONDS if query else self.seconds)
        self.latest[request.path] = key
        return self.respond(request, entry)

    def respond(self, request, entry):
        status, content, headers = entry
        response = HttpResponse(content, status=status, headers=headers)
        meta = request.META
        if "HTTP_IF_NONE_MATCH" not in meta and "HTTP_IF_MODIFIED_SINCE" not in meta:
            return response  # the common case: nothing to compare
        return get_conditional_response(
            request,
            etag=response["ETag"],
            last_modified=parse_http_date_safe(response["Last-Modified"]),
            response=response,
        )

    def lookup(self, key):
        # This process's own copies first: no pickling, no network. They cannot go stale,
        # because the key carries the content stamp read from the database just now.
        with self.lock:
            entry = self.local.get(key)
            if entry is not None:
                self.local.move_to_end(key)
                return entry
        entry = cache.get(key)
        if entry is not None:
            self.remember(key, entry)
        return entry

    def store(self, key, entry, seconds):
        cache.set(key, entry, min(seconds, self.seconds))
        self.remember(key, entry)

    def remember(self, key, entry):
        with self.lock:
            self.local[key] = entry
            while len(self.local) > LOCAL_ENTRIES:
                self.local.popitem(last=False)

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

    def describe(self, response, changed):
        if not response.has_header("ETag"):
            digest = hashlib.md5(response.content, usedforsecurity=False).hexdigest()
            response["ETag"] = f'"{digest}"'
        if not response.has_header("Last-Modified"):
            response["Last-Modified"] = http_date(changed)
        patch_cache_control(response, public=True, max_age=self.max_age)
        # The language comes from the URL alone (Chinese pages have no prefix and ignore the
        # browser's preference), so Accept-Language does not change the page: drop it from
        # Vary, or shared caches would keep one copy per browser language.
        vary = [v.strip() for v in response.get("Vary", "").split(",") if v.strip()]
        remaining = [v for v in vary if v.lower() != "accept-language"]
        if remaining:
            response["Vary"] = ", ".join(remaining)
        elif response.has_header("Vary"):
            del response["Vary"]
