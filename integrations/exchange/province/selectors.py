"""Exchange trouble as the province reads it (public schema only): the health page, `/metrics`
and the console's connection page."""

from __future__ import annotations

import datetime as dt

from django.db.models import Exists, QuerySet, Sum
from django.utils import timezone

from integrations.exchange.province.models import AgencyBacklog, PlatformConnection, PlatformHealth

# A package normally leaves within seconds; one still waiting after this is stuck.
STUCK_AFTER = dt.timedelta(hours=1)


def connection_failing(since=None) -> QuerySet:
    """The health row while the connection is switched on and its last request failed."""
    enabled = PlatformConnection.objects.filter(pk=1, enabled=True)
    return PlatformHealth.objects.filter(failing_since__isnull=False).filter(Exists(enabled))


def backlogs_stuck(since=None, *, now=None) -> QuerySet:
    """Agencies whose oldest waiting package has waited longer than `STUCK_AFTER`, the longest
    first (`since` is the health page's window: a stuck package is current, not past)."""
    limit = (now or timezone.now()) - STUCK_AFTER
    return (
        AgencyBacklog.objects.filter(waiting__gt=0, oldest_at__lte=limit)
        .select_related("agency")
        .order_by("oldest_at", "agency__name")
    )


def packages_waiting(rows: QuerySet) -> int:
    return rows.aggregate(n=Sum("waiting"))["n"] or 0


def backlogs_waiting() -> QuerySet:
    """Every agency with a package waiting, for the console's connection page."""
    return (
        AgencyBacklog.objects.filter(waiting__gt=0)
        .select_related("agency")
        .order_by("oldest_at", "agency__name")
    )
