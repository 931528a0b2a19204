"""Real Celery workers in tests: start them on an empty queue.

Tests that run inside a rolled-back transaction still queue tasks (a `.delay()` outside
`on_commit`), and nothing consumes them until a test starts a worker on the same Redis
database. Purge first, in the test process and before the worker starts: a worker's own
`--purge` runs after it has started, when the test may already have queued its task.
"""

from __future__ import annotations


def purge_queued_tasks() -> int:
    from iso_platform.celery import app

    return app.control.purge() or 0
