"""Life-cycle operations (merge, split, archive, export, import) as jobs.

An operation is previewed (a dry run that writes nothing but its own report),
confirmed, then run by a Celery task. The data part of a run is ONE database
transaction that also marks the operation finished, so a crash leaves either
everything or nothing; running a finished operation again does nothing; a run
that died half-way is simply run again (`lifecycle_operations_resume`).

While the run's transaction is open its progress cannot be read from the
database by other sessions, so the step and percentage also go to the cache.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from tenants.models import AgencyStatus as Status
from tenants.models import LifecycleOperation, OperationKind, OperationStatus
from tenants.services.datamove import files as move_files
from tenants.signals import agencies_rewritten
from tenants.tasks import lifecycle_operation_run

logger = logging.getLogger(__name__)
STALE_AFTER = timedelta(seconds=30)
RUNNING_STALE_AFTER = timedelta(minutes=15)
PROGRESS_TTL = 6 * 3600
FINISHED = (OperationStatus.SUCCEEDED, OperationStatus.FAILED)


def _key(op_id) -> str:
    return f"lifecycle:progress:{op_id}"


def progress(op_id, text: str, percent: int) -> None:
    """Publish the current step (cache, readable while the run's transaction is open)."""
    try:
        with schema_context("public"):
            cache.set(_key(op_id), {"step": str(text), "progress": int(percent)}, PROGRESS_TTL)
    except Exception:  # progress is a courtesy; the job goes on without Redis
        logger.warning("could not publish progress of %s", op_id)


def live_progress(op: LifecycleOperation) -> tuple[str, int]:
    if op.status in FINISHED or op.status == OperationStatus.PREVIEW:
        return op.step, op.progress
    try:
        with schema_context("public"):
            found = cache.get(_key(op.pk))
    except Exception:
        found = None
    if found:
        return found["step"], found["progress"]
    return op.step, op.progress


def step_callback(op_id) -> Callable[[str, int], None]:
    return lambda text, percent: progress(op_id, text, percent)


def confirm(op: LifecycleOperation) -> LifecycleOperation:
    """PREVIEW -> QUEUED, and queue the run after commit."""
    with transaction.atomic():
        op = LifecycleOperation.objects.select_for_update().get(pk=op.pk)
        if op.status != OperationStatus.PREVIEW:
            return op
        op.status = OperationStatus.QUEUED
        op.step = _("Đang chờ xử lý")
        op.progress = 0
        op.save(update_fields=["status", "step", "progress"])
        op_id = op.pk
        transaction.on_commit(lambda: enqueue(op_id))
    return op


def enqueue(op_id) -> None:

    try:
        lifecycle_operation_run.delay(str(op_id))
    except Exception:  # broker down: lifecycle_operations_resume queues it again
        logger.exception("could not queue life-cycle operation %s", op_id)


def start(op_id) -> LifecycleOperation | None:
    """Mark the operation running (committed). None: nothing to do (finished, or only a
    preview that nobody confirmed)."""
    with transaction.atomic():
        op = LifecycleOperation.objects.select_for_update().get(pk=op_id)
        if op.status in FINISHED or op.status == OperationStatus.PREVIEW:
            return None
        op.status = OperationStatus.RUNNING
        op.started_at = op.started_at or timezone.now()
        op.save(update_fields=["status", "started_at"])
    return op


LOCK_CLASS = 0x6E16  # pg advisory locks (LOCK_CLASS, <operation key>): one runner each


def _lock_key(op_id) -> int:
    return zlib.crc32(str(op_id).encode()) - (1 << 31)


def lock_run(op_id) -> bool:
    """Inside the run's transaction: one runner per operation (advisory lock)."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_xact_lock(%s, %s)", [LOCK_CLASS, _lock_key(op_id)])
        return bool(cur.fetchone()[0])


@contextmanager
def session_lock(op_id):
    """For runs that are not one transaction (export): True while this session holds the
    operation's lock, False when another runner has it."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_CLASS, _lock_key(op_id)])
        held = bool(cur.fetchone()[0])
    try:
        yield held
    finally:
        if held:
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_CLASS, _lock_key(op_id)])


def being_run(op_id) -> bool:
    """Whether some session runs the operation now (holds its lock)."""
    with connection.cursor() as cur:
        cur.execute(
            "SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND classid = %s::bigint::oid AND objid = %s::bigint::oid AND objsubid = 2)",
            [LOCK_CLASS, _lock_key(op_id) & 0xFFFFFFFF],
        )
        return bool(cur.fetchone()[0])


