"""The warm pool: pre-migrated spare schemas, claimed in O(1) by a rename.

A spare is a real, fully migrated agency schema named `pool_<hex>` with a
`SpareSchema` row. Claiming locks one row with `FOR UPDATE SKIP LOCKED` (two
concurrent claims never see the same spare), renames the schema and deletes
the row, inside the caller's transaction: if anything after the claim fails,
the rename and the delete roll back together and the spare is a spare again.
"""

from __future__ import annotations

import logging
import time

from django.conf import settings
from django.db import connection, transaction

from tenants.models import SpareSchema
from tenants.services import schemas

logger = logging.getLogger(__name__)

METHOD_CLONE = "clone"
METHOD_MIGRATE = "migrate"
METHOD_REPLAY = "replay"  # the template's captured DDL and rows, replayed (see schemas.py)
METHODS = (METHOD_CLONE, METHOD_MIGRATE, METHOD_REPLAY)
REFILL_LOCK_ID = 0x6E150001  # pg advisory lock: one refiller at a time


def spare_build(*, method: str = METHOD_CLONE) -> SpareSchema:
    """Build one spare schema (by clone, replay or migrations) and register it, in one
    transaction.

    Until the commit no other session sees the schema, and a failure rolls the
    DDL back: no half-built spare ever exists. Replay falls back to cloning where
    pg_dump cannot be used; the row records the method actually used.
    """
    if method not in METHODS:
        raise ValueError(f"unknown spare build method {method!r}")
    name = schemas.new_pool_name()
    started = time.perf_counter()
    if method == METHOD_REPLAY:
        schemas.replay_script()  # captured (once) before our transaction: pg_dump reads commits
    with transaction.atomic():
        if method == METHOD_REPLAY and not schemas.create_replayed(name):
            method = METHOD_CLONE
        if method == METHOD_CLONE:
            schemas.create_cloned(name)
        elif method == METHOD_MIGRATE:
            schemas.create_migrated(name)
        return SpareSchema.objects.create(
            schema_name=name,
            migration_state=schemas.migration_state(),
            method=method,
            build_ms=int((time.perf_counter() - started) * 1000),
        )


def spare_claim(*, rename_to: str, prefer: SpareSchema | None = None) -> SpareSchema | None:
    """Take one current spare and rename it to `rename_to`. Call inside a transaction."""
    if not connection.in_atomic_block:
        raise RuntimeError("spare_claim must run inside transaction.atomic()")
    current = SpareSchema.objects.select_for_update(skip_locked=True).filter(
        migration_state=schemas.migration_state()
    )
    spare = None
    if prefer is not None:
        spare = current.filter(pk=prefer.pk).first()
    if spare is None:
        spare = current.order_by("id").first()
    if spare is None:
        return None
    schemas.rename(spare.schema_name, rename_to)
    spare.delete()
    return spare


def pool_size() -> int:
    return SpareSchema.objects.filter(migration_state=schemas.migration_state()).count()


def pool_refill(*, target: int | None = None, method: str = METHOD_REPLAY) -> int:
    """Build spares until the pool holds `target` current ones; return how many were built.

    An advisory lock keeps two refillers (beat and an on-commit trigger, say) from
    overshooting together; a second caller simply returns 0.
    """
    target = settings.AGENCY_POOL_SIZE if target is None else target
    with connection.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(%s)", [REFILL_LOCK_ID])
        if not cur.fetchone()[0]:
            return 0
    try:
        _drop_stale_spares()
        built = 0
        while pool_size() < target:
            spare_build(method=method)
            built += 1
        return built
    finally:
        with connection.cursor() as cur:
            cur.execute("SELECT pg_advisory_unlock(%s)", [REFILL_LOCK_ID])


def _drop_stale_spares() -> None:
    """Spares built by older code are rebuilt rather than claimed.

    `migrate_fleet` normally brings them up to date; this covers a spare that
    was built while a deploy was half-way.
    """
    stale = SpareSchema.objects.exclude(migration_state=schemas.migration_state())
    for spare in stale:
        applied = schemas.applied_migrations([spare.schema_name]).get(spare.schema_name)
        if applied is not None and schemas.is_up_to_date(applied):
            spare.migration_state = schemas.migration_state()
            spare.save(update_fields=["migration_state"])
            continue
        with transaction.atomic():
            schemas.drop(spare.schema_name)
            spare.delete()
    # Pool schemas without a row (a crash between CREATE SCHEMA and the insert) are orphans.
    registered = set(SpareSchema.objects.values_list("schema_name", flat=True))
    with connection.cursor() as cur:
        cur.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE %s", ["pool\\_%"])
        orphans = {row[0] for row in cur.fetchall()} - registered
    for name in orphans:
        logger.warning("dropping orphan pool schema %s", name)
        schemas.drop(name)
