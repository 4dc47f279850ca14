"""Run the production stack on this machine: gunicorn (deploy/gunicorn.conf.py) behind a
private nginx running deploy/nginx.conf, both on 127.0.0.1, without touching the system's
nginx. Used by tests/test_nginx_stack.py and bench/nginx.py, and by hand:

    DJANGO_SECRET_KEY=… DJANGO_ALLOWED_HOSTS=127.0.0.1 DJANGO_STATIC_ROOT=$PWD/staticfiles \\
        .venv/bin/python deploy/local_stack.py --port 8080     # Ctrl-C stops both

The site config is the shipped file with its "EDIT" values rewritten (listen address,
upstream, static folder, cache folder, admin prefix): see render().
"""

import argparse
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

DEPLOY = Path(__file__).resolve().parent
ROOT = DEPLOY.parent
SITE_CONF = DEPLOY / "nginx.conf"
PRIVATE_CONF = DEPLOY / "nginx-private.conf"
GUNICORN_CONF = DEPLOY / "gunicorn.conf.py"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def nginx_binary():
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/sbin/nginx") if Path(p).exists()), None
    )


def gunicorn_binary():
    candidate = Path(sys.executable).parent / "gunicorn"
    return str(candidate) if candidate.exists() else shutil.which("gunicorn")


def nginx_version():
    binary = nginx_binary()
    if not binary:
        return None
    out = subprocess.run([binary, "-v"], capture_output=True, text=True).stderr
    return out.strip().rsplit("/", 1)[-1]


def render(
    folder,
    *,
    port,
    upstream,
    static_root,
    microcache=True,
    admin_url="admin/",
    upstream_keepalive=0,
):
    """Write nginx.conf and site.conf for a private instance in `folder`; return the
    nginx command line that runs it in the foreground. upstream_keepalive > 0 keeps that
    many idle connections to gunicorn open (useful with gthread workers only)."""
    folder = Path(folder).resolve()
    site = SITE_CONF.read_text()
    admin = "/" + admin_url.strip("/") + "/"
    replacements = [
        (
            "server 127.0.0.1:8000;",
            f"server {upstream};"
            + (f" keepalive {upstream_keepalive};" if upstream_keepalive else ""),
        ),
        ("/var/cache/nginx/plan-portal ", f"{folder}/cache "),
        ("listen 80;", f"listen 127.0.0.1:{port};"),
        ("/srv/plan-portal/staticfiles/;", f"{Path(static_root).resolve()}/;"),
        ("location /admin/ {", f"location {admin} {{"),
    ]
    if not microcache:
        replacements.append(("proxy_cache plan_portal_micro;", "proxy_cache off;"))
    for old, new in replacements:
        if site.count(old) != 1:
            raise ValueError(f"deploy/nginx.conf: expected {old!r} exactly once")
        site = site.replace(old, new)
    (folder / "site.conf").write_text(site)
    main = PRIVATE_CONF.read_text().replace("@DIR@", str(folder))
    main = main.replace("@WORKERS@", "auto").replace(
        "@USER@", "user root root;" if os.geteuid() == 0 else "# workers run as this user"
    )
    (folder / "nginx.conf").write_text(main)
    return [
        nginx_binary() or "nginx",
        "-p",
        str(folder),
        "-c",
        str(folder / "nginx.conf"),
        "-g",
        f"daemon off; pid {folder}/nginx.pid;",
    ]


def gunicorn_command(port, worker_class=None, workers=None, threads=None):
    command = [gunicorn_binary() or "gunicorn", "-c", str(GUNICORN_CONF)]
    command += ["--bind", f"127.0.0.1:{port}"]
    if worker_class:
        command += ["--worker-class", worker_class]
    if workers:
        command += ["--workers", str(workers)]
    if threads:
        command += ["--threads", str(threads)]
    return [*command, "portal.wsgi:application"]


def wait_for_port(port, process, timeout=30):
    """Until something accepts connections on 127.0.0.1:port; fails if `process` exits."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with status {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listening on 127.0.0.1:{port} after {timeout} s")


def wait_for_answer(port, process, timeout=120):
    """Until the app answers an HTTP request on 127.0.0.1:port (any status), which it does only
    once a worker has imported Django: gunicorn's master listens before its workers boot, and
    on a busy 2-core machine (a CI run with browsers beside it) booting takes tens of seconds."""
    import http.client

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} exited with status {process.returncode}")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        try:
            connection.request("HEAD", "/robots.txt", headers={"Host": "127.0.0.1"})
            connection.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
        finally:
            connection.close()
    raise RuntimeError(f"no HTTP answer on 127.0.0.1:{port} after {timeout} s")


def stop(process, timeout=20):
    """SIGTERM to the process group (gunicorn's or nginx's workers too), then wait; SIGKILL
    if it does not go."""
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
    except ProcessLookupError:
        process.wait(timeout=10)


@contextmanager
def running(command, port, *, env=None, log=None, cwd=ROOT):
    """Start a server in its own process group, wait until it listens, always stop it."""
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdout=log or subprocess.DEVNULL,
        stderr=log or subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        wait_for_port(port, process)
        yield process
    finally:
        stop(process)


class Stack(NamedTuple):
    base: str  # nginx's base URL
    folder: Path  # nginx's config and logs, gunicorn's log
    app_port: int  # gunicorn's port, for going around nginx


@contextmanager
def stack(
    env,
    static_root,
    *,
    microcache=True,
    worker_class=None,
    workers=None,
    threads=None,
    upstream_keepalive=0,
):
    """gunicorn and a private nginx in front of it, both stopped when the block ends."""
    folder = Path(tempfile.mkdtemp(prefix="plan-stack-"))
    app_port, web_port = free_port(), free_port()
    nginx = render(
        folder,
        port=web_port,
        upstream=f"127.0.0.1:{app_port}",
        static_root=static_root,
        microcache=microcache,
        admin_url=env.get("DJANGO_ADMIN_URL", "admin/"),
        upstream_keepalive=upstream_keepalive,
    )
    try:
        with (
            open(folder / "gunicorn.log", "wb") as app_log,
            running(
                gunicorn_command(app_port, worker_class, workers, threads),
                app_port,
                env=env,
                log=app_log,
            ) as app,
            running(nginx, web_port, log=subprocess.DEVNULL),
        ):
            wait_for_answer(app_port, app)
            yield Stack(f"http://127.0.0.1:{web_port}", folder, app_port)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, default=8080, help="nginx's port on 127.0.0.1")
    parser.add_argument("--no-microcache", action="store_true")
    args = parser.parse_args()
    env = dict(os.environ)
    static_root = env.get("DJANGO_STATIC_ROOT") or str(ROOT / "staticfiles")
    folder = Path(tempfile.mkdtemp(prefix="plan-stack-"))
    app_port = free_port()
    nginx = render(
        folder,
        port=args.port,
        upstream=f"127.0.0.1:{app_port}",
        static_root=static_root,
        microcache=not args.no_microcache,
        admin_url=env.get("DJANGO_ADMIN_URL", "admin/"),
    )
    try:
        with (
            running(gunicorn_command(app_port), app_port, env=env, log=sys.stderr),
            running(nginx, args.port, log=sys.stderr),
        ):
            print(f"http://127.0.0.1:{args.port}/ (nginx logs in {folder}); Ctrl-C stops")  # noqa: T201
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
