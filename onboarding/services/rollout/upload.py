"""Upload (read, check, store the batch and its rows) and start (queue a validated batch)."""

from __future__ import annotations

import hashlib
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from iso_platform.audit import platform_record
from onboarding.province.models import RolloutBatch, RolloutRow, RolloutStatus, RowStatus
from onboarding.services.rollout.checking import CheckedRow, rollout_check
from onboarding.services.rollout.common import FIELDS, MSG_NOT_STARTABLE
from onboarding.services.rollout.parsing import rollout_parse
from tenants.models import AgencyKind

logger = logging.getLogger(__name__)


def rollout_upload(
    *, content: bytes, file_name: str, create_valid_only: bool = False, uploaded_by=None
) -> RolloutBatch:
    """Read and check a file; store the batch and its rows (and nothing else)."""
    parsed = rollout_parse(content=content, file_name=file_name)
    checked = rollout_check(parsed.rows) if not parsed.errors else []
    valid = sum(1 for row in checked if not row.errors)
    refused = bool(parsed.errors) or not valid or (valid < len(checked) and not create_valid_only)
    with transaction.atomic():
        batch = RolloutBatch.objects.create(
            file_name=file_name[:255],
            file_sha256=hashlib.sha256(content).hexdigest(),
            status=RolloutStatus.REFUSED if refused else RolloutStatus.VALIDATED,
            create_valid_only=create_valid_only,
            total_rows=len(checked),
            valid_rows=valid,
            errors=parsed.errors,
            uploaded_by=uploaded_by,
        )
        RolloutRow.objects.bulk_create(
            [_row_for(batch, row, create_valid_only=create_valid_only) for row in checked],
            batch_size=500,
        )
    return batch


def _row_for(batch: RolloutBatch, row: CheckedRow, *, create_valid_only: bool) -> RolloutRow:
    v = row.values
    status = RowStatus.PENDING
    if row.errors:
        status = RowStatus.SKIPPED if create_valid_only else RowStatus.INVALID
    stored = {key: v[key] for key in FIELDS}
    if v["kind"] not in AgencyKind.values:
        stored["kind"] = v["kind_raw"]  # shown back as typed, next to its error
    limits = {f.name: f.max_length for f in RolloutRow._meta.fields if f.name in FIELDS}
    return RolloutRow(
        batch=batch,
        line=row.line,
        errors=row.errors,
        status=status,
        **{key: value[: limits[key]] for key, value in stored.items()},
    )


def rollout_start(*, batch: RolloutBatch) -> RolloutBatch:
    """Confirm a validated batch: queue its provisioning (after commit)."""
    with transaction.atomic():
        batch = RolloutBatch.objects.select_for_update().get(pk=batch.pk)
        if batch.status != RolloutStatus.VALIDATED:
            raise ValidationError(_(MSG_NOT_STARTABLE), code="not_startable")
        batch.status, batch.started_at = RolloutStatus.QUEUED, timezone.now()
        batch.save(update_fields=["status", "started_at"])
        _audit_start(batch)
        transaction.on_commit(lambda: _enqueue(batch.pk))
    return batch


def _audit_start(batch: RolloutBatch) -> None:

    platform_record(
        action="rollout_start",
        subject_type="rolloutbatch",
        subject_id=batch.pk,
        subject_label=batch.file_name,
        actor=batch.uploaded_by,
        changes={"rows": batch.valid_rows, "sha256": batch.file_sha256},
    )


def _enqueue(batch_id) -> None:
    # A cycle otherwise: onboarding.tasks imports the rollout services.
    from onboarding.tasks import rollout_run as task

    try:
        task.delay(str(batch_id))
    except Exception:  # the broker is down: rollout_batches_resume queues it again
        logger.exception("could not queue rollout batch %s", batch_id)
