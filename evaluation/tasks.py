"""Celery task of the rollout evaluation (public schema, beat: nightly after statistics)."""

from __future__ import annotations

import logging

from celery import shared_task

from evaluation.services.baselines import baselines_measure
from evaluation.services.snapshots import snapshots_refresh

logger = logging.getLogger(__name__)


@shared_task(name="evaluation.snapshots_refresh", acks_late=True, ignore_result=True)
def snapshots_refresh_task() -> int:
    """Every agency's weekly figures, then the measured baselines; returns the row count."""
    summary = snapshots_refresh()
    measured = baselines_measure()
    logger.info(
        "weekly snapshots: %s rows in %.1f s, %s measured baselines",
        summary.rows,
        summary.seconds,
        measured,
    )
    return summary.rows
