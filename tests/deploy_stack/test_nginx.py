"""The production stack for real: deploy/nginx.conf in a private nginx in front of gunicorn
with deploy/gunicorn.conf.py, serving a throwaway production site (DEBUG off, its own
SQLite file, collectstatic's hashed files), all on 127.0.0.1.

Without nginx or gunicorn installed these tests are skipped with the reason, except where
REQUIRE_STACK_TESTS is set (CI), where that is a failure instead."""

import contextlib
import gzip
import http.client
import importlib.util
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from ..factories import ROOT, SLUG

pytestmark = pytest.mark.stack


STRATEGY = f"/{SLUG}/mrt-network/"


# The contract with the app: public pages may be kept by shared caches (nginx) this long.
MICRO_CACHE_SECONDS = 2


def load_local_stack():
    spec = importlib.util.spec_from_file_location("local_stack", ROOT / "deploy" / "local_stack.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


local_stack = load_local_stack()


def manage(env, *args, **kwargs):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
        timeout=180,
        **kwargs,
    )


@pytest.fixture(scope="module")
def site():
    """A throwaway production site: (environment, static folder)."""
    missing = [
        name
        for name, found in (
            ("nginx", local_stack.nginx_binary()),
            ("gunicorn", local_stack.gunicorn_binary()),
        )
        if not found
    ]
    if missing:
        reason = (
            f"{' and '.join(missing)} not installed (apt-get install nginx; pip install gunicorn)"
        )
        if os.environ.get("REQUIRE_STACK_TESTS"):
            pytest.fail(f"REQUIRE_STACK_TESTS is set but {reason}")
        pytest.skip(reason)
    folder = Path(tempfile.mkdtemp(prefix="plan-stack-site-"))
    # The app must see production settings, not the test run's (pytest's PYTEST_VERSION
    # turns the manifest storage off), and its own database and per-process cache.
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"PYTEST_VERSION", "REDIS_URL", "PYTEST_ADDOPTS", "PYTEST_CURRENT_TEST"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="portal.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="stack-test-" + uuid.uuid4().hex,
        DJANGO_ALLOWED_HOSTS="127.0.0.1,localhost",
        DJANGO_STATIC_ROOT=str(folder / "static"),
        DJANGO_MANIFEST_STATIC="1",
        DJANGO_LOG_LEVEL="WARNING",
        DJANGO_BEHIND_PROXY="1",
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
    )
    try:
        manage(env, "migrate", "--no-input")
        manage(env, "load_plan")
        manage(env, "collectstatic", "--no-input")
        yield env, folder / "static"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def stack(site):
    """nginx's base URL, with gunicorn behind it; both stopped at the end, whatever happens."""
    env, static_root = site
    with local_stack.stack(env, static_root) as running:
        folder = running.folder
        try:
            yield running.base
        finally:
            # Shown by pytest when a test failed: the servers' own words.
            for log in ("error.log", "gunicorn.log"):
                path = folder / log
                if path.exists() and path.stat().st_size:
                    sys.stderr.write(f"\n--- {log}\n{path.read_text(errors='replace')[-4000:]}")


def request(base, path, method="GET", headers=None, body=None, timeout=60):
    """One request on its own connection: (status, headers with lower-case names, body). The
    timeout only catches a hung server: a CI run on 2 busy cores has taken over 10 s to answer
    while gunicorn's other workers were still booting."""
    url = urlsplit(base)
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        content = response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, content
    finally:
        connection.close()


@pytest.mark.parametrize("path", ["/", "/en/", STRATEGY])
def test_pages_flow_through_nginx_with_their_headers(stack, path):
    status, headers, body = request(stack, path)
    assert status == 200
    assert headers["server"] == "nginx"  # server_tokens off: no version
    assert headers["content-type"] == "text/html; charset=utf-8"
    assert b"</html>" in body
    # The app's headers pass through untouched.
    assert "default-src 'self'" in headers["content-security-policy"]
    assert headers["x-content-type-options"] == "nosniff"
    assert "public" in headers["cache-control"]
    assert headers["etag"]
    assert "set-cookie" not in headers
    # Asked again at once: answered from nginx's micro-cache, same page.
    status, again, body_again = request(stack, path)
    assert (status, again["x-cache"], body_again) == (200, "HIT", body)
    # Conditional requests are answered 304 (by nginx from its copy, or by the app).
    status, _, _ = request(stack, path, headers={"If-None-Match": headers["etag"]})
    assert status == 304
    # Compressed for clients that accept it.
    status, zipped, content = request(stack, path, headers={"Accept-Encoding": "gzip"})
    assert zipped.get("content-encoding") == "gzip"
    assert gzip.decompress(content) == body


