"""Running a batch: one runner per batch, each row's agency in its own transaction; the beat
queues again the batches nobody runs."""

from __future__ import annotations

import contextlib
import logging
import time
import zlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import InterfaceError, OperationalError, connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from onboarding.province.models import RolloutBatch, RolloutRow, RolloutStatus, RowStatus
from onboarding.services.rollout import upload
from onboarding.services.rollout.checking import provisioning_order
from onboarding.services.rollout.common import (
    EVENT_ACTION,
    LOCK_CLASS,
    MSG_PARENT_NOT_CREATED,
    MSG_SYSTEM,
    STALE_AFTER,
)
from tenants.models import Agency, AgencyEvent
from tenants.services import events, pool
from tenants.services.provisioning import AgencySpec, agency_provision

logger = logging.getLogger(__name__)


def _lock_key(batch_id) -> int:
    return zlib.crc32(str(batch_id).encode()) - 2**31  # a signed int4


@contextlib.contextmanager
def _runner_lock(batch_id):
    """Session-level advisory lock: held across the run's many transactions, and released
    by PostgreSQL itself if the worker dies."""
    with connection.cursor() as cur:
        cur.execute("SELECT pg_try_advisory_lock(%s, %s)", [LOCK_CLASS, _lock_key(batch_id)])
        locked = cur.fetchone()[0]
    try:
        yield locked
    finally:
        if locked:
            with connection.cursor() as cur:
                cur.execute("SELECT pg_advisory_unlock(%s, %s)", [LOCK_CLASS, _lock_key(batch_id)])


def rollout_run(*, batch_id) -> str:
    """Provision every pending row of a queued (or interrupted) batch; safe to call twice."""
    connection.set_schema_to_public()
    with _runner_lock(batch_id) as locked:
        if not locked:
            return "busy"  # another worker is running this batch
        batch = RolloutBatch.objects.get(pk=batch_id)
        if batch.status not in (RolloutStatus.QUEUED, RolloutStatus.RUNNING):
            return batch.status
        RolloutBatch.objects.filter(pk=batch.pk).update(status=RolloutStatus.RUNNING)
        rows = list(batch.rows.filter(status__in=_RUNNABLE + _FINISHED))
        _recover(batch, rows)
        by_code = {row.code: row for row in rows}
        todo = [row for row in provisioning_order(rows) if row.status == RowStatus.PENDING]
        for row in todo:
            _spares_ahead()
            _provision_row(batch, row, by_code)
        return _finish(batch)


_RUNNABLE = (RowStatus.PENDING, RowStatus.RUNNING)
_FINISHED = (RowStatus.DONE, RowStatus.FAILED)


def _recover(batch: RolloutBatch, rows: list[RolloutRow]) -> None:
    """After a crash: rows whose agency this batch created are DONE, other RUNNING rows
    run again."""
    created = {
        event.agency.code: event
        for event in AgencyEvent.objects.filter(
            action=EVENT_ACTION, detail__batch=str(batch.pk)
        ).select_related("agency")
    }
    for row in rows:
        if row.status not in _RUNNABLE:
            continue
        event = created.get(row.code)
        if event is not None:
            row.status, row.agency = RowStatus.DONE, event.agency
            row.method = row.method or event.detail.get("method", "")
            row.finished_at = row.finished_at or event.at
            row.save(update_fields=["status", "agency", "method", "finished_at"])
            logger.info(
                "rollout %s line %s: agency already created, marked done", batch.pk, row.line
            )
        elif row.status == RowStatus.RUNNING:
            row.status = RowStatus.PENDING
            row.save(update_fields=["status"])
    _recount(batch)


def _spares_ahead() -> None:
    """Before each row: one spare above the standing pool (AGENCY_POOL_SIZE), built by replay.

    A batch thus builds exactly the spares it claims, at the same cost for the 1st row and
    the 1,000th (replay does not slow down as schemas accumulate, cloning does), and leaves
    the standing pool as full as it found it; the background refill, which clones, has
    nothing to do meanwhile. Building the whole batch's spares first would cost the same
    in all and only delay the first agencies.
    """
    for _i in range(settings.AGENCY_POOL_SIZE + 1 - pool.pool_size()):
        pool.spare_build(method=pool.METHOD_REPLAY)


