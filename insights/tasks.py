"""Celery tasks of the statistics (the agency schema travels in the headers).

- `insights.refresh_agency`: one agency, queued (debounced) after writes in it;
- `insights.refresh_dirty`: beat, every minute: agencies still dirty after the debounce
  window with no refresh queued (a lost message, the cache or broker briefly down);
- `insights.reconcile_all`: beat, nightly: one refresh task per active agency.

Each agency is its own task, so one failing agency never blocks the others.
"""

from __future__ import annotations

import datetime as dt
import logging

from celery import shared_task
from django.conf import settings
from django.db import connection
from django.utils import timezone

logger = logging.getLogger(__name__)


@shared_task(name="insights.refresh_agency", acks_late=True, ignore_result=True)
def refresh_agency_task() -> int | None:
    """Refresh the agency whose schema this task runs in; return its refresh time in ms.

    A failure is recorded on the agency's status row by the service and logged here, not
    raised: the nightly run retries, and a retry storm would not fix a data error.
    """
    # A cycle otherwise: insights.services.dirty queues these tasks.
    from insights.services.refresh import agency_refresh
    from tenants.models import Agency

    schema = connection.schema_name
    agency = Agency.objects.filter(schema_name=schema).first()
    if agency is None or schema == settings.PUBLIC_SCHEMA_NAME:
        logger.warning("statistics refresh queued for %s, which is no agency", schema)
        return None
    try:
        return agency_refresh(agency=agency).refresh_ms
    except Exception:
        logger.exception("statistics refresh of %s failed", schema)
        return None


@shared_task(name="insights.refresh_dirty", ignore_result=True)
def refresh_dirty() -> int:
    """Safety net: queue a refresh for agencies dirty for longer than the debounce window
    whose debounce key has expired (so no refresh is queued). Returns how many were queued."""
    # A cycle otherwise: insights.services.dirty queues these tasks.
    from insights.models import AgencyStatus
    from insights.services.dirty import debounce_seconds, schedule_refresh
    from tenants.models import AgencyStatus as Lifecycle

    cutoff = timezone.now() - dt.timedelta(seconds=debounce_seconds())
    schemas = AgencyStatus.objects.filter(
        dirty_since__lt=cutoff, agency__status=Lifecycle.ACTIVE
    ).values_list("agency__schema_name", flat=True)
    queued = 0
    for schema in schemas:
        try:
            queued += schedule_refresh(schema=schema, countdown=0)
        except Exception:
            logger.exception("could not queue the statistics refresh of %s", schema)
    return queued


@shared_task(name="insights.reconcile_all", ignore_result=True)
def reconcile_all() -> int:
    """Nightly: one refresh task per active agency, whatever the signals missed."""
    # A cycle otherwise: insights.services.dirty queues these tasks.
    from insights.services.refresh import refreshable_agencies

    queued = 0
    for schema in refreshable_agencies().values_list("schema_name", flat=True):
        try:
            refresh_agency_task.apply_async(headers={"_schema_name": schema})
        except Exception:
            logger.exception("could not queue the statistics refresh of %s", schema)
        else:
            queued += 1
    return queued
