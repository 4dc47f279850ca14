"""Benchmark the production server on this machine, by hand (not in CI).

    .venv/bin/python bench/run.py                      # gunicorn, SQLite, 10 s a case, 3 rounds
    .venv/bin/python bench/run.py --server granian
    .venv/bin/python bench/run.py --seconds 3 --rounds 1   # a quick look
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/plan_bench?pool=true .venv/bin/python bench/run.py

It builds a throwaway site (its own SQLite file unless DATABASE_URL is set, the plan loaded,
collectstatic with the compressed manifest), starts the production server on 127.0.0.1
twice — page cache on ("warm") and off ("cold") — and drives each case with wrk (Debian's
package: 16 connections, 2 threads) for --seconds, in --rounds interleaved rounds over the
cases on the same server process. The machine is shared and noisy, so every page is also
given as a ratio to the static file's requests/second in the same round.
Printed: median and min–max requests/second, p50 and p99 latency, errors, the ratio, and
the peak resident memory of each worker after the run.
"""

import argparse
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SLUG = "kaohsiung-112-115"
CASES = [
    ("static file", "STATIC"),
    ("home", "/"),
    ("strategy", f"/{SLUG}/mrt-network/"),
    ("full text", f"/{SLUG}/full-text/"),
    ("chart", f"/{SLUG}/chart/"),
    ("search", "/search/?q=%E6%8D%B7%E9%81%8B"),
    ("JSON export", f"/data/{SLUG}.json"),
    # The knowledge layer (issue 15): its pages, and Simplified readings of two pages above.
    ("glossary", "/glossary/"),
    ("topic", f"/{SLUG}/topics/transport/"),
    ("home 简", "/zh-hans/"),
    ("strategy 简", f"/zh-hans/{SLUG}/mrt-network/"),
]
# Simplified pages are compared with their Traditional twins (issue 15: within 0.8× uncached).
SIMPLIFIED_TWINS = {"home 简": "home", "strategy 简": "strategy"}
# With --progress (every node: 3 indicators, 8 updates; bench/progress_data.py).
PROGRESS_CASES = [
    ("progress", f"/{SLUG}/progress/"),
    ("agencies", f"/{SLUG}/agencies/"),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def manage(env, *args):
    subprocess.run(
        [PYTHON, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )


def prepare_site(prefix):
    """A throwaway production site: its own folder, SQLite file unless DATABASE_URL is set,
    migrated, the plan loaded, static files collected. Returns (folder, environment)."""
    site = Path(tempfile.mkdtemp(prefix=prefix))
    env = {
        **os.environ,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "benchmark-only-key",
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_STATIC_ROOT": str(site / "static"),
        "DJANGO_LOG_LEVEL": "ERROR",
    }
    env.setdefault("DATABASE_URL", f"sqlite:///{site / 'db.sqlite3'}")
    manage(env, "migrate", "--no-input")
    manage(env, "load_plan")
    manage(env, "collectstatic", "--no-input")
    return site, env


def server_command(server, port, workers):
    bind = f"127.0.0.1:{port}"
    if server == "granian":
        return [
            str(Path(PYTHON).parent / "granian"),
            "--interface",
            "wsgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--no-ws",
            "portal.wsgi:application",
        ]
    return [
        str(Path(PYTHON).parent / "gunicorn"),
        "--bind",
        bind,
        "--workers",
        str(workers),
        "--worker-class",
        "sync",
        "portal.wsgi:application",
    ]


def start_server(args, port, env):
    """The production server on 127.0.0.1:port, quiet, in a session of its own (so that
    killing its process group stops the workers too)."""
    return subprocess.Popen(
        server_command(args.server, port, args.workers),
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def wait_until_up(url, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"server did not answer at {url}")


def static_path(base):
    html = urllib.request.urlopen(base + "/").read().decode()
    return re.search(r'href="(/static/portal/site\.[0-9a-f]+\.css)"', html).group(1)


def wrk(url, seconds):
    out = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{seconds}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return parse_wrk(out)


def parse_wrk(out):
    """wrk's report (run with --latency) as numbers: requests, req/s, p50/p99 in ms, errors."""

    def latency(pct):
        value, unit = re.search(rf"^\s+{pct}%\s+([\d.]+)(us|ms|s)", out, re.M).groups()
        return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]

    errors = 0
    if match := re.search(r"Non-2xx or 3xx responses: (\d+)", out):
        errors += int(match.group(1))
    if match := re.search(
        r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out
    ):
        errors += sum(int(n) for n in match.groups())
    return {
        "requests": int(re.search(r"(\d+) requests in", out).group(1)),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)),
        "p50": latency(50),
        "p99": latency(99),
        "errors": errors,
    }


