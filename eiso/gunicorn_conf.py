"""Gunicorn settings for the web process (`gunicorn -c python:eiso.gunicorn_conf`).

Everything comes from the environment so the same image serves every deployment:
`PORT` (8000), `WEB_CONCURRENCY` worker processes (2 x CPUs + 1 capped at 8 when unset),
`GUNICORN_THREADS` threads per worker (4), `GUNICORN_TIMEOUT` seconds (60).

With `PROMETHEUS_MULTIPROC_DIR` set, the directory is emptied when the master starts (a
restarted container keeps its emptyDir volume, and stale worker files would be summed
forever) and a dead worker's live gauges are dropped.

Each worker moves the objects of the loaded application out of the collector's reach once it
has started (`gc.freeze`): they are never garbage, yet a full collection walked all of them
(about 280,000, some 100 ms) every dozen requests of a page that builds many rows, the
slowest twentieth of the 900-agency wave page (bench/evaluation.py).
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import shutil
from pathlib import Path

from iso_platform import env

bind = f"0.0.0.0:{env.integer('PORT', 8000, minimum=1, maximum=65535)}"
workers = env.integer("WEB_CONCURRENCY", min(2 * multiprocessing.cpu_count() + 1, 8), minimum=1)
threads = env.integer("GUNICORN_THREADS", 4, minimum=1)
worker_class = "gthread"
timeout = env.integer("GUNICORN_TIMEOUT", 60, minimum=1)
graceful_timeout = 30
keepalive = 5
max_requests = env.integer("GUNICORN_MAX_REQUESTS", 2000, minimum=0)
max_requests_jitter = max_requests // 10
accesslog = "-"
errorlog = "-"
# Heartbeat files of the workers: memory, not the (read-only) root filesystem.
worker_tmp_dir = "/dev/shm" if Path("/dev/shm").is_dir() else None  # noqa: S108
forwarded_allow_ips = env.string("FORWARDED_ALLOW_IPS", default="127.0.0.1")


def on_starting(server):  # pragma: no cover - runs inside gunicorn's master
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory and Path(directory).is_dir():
        for entry in Path(directory).iterdir():
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)


def post_worker_init(worker):
    gc.collect()
    gc.freeze()


def child_exit(server, worker):  # pragma: no cover - runs inside gunicorn's master
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