def _provision_row(batch: RolloutBatch, row: RolloutRow, by_code: dict) -> None:
    parent = by_code.get(row.parent_code) if row.parent_code else None
    if parent is not None and parent is not row and parent.status != RowStatus.DONE:
        message = _(MSG_PARENT_NOT_CREATED) % {"code": parent.code, "line": parent.line}
        _row_failed(batch, row, {"parent_code": [message]})
        return
    row.status, row.started_at = RowStatus.RUNNING, timezone.now()
    row.save(update_fields=["status", "started_at"])  # committed before the work starts
    started = time.perf_counter()
    try:
        with transaction.atomic():
            _create_agency(batch, row, started)
    except ValidationError as exc:
        _row_failed(batch, row, _messages_by_field(exc))
    except Exception as exc:
        if isinstance(exc, OperationalError | InterfaceError) and not connection.is_usable():
            raise  # the database is unreachable: the row stays RUNNING for the resumed run
        logger.exception("rollout %s line %s failed", batch.pk, row.line)
        _row_failed(batch, row, {"__all__": [_(MSG_SYSTEM) % {"error": type(exc).__name__}]})


def _create_agency(batch: RolloutBatch, row: RolloutRow, started: float) -> None:
    """One transaction: the agency (via the provisioning service), its plan, the event that
    names this batch, the row DONE and the counter."""
    result = agency_provision(
        spec=AgencySpec(
            code=row.code,
            name=row.name,
            kind=row.kind,
            admin_email=row.admin_email,
            admin_name=row.admin_name,
            parent_code=row.parent_code or None,
            plan_code=row.plan_code or None,
            identifier=row.identifier,
        ),
    )
    agency = result.agency
    agency.refresh_from_db(fields=["plan_code"])
    if row.plan_code and not agency.plan_code:  # no billing plans: keep the requested code
        Agency.objects.filter(pk=agency.pk).update(plan_code=row.plan_code)
    events.record(
        agency=agency,
        action=EVENT_ACTION,
        actor=batch.uploaded_by,
        detail={
            "batch": str(batch.pk),
            "line": row.line,
            "file": batch.file_name,
            "method": result.method,
        },
    )
    row.status, row.agency, row.method = RowStatus.DONE, agency, result.method
    row.duration_ms = int((time.perf_counter() - started) * 1000)
    row.finished_at = timezone.now()
    row.save(update_fields=["status", "agency", "method", "duration_ms", "finished_at"])
    RolloutBatch.objects.filter(pk=batch.pk).update(done_rows=F("done_rows") + 1)


def _messages_by_field(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {key: list(messages) for key, messages in exc.message_dict.items()}
    return {"__all__": list(exc.messages)}


def _row_failed(batch: RolloutBatch, row: RolloutRow, errors: dict[str, list[str]]) -> None:
    with transaction.atomic():
        updated = (
            RolloutRow.objects.filter(pk=row.pk)
            .exclude(status=RowStatus.DONE)
            .update(status=RowStatus.FAILED, errors=errors, finished_at=timezone.now())
        )
        if updated:
            RolloutBatch.objects.filter(pk=batch.pk).update(failed_rows=F("failed_rows") + 1)
    row.status, row.errors = RowStatus.FAILED, errors


def _recount(batch: RolloutBatch) -> None:
    counts = batch.rows.aggregate(
        done=Count("pk", filter=Q(status=RowStatus.DONE)),
        failed=Count("pk", filter=Q(status=RowStatus.FAILED)),
    )
    RolloutBatch.objects.filter(pk=batch.pk).update(
        done_rows=counts["done"], failed_rows=counts["failed"]
    )


def _finish(batch: RolloutBatch) -> str:
    _recount(batch)
    batch.refresh_from_db()
    batch.status = RolloutStatus.FAILED if batch.failed_rows else RolloutStatus.SUCCEEDED
    batch.finished_at = timezone.now()
    batch.save(update_fields=["status", "finished_at"])
    return batch.status


def rollout_batches_resume() -> int:
    """Queue again the batches nobody is running: a lost message, a crash, a restart."""
    cutoff = timezone.now() - STALE_AFTER
    candidates = RolloutBatch.objects.filter(
        Q(status=RolloutStatus.QUEUED, started_at__lt=cutoff) | Q(status=RolloutStatus.RUNNING)
    ).values_list("pk", flat=True)
    queued = 0
    for batch_id in candidates:
        with _runner_lock(batch_id) as free:
            pass
        if free:
            upload._enqueue(batch_id)  # via its module: one hook (tests, bench) for both callers
            queued += 1
    return queued
