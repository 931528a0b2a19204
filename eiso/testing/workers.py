"""Real Celery workers and servers in tests: start them on an empty queue, stop them whole.

Tests that run inside a rolled-back transaction still queue tasks (a `.delay()` outside
`on_commit`), and nothing consumes them until a test starts a worker on the same Redis
database. Purge first, in the test process and before the worker starts: a worker's own
`--purge` runs after it has started, when the test may already have queued its task.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess

from celery import current_app as app


def purge_queued_tasks() -> int:
    return app.control.purge() or 0


def stop_process_group(process: subprocess.Popen, timeout: float = 20) -> None:
    """SIGTERM to the process's whole group (start it with `start_new_session=True`), then
    SIGKILL to what is left after `timeout`: a test never leaves a worker or its pool behind.
    """
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGTERM)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)  # the pool's children, if any outlived it
    process.wait(10)
