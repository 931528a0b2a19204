"""A short-lived, per-process memo of host -> agency for the tenant routing.

Every request used to pay a `Domain JOIN Agency` query (and its `SET search_path` to public)
before anything else. The answer changes only when an agency is suspended, archived, merged,
renamed or given another domain, so each process keeps it for `TTL_SECONDS`:

- keyed by the host name, one entry per agency domain (unknown hosts are never stored);
- every request gets its own copy of the row, so nothing a view does to `request.tenant`
  reaches another request or another thread;
- any save or delete of an `Agency` or a `Domain` empties it in this process, at once and
  again when the transaction commits (a request between the two could otherwise store the
  row as it was before the commit); another process sees the change within TTL_SECONDS;
- never read nor filled inside a transaction (`connection.in_atomic_block`): what is read
  there may be rolled back, and must not outlive it. Requests are not atomic (no
  ATOMIC_REQUESTS), so this only ever bypasses the memo in tests, which keep their old
  behaviour exactly.
"""

from __future__ import annotations

import copy
import threading
import time

from django.db import connection, transaction
from django.db.models.signals import post_delete, post_save

from tenants.models import Agency, Domain

TTL_SECONDS = 5.0

_entries: dict[str, tuple[float, object]] = {}
_generation = 0
_lock = threading.Lock()


def lookup(hostname: str, load):
    """The agency of `hostname`: from the memo, or `load(hostname)` (which may raise)."""
    if connection.in_atomic_block:
        return load(hostname)
    now = time.monotonic()
    found = _entries.get(hostname)
    if found is not None and found[0] > now:
        return copy.copy(found[1])
    generation = _generation
    tenant = load(hostname)
    with _lock:
        if generation == _generation:  # nothing changed while we read: safe to keep
            _entries[hostname] = (now + TTL_SECONDS, copy.copy(tenant))
    return tenant


def clear() -> None:
    global _generation
    with _lock:
        _generation += 1
        _entries.clear()


def _changed(sender, **_kwargs):
    clear()
    if connection.in_atomic_block:
        transaction.on_commit(clear)


def connect() -> None:

    for model in (Agency, Domain):
        post_save.connect(_changed, sender=model, dispatch_uid=f"eiso-host-cache-save-{model}")
        post_delete.connect(_changed, sender=model, dispatch_uid=f"eiso-host-cache-del-{model}")
