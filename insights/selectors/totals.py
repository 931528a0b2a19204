"""The province's totals over a period and their month-by-month trend."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth

from insights.models import AgencyStatus
from insights.selectors.common import (
    FLOW_FIELDS,
    STATUS_FIELDS,
    _facts,
    _field_facts,
    _flow,
    _sums,
    counted_agencies,
    months_between,
    rate,
)


def province_totals(
    *, period_from: dt.date, period_to: dt.date, kind: str | None = None, field: str | None = None
) -> dict:
    """Province-wide figures: flows over the period, stocks as of the last refresh.

    With `field`, the application figures are those of that procedure field (whole months;
    received, early and on-time are not kept per field and are None).
    """
    agencies = counted_agencies(kind=kind)
    totals = _flow(_facts(period_from, period_to, agencies).aggregate(**_sums(FLOW_FIELDS)))
    if field:
        by_field = _field_facts(period_from, period_to, agencies, field).aggregate(
            **_sums(("completed", "in_time", "late"))
        )
        totals.update(
            received=None,
            early=None,
            on_time=None,
            completed=by_field["completed"],
            in_time=by_field["in_time"],
            late=by_field["late"],
            on_time_rate=rate(by_field["in_time"], by_field["completed"]),
        )
    stock = AgencyStatus.objects.filter(agency_id__in=agencies.values("pk")).aggregate(
        **_sums(STATUS_FIELDS),
        reviews_held=Count("pk", filter=Q(review_held=True)),
        refreshed=Count("pk", filter=Q(refreshed_at__isnull=False)),
        refresh_errors=Count("pk", filter=~Q(last_error="")),
        pending=Count("pk", filter=Q(dirty_since__isnull=False)),
    )
    totals.update({k: int(v or 0) for k, v in stock.items()})
    totals.update(
        agencies=agencies.count(),
        period_from=period_from,
        period_to=period_to,
        kind=kind or None,
        field=field or None,
    )
    return totals


def _trend(period_from, period_to, agencies: QuerySet) -> list[dict]:
    rows = (
        _facts(period_from, period_to, agencies)
        .annotate(month=TruncMonth("period"))
        .values("month")
        .annotate(**_sums(FLOW_FIELDS))
        .order_by("month")
    )
    by_month = {row["month"]: row for row in rows}
    out = []
    for month in months_between(period_from, period_to):
        row = _flow(by_month.get(month, {}))
        row["month"] = month
        row["label"] = f"{month:%m/%Y}"
        out.append(row)
    return out


def monthly_trend(
    *, period_from: dt.date, period_to: dt.date, kind: str | None = None
) -> list[dict]:
    """One row per month touching the range (empty months included, with zeros); the rows
    add up to `province_totals` for the same range."""
    return _trend(period_from, period_to, counted_agencies(kind=kind))
