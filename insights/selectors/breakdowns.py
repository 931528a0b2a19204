"""Figures grouped by agency kind or by parent agency."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from insights.models import AgencyStatus
from insights.selectors.common import (
    FLOW_FIELDS,
    _facts,
    _flow,
    _sums,
    counted_agencies,
    kind_label,
)
from tenants.models import Agency

BREAKDOWNS = {"kind": "agency__kind", "parent": "agency__parent"}
NO_PARENT = _("Không có cơ quan cấp trên")


def breakdown(*, by: str, period_from: dt.date, period_to: dt.date) -> list[dict]:
    """Figures grouped by agency kind or by parent agency (one row per group that has
    counted agencies, groups without facts included with zeros)."""
    if by not in BREAKDOWNS:
        raise ValueError(f"unknown breakdown {by!r}")
    group = BREAKDOWNS[by]
    agencies = counted_agencies()
    own = group.removeprefix("agency__")
    counts = dict(agencies.values_list(own).annotate(n=Count("pk")).order_by())
    flows = {
        row[group]: row
        for row in _facts(period_from, period_to, agencies)
        .values(group)
        .annotate(**_sums(FLOW_FIELDS))
        .order_by()
    }
    stock_fields = (
        "overdue_now",
        "ncs_overdue",
        "actions_overdue",
        "documents_review_overdue",
        "audits_done",
    )
    stocks = {
        row[group]: row
        for row in AgencyStatus.objects.filter(agency_id__in=agencies.values("pk"))
        .values(group)
        .annotate(**_sums(stock_fields), reviews_held=Count("pk", filter=Q(review_held=True)))
        .order_by()
    }
    if by == "kind":
        labels = {key: (key, kind_label(key)) for key in counts}
    else:
        parents = {
            pk: (code, name)
            for pk, code, name in Agency.objects.filter(
                pk__in=[k for k in counts if k]
            ).values_list("pk", "code", "name")
        }
        labels = {
            key: parents.get(key, ("", "")) if key else (None, str(NO_PARENT)) for key in counts
        }
    out = []
    for key, n in counts.items():
        row = _flow(flows.get(key, {}))
        stock = stocks.get(key, {})
        row.update({f: int(stock.get(f) or 0) for f in (*stock_fields, "reviews_held")})
        row.update(key=labels[key][0], label=labels[key][1], agencies=n)
        out.append(row)
    return sorted(out, key=lambda r: (r["key"] is None, r["label"]))