def worker_pids(master_pid):
    children = Path(f"/proc/{master_pid}/task/{master_pid}/children")
    return children.read_text().split() if children.exists() else []


def memory_mb(pid, field="VmHWM"):
    """A process's resident memory: peak (VmHWM) or current (VmRSS), in MB."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(re.search(rf"{field}:\s+(\d+) kB", status).group(1)) / 1024


def worker_memory_mb(master_pid):
    """Peak resident memory of each worker process under the server's master."""
    return [memory_mb(pid) for pid in worker_pids(master_pid)]


def run_mode(args, env, label, cache_seconds):
    port = free_port()
    env = {**env, "PAGE_CACHE_SECONDS": str(cache_seconds)}
    process = start_server(args, port, env)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_until_up(base + "/")
        static = static_path(base)
        results = {name: [] for name, _ in CASES}
        for _ in range(args.rounds):
            for name, path in CASES:
                url = base + (static if path == "STATIC" else path)
                urllib.request.urlopen(url).read()  # warm the cache for this case
                results[name].append(wrk(url, args.seconds))
        memory = worker_memory_mb(process.pid)
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=20)
    report(label, results, memory)
    return results


def report(label, results, memory):
    print(f"\n{label}")
    print(
        f"{'case':<13}{'req/s median':>13}{'min–max':>18}{'p50 ms':>9}{'p99 ms':>9}{'errors':>8}{'× static':>10}"
    )
    static_rounds = [r["rps"] for r in results["static file"]]
    for name, rounds in results.items():
        rps = [r["rps"] for r in rounds]
        ratios = [r / s for r, s in zip(rps, static_rounds, strict=True)]
        print(
            f"{name:<13}{statistics.median(rps):>13.0f}{f'{min(rps):.0f}–{max(rps):.0f}':>18}"
            f"{statistics.median(r['p50'] for r in rounds):>9.2f}{statistics.median(r['p99'] for r in rounds):>9.2f}"
            f"{sum(r['errors'] for r in rounds):>8}{statistics.median(ratios):>10.2f}"
        )
    for simplified, traditional in SIMPLIFIED_TWINS.items():
        if simplified in results and traditional in results:
            pairs = zip(results[simplified], results[traditional], strict=True)
            ratio = statistics.median(a["rps"] / b["rps"] for a, b in pairs)
            print(f"{simplified} / {traditional}: {ratio:.2f}× the Traditional page's rate")
    if memory:
        print("peak resident memory per worker (MB): " + ", ".join(f"{m:.0f}" for m in memory))


def arguments(doc, seconds):
    """The options bench/run.py and bench/soak.py share."""
    parser = argparse.ArgumentParser(
        description=doc, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--server", choices=["gunicorn", "granian"], default="gunicorn")
    parser.add_argument("--workers", type=int, default=(os.cpu_count() or 1) * 2 + 1)
    parser.add_argument("--seconds", type=int, default=seconds)
    return parser


def main():
    parser = arguments(__doc__, seconds=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--only", choices=["warm", "cold"], help="run one mode only")
    parser.add_argument(
        "--progress",
        action="store_true",
        help="load sample progress first (3 indicators and 8 updates a node)",
    )
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")

    site, env = prepare_site("plan-bench-")
    if args.progress:
        manage(env, "shell", "-c", "exec(open('bench/progress_data.py').read())")
        CASES.extend(PROGRESS_CASES)
    print(
        f"server: {args.server}, {args.workers} workers; database: {env['DATABASE_URL'].split('?')[0]}; "
        f"{args.seconds} s a case, {args.rounds} rounds, wrk -t2 -c16; {os.cpu_count()} cores"
    )
    try:
        if args.only != "cold":
            run_mode(args, env, "WARM (page cache on)", 86400)
        if args.only != "warm":
            run_mode(args, env, "COLD (page cache off: every page rendered)", 0)
    finally:
        shutil.rmtree(site, ignore_errors=True)


if __name__ == "__main__":
    main()
