"""Soak test, by hand (not in CI): 60 s of mixed traffic with a staff edit saved mid-run.

    .venv/bin/python bench/soak.py                 # gunicorn, SQLite, 60 s, 32 connections
    .venv/bin/python bench/soak.py --server granian --seconds 30
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/plan_soak?pool=true .venv/bin/python bench/soak.py

Starts the production server on 127.0.0.1 with the plan loaded, drives wrk (Debian) with a
Lua script that cycles through a mix of public pages, saves an edit to a strategy's English
title halfway through (as staff do: a model save inside a revision), and samples each
worker's resident memory every few seconds. It passes when there were zero errors, the
edit is on the public page right after, and no worker's memory grew by more than 10 MB.
Bounded: wrk stops after --seconds; the server is stopped at the end.
"""

import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import (
    ROOT,
    arguments,
    free_port,
    memory_mb,
    parse_wrk,
    prepare_site,
    start_server,
    wait_until_up,
    worker_pids,
)

SLUG = "kaohsiung-112-115"
MIX = [
    "/",
    "/en/",
    f"/{SLUG}/mrt-network/",
    f"/en/{SLUG}/mrt-network/",
    f"/{SLUG}/full-text/",
    f"/{SLUG}/chart/",
    f"/en/{SLUG}/social-housing/",
    f"/{SLUG}/livable/",
    "/search/?q=%E6%8D%B7%E9%81%8B",
    "/en/search/?q=housing",
    f"/data/{SLUG}.json",
    f"/{SLUG}/mrt-network/history/",
    "/changes/",
    "/site-map/",
]
EDIT = """
import reversion
from plan.models import PlanNode
node = PlanNode.objects.get(ref="mrt-network")
node.title_en = {title!r}
with reversion.create_revision():
    reversion.set_comment("soak test edit")
    node.save()
"""


def rss_mb(pid):
    return memory_mb(pid, "VmRSS")


def main():
    parser = arguments(__doc__, seconds=60)
    parser.add_argument("--connections", type=int, default=32)
    args = parser.parse_args()

    site, env = prepare_site("plan-soak-")
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    script = site / "mix.lua"
    paths = ", ".join(f'"{p}"' for p in MIX)
    script.write_text(
        f"paths = {{{paths}}}\ncounter = 0\nrequest = function()\n  counter = counter + 1\n"
        '  return wrk.format("GET", paths[(counter % #paths) + 1])\nend\n'
    )
    server = start_server(args, port, env)
    samples = []
    title = f"Soak edit {int(time.time())}"
    try:
        wait_until_up(base + "/")
        for path in MIX:  # every page once, so memory is measured after warm-up
            urllib.request.urlopen(base + path).read()
        pids = worker_pids(server.pid)
        stop = threading.Event()

        def sample():
            while not stop.wait(5):
                samples.append({pid: rss_mb(pid) for pid in pids if Path(f"/proc/{pid}").exists()})

        sampler = threading.Thread(target=sample, daemon=True)
        start_memory = {pid: rss_mb(pid) for pid in pids}
        sampler.start()
        load = subprocess.Popen(
            [
                "wrk",
                "-t2",
                f"-c{args.connections}",
                f"-d{args.seconds}s",
                "--latency",
                "-s",
                str(script),
                base,
            ],
            stdout=subprocess.PIPE,
            text=True,
        )
        time.sleep(args.seconds / 2)
        edit_started = time.time()
        subprocess.run(
            [sys.executable, "manage.py", "shell", "-c", EDIT.format(title=title)],
            cwd=ROOT,
            env=env,
            check=True,
        )
        edit_seconds = time.time() - edit_started
        out, _ = load.communicate(timeout=args.seconds + 30)
        stop.set()
        visible = title in urllib.request.urlopen(f"{base}/en/{SLUG}/mrt-network/").read().decode()
        end_memory = {pid: rss_mb(pid) for pid in pids}
    finally:
        server.terminate()
        server.wait(timeout=20)

    report = parse_wrk(out)
    requests, rps, errors, p99 = report["requests"], report["rps"], report["errors"], report["p99"]
    growth = {pid: end_memory[pid] - start_memory[pid] for pid in pids}
    print(
        f"server {args.server} ({args.workers} workers), {args.connections} connections, {args.seconds} s, {len(MIX)} pages"
    )
    print(f"requests {requests}, {rps:.0f}/s, p99 {p99:.2f}ms, errors {errors}")
    print(
        f"staff edit saved mid-run in {edit_seconds:.1f} s; visible on the public page right after: {visible}"
    )
    print(
        "worker memory MB, start → end: "
        + ", ".join(f"{start_memory[p]:.0f}→{end_memory[p]:.0f}" for p in pids)
    )
    print(
        "samples every 5 s (max over workers): "
        + ", ".join(f"{max(s.values()):.0f}" for s in samples if s)
    )
    passed = errors == 0 and visible and max(growth.values()) <= 10
    print("PASS" if passed else "FAIL")
    sys.exit(0 if passed else 1)


if __name__ == "__main__":
    main()
