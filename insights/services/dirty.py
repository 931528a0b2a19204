"""Freshness: a write in an agency marks it dirty and queues one debounced refresh.

Why debounced: an inbox batch or a document issue writes dozens of rows; one refresh
`INSIGHTS_DEBOUNCE_SECONDS` after the first write covers them all. The Redis key
`insights:debounce:<schema>` (kept under the public prefix, so that the console's beat task
sees the same key as the agency's requests) says a refresh is already queued. If the queue or
the cache is down, `dirty_since` stays set and the every-minute `insights.refresh_dirty` task
catches the agency; the nightly reconciliation catches everything else.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
import logging

from django.conf import settings
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from insights.models import AgencyStatus
from insights.tasks import refresh_agency_task
from iso_platform.workdays.calendar import TZ

logger = logging.getLogger(__name__)

_suspended: contextvars.ContextVar[bool] = contextvars.ContextVar(
    "insights_dirty_off", default=False
)

# One statement: set dirty_since if it is not set, and say whether a status row exists.
MARK_SQL = """
WITH agency AS (SELECT id FROM public.tenants_agency WHERE schema_name = %(schema)s),
marked AS (
  UPDATE public.insights_agencystatus st SET dirty_since = %(now)s FROM agency
  WHERE st.agency_id = agency.id AND st.dirty_since IS NULL RETURNING 1
)
SELECT agency.id, EXISTS (SELECT 1 FROM public.insights_agencystatus st
                          WHERE st.agency_id = agency.id)
FROM agency
"""


def debounce_seconds() -> int:
    return int(getattr(settings, "INSIGHTS_DEBOUNCE_SECONDS", 20))


def debounce_key(schema: str) -> str:
    return f"insights:debounce:{schema}"


@contextlib.contextmanager
def suspended():
    """No dirty marks inside (bulk data moves, imports): the caller refreshes once after."""
    token = _suspended.set(True)
    try:
        yield
    finally:
        _suspended.reset(token)


def is_suspended() -> bool:
    return _suspended.get()


def current_agency_schema() -> str | None:
    """The agency schema selected on this connection, or None on the public schema."""
    schema = getattr(connection, "schema_name", None)
    if not schema or schema == settings.PUBLIC_SCHEMA_NAME:
        return None
    return schema


def mark_dirty(*, schema: str | None = None) -> None:
    """Mark the current (or given) agency dirty once the current transaction commits.

    Called by the model signals and by the services that write with bulk statements (which
    send no signals). Several writes in one transaction queue one callback.
    """
    if is_suspended():
        return
    schema = schema or current_agency_schema()
    if schema is None:
        return
    for _sids, func, _robust in connection.run_on_commit:
        if isinstance(func, _AfterCommit) and func.schema == schema and not func.done:
            return  # already pending in this transaction
    transaction.on_commit(_AfterCommit(schema))


class _AfterCommit:
    """The on-commit callback; recognisable, so that a transaction queues it once."""

    def __init__(self, schema: str):
        self.schema, self.done = schema, False

    def __call__(self) -> None:
        self.done = True
        try:
            agency_mark_dirty(schema=self.schema)
            schedule_refresh(schema=self.schema)
        except Exception:  # never break the writer's request: beat and the nightly run catch up
            logger.exception("could not mark %s dirty for statistics", self.schema)


def agency_mark_dirty(*, schema: str, now: dt.datetime | None = None) -> None:
    """Set dirty_since if it is not set yet: one cheap UPDATE (a first status row is made if
    the agency has never been refreshed)."""
    now = now or timezone.now()
    with connection.cursor() as cur:
        cur.execute(MARK_SQL, {"schema": schema, "now": now})
        row = cur.fetchone()
    if row is None or row[1]:  # not an agency (a spare being built), or marked
        return

    AgencyStatus.objects.get_or_create(
        agency_id=row[0], defaults={"year": now.astimezone(TZ).year, "dirty_since": now}
    )


def debounce_clear(*, schema: str) -> None:
    """Forget that a refresh is queued (tests, and an operator forcing a new one)."""
    with schema_context(settings.PUBLIC_SCHEMA_NAME):
        cache.delete(debounce_key(schema))


def schedule_refresh(*, schema: str, countdown: int | None = None) -> bool:
    """Queue `insights.refresh_agency` in `schema` unless one is already queued (debounce).

    Returns whether a task was queued.
    """

    delay = debounce_seconds()
    with schema_context(settings.PUBLIC_SCHEMA_NAME):
        added = cache.add(debounce_key(schema), 1, timeout=delay)
    if not added:
        return False
    refresh_agency_task.apply_async(
        countdown=delay if countdown is None else countdown, headers={"_schema_name": schema}
    )
    return True


# --------------------------------------------------------------------------- receivers


def bulk_written(sender, **_kwargs) -> None:
    """Rows written with bulk statements (no model signals): the agency in use is dirty."""
    mark_dirty()


def agencies_rewritten(sender, *, schemas, **_kwargs) -> None:
    """A fleet operation rewrote these agencies with plain SQL and committed."""
    for schema in schemas:
        agency_mark_dirty(schema=schema)
        schedule_refresh(schema=schema)
