"""gunicorn for the plan portal, behind deploy/nginx.conf (never facing clients directly).

    gunicorn -c deploy/gunicorn.conf.py portal.wsgi:application

Worker class and count were chosen by measurement on a 2-core machine (bench/nginx.py,
numbers in docs/benchmarks.md): WORKER_CLASS_CHOICE below says which and why. Every value
can be overridden from the environment (GUNICORN_BIND, GUNICORN_WORKERS, GUNICORN_THREADS,
GUNICORN_WORKER_CLASS) or on the command line (command-line options win over this file).
"""

import multiprocessing
import os
from pathlib import Path

# The project folder (where portal/ is), whatever the current directory.
chdir = str(Path(__file__).resolve().parent.parent)

# Only nginx talks to gunicorn: bind to the loopback (or a private address on a separate
# app host, firewalled to the nginx hosts).
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")

# WORKER_CLASS_CHOICE: sync workers, 2 × cores + 1, by measurement (bench/nginx.py
# --workers-compare, 2 cores, docs/benchmarks.md). Through nginx with the micro-cache off,
# sync served 2,650–3,470 pages/s with p99 11–16 ms; gthread with 2 or 4 threads (nginx
# keeping upstream connections alive) 1,600–3,240 pages/s with p99 21–420 ms: the pages are
# CPU-bound Python, so threads only add GIL contention. The reason gthread is usually
# chosen, idle and slow clients, does not apply behind nginx: with 50 idle keep-alive
# connections and 20 slow clients open, a page through nginx took 1–2 ms with either class
# (straight to sync gunicorn: every request timed out at 3 s; that is why nginx is there).
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
workers = int(os.environ.get("GUNICORN_WORKERS", 2 * multiprocessing.cpu_count() + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))

# A request the app has not answered in 30 s is a bug: the worker is replaced and nginx
# answers 502 (nginx's proxy_read_timeout is longer, so gunicorn decides).
timeout = 30
graceful_timeout = 20
# Recycle workers now and then, so a slow leak can never grow without bound.
max_requests = 20000
max_requests_jitter = 2000

# nginx's connection to gunicorn is not kept alive with sync workers (they close after each
# response); this applies to gthread only.
keepalive = 5

# X-Forwarded-* are trusted from nginx on this host only (Django itself reads
# X-Forwarded-Proto when DJANGO_BEHIND_PROXY=1).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")

# nginx keeps the access log; gunicorn reports errors only, to stderr (journald).
accesslog = None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")
proc_name = "plan-portal"
