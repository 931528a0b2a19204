"""Time limits for the long tasks (settings CELERY_LONG_TASK_*)."""

from __future__ import annotations


def long_task_limits() -> dict:
    """Time limits for the tasks that build or move whole agencies (provisioning, pool,
    rollouts, merges, splits, exports, imports, restores), instead of the default ones."""
    from django.conf import settings

    return {
        "soft_time_limit": settings.CELERY_LONG_TASK_SOFT_TIME_LIMIT,
        "time_limit": settings.CELERY_LONG_TASK_TIME_LIMIT,
    }
