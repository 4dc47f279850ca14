"""The portal's one cache mechanism: everything kept is keyed by the content version.

- Whole pages (portal.page_cache) are keyed by release + origin + path + normalised query +
  content version, in this process's memory in front of the shared cache (Redis).
- Objects that pages are built from (the published plans, linked trees, search trees) are
  kept per process with `per_version`, keyed by the same content version.

The content version is bumped by the database in the transaction of every write (see
plan.content), so nothing here can outlive a change, whatever the app servers' clocks say;
every store is bounded, so nothing grows without limit either.
"""

import hashlib
import threading
import weakref
from collections import OrderedDict
from functools import cache

from django.conf import settings

from plan.content import content_version

# Objects (plans, linked trees) a process keeps: a few plans × languages × kinds of tree.
OBJECT_ENTRIES = 256


class LRU:
    """A bounded, thread-safe mapping that forgets the least recently used entry first."""

    def __init__(self, size):
        self.size = size
        self.entries = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            value = self.entries.get(key)
            if value is not None:
                self.entries.move_to_end(key)
            return value

    def set(self, key, value):
        with self.lock:
            self.entries[key] = value
            self.entries.move_to_end(key)
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)

    def clear(self):
        with self.lock:
            self.entries.clear()

    def __len__(self):
        return len(self.entries)


_objects = LRU(OBJECT_ENTRIES)


def per_version(name, *parts, build):
    """`build()`, computed once per content version in this process. Keys of older versions
    are never asked for again and fall out of the bounded store."""
    key = (content_version(), name, *parts)
    value = _objects.get(key)
    if value is None:
        value = build()
        _objects.set(key, value)
    return value


def per_version_many(name, keys, build_missing):
    """Like per_version for several keys at once: `build_missing(keys)` returns a dict with
    a value for each key not kept yet (so they can be read together, in one query)."""
    version = content_version()
    found = {key: _objects.get((version, name, key)) for key in keys}
    missing = [key for key, value in found.items() if value is None]
    if missing:
        for key, value in build_missing(missing).items():
            _objects.set((version, name, key), value)
            found[key] = value
    return found


# Every page-cache middleware's own stores (weakly: a test client's go with it), so that
# clearing forgets pages too.
_page_stores = weakref.WeakSet()


def clear_process_caches():
    """Forget every kept object and page copy of this process (tests that measure cold)."""
    _objects.clear()
    for store in _page_stores:
        store.clear()


# The release ------------------------------------------------------------------------------

# What a release is made of in development: code, templates, static files, compiled catalogues.
RELEASE_FOLDERS = ("plan", "progress", "knowledge", "portal", "templates", "static", "locale")
RELEASE_SUFFIXES = {".py", ".html", ".txt", ".css", ".js", ".svg", ".mo", ".json"}


@cache
def release():
    """The id of the code being served, part of every cache key: after a deploy no page
    built by the old templates (with the old hashed static names) is served from a shared
    cache. Production sets PORTAL_RELEASE (the commit); elsewhere it is a hash of the files."""
    if settings.PORTAL_RELEASE:
        return settings.PORTAL_RELEASE
    digest = hashlib.sha256()
    for folder in RELEASE_FOLDERS:
        for path in sorted((settings.BASE_DIR / folder).rglob("*")):
            if path.suffix in RELEASE_SUFFIXES and path.is_file():
                digest.update(str(path.relative_to(settings.BASE_DIR)).encode())
                digest.update(path.read_bytes())
    return "dev-" + digest.hexdigest()[:16]
