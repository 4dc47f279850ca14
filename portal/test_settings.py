"""Settings for the test suite: the real settings, with what tests need on top.

The database still comes from DATABASE_URL (SQLite by default, PostgreSQL in CI's second
run); only what a test run cannot have (a secret, collected static files) is filled in.
"""

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "tests-only-insecure-key")

from .settings import *  # noqa: F403
from .settings import ALLOWED_HOSTS, DATABASES, STORAGES

# The test client's host, and the live server's.
ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver", "127.0.0.1", "localhost"]
# Tests render templates without running collectstatic first.
STORAGES = {
    **STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Hashing passwords at full strength only slows the tests down.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# The release is fixed, so tests do not hash the code tree in every process.
PORTAL_RELEASE = "tests"
# The test run signs in with a password only (force_login, the login form), as `make run`
# does; the tests of two-factor sign-in turn it on (tests/test_staff_security.py,
# tests/test_staff_browser.py). pytest sets PYTEST_VERSION: a subprocess that drops it to
# play production (the `check --deploy` test) gets production's rule.
STAFF_2FA_REQUIRED = not os.environ.get("PYTEST_VERSION")
# SQLite tests run on a database file, not Django's shared in-memory one: there a live
# server thread still answering a request while a transactional test flushes fails at once
# with "database table is locked" (shared-cache table locks ignore the busy timeout); a file
# waits for its lock. One file per process (pytest-xdist adds _gw0, _gw1 …; the pid keeps two
# runs on one machine apart), in memory where the system has a tmpfs.
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    _TMP = "/dev/shm" if os.path.isdir("/dev/shm") else tempfile.gettempdir()
    DATABASES["default"]["TEST"] = {
        "NAME": os.path.join(_TMP, f"portal-tests-{os.getpid()}.sqlite3"),
    }
