"""`make run`, the README's first command, serves the site as citizens see it."""

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from ..factories import ROOT

pytestmark = pytest.mark.stack


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def fetch(url):
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, dict(error.headers), error.read().decode()


@pytest.fixture
def make_run():
    if not (ROOT / ".venv" / "bin" / "python").exists() or not shutil.which("make"):
        pytest.skip("make run needs make and the project's .venv (make test makes it)")
    folder = Path(tempfile.mkdtemp(prefix="plan-make-run-"))
    port = free_port()
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST", "DJANGO_", "PORTAL_")) and key != "REDIS_URL"
    }
    env.update(
        DATABASE_URL=f"sqlite:///{folder / 'db.sqlite3'}",
        DJANGO_STATIC_ROOT=str(folder / "static"),
        PORT=str(port),
    )
    process = subprocess.Popen(
        ["make", "run"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"make run stopped: {process.stderr.read().decode()[-2000:]}")
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.3)
        else:
            pytest.fail("make run did not serve within 120 s")
        yield f"http://127.0.0.1:{port}"
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        shutil.rmtree(folder, ignore_errors=True)


def test_make_run_serves_the_site_as_citizens_see_it(make_run):
    status, _, html = fetch(make_run + "/")
    assert status == 200 and "公平城市、社會共好" in html
    # A mistyped address gets the designed 404, not Django's debug page listing every route.
    status, _, html = fetch(make_run + "/no-such-page/")
    assert status == 404
    assert "URLconf" not in html and "admin/" not in html and "找不到" in html
    # Static files come from collectstatic through whitenoise, compressed and hashed.
    css = next(
        line.split('href="')[1].split('"')[0]
        for line in fetch(make_run + "/")[2].splitlines()
        if "stylesheet" in line and "site." in line
    )
    assert css.startswith("/static/portal/site.") and css != "/static/portal/site.css"
    status, headers, _ = fetch(make_run + css)
    assert status == 200 and "immutable" in headers.get("Cache-Control", "")