def test_public_pages_let_shared_caches_keep_them_two_seconds(stack):
    """The app's side of the micro-cache contract: browsers revalidate every time, shared
    caches (this nginx) may keep a page for MICRO_CACHE_SECONDS."""
    _, headers, _ = request(stack, STRATEGY)
    directives = {d.strip() for d in headers["cache-control"].split(",")}
    assert directives == {
        "public",
        "max-age=0",
        "must-revalidate",
        f"s-maxage={MICRO_CACHE_SECONDS}",
    }, headers["cache-control"]


def test_hashed_static_file_is_served_by_nginx_for_a_year(stack, site):
    _, static_root = site
    _, _, home = request(stack, "/")
    path = re.search(r'href="(/static/portal/site\.[0-9a-f]{12}\.css)"', home.decode()).group(1)
    status, headers, body = request(stack, path)
    assert status == 200
    assert headers["cache-control"] == "public, max-age=31536000, immutable"
    assert headers["content-type"] == "text/css"
    assert headers["x-content-type-options"] == "nosniff"
    # nginx's own file serving (a proxied response would carry the micro-cache status).
    assert "x-cache" not in headers
    assert body == (static_root / path.removeprefix("/static/")).read_bytes()
    # collectstatic's .gz, sent as it is (gzip_static).
    status, headers, zipped = request(stack, path, headers={"Accept-Encoding": "gzip"})
    assert headers["content-encoding"] == "gzip"
    assert zipped == (static_root / (path.removeprefix("/static/") + ".gz")).read_bytes()


def test_unhashed_static_file_is_cached_briefly(stack):
    status, headers, _ = request(stack, "/static/admin/css/base.css")
    assert status == 200
    assert headers["cache-control"] == "public, max-age=3600"


def test_admin_and_signed_in_staff_are_never_cached(stack):
    status, headers, _ = request(stack, "/admin/login/")
    assert status == 200
    assert "x-cache" not in headers  # the admin's location has no cache at all
    assert (
        "content-encoding"
        not in request(stack, "/admin/login/", headers={"Accept-Encoding": "gzip"})[1]
    )
    request(stack, STRATEGY)  # stored for anonymous visitors
    _, headers, _ = request(stack, STRATEGY, headers={"Cookie": "a=1; sessionid=abc"})
    assert headers["x-cache"] == "BYPASS"


def test_not_found_is_kept_one_second_at_most(stack):
    path = f"/no-such-page-{uuid.uuid4().hex}/"
    first = request(stack, path)
    assert first[0] == 404
    assert first[1]["x-cache"] == "MISS"


def test_host_and_scheme_reach_the_app_as_nginx_saw_them(stack):
    # A query string keeps the app's own page cache out of it: this page is rendered now,
    # its canonical link built from Host ($host) and X-Forwarded-Proto ($scheme, which
    # replaces whatever the client claimed; the app runs with DJANGO_BEHIND_PROXY=1).
    status, _, body = request(
        stack,
        f"{STRATEGY}?host-check",
        headers={"Host": "localhost", "X-Forwarded-Proto": "https"},
    )
    assert status == 200
    assert f'<link rel="canonical" href="http://localhost{STRATEGY}">' in body.decode()
    # A host Django does not serve never gets a page.
    assert request(stack, "/", headers={"Host": "evil.example"})[0] != 200


def test_idle_and_slow_clients_do_not_delay_a_page(stack):
    url = urlsplit(stack)
    address = (url.hostname, url.port)
    idle, slow = [], []
    stop = threading.Event()

    def dribble():
        # 20 clients each sending a request header one byte a second, for at most 6 s.
        header = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow\r\n"
        for i in range(6):
            if stop.wait(1 if i else 0):
                return
            for sock in slow:
                with contextlib.suppress(OSError):
                    sock.sendall(header[i : i + 1])

    dribbler = threading.Thread(target=dribble, daemon=True)
    try:
        for _ in range(50):  # keep-alive connections, used once and left open
            connection = http.client.HTTPConnection(*address, timeout=10)
            idle.append(connection)
            connection.request("GET", "/robots.txt")
            connection.getresponse().read()
        for _ in range(20):
            slow.append(socket.create_connection(address, timeout=10))
        dribbler.start()
        time.sleep(1.5)
        timings = []
        for _ in range(5):
            # A page nginx has not stored (a fresh query string), so gunicorn must answer.
            started = time.monotonic()
            status, headers, _ = request(stack, f"{STRATEGY}?probe={uuid.uuid4().hex}")
            timings.append(time.monotonic() - started)
            assert (status, headers["x-cache"]) == (200, "MISS")
        # The one timing assertion: starvation, not speed (generous for a busy 2-core box).
        assert max(timings) < 1.0, timings
    finally:
        stop.set()
        if dribbler.is_alive():
            dribbler.join(timeout=5)
        for connection in idle:
            connection.close()
        for sock in slow:
            sock.close()


