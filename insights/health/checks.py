"""Platform health for the provincial administrator: what the health page and `/metrics` read.

Everything here reads the public schema, the PostgreSQL catalogue, Redis and (optionally)
the media directory; never an agency's tables. Each part degrades on its own: Redis down
shows "unavailable" for queues and errors, the rest of the page still answers.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from celery import current_app as app
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import Max, Min, Q
from django.utils import timezone

from insights.health.error_counter import errors_last_24h, shared_client
from insights.models import AgencyStatus as FactStatus
from tenants.failures import FailureSource, failure_sources
from tenants.models import Agency, AgencyStatus, SpareSchema
from tenants.services.pool import pool_size

logger = logging.getLogger(__name__)

FAILURE_WINDOW = timedelta(days=30)
# Facts are refreshed on every change and reconciled nightly: older than this is stale.
FACTS_STALE_AFTER = timedelta(hours=26)
SCHEMA_SIZES_CACHE_KEY = "insights:health:schema-sizes"
SCHEMA_SIZES_CACHE_SECONDS = 300
MEDIA_SCAN_SECONDS = 2.0
# kombu's Redis transport keeps messages sent with a priority in "<queue>\x06\x16<step>".
KOMBU_PRIORITY_SEP = "\x06\x16"
KOMBU_PRIORITY_STEPS = (3, 6, 9)


def agencies():
    return Agency.objects.agencies()


# --------------------------------------------------------------------------- storage


def schema_sizes(schema_names: list[str]) -> dict[str, int]:
    """Bytes used by each schema's tables, indexes and TOAST: one catalogue query."""
    if not schema_names:
        return {}
    with connection.cursor() as cur:
        cur.execute(
            """
            SELECT n.nspname, COALESCE(SUM(pg_total_relation_size(c.oid)), 0)::bigint
            FROM pg_namespace n
            LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relkind IN ('r', 'm')
            WHERE n.nspname = ANY(%s)
            GROUP BY n.nspname
            """,
            [list(schema_names)],
        )
        return {name: int(size) for name, size in cur.fetchall()}


def cached_schema_sizes(schema_names: list[str], *, fresh: bool = False):
    """`(sizes, computed_at)`, cached a few minutes: the query walks every relation."""
    cached = None if fresh else cache.get(SCHEMA_SIZES_CACHE_KEY)
    if cached and set(schema_names) <= set(cached["sizes"]):
        return cached["sizes"], cached["at"]
    sizes, at = schema_sizes(schema_names), timezone.now()
    try:
        cache.set(SCHEMA_SIZES_CACHE_KEY, {"sizes": sizes, "at": at}, SCHEMA_SIZES_CACHE_SECONDS)
    except Exception:  # noqa: BLE001 - the cache is an optimisation
        logger.warning("health: could not cache schema sizes", exc_info=True)
    return sizes, at


def media_sizes(schema_names: list[str], *, budget: float = MEDIA_SCAN_SECONDS):
    """Bytes under MEDIA_ROOT/<schema>/ for each schema, within a time budget.

    Returns `(sizes, complete)`; when the budget runs out the figures are lower bounds.
    """
    root = Path(settings.MEDIA_ROOT)
    deadline = time.monotonic() + budget
    sizes: dict[str, int] = {}
    for name in schema_names:
        total, stack = 0, [root / name]
        while stack:
            if time.monotonic() > deadline:
                sizes[name] = total
                return sizes, False
            try:
                with os.scandir(stack.pop()) as entries:
                    for entry in entries:
                        if entry.is_dir(follow_symlinks=False):
                            stack.append(entry.path)
                        elif entry.is_file(follow_symlinks=False):
                            total += entry.stat(follow_symlinks=False).st_size
            except OSError:
                continue
        sizes[name] = total
    return sizes, True


# --------------------------------------------------------------------------- queues


def queue_names() -> list[str]:
    """The broker queues the workers consume: the default queue and any routed ones."""
    names = {app.conf.task_default_queue or "celery"}
    for queue in app.conf.task_queues or ():
        names.add(getattr(queue, "name", str(queue)))
    routes = app.conf.task_routes
    for route in routes.values() if isinstance(routes, dict) else ():
        if isinstance(route, dict) and route.get("queue"):
            names.add(str(route["queue"]))
    return sorted(names)


def queue_depths(client=None) -> dict[str, int]:
    """Messages waiting in each broker queue (Redis LLEN, priority lists included)."""
    client = client or shared_client()
    names = queue_names()
    pipe = client.pipeline(transaction=False)
    for name in names:
        pipe.llen(name)
        for step in KOMBU_PRIORITY_STEPS:
            pipe.llen(f"{name}{KOMBU_PRIORITY_SEP}{step}")
    lengths = pipe.execute()
    per = 1 + len(KOMBU_PRIORITY_STEPS)
    return {name: int(sum(lengths[i * per : (i + 1) * per])) for i, name in enumerate(names)}