def succeed(op: LifecycleOperation, *, report: dict, step: str, **fields) -> None:
    """Inside the run's transaction: the operation is finished exactly when the data is."""
    op.status = OperationStatus.SUCCEEDED
    op.report = report
    op.step = step
    op.progress = 100
    op.error = ""
    op.finished_at = timezone.now()
    for name, value in fields.items():
        setattr(op, name, value)
    op.save()
    progress(op.pk, step, 100)
    _statistics_follow(op)


def _statistics_follow(op: LifecycleOperation) -> None:
    """Merge, split and import move rows with plain SQL (no model signals): once committed,
    the department's figures of the agencies they changed are recomputed."""

    if op.kind not in (OperationKind.MERGE, OperationKind.SPLIT, OperationKind.IMPORT):
        return
    schemas = [
        agency.schema_name
        for agency in (op.agency, op.other)
        if agency is not None and agency.status == Status.ACTIVE
    ]

    transaction.on_commit(lambda: statistics_follow(schemas))


def statistics_follow(schemas) -> None:
    """After a commit that changed these agencies' rows with plain SQL: announce it (the
    statistics queue their recomputation; a failure there is caught up by the nightly
    reconciliation, so it never fails the operation)."""
    for _receiver, outcome in agencies_rewritten.send_robust(sender=None, schemas=list(schemas)):
        if isinstance(outcome, Exception):
            logger.error("could not queue the statistics of %s", schemas, exc_info=outcome)


def fail(op_id, message: str) -> None:
    # Never overwrite a success (two deliveries of the same operation racing each other).
    LifecycleOperation.objects.filter(pk=op_id).exclude(status=OperationStatus.SUCCEEDED).update(
        status=OperationStatus.FAILED,
        error=message[:2000],
        step=_("Thất bại"),
        finished_at=timezone.now(),
    )
    progress(op_id, _("Thất bại"), 100)


# What runs each kind of operation. Export and import are this layer's; merge and split know
# every area and live in the composition layer (eiso.fleet), which registers them at start-up.
_runners: dict[str, Callable[..., Any]] = {}


def runner_register(kind: str, runner: Callable[..., Any]) -> None:
    """`runner(op_id=...)` carries out a confirmed operation of `kind` (an OperationKind)."""
    _runners[kind] = runner


def run(op_id) -> LifecycleOperation:
    """Run one operation, whatever its kind (the Celery task calls this)."""
    kind = LifecycleOperation.objects.values_list("kind", flat=True).get(pk=op_id)
    runner = _runners.get(kind)
    if runner is not None:
        runner(op_id=op_id)
    return LifecycleOperation.objects.get(pk=op_id)


def checkpoint(stage: str) -> None:
    """A seam for tests: a test replaces it to simulate a crash at `stage` of a run (merge,
    split, import, restore); the run must leave nothing half-done."""


def locked_run(
    op_id, work: Callable[[LifecycleOperation, Callable, list[str]], None], *, label: str
) -> LifecycleOperation:
    """Carry out a confirmed operation once, whatever the number of deliveries.

    The operation is started, its run lock taken, and `work(op, step, written)` runs in ONE
    transaction with the operation's row locked; `step(text, percent)` reports progress and
    `written` collects the stored files the work wrote. On failure the transaction rolls
    back, those files are deleted (no row points at them any more) and the reason is
    recorded on the operation.
    """
    op = start(op_id)
    if op is None:
        return LifecycleOperation.objects.get(pk=op_id)
    written: list[str] = []
    try:
        with transaction.atomic():
            if not lock_run(op.pk):
                return op  # another worker is on it
            op = LifecycleOperation.objects.select_for_update().get(pk=op.pk)
            if op.status != OperationStatus.RUNNING:
                return op
            work(op, step_callback(op.pk), written)
    except Exception as exc:
        connection.set_schema_to_public()
        move_files.delete_files(written)
        if not isinstance(exc, ValidationError):
            logger.exception("%s %s failed", label, op_id)
        fail(op_id, error_message(exc))
    connection.set_schema_to_public()
    return LifecycleOperation.objects.get(pk=op_id)


def lifecycle_operations_resume() -> int:
    """Queue again operations that waited too long or whose worker died mid-run."""
    now = timezone.now()
    stale = LifecycleOperation.objects.filter(
        status=OperationStatus.QUEUED, created_at__lt=now - STALE_AFTER
    ) | LifecycleOperation.objects.filter(
        status=OperationStatus.RUNNING, started_at__lt=now - RUNNING_STALE_AFTER
    )
    # A long run still in progress holds its lock: it is not queued again.
    ids = [op_id for op_id in stale.values_list("pk", flat=True) if not being_run(op_id)]
    for op_id in ids:
        enqueue(op_id)
    return len(ids)


def error_message(exc: Exception) -> str:
    from django.core.exceptions import ValidationError

    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return _("Lỗi hệ thống (%(error)s); không có dữ liệu nào bị thay đổi.") % {
        "error": type(exc).__name__
    }
