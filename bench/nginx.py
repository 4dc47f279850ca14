"""Benchmark the production stack THROUGH nginx (deploy/nginx.conf in front of gunicorn with
deploy/gunicorn.conf.py), by hand (not in CI).

    .venv/bin/python bench/nginx.py                         # 10 s a case, 3 rounds
    .venv/bin/python bench/nginx.py --seconds 3 --rounds 1  # a quick look
    .venv/bin/python bench/nginx.py --workers-compare       # sync vs gthread, see below

The same throwaway site as bench/run.py (prepare_site), the app's page cache on. Each case
is driven with wrk (16 connections, 2 threads) through a private nginx: nginx's own static
file is the baseline, and every page is given as a ratio to it in the same round, with the
micro-cache on (pages kept by nginx for the app's s-maxage) and with it off (every request
reaches gunicorn, which answers from its page cache).

--workers-compare runs, for gunicorn sync and gthread (2 and 4 threads): the pages through
nginx with the micro-cache off, then the starvation case: the latency of 20 sequential page
requests while 50 idle keep-alive connections and 20 slow clients (a request header one byte
a second) are open, through nginx and, for contrast, straight to gunicorn.
"""

import contextlib
import http.client
import importlib.util
import os
import shutil
import socket
import statistics
import sys
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from run import CASES, ROOT, arguments, prepare_site, report, static_path, wrk

_spec = importlib.util.spec_from_file_location("local_stack", ROOT / "deploy" / "local_stack.py")
local_stack = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(local_stack)

PROBE = "/kaohsiung-112-115/mrt-network/"
WORKER_SETUPS = [("sync", 1), ("gthread", 2), ("gthread", 4)]


def drive(base, rounds, seconds):
    """wrk over every case, interleaved rounds; {case: [result per round]}."""
    static = static_path(base)
    results = {name: [] for name, _ in CASES}
    for _ in range(rounds):
        for name, path in CASES:
            url = base + (static if path == "STATIC" else path)
            urllib.request.urlopen(url).read()  # warm the caches for this case
            results[name].append(wrk(url, seconds))
    return results


@contextlib.contextmanager
def hostile_clients(host, port, idle=50, slow=20, seconds=15):
    """`idle` keep-alive connections used once and left open, and `slow` clients sending a
    request header a byte a second (for at most `seconds`), until the block ends."""
    idle_connections, slow_sockets = [], []
    stop = threading.Event()

    def dribble():
        header = b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow-client-benchmark\r\n"
        for i in range(min(seconds, len(header))):
            if stop.wait(1 if i else 0):
                return
            for sock in slow_sockets:
                with contextlib.suppress(OSError):
                    sock.sendall(header[i : i + 1])

    thread = threading.Thread(target=dribble, daemon=True)
    try:
        for _ in range(idle):
            connection = http.client.HTTPConnection(host, port, timeout=5)
            idle_connections.append(connection)
            try:
                connection.request("GET", "/robots.txt")
                connection.getresponse().read()
            except OSError:
                pass  # straight to sync gunicorn the later ones may already wait
        for _ in range(slow):
            with contextlib.suppress(OSError):
                slow_sockets.append(socket.create_connection((host, port), timeout=5))
        thread.start()
        time.sleep(1)
        yield
    finally:
        stop.set()
        if thread.is_alive():
            thread.join(timeout=5)
        for connection in idle_connections:
            connection.close()
        for sock in slow_sockets:
            sock.close()


def probe(host, port, count=20, timeout=3.0):
    """Latencies in ms of `count` sequential page requests; a request over `timeout`
    seconds counts as `timeout` and is reported as such."""
    latencies, timeouts = [], 0
    for _ in range(count):
        started = time.monotonic()
        connection = http.client.HTTPConnection(host, port, timeout=timeout)
        try:
            connection.request("GET", PROBE)
            connection.getresponse().read()
            latencies.append((time.monotonic() - started) * 1000)
        except OSError:
            timeouts += 1
            latencies.append(timeout * 1000)
        finally:
            connection.close()
    return latencies, timeouts


def starvation(base, app_port):
    """(label, p50, max, timeouts) for the probe through nginx and straight to gunicorn,
    quiet and with the hostile clients."""
    web_port = int(base.rsplit(":", 1)[1])
    rows = []
    for label, port in (("through nginx", web_port), ("straight to gunicorn", app_port)):
        quiet, _ = probe("127.0.0.1", port)
        with hostile_clients("127.0.0.1", port):
            busy, timeouts = probe("127.0.0.1", port)
        rows.append((label, statistics.median(quiet), statistics.median(busy), max(busy), timeouts))
    return rows


def compare_workers(args, env, static_root):
    print("\nWORKER CLASS (micro-cache off: every request reaches gunicorn)")
    summary = []
    for worker_class, threads in WORKER_SETUPS:
        label = worker_class if threads == 1 else f"{worker_class} ×{threads} threads"
        with local_stack.stack(
            env,
            static_root,
            microcache=False,
            worker_class=worker_class,
            workers=args.workers,
            threads=threads,
            # gthread workers keep connections alive, so nginx may reuse them.
            upstream_keepalive=16 if worker_class == "gthread" else 0,
        ) as running:
            results = drive(running.base, args.rounds, args.seconds)
            report(f"{label}, {args.workers} workers: pages through nginx", results, [])
            rows = starvation(running.base, running.app_port)
        summary.append((label, results, rows))
    print("\nSTARVATION: 20 sequential page requests, quiet and with 50 idle keep-alive")
    print("connections + 20 slow clients (a header byte a second) open; timeout 3 s a request")
    print(f"{'workers':<22}{'path':<22}{'quiet p50':>10}{'busy p50':>10}{'busy max':>10}{'t/o':>5}")
    for label, _, rows in summary:
        for path, quiet, busy, worst, timeouts in rows:
            print(f"{label:<22}{path:<22}{quiet:>10.1f}{busy:>10.1f}{worst:>10.1f}{timeouts:>5}")


def main():
    parser = arguments(__doc__, seconds=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--workers-compare", action="store_true")
    parser.add_argument("--worker-class", choices=["sync", "gthread"], default=None)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    for tool in ("wrk", "nginx"):
        if not shutil.which(tool) and not (tool == "nginx" and local_stack.nginx_binary()):
            raise SystemExit(f"{tool} is needed: apt-get install {tool}")

    site, env = prepare_site("plan-bench-nginx-")
    static_root = env["DJANGO_STATIC_ROOT"]
    print(
        f"through nginx {local_stack.nginx_version()} to gunicorn (deploy/gunicorn.conf.py, "
        f"{args.workers} workers); database: {env['DATABASE_URL'].split('?')[0]}; "
        f"{args.seconds} s a case, {args.rounds} rounds, wrk -t2 -c16; {os.cpu_count()} cores"
    )
    try:
        if args.workers_compare:
            compare_workers(args, env, static_root)
            return
        options = {"workers": args.workers}
        if args.worker_class:
            options.update(worker_class=args.worker_class, threads=args.threads)
        for microcache, label in (
            (True, "MICRO-CACHE ON (nginx keeps public pages for the app's s-maxage)"),
            (False, "MICRO-CACHE OFF (every request reaches gunicorn's page cache)"),
        ):
            with local_stack.stack(env, static_root, microcache=microcache, **options) as running:
                results = drive(running.base, args.rounds, args.seconds)
            report(label, results, [])
    finally:
        shutil.rmtree(site, ignore_errors=True)


if __name__ == "__main__":
    main()
