"""Apply accepted inbox events to applications (in the agency's schema)."""

from __future__ import annotations

import logging
from collections import defaultdict

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from integrations.models import InboxEvent, InboxStatus
from integrations.services.ingest import APPLY_DEBOUNCE_KEY
from quality.procedures.events import validate
from quality.procedures.services.applications import applications_rebuild

logger = logging.getLogger(__name__)
CHUNK = 2000
LIVE = (InboxStatus.ACCEPTED, InboxStatus.APPLIED, InboxStatus.WAITING)


def inbox_apply_pending(*, max_rounds: int = 100) -> int:
    """Apply every accepted event; return how many inbox rows were processed."""
    cache.delete(APPLY_DEBOUNCE_KEY)
    total = 0
    for _round in range(max_rounds):
        picked, done = _apply_chunk()
        total += done
        if picked < CHUNK:
            break
    return total


@transaction.atomic
def _apply_chunk() -> tuple[int, int]:
    pending = list(
        InboxEvent.objects.select_for_update(skip_locked=True)
        .filter(status=InboxStatus.ACCEPTED)
        .order_by("id")
        .values_list("id", "application_code")[:CHUNK]
    )
    if not pending:
        return 0, 0
    codes = {code for _id, code in pending}
    events = defaultdict(list)
    rows_by_code = defaultdict(list)
    for row_id, code, payload in InboxEvent.objects.filter(
        application_code__in=codes, status__in=LIVE
    ).values_list("id", "application_code", "payload"):
        events[code].append(validate(payload, check_future=False))  # stored as valid
        rows_by_code[code].append(row_id)
    try:
        outcomes = applications_rebuild(dict(events))
    except Exception:
        logger.exception("applying %s inbox events failed", len(pending))
        raise
    # Rows of the same applications beyond this chunk are applied now too: count them all.
    newly = InboxEvent.objects.filter(
        application_code__in=codes, status=InboxStatus.ACCEPTED
    ).count()
    _record(outcomes, rows_by_code)
    return len(pending), newly


def _record(outcomes: dict[str, str], rows_by_code) -> None:
    now = timezone.now()
    by_status = defaultdict(list)
    for code, outcome in outcomes.items():
        status = {"applied": InboxStatus.APPLIED, "waiting": InboxStatus.WAITING}.get(
            outcome, InboxStatus.FAILED
        )
        by_status[(status, "" if status != InboxStatus.FAILED else outcome)] += rows_by_code[code]
    for (status, error), ids in by_status.items():
        InboxEvent.objects.filter(id__in=ids).update(status=status, error=error, applied_at=now)
