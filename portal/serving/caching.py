"""The portal's one cache mechanism: everything kept is keyed by the content version.

- Whole pages (portal.serving.page_cache) are keyed by release + origin + path + normalised
  query + content version, in this process's memory in front of the shared cache (Redis).
- Objects that pages are built from (the published plans, linked trees, the search index)
  are kept per process with `per_version`, keyed by the same content version.
- Every store a process keeps is an LRU made by `process_store`, so that
  `clear_process_caches` forgets them all.

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


# Every store this process keeps (weakly: a test client's page cache goes with it), so that
# clearing forgets pages too.
_stores = weakref.WeakSet()


def process_store(size):
    """A new bounded store of this process, forgotten with the others by clear_process_caches."""
    store = LRU(size)
    _stores.add(store)
    return store


_objects = process_store(OBJECT_ENTRIES)


def per_version(name, *parts, build):
    """`build()`, computed once per content version in this process. Keys of older versions
    are never asked for again and fall out of the bounded store."""
    key = (content_version(), name, *parts)
    value = _objects.get(key)
    if value is None:
        value = build()
        _objects.set(key, value)
    return value


def clear_process_caches():
    """Forget every kept object and page copy of this process (tests that measure cold)."""
    for store in list(_stores):
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