def test_edit_is_visible_through_nginx_within_the_micro_cache_time(stack, site):
    env, _ = site
    request(stack, STRATEGY)
    assert request(stack, STRATEGY)[1]["x-cache"] == "HIT"  # nginx holds a copy
    title = f"捷運路網修訂{uuid.uuid4().hex[:8]}"
    manage(
        env,
        "shell",
        "-c",
        "from plan.models import PlanNode\n"
        f"node = PlanNode.objects.get(plan__slug={SLUG!r}, ref='mrt-network')\n"
        f"node.title_zh_hant = {title!r}\n"
        "node.save()\n",
    )
    saved = time.monotonic()
    # nginx counts whole seconds: a copy lives s-maxage to s-maxage + 1 s; then a margin.
    deadline = saved + MICRO_CACHE_SECONDS + 1 + 1.5
    seen = None
    while time.monotonic() < deadline:
        status, headers, body = request(stack, STRATEGY)
        if status == 200 and title in body.decode():
            seen = time.monotonic() - saved
            break
        time.sleep(0.1)
    assert seen is not None, (
        f"the new title was not served within {deadline - saved:.1f} s "
        f"(Cache-Control: {headers.get('cache-control')!r}, X-Cache: {headers.get('x-cache')!r})"
    )


def test_post_to_a_public_page_gets_the_designed_405(stack):
    request(stack, STRATEGY)  # a copy in the micro-cache must not answer a POST
    status, headers, body = request(
        stack,
        STRATEGY,
        method="POST",
        body=b"q=1",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 405
    assert headers.get("x-cache") is None or headers["x-cache"] != "HIT"
    assert "GET" in headers["allow"]
    page = body.decode()
    assert "不允許的操作" in page  # the site's own 405 page, in the page's language
    assert "本頁僅供瀏覽" in page
    assert "</html>" in page


def test_every_app_process_sees_an_edit_made_behind_its_clock(site):
    """Issue 11, finding 1: each process kept pages and trees under a stamp of edit times; an
    edit written with an earlier time (a server whose clock is behind), or by `update()`,
    stayed hidden. Now the database bumps the content version in the edit's transaction."""
    from concurrent.futures import ThreadPoolExecutor

    env, static_root = site
    path = f"/en/{SLUG}/mrt-network/"
    with local_stack.stack(env, static_root, workers=3) as running:
        app = f"http://127.0.0.1:{running.app_port}"

        def titles(count=60):
            with ThreadPoolExecutor(8) as pool:
                pages = list(pool.map(lambda _: request(app, path), range(count)))
            assert all(status == 200 for status, _, _ in pages)
            return [body.decode() for _, _, body in pages]

        assert all("Strengthening the MRT" in body for body in titles())  # every process warm
        title = f"Edited behind the clock {uuid.uuid4().hex[:8]}"
        manage(
            env,
            "shell",
            "-c",
            "from datetime import timedelta\n"
            "from django.utils import timezone\n"
            "from plan.models import PlanNode\n"
            "behind = timezone.now() - timedelta(hours=2)\n"
            # No save(), no signal, no plan touched, a time in the past: nothing but the
            # database itself can tell the processes that the content changed.
            f"PlanNode.objects.filter(ref='mrt-network').update(title_en={title!r},"
            " updated_at=behind)\n",
        )
        assert all(title in body for body in titles())


def test_a_too_large_upload_gets_the_portals_bilingual_page(stack):
    from django.conf import settings

    limit = settings.PROGRESS_UPLOAD_MAX_MB
    body = b"x" * (3 * 1024 * 1024)
    assert len(body) > limit * 1024 * 1024
    status, headers, page = request(
        stack,
        "/admin/progress/import/",
        method="POST",
        body=body,
        headers={"Content-Type": "multipart/form-data; boundary=----x"},
        timeout=30,
    )
    assert status == 413
    assert headers["content-type"].startswith("text/html")
    text = page.decode()
    assert "檔案太大" in text and "File too large" in text
    assert f"{limit} MB" in text
    assert "nginx" not in text  # not nginx's own page
    assert "<script" not in text and "<style" not in text and not re.search(r"\sstyle=", text)
