"""One agency's figures (its page on the console and in the statistics API)."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from insights.selectors.common import (
    FLOW_FIELDS,
    FRESHNESS_FIELDS,
    STATUS_FIELDS,
    _facts,
    _flow,
    _per_agency_status,
    _started,
    _sums,
    kind_label,
)
from insights.selectors.fields import _field_rates
from insights.selectors.status_grid import COLOURS, FRESHNESS, colour_of, freshness_of
from insights.selectors.totals import _trend
from iso_platform.months import add_months, month_end
from tenants.models import Agency, ReportSubmission


def agency_summary(*, agency: Agency | str, months: int = 12, today: dt.date | None = None) -> dict:
    """One agency's figures only: the last `months` months (this one included) and its
    current figures, colour and freshness. Nothing from its schema. `agency`: the agency
    or its code."""
    if isinstance(agency, str):
        agency = Agency.objects.select_related("parent").get(code=agency)
    today = today or timezone.localdate()
    months = max(1, min(int(months), 60))
    period_from = add_months(today, -(months - 1))
    period_to = month_end(today)
    only = Agency.objects.filter(pk=agency.pk)
    status = _per_agency_status(only).get(agency.pk)
    colour, reasons = colour_of(status, today=today, since=_started(agency.created_at))
    trend = _trend(period_from, period_to, only)
    totals = _flow(_facts(period_from, period_to, only).aggregate(**_sums(FLOW_FIELDS)))
    freshness = freshness_of(status, now=timezone.now())
    refreshed = bool(status and status["refreshed_at"] is not None)
    current = {f: status[f] for f in STATUS_FIELDS} if refreshed else None
    if current is not None:
        current.update(
            year=status["year"],
            review_held=status["review_held"],
            last_activity=status["last_activity"],
        )
    return {
        "agency": {
            "code": agency.code,
            "name": agency.name,
            "kind": agency.kind,
            "kind_label": kind_label(agency.kind),
            "parent": agency.parent.name if agency.parent_id else "",
            "status": agency.status,
        },
        "period_from": period_from,
        "period_to": period_to,
        "months": months,
        "totals": totals,
        "trend": trend,
        "fields": _field_rates(period_from, period_to, only),
        "current": current,
        # the annual QMS reports it submitted to the province (public rows, figures only)
        "reports": list(
            ReportSubmission.objects.filter(agency=agency)
            .order_by("-year")
            .values("year", "submitted_at", "announced_conformity")[:5]
        ),
        "colour": colour,
        "colour_label": str(COLOURS[colour]),
        "reasons": reasons,
        "freshness": freshness,
        "freshness_label": str(FRESHNESS[freshness]),
        **{f: (status or {}).get(f) for f in FRESHNESS_FIELDS},
    }