# --------------------------------------------------------------------------- failures


@dataclass
class FailureList:
    source: FailureSource
    count: int
    items: list


def failures(*, now=None, limit: int = 20) -> dict:
    """Failed work of every registered kind in the last 30 days: `lists` for the page,
    `<key>_count` per kind and `total`."""
    since = (now or timezone.now()) - FAILURE_WINDOW
    lists = []
    for source in failure_sources():
        failed = source.failed(since)
        items = list(failed[:limit]) if limit else []
        lists.append(FailureList(source=source, count=source.total(failed), items=items))
    result = {"since": since, "lists": lists, "total": sum(f.count for f in lists)}
    result.update({f"{f.source.key}_count": f.count for f in lists})
    return result


# --------------------------------------------------------------------------- pool and facts


def pool_state() -> dict:

    return {
        "ready": pool_size(),
        "total": SpareSchema.objects.count(),
        "target": settings.AGENCY_POOL_SIZE,
    }


def facts_state(*, now=None) -> dict:
    now = now or timezone.now()
    active = agencies().filter(status=AgencyStatus.ACTIVE)
    bounds = FactStatus.objects.filter(agency__in=active).aggregate(
        newest=Max("refreshed_at"), oldest=Min("refreshed_at")
    )
    stale = active.filter(
        Q(insight__isnull=True)
        | Q(insight__refreshed_at__isnull=True)
        | Q(insight__refreshed_at__lt=now - FACTS_STALE_AFTER)
    )
    with_error = FactStatus.objects.exclude(last_error="").select_related("agency")
    return {
        "newest": bounds["newest"],
        "oldest": bounds["oldest"],
        "stale_after": FACTS_STALE_AFTER,
        "stale_count": stale.count(),
        "errors_count": with_error.count(),
        "errors": list(with_error.order_by("-failed_at")[:20]),
    }


def stale_facts_count(*, now=None) -> int:
    return facts_state(now=now)["stale_count"]


# --------------------------------------------------------------------------- the page


@dataclass
class AgencyHealth:
    agency: Agency
    schema_bytes: int = 0
    facts_bytes: int = 0
    media_bytes: int | None = None
    errors_24h: int = 0

    @property
    def total_bytes(self) -> int:
        return self.schema_bytes + (self.media_bytes or 0)


@dataclass
class Snapshot:
    rows: list[AgencyHealth]
    sizes_at: object
    media_complete: bool | None
    errors_available: bool
    error_hours: list = field(default_factory=list)
    error_totals_by_hour: list = field(default_factory=list)
    errors_elsewhere: dict = field(default_factory=dict)  # "public", "-", unknown schemas
    queues: dict | None = None
    pool: dict = field(default_factory=dict)
    failures: dict = field(default_factory=dict)
    facts: dict = field(default_factory=dict)


def snapshot(*, with_media: bool = False, fresh_sizes: bool = False) -> Snapshot:
    agency_list = list(agencies().order_by("name").select_related("insight"))
    names = [a.schema_name for a in agency_list]
    sizes, sizes_at = cached_schema_sizes(names, fresh=fresh_sizes)
    media, media_complete = media_sizes(names) if with_media else ({}, None)
    rows = []
    for agency in agency_list:
        insight = getattr(agency, "insight", None)
        rows.append(
            AgencyHealth(
                agency=agency,
                schema_bytes=sizes.get(agency.schema_name, 0),
                facts_bytes=insight.storage_bytes if insight is not None else 0,
                media_bytes=media.get(agency.schema_name) if with_media else None,
            )
        )
    snap = Snapshot(
        rows=rows, sizes_at=sizes_at, media_complete=media_complete, errors_available=False
    )
    client = shared_client()
    try:
        hours, counts = errors_last_24h(client=client)
    except Exception:  # noqa: BLE001 - Redis down: the rest of the page still answers
        logger.warning("health: Redis unavailable, errors not shown", exc_info=True)
    else:
        by_schema = {row.agency.schema_name: row for row in rows}
        for schema, series in counts.items():
            if schema in by_schema:
                by_schema[schema].errors_24h = sum(series)
            else:
                snap.errors_elsewhere[schema] = sum(series)
        snap.error_hours = [timezone.localtime(h) for h in hours]
        snap.error_totals_by_hour = [
            sum(series[i] for series in counts.values()) for i in range(len(hours))
        ]
        snap.errors_available = True
    try:
        snap.queues = queue_depths(client)
    except Exception:  # noqa: BLE001
        logger.warning("health: Redis unavailable, queue depths not shown", exc_info=True)
    snap.pool = pool_state()
    snap.failures = failures()
    snap.facts = facts_state()
    return snap
